"""Answer checking: a student's answers against a Solution's named answers.

A value is right when it equals the reference rounded to as many decimals as the student
wrote (0.77 is right for 0.76558), or, when a tolerance is asked for, when it is within it.
For a wrong answer, the check walks back through the answers it depends on that the student
also gave, names the first wrong one, and shows the derivation step that produces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import numpy as np

from dlsolve.errors import SpecError
from dlsolve.expr import Expr
from dlsolve.solution import Section, Solution, Step, Table, Text


@dataclass(frozen=True)
class Verdict:
    name: str
    label: str
    given: Any
    reference: Any
    right: bool
    relative_error: float
    detail: str = ""


@dataclass(frozen=True)
class Report:
    problem: str
    rule: str
    verdicts: tuple[Verdict, ...]
    diagnoses: tuple[tuple[str, tuple[str, ...]], ...]   # (first wrong answer, answers that follow from it)
    steps: Mapping[str, tuple[Step, ...]]               # the derivation steps of each first wrong answer

    @property
    def all_right(self) -> bool:
        return all(v.right for v in self.verdicts)


def _shape_like(given: np.ndarray, ref: np.ndarray) -> Optional[np.ndarray]:
    if given.shape == ref.shape:
        return given
    if given.size == ref.size:
        return given.reshape(ref.shape)  # 0.77 for [0.7656], [[a], [b]] for [a, b]
    return None


def _tolerance(decimals: Any, shape: tuple) -> np.ndarray:
    return np.broadcast_to(0.5 * 10.0 ** -np.asarray(decimals, dtype=float), shape) if shape else \
        np.asarray(0.5 * 10.0 ** -float(np.asarray(decimals).reshape(-1)[0]))


def check(solution: Solution, given: Mapping[str, Any], decimals: Mapping[str, Any],
          rtol: Optional[float] = None, atol: Optional[float] = None) -> Report:
    names = [a.name for a in solution.answers]
    unknown = [n for n in given if n not in names]
    if unknown:
        raise SpecError((unknown[0], "<key>"), f"no answer is called '{unknown[0]}'; this problem's answers are: "
                                        + ", ".join(names))
    if rtol is None and atol is None:
        rule = ("A value counts as right when it equals the reference rounded to as many decimals as you "
                "wrote (0.77 is right for 0.76558; 0.7656 is right, 0.7657 is not).")
    else:
        rule = (f"A value counts as right when it is within {rtol or 0:g} × |reference| + {atol or 0:g} "
                "of the reference.")
    verdicts = []
    for name in given:
        answer = solution.answer(name)
        if isinstance(answer.value, Expr) or (isinstance(answer.value, list) and answer.value and
                                              isinstance(np.ravel(np.array(answer.value, dtype=object))[0], Expr)):
            raise SpecError((name,), f"'{name}' is a formula in this problem; only numbers can be checked")
        ref = np.asarray(answer.value, dtype=float)
        try:
            got = np.asarray(given[name], dtype=float)
        except (TypeError, ValueError):
            raise SpecError((name,), "expected a number, or a list (of rows) of numbers") from None
        shaped = _shape_like(got, ref)
        if shaped is None:
            verdicts.append(Verdict(name, answer.label, given[name], answer.value, False, float("inf"),
                                    f"expected {ref.size} value(s) shaped {list(ref.shape)}, got {got.size}"))
            continue
        err = np.abs(shaped - ref)
        if rtol is None and atol is None:
            tol = _tolerance(decimals.get(name, 0), ref.shape)
            ok = bool(np.all(err <= tol * (1 + 1e-9) + 1e-15))
        else:
            ok = bool(np.all(err <= (atol or 0.0) + (rtol or 0.0) * np.abs(ref)))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(ref != 0, err / np.abs(ref), np.where(err == 0, 0.0, np.inf))
        verdicts.append(Verdict(name, answer.label, given[name], answer.value, ok, float(np.max(rel))))
    return _diagnose(solution, tuple(verdicts), rule)


def _diagnose(solution: Solution, verdicts: tuple[Verdict, ...], rule: str) -> Report:
    by_name = {v.name: v for v in verdicts}
    depends = {a.name: a.depends for a in solution.answers}

    def ancestors(name: str) -> list[str]:
        seen, order, stack = set(), [], list(depends.get(name, ()))
        while stack:
            n = stack.pop(0)
            if n in seen:
                continue
            seen.add(n)
            order.append(n)
            stack.extend(depends.get(n, ()))
        return order

    wrong = [v.name for v in verdicts if not v.right]
    roots: dict[str, list[str]] = {}
    for name in wrong:
        wrong_given_ancestors = [a for a in ancestors(name) if a in by_name and not by_name[a].right]
        # the first wrong: a wrong ancestor none of whose own given ancestors is wrong
        candidates = [a for a in wrong_given_ancestors
                      if not any(b in by_name and not by_name[b].right for b in ancestors(a))]
        root = candidates[-1] if candidates else name
        roots.setdefault(root, [])
        if name != root:
            roots[root].append(name)
    steps: dict[str, tuple[Step, ...]] = {}
    for root in roots:
        keys = set(solution.answer(root).keys)
        steps[root] = tuple(s for s in solution.steps() if s.quantity.key in keys and s.shown)[:6]
    order = [n for n in wrong if n in roots]
    return Report(solution.title or solution.kind, rule, verdicts,
                  tuple((r, tuple(roots[r])) for r in order), steps)


def report_solution(report: Report, answers_name: str) -> Solution:
    """The report as a Solution, so every format can show it."""
    rows = tuple((v.name, v.label, _cell(v.given), _cell(v.reference), "✓" if v.right else "✗",
                  v.relative_error) for v in report.verdicts)
    sections = [Section("Rule", (Text(report.rule),)),
                Section("Verdicts", (Table(("name", "quantity", "given", "reference", "verdict", "relative error"),
                                           rows),) + tuple(Text(f"{v.name}: {v.detail}", "note")
                                                           for v in report.verdicts if v.detail))]
    if report.diagnoses:
        blocks: list[Any] = []
        for root, follows in report.diagnoses:
            tail = (f"; {_and(follows)} follow{'s' if len(follows) == 1 else ''} from it" if follows else "")
            blocks.append(Text(f"Your {root} is off{tail}. The step that produces it:", "note"))
            blocks.extend(report.steps.get(root, ()))
        sections.append(Section("Where it went wrong", tuple(blocks)))
    right = sum(v.right for v in report.verdicts)
    summary = Text(f"{right} of {len(report.verdicts)} right.")
    sections.insert(0, Section("Summary", (summary,)))
    return Solution("check", f"Checking {answers_name} against: {report.problem}", tuple(sections), ())


def report_json(report: Report) -> dict[str, Any]:
    """The report as strict JSON data: a NaN or ±∞ reference is null with `non_finite` and a reason."""
    from dlsolve.render.json import plain_value, with_reason

    return {
        "problem": report.problem,
        "rule": report.rule,
        "all_right": report.all_right,
        "verdicts": [with_reason({"name": v.name, "given": plain_value(v.given),
                                  "reference": plain_value(v.reference), "right": v.right,
                                  "relative_error": v.relative_error if np.isfinite(v.relative_error) else None,
                                  **({"detail": v.detail} if v.detail else {})}, v.reference, None)
                     for v in report.verdicts],
        "first_wrong": [{"answer": r, "follows": list(f)} for r, f in report.diagnoses],
    }


def _cell(v: Any) -> Any:
    """A value for a table cell: a float or an array (the renderer formats it)."""
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return str(v)
    return float(arr) if arr.ndim == 0 else arr


def _and(names: tuple[str, ...]) -> str:
    names = tuple(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

