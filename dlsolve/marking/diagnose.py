"""Diagnoses: one sentence that explains a wrong value, found by solving again, not by guessing.

- the sign is flipped (the value is the reference's negative);
- a different convention dlsolve knows (each kind's CONVENTIONS: ½ in MSE, mean vs sum, T² in
  distillation, ε inside or outside the root, …): the problem is solved again under each other
  choice, and the student's value is compared with that solution's answer;
- rounding carried forward: the problem is solved again with every intermediate value rounded to
  N decimals (`--round N`), as by hand.
(A transposed matrix is recognised while grading.) The solutions under other choices are made
once and shared by every student of a class.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from dlsolve.marking.grade import Rule, Verdict, reference_array, shaped
from dlsolve.solution import Solution

Solver = Callable[[Optional[dict], Optional[int]], Optional[Solution]]


class Alternatives:
    """Solutions of the same problem under other conventions and roundings, made when first asked."""

    def __init__(self, conventions: tuple = (), data: Optional[dict] = None, solve: Optional[Solver] = None) -> None:
        self.conventions, self.data, self._solve = conventions, data, solve
        self._by_convention: Optional[list[tuple[str, Solution]]] = None
        self._by_rounding: dict[int, Optional[Solution]] = {}

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

    def rounded(self, n: int) -> Optional[Solution]:
        if n not in self._by_rounding:
            self._by_rounding[n] = self._solve(None, n) if self._solve is not None else None
        return self._by_rounding[n]


def _matches(v: Verdict, value: Any, decimals: Any, rule: Rule) -> bool:
    try:
        ref = np.asarray(value, dtype=float)
        got, _ = shaped(v.name, v.given, ref)
    except Exception:  # noqa: BLE001 - another shape under that convention: no match
        return False
    dec = decimals if np.ndim(decimals) == 0 or np.size(decimals) != ref.size else np.reshape(decimals, ref.shape)
    return bool(np.all(rule.ok(got, ref, dec))) and not np.allclose(ref, np.asarray(v.reference, dtype=float),
                                                                      rtol=1e-12, atol=0.0)


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


def diagnose(v: Verdict, decimals: Any, rule: Rule, alt: Alternatives) -> Optional[str]:
    """The sentence that explains the student's wrong value, or None."""
    if v.right:
        return None
    if v.diagnosis:
        return v.diagnosis
    ref = np.asarray(v.reference, dtype=float)
    if np.any(ref != 0) and _matches(v, -ref, decimals, rule):
        return "the sign is flipped: your value is the negative of the right one"
    if ref.ndim == 2 and ref.shape[0] == ref.shape[1] and _matches(v, ref.T, decimals, rule):
        return ("your matrix is the transpose of the reference: the same numbers in the other layout "
                "(rows and columns swapped)")
    for label, sol in alt.by_convention():
        try:
            other = reference_array(sol.answer(v.name))
        except (KeyError, Exception):  # noqa: BLE001 - no such answer under that convention
            continue
        if _matches(v, other, decimals, rule):
            return f"your value is what the `{label}` convention gives"
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
