"""Slips a variant can tell apart: the wrong values dlsolve can diagnose, per asked answer.

A slip is a wrong value a student may write for which `dlsolve check` has an explanation: the
sign flipped, a square matrix transposed, or the answer under another convention of the kind
(½ in MSE, mean vs sum, …; the marking package solves the problem again under each, see
`dlsolve.marking.diagnose.Alternatives`). An exam variant is only useful for diagnosis when, for
every asked quantity, the right value and each slip are different *at the marking tolerance*: a
symmetric W hides a transposition, one output unit hides mean vs sum.

Used by `dlsolve vary` (a draw where two of them coincide is redrawn and counted; `--report`
lists what each variant tells apart) and by `dlsolve export` (each slip becomes a wrong
alternative with its explanation as feedback; there rounding carried forward is offered too,
where it changes the asked decimals — near the right value by nature, it is not asked of `vary`). The explanation is the one `dlsolve check`
gives (`diagnose` is asked about the slip's value), so the platforms say what check says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

import numpy as np

from dlsolve.kinds import SolveOptions
from dlsolve.load import load_data
from dlsolve.marking.diagnose import Alternatives, diagnose
from dlsolve.marking.grade import Rule, Verdict, half_unit, reference_array, too_coarse
from dlsolve.sheets import solve_located
from dlsolve.solution import Solution

DECIMALS = 4  # the decimals an exported or varied answer is asked to, unless --decimals says
SIGN, TRANSPOSE = "sign", "transposed"


@dataclass(frozen=True)
class Slip:
    """One diagnosable wrong value of one answer: `label` names the slip (sign, transposed, a
    convention's `key: choice`), `sentence` is dlsolve check's explanation of it."""

    label: str
    value: np.ndarray
    sentence: str


def answer_decimals(ref: np.ndarray, decimals: int = DECIMALS) -> np.ndarray:
    """Per entry, the decimals a value is asked to: `decimals`, or more where the marking rule
    wants two significant digits (0.00031 is asked to 5 decimals, not 4)."""
    dec = np.full(ref.shape, int(decimals), dtype=int)
    for _ in range(20):
        coarse = too_coarse(ref, dec)
        if not np.any(coarse):
            break
        dec = np.where(coarse, dec + 1, dec)
    return dec


def margin(decimals: Any) -> np.ndarray:
    """The absolute margin of the marking rule for a value written to `decimals` (half a unit
    of its last decimal), the one `Rule().ok` uses."""
    return half_unit(decimals)


def same(a: np.ndarray, b: np.ndarray, decimals: Any) -> bool:
    """Whether a student writing `a` to these decimals would be marked right for `b` as well."""
    if np.shape(a) != np.shape(b):
        return False
    return bool(np.all(Rule().ok(np.asarray(a, dtype=float), np.asarray(b, dtype=float), decimals)))


def candidates(solution: Solution, alternatives: Alternatives, name: str) -> list[tuple[str, np.ndarray]]:
    """(label, value) of every slip of answer `name` that dlsolve can compute, in the order
    `diagnose` tries them: sign, transpose (a square matrix), each other convention."""
    ref = reference_array(solution.answer(name))
    out: list[tuple[str, np.ndarray]] = [(SIGN, -ref)]
    if ref.ndim == 2 and ref.shape[0] == ref.shape[1] > 1:
        out.append((TRANSPOSE, ref.T))
    for label, sol in alternatives.by_convention():
        try:
            other = reference_array(sol.answer(name))
        except Exception:  # noqa: BLE001 - no such answer (or no number) under that convention
            continue
        if other.shape == ref.shape:
            out.append((label, other))
    return out


ROUNDED_TO = (2, 3)  # a student rounding every intermediate result by hand, to these decimals


def rounded(solution: Solution, alternatives: Alternatives, name: str) -> list[tuple[str, np.ndarray]]:
    """(label, value) of answer `name` worked from intermediates rounded by hand (the marking
    package's own re-solve, `--round N`): near the right value, so an export offers it only where
    it differs at the asked decimals, and `vary` does not ask variants to tell it apart."""
    from dlsolve.marking.diagnose import _worked_from_rounded  # check's own reading of "rounded as they go"

    out = []
    for n in ROUNDED_TO:
        sol = alternatives.rounded(n)
        try:
            value = _worked_from_rounded(sol, name) if sol is not None else None
        except Exception:  # noqa: BLE001 - no such answer rounded: nothing to offer
            value = None
        if value is not None and np.all(np.isfinite(value)):
            out.append((f"rounded to {n} decimals", value))
    return out


def explain(solution: Solution, alternatives: Alternatives, name: str, value: np.ndarray,
            decimals: Any) -> Optional[str]:
    """What `dlsolve check` would say of a student who wrote `value` for `name`, or None."""
    answer = solution.answer(name)
    ref = reference_array(answer)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(value - ref) / np.abs(ref)
    rel_max = float(np.max(np.where(np.abs(ref) > 0, rel, 0.0), initial=0.0))
    v = Verdict(name, answer.label, value.tolist(), None, answer.value, None, False,
                float(np.max(np.abs(value - ref), initial=0.0)), rel_max, shape=ref.shape)
    return diagnose(v, decimals, Rule(), alternatives)


def slips(solution: Solution, alternatives: Alternatives, name: str, decimals: Any) -> list[Slip]:
    """The slips of answer `name` a marker can tell from the right value and from each other at
    these decimals, each with check's sentence (the first of two that coincide is kept)."""
    ref = reference_array(solution.answer(name))
    kept: list[Slip] = []
    for label, value in candidates(solution, alternatives, name) + rounded(solution, alternatives, name):
        if same(value, ref, decimals) or any(same(value, k.value, decimals) for k in kept):
            continue
        sentence = explain(solution, alternatives, name, value, decimals)
        if sentence is not None:
            kept.append(Slip(label, value, sentence))
    return kept


# -- variants that tell slips apart ----------------------------------------------------------

def applicable(solution: Solution, alternatives: Alternatives, names: Iterable[str],
               decimals: int = DECIMALS) -> set[tuple[str, str]]:
    """(answer, slip label) pairs that the problem as written makes visible at the marking
    tolerance: a slip that changes nothing there in the problem itself (a convention an answer
    does not depend on, the sign of an answer that is 0 as written, ε inside or outside the root
    when ε = 1e−8 moves only the 9th digit) is not asked of its variants."""
    out = set()
    for name in names:
        ref = reference_array(solution.answer(name))
        dec = answer_decimals(ref, decimals)
        for label, value in candidates(solution, alternatives, name):
            if label == TRANSPOSE or not same(value, ref, dec):
                out.add((name, label))
    return out


@dataclass(frozen=True)
class Told:
    """What one variant tells apart: per answer, the slips distinct from the right value and from
    each other, and the first pair that coincides (None when every one is told apart)."""

    apart: dict[str, tuple[str, ...]]
    clash: Optional[str]


def tell_apart(solution: Solution, alternatives: Alternatives, wanted: set[tuple[str, str]],
               decimals: int = DECIMALS) -> Told:
    """Which of the `wanted` (answer, slip) pairs this solution tells apart at the marking
    tolerance of `decimals`; `clash` says the first two values that coincide."""
    apart: dict[str, tuple[str, ...]] = {}
    clash = None
    asked = {n for n, _ in wanted}
    for name in (a.name for a in solution.answers if a.name in asked):
        ref = reference_array(solution.answer(name))
        dec = answer_decimals(ref, decimals)
        seen = [("the right value", ref)]
        told = []
        for label, value in candidates(solution, alternatives, name):
            if (name, label) not in wanted:
                continue
            hit = next((other for other, v in seen if same(value, v, dec)), None)
            if hit is None:
                told.append(label)
                seen.append((label, value))
            elif clash is None:
                clash = f"{name}: {_slip_name(label)} gives {hit}"
        apart[name] = tuple(told)
    return Told(apart, clash)


def _slip_name(label: str) -> str:
    return {SIGN: "a flipped sign", TRANSPOSE: "the transpose"}.get(label, f"`{label}`")


class Judge:
    """`dlsolve vary`'s test of a draw (beside `ill_posed`): a reason to redraw it when two
    diagnosable values of an asked answer coincide at the marking tolerance, or when it repeats
    a variant already drawn; what each kept draw tells apart is remembered for `--report`."""

    def __init__(self, base: dict[str, Any], decimals: int = DECIMALS) -> None:
        problem = load_data(base)
        solution = solve_located(problem, SolveOptions())
        self.decimals = decimals
        self.wanted = applicable(solution, Alternatives.of(problem), _asked(solution), decimals)
        self.told: dict[str, Told] = {}

    def __call__(self, data: dict[str, Any], solution: Solution) -> Optional[str]:
        key = _key(data)
        if key in self.told:
            return "the same numbers as another variant"
        told = tell_apart(solution, Alternatives.of(load_data(data)), self.wanted, self.decimals)
        if told.clash is not None:
            return f"two diagnosable values coincide ({told.clash})"
        self.told[key] = told
        return None

    def of(self, data: dict[str, Any]) -> Optional[Told]:
        return self.told.get(_key(data))


def _asked(solution: Solution) -> list[str]:
    """The answers that are numbers (a formula answer has no value to tell apart)."""
    out = []
    for a in solution.answers:
        try:
            if np.all(np.isfinite(reference_array(a))):
                out.append(a.name)
        except Exception:  # noqa: BLE001 - a symbolic or ragged answer
            continue
    return out


def _key(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, sort_keys=True, default=str)


def report_lines(folder: Any) -> list[str]:
    """`dlsolve vary --report`: per variant, per answer, the slips it tells apart (variants.json)."""
    import json
    from pathlib import Path

    manifest = json.loads((Path(folder) / "variants.json").read_text(encoding="utf-8"))
    out = []
    for v in manifest["variants"]:
        out.append(f"variant {v['variant']} ({v['file']}):")
        for name, labels in (v.get("tells_apart") or {}).items():
            out.append(f"  {name}: " + (", ".join(_slip_name(x).strip("`") for x in labels) or "no slip dlsolve diagnoses"))
    return out
