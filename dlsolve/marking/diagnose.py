"""Diagnoses: one sentence that explains a wrong value, found by solving again, not by guessing.

- the sign is flipped (the value is the reference's negative);
- a different convention dlsolve knows (each kind's CONVENTIONS: ½ in MSE, mean vs sum, T² in
  distillation, ε inside or outside the root, …): the problem is solved again under each other
  choice, and the student's value is compared with that solution's answer;
- the update's sign (w + η·g for w − η·g), carried through every later step;
- a single entry of a vector or matrix with its sign flipped;
- rounding carried forward: the problem is solved again with every intermediate value rounded to
  N decimals (`--round N`), as by hand.
(A transposed matrix is recognised while grading.) A value that equals the reference under the
same rule (judged wrong only for too few significant digits) gets no diagnosis: a diagnosis is
given only when the value is wrong, matches the alternative, and does not match the reference. The solutions under other choices are made
once and shared by every student of a class.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from dlsolve.marking.grade import Rule, Verdict, reference_array, shaped
from dlsolve.expr import Add, Expr, Neg, Sym
from dlsolve.kinds import SolveOptions, takes
from dlsolve.solution import Section, Solution, Step

Solver = Callable[[Optional[dict[str, Any]], Optional[int]], Optional[Solution]]


class Alternatives:
    """Solutions of the same problem under other conventions and roundings, made when first asked."""

    def __init__(self, conventions: tuple[Any, ...] = (), data: Optional[dict[str, Any]] = None,
                 solve: Optional[Solver] = None, spec: Any = None) -> None:
        # only the conventions that can change this problem (Convention.applies to its spec): one
        # that cannot would solve the same problem again — for an optimizer's long objective run,
        # seconds each — to find the reference's own values
        self.conventions = tuple(c for c in conventions if spec is None or c.applies(spec))
        self.data, self._solve = data, solve
        self._by_convention: Optional[list[tuple[str, Solution]]] = None
        self._by_rounding: dict[int, Optional[Solution]] = {}
        self._flipped: dict[int, dict[str, np.ndarray]] = {}

    @classmethod
    def of(cls, problem: Any) -> "Alternatives":
        """A loaded problem (`dlsolve.load.Problem`) under each other convention its kind knows, and
        rounded by hand (solved only when a wrong answer asks for them)."""
        def solve_again(data: Optional[dict[str, Any]], round_to: Optional[int]) -> Optional[Solution]:
            try:
                if data is not None:
                    spec = problem.module.Spec.model_validate(data)
                    again: Solution = problem.module.solve(spec, SolveOptions())
                    return again
                if not takes(problem.spec.kind, "round") or round_to is None or round_to > SolveOptions.MAX_ROUND:
                    return None  # --round takes at most 12 decimals; past that, rounding explains no slip
                rounded: Solution = problem.module.solve(problem.spec, SolveOptions(round=round_to))
                return rounded
            except Exception:  # noqa: BLE001 - a choice this problem cannot take: no diagnosis from it
                return None

        return cls(getattr(problem.module, "CONVENTIONS", ()), problem.data, solve_again, problem.spec)

    def by_convention(self) -> list[tuple[str, Solution]]:
        if self._by_convention is None:
            self._by_convention = []
            if self._solve is not None and self.data is not None:
                for conv in self.conventions:
                    for label, data in conv.alternatives(self.data):
                        sol = self._solve(data, None)
                        if sol is not None:
                            self._by_convention.append((label, sol))
        return self._by_convention

    def flipped_update(self, solution: Solution) -> dict[str, np.ndarray]:
        """Each answer's value when every update step adds its step (w + η·g) instead of
        subtracting it: the wrong-sign update, carried through every later step."""
        key = id(solution)
        if key not in self._flipped:
            from dlsolve.marking.follow import follow_values

            self._flipped[key] = follow_values(solution, {}, _plus_update)
        return self._flipped[key]

    def rounded(self, n: int) -> Optional[Solution]:
        if n not in self._by_rounding:
            self._by_rounding[n] = self._solve(None, n) if self._solve is not None else None
        return self._by_rounding[n]


def _plus_update(section: Section, step: Step) -> Optional[Expr]:
    """An update step `w − step` (in an update or iteration section) as `w + step`, else None."""
    title = str(section.title).lower()
    f = step.formula
    if (("update" in title or "iteration" in title) and isinstance(f, Add) and len(f.terms) == 2
            and isinstance(f.terms[0], Sym) and isinstance(f.terms[1], Neg)):
        return Add((f.terms[0], f.terms[1].arg))
    return None


def _matches(v: Verdict, value: Any, decimals: Any, rule: Rule) -> bool:
    """The student's value is right for `value` under the rule, and `value` is not the reference."""
    try:
        ref = np.asarray(value, dtype=float)
        got, _ = shaped(v.name, v.given, ref)
    except Exception:  # noqa: BLE001 - another shape under that convention: no match
        return False
    dec = decimals if np.ndim(decimals) == 0 or np.size(decimals) != ref.size else np.reshape(decimals, ref.shape)
    return bool(np.all(rule.ok(got, ref, dec))) and not np.allclose(ref, np.asarray(v.reference, dtype=float),
                                                                      rtol=1e-12, atol=0.0)


def _right_by_rounding(v: Verdict, decimals: Any, rule: Rule) -> bool:
    """The value equals the reference under the rule (it was judged wrong for another reason:
    too few significant digits): then nothing else may claim to explain it."""
    try:
        ref = np.asarray(v.reference, dtype=float)
        got, transposed = shaped(v.name, v.given, ref)
    except Exception:  # noqa: BLE001
        return False
    if transposed and np.ndim(decimals) == 2:  # the layout is noted apart; the numbers are judged here
        decimals = np.asarray(decimals).T
    dec = decimals if np.ndim(decimals) == 0 or np.size(decimals) != ref.size else np.reshape(decimals, ref.shape)
    return bool(np.all(rule.ok(got, ref, dec)))


def _one_flipped_entry(v: Verdict, decimals: Any, rule: Rule) -> Optional[str]:
    """A vector or matrix right but for one entry whose sign is flipped."""
    ref = np.asarray(v.reference, dtype=float)
    if ref.size < 2 or len(v.wrong_entries) != 1 or not v.wrong_entries[0]:
        return None
    idx = v.wrong_entries[0]
    if ref[idx] == 0:
        return None
    flipped = ref.copy()
    flipped[idx] = -ref[idx]
    if _matches(v, flipped, decimals, rule):
        return f"the sign of {v.entry_name(idx)} is flipped (the other entries are right)"
    return None


def _worked_from_rounded(sol: Solution, name: str) -> Optional[np.ndarray]:
    """The answer's last steps evaluated from the rounded values before them, the result itself
    not rounded: what a student gets who rounds as they go and writes the last result in full."""
    from dlsolve.expr import evaluate
    from dlsolve.marking.blame import producing_steps
    from dlsolve.solution import Step

    answer = sol.answer(name)
    ref = reference_array(answer)
    steps = producing_steps(sol, answer.keys)
    if len(steps) != len(answer.keys):
        return None
    values = [evaluate(s.formula, s.bindings) if isinstance(s, Step) else s.value for s in steps]
    flat = np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in values])
    return flat.reshape(ref.shape) if flat.size == ref.size else None


def diagnose(v: Verdict, decimals: Any, rule: Rule, alt: Alternatives,
             solution: Optional[Solution] = None) -> Optional[str]:
    """The sentence that explains the student's wrong value, or None."""
    if v.right or v.problem is not None or v.word:  # a wrong word: no numeric slip explains it
        return None
    if v.diagnosis:
        return v.diagnosis
    if _right_by_rounding(v, decimals, rule):
        return None  # only short of digits: no slip to explain
    ref = np.asarray(v.reference, dtype=float)
    if np.any(ref != 0) and _matches(v, -ref, decimals, rule):
        return "the sign is flipped: your value is the negative of the right one"
    single = _one_flipped_entry(v, decimals, rule)
    if single:
        return single
    if ref.ndim == 2 and ref.shape[0] == ref.shape[1] and _matches(v, ref.T, decimals, rule):
        return ("your matrix is the transpose of the reference: the same numbers in the other layout "
                "(rows and columns swapped)")
    for label, by_convention in alt.by_convention():
        try:
            other: Optional[np.ndarray] = reference_array(by_convention.answer(v.name))
        except (KeyError, Exception):  # noqa: BLE001 - no such answer under that convention
            continue
        if _matches(v, other, decimals, rule):
            return f"your value is what the `{label}` convention gives"
    if solution is not None and v.name in alt.flipped_update(solution) and _matches(
            v, alt.flipped_update(solution)[v.name], decimals, rule):
        return "the update has the wrong sign: your value is what adding the step gives (w + η·g) instead of subtracting it (w − η·g)"
    if v.relative_error is not None and v.relative_error > 0.05:
        return None  # rounding by hand moves a value by far less than 5 %
    places = sorted({int(d) for d in np.ravel(decimals)} | {2, 3, 4})
    for n in places:
        sol = alt.rounded(n)
        if sol is None:
            continue
        try:
            other = _worked_from_rounded(sol, v.name)
        except (KeyError, Exception):  # noqa: BLE001
            continue
        if other is not None and _matches(v, other, decimals, rule):
            return (f"rounding carried forward: your value is what rounding every intermediate result to {n} "
                    f"decimals gives (dlsolve --round {n} shows that working)")
    return None
