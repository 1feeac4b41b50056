"""A check report in every format: as a Solution (the sheet formats), as JSON data, and as a
gradebook table (one row per student) for a whole class."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from dlsolve.marking import Report
from dlsolve.marking.grade import Verdict
from dlsolve.solution import Phrase, Section, Solution, Table, Text


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def written_text(w: Any, given: Any) -> str:
    """The student's value exactly as written ([0.37103, 2e-3]), from the literal text."""
    if w is None:
        w = given
    if isinstance(w, (list, tuple)):
        return "[" + ", ".join(written_text(x, None) for x in w) + "]"
    return str(w)


def _cell(v: Any) -> Any:
    if v is None:
        return None
    try:
        arr = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return str(v)
    return float(arr) if arr.ndim == 0 else arr


def _as_written(value: Any, decimals: Any) -> Any:
    """The rounded reference with the student's decimals, trailing zeros kept (0.30 beside 0.31)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        decs = decimals if isinstance(decimals, list) else [decimals] * len(value)
        return "[" + ", ".join(_as_written(x, d) for x, d in zip(list(value), decs)) + "]"
    x = float(value)
    if not math.isfinite(x):
        return "∞" if x > 0 else ("−∞" if x < 0 else "NaN")
    return f"{x:.{int(decimals)}f}".replace("-", "−")


def _verdict_row(v: Verdict) -> tuple:
    return (v.name, v.label, written_text(v.written, v.given), _as_written(v.rounded, v.decimals),
            _cell(v.reference), v.mark, v.relative_error, v.abs_error)


def report_solution(report: Report) -> Solution:
    """The report as a Solution, so every sheet format can show it."""
    right = sum(v.right for v in report.verdicts)
    ft = sum(bool(v.follow_through) and not v.right for v in report.verdicts)
    summary = [Text(Phrase("{r:int} of {n:int} right" + (", {f:int} more by follow-through" if ft else "")
                           + "; score {s} of {m}.", r=right, n=len(report.verdicts), f=ft, s=report.score,
                           m=report.max_score))]
    rule = report.rule + (" With follow-through, an answer is also judged against the value it has from your "
                          "own earlier answers, to two units of the last decimal you wrote (your inputs carry "
                          "their own rounding)." if report.follow_through else "")
    columns = ("answer", "quantity", "yours", "reference, rounded as yours", "reference", "verdict",
               "relative error", "absolute error")
    sections = [Section("Summary", tuple(summary)), Section("Rule", (Text(rule),)),
                Section("Verdicts", (Table(columns, tuple(_verdict_row(v) for v in report.verdicts)),) +
                        tuple(Text(f"{v.name}: {n}", "note") for v in report.verdicts for n in v.notes))]
    explained = [v for v in report.verdicts if v.diagnosis]
    if explained:
        sections.append(Section("What explains a wrong value", tuple(
            Text(f"{v.name}: {v.diagnosis}.", "note") for v in explained)))
    follow = [v for v in report.verdicts if v.follow_through and not v.right]
    if follow:
        sections.append(Section("Follow-through", tuple(
            Text(Phrase(f"{v.name} is wrong, but it is what the steps give from your own earlier answers "
                        "({value}): credit carried forward.", value=v.follow_value), "note") for v in follow)))
    if report.blames:
        blocks: list[Any] = []
        for b in report.blames:
            tail = f"; {_and(b.follows)} follow{'s' if len(b.follows) == 1 else ''} from it" if b.follows else ""
            blocks.append(Text(f"The first wrong answer is {b.root}{tail}.", "note"))
            if b.entries:
                blocks.append(Text(f"The wrong entr{'y is' if len(b.entries) == 1 else 'ies are'} "
                                   f"{_and(b.entries)}. The step{'s' if len(b.steps) > 1 else ''} that "
                                   f"produce{'' if len(b.steps) > 1 else 's'} {'them' if len(b.entries) > 1 else 'it'}:"))
            else:
                blocks.append(Text("The step that produces it:" if len(b.steps) == 1 else
                                   "The steps that produce it:"))
            blocks.extend(b.steps)
        sections.append(Section("Where it went wrong", tuple(blocks)))
    return Solution("check", f"Checking {report.student} against: {report.problem}", tuple(sections), ())


def class_solution(reports: Sequence[Report], problem: str) -> Solution:
    """The summary of a class: one row per student."""
    rows = tuple((r.student, r.score, r.max_score, sum(v.right for v in r.verdicts), len(r.verdicts),
                  ", ".join(b.root for b in r.blames) or None) for r in reports)
    table = Table(("student", "score", "out of", "right", "answers", "first wrong"), rows)
    mean = float(np.mean([r.score for r in reports])) if reports else 0.0
    return Solution("check", f"Class report: {problem}", (
        Section("Summary", (Text(Phrase("{n:int} students; mean score {m}.", n=len(reports), m=mean)), table)),), ())


def _json_safe(v: Any) -> Any:
    """Plain JSON values: arrays as lists, NaN and ±∞ as null (JSON has no such numbers)."""
    if isinstance(v, np.ndarray):
        return _json_safe(v.tolist())
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def report_json(report: Report) -> dict[str, Any]:
    return {
        "problem": report.problem,
        "student": report.student,
        "rule": report.rule,
        "all_right": report.all_right,
        "score": report.score,
        "max_score": report.max_score,
        "verdicts": [{
            "name": v.name, "given": _json_safe(v.given), "written": _json_safe(v.written),
            "reference": _json_safe(v.reference), "reference_rounded": _json_safe(v.rounded),
            "right": v.right, "verdict": v.mark,
            "follow_through": v.follow_through, "follow_through_value": _json_safe(v.follow_value),
            "relative_error": _json_safe(v.relative_error), "absolute_error": _json_safe(v.abs_error),
            "wrong_entries": [v.entry_name(i) for i in v.wrong_entries if i],
            "diagnosis": v.diagnosis, "points": v.points, "earned": v.earned,
        } for v in report.verdicts],
        "first_wrong": [{"answer": b.root, "follows": list(b.follows), "entries": list(b.entries)}
                        for b in report.blames],
    }


def gradebook(reports: Sequence[Report]) -> dict[str, Any]:
    """One row per student, one column per answer (the points earned), then the score."""
    names: list[str] = []
    for r in reports:
        for v in r.verdicts:
            if v.name not in names:
                names.append(v.name)
    rows = []
    for r in reports:
        earned = {v.name: v.earned for v in r.verdicts}
        rows.append([r.student] + [earned.get(n) for n in names] + [r.score, r.max_score])
    return {"columns": ["student"] + names + ["score", "max_score"], "rows": rows}
