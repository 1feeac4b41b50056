"""Solving for the sheets: the options that wrap a kind's solve (rounding drift).

`--round N` solves twice — at full precision and with every derived value rounded to N
decimals — and adds a section that shows how far the rounded answers drift.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from dlsolve.errors import SpecError, SpecInvalid
from dlsolve.kinds import SolveOptions
from dlsolve.solution import Section, Solution, Table, Text
from dlsolve.vary_files import variant_number


def solve_problem(problem: Any, options: SolveOptions) -> Solution:
    solution: Solution = problem.module.solve(problem.spec, options)
    variant = variant_number(problem.source.name)  # a file `dlsolve vary` wrote: its paper asks `variant: N`
    if variant is not None:
        solution = dataclasses.replace(solution, variant=variant)
    if options.round is None:
        return solution
    full = problem.module.solve(problem.spec, dataclasses.replace(options, round=None, exact=False))
    return with_drift(solution, full, options.round)


def solve_located(problem: Any, options: SolveOptions) -> Solution:
    """`solve_problem`, with an error raised while solving located in the problem's source."""
    try:
        return solve_problem(problem, options)
    except SpecInvalid as err:
        raise problem.source.locate(SpecError(err.subpath, err.message)) from None
    except SpecError as err:
        raise (problem.source.locate(err) if err.line is None else err) from None


def with_drift(rounded: Solution, full: Solution, n: int) -> Solution:
    rows = []
    for a in rounded.answers:
        try:
            ref = full.answer(a.name).value
            got = np.asarray(a.value, dtype=float)
            want = np.asarray(ref, dtype=float)
        except (KeyError, TypeError, ValueError):
            continue
        if got.shape != want.shape or got.size == 0:
            continue
        same = (got == want) | (np.isnan(got) & np.isnan(want))  # ±∞ (a ROC threshold) equals itself
        with np.errstate(invalid="ignore"):
            gaps = np.where(same, 0.0, np.abs(got - want))
        diff = float(np.max(gaps))
        finite = np.abs(want[np.isfinite(want)])
        scale = float(np.max(finite)) if finite.size and np.max(finite) else 1.0
        rows.append((a.name, _first(want), _first(got), diff, diff / scale))
    section = Section("Rounding drift", (
        Text(f"Every intermediate value above was rounded to {n} decimals, as by hand. The answers at full "
             "precision, and how far the rounded ones drift (largest entry for lists):"),
        Table(("answer", "full precision", f"rounded to {n}", "difference", "relative"), tuple(rows)),
    ))
    conventions = rounded.conventions + (f"every derived value rounded to {n} decimals (--round {n})",)
    return dataclasses.replace(rounded, sections=rounded.sections + (section,), conventions=conventions)


def duplicate_titles(files: Sequence[str], solutions: Sequence[Solution]) -> list[str]:
    """A warning for each title that several problems of one sheet share (the contents and the
    headings could not tell them apart), naming their files."""
    by_title: dict[str, list[str]] = {}
    for file, sol in zip(files, solutions):
        by_title.setdefault(sol.title or sol.kind, []).append(file)
    return [f"{len(names)} problems share the title {title!r} ({', '.join(names)}): give each a title of its own "
            "so the contents tell them apart" for title, names in by_title.items() if len(names) > 1]


def _first(v: np.ndarray) -> float:
    return float(v.reshape(-1)[0]) if v.size else float("nan")
