"""A student's check report in every format: as a Solution (the sheet formats) and as JSON data
(the class summary and the gradebook are in dlsolve/marking/summary.py)."""

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


# The verdict table is six narrow columns, so it fits 80 columns with only its wide cells (a
# matrix as written) wrapped, never folded into parts: the quantity's label is on the question
# sheet and the full-precision reference in the JSON report and in the working of a wrong answer.
VERDICT_COLUMNS = ("answer", "verdict", "yours", "reference, rounded as yours", "rel. error", "abs. error")


SHOWN_UNREAD = 200  # characters of an answer that could not be read, shown as written


def _unread(text: str) -> str:
    """An answer that could not be read, as written — its start only when it is long (a pasted
    megabyte would fill the report): the reason beside it says what is wrong."""
    if len(text) <= SHOWN_UNREAD:
        return text
    return f"{text[:60].rstrip()} … ({len(text):,} characters)"


def _verdict_row(v: Verdict) -> tuple[Any, ...]:
    if v.problem is not None:
        return (v.name, v.mark, _unread(written_text(v.written, None)) if v.written not in (None, "") else "—",
                _cell(v.reference), None, None)
    if v.word:  # no decimals, no error: the word as written beside the reference word
        return (v.name, v.mark, written_text(v.written, v.given), v.reference, None, None)
    shown = _as_written(v.rounded, v.decimals) if v.rounded is not None else _cell(v.reference)
    return (v.name, v.mark, written_text(v.written, v.given), shown, v.relative_error, v.abs_error)


def _verdict_columns(report: Report) -> tuple[str, ...]:
    """The table's heading: the reference is rounded as the student wrote it unless a tolerance
    (--rtol/--atol) decides, when it is shown as it is."""
    rounded = any(v.rounded is not None for v in report.verdicts)
    return VERDICT_COLUMNS[:3] + (VERDICT_COLUMNS[3] if rounded else "reference",) + VERDICT_COLUMNS[4:]


def report_solution(report: Report, file_notes: Sequence[str] = (), title: str | None = None) -> Solution:
    """The report as a Solution, so every sheet format can show it. `file_notes`: what could not
    be read in the student's file, or which variant their answers fit (shown first)."""
    right = sum(v.right for v in report.verdicts)
    ft = sum(bool(v.follow_through) and not v.right for v in report.verdicts)
    asked = len(report.verdicts) + len(report.unanswered)
    summary = [Text(Phrase("{r:int} of {n:int} right" + (", {f:int} more by follow-through" if ft else "")
                           + (", {u:int} not answered" if report.unanswered else "")
                           + "; score {s:given} of {m:given}.", r=right, n=asked, f=ft, u=len(report.unanswered),
                           s=_whole(report.score), m=_whole(report.max_score)))]
    rule = report.rule + (" With follow-through, an answer is also judged against the value it has from your "
                          "own earlier answers, to two units of the last decimal you wrote (your inputs carry "
                          "their own rounding)." if report.follow_through else "")
    columns = _verdict_columns(report)
    sections = [Section("Summary", tuple(summary))]
    if file_notes or report.notes:
        sections.append(Section("Your file", tuple(Text(n, "note") for n in list(file_notes) + list(report.notes))))
    sections += [Section("Rule", (Text(rule),)),
                 Section("Verdicts", (Table(columns, tuple(_verdict_row(v) for v in report.verdicts)),) +
                         tuple(Text(f"{v.name}: {n}", "note") for v in report.verdicts for n in v.notes) +
                         tuple(Text(f"{v.name}: not graded (0 points): {v.problem}", "note")
                               for v in report.verdicts if v.problem) +
                         ((Text("Not answered (0 points each): " + ", ".join(report.unanswered) + "."),)
                          if report.unanswered else ()))]
    explained: dict[str, list[str]] = {}
    for v in report.verdicts:
        if v.diagnosis:
            explained.setdefault(v.diagnosis, []).append(v.name)
    if explained:  # one sentence per slip, naming every answer it explains
        sections.append(Section("What explains a wrong value", tuple(
            Text(f"{_and(names)}: {d}.", "note") for d, names in explained.items())))
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
    return Solution("check", title or f"Checking {report.student} against: {report.problem}", tuple(sections), ())


def _whole(x: float) -> Any:
    return int(x) if float(x).is_integer() else float(x)


def _json_safe(v: Any) -> Any:
    """Plain JSON values, as the JSON format writes a solution's (render.json.plain_value): arrays
    as lists, NaN and ±∞ as null, a formula (a symbolic problem's reference) as its text."""
    from dlsolve.render.json import plain_value

    return plain_value(v)


def report_json(report: Report) -> dict[str, Any]:
    """The report as strict JSON data; a NaN or ±∞ reference is null, with `non_finite` and a reason."""
    from dlsolve.render.json import with_reason

    return {
        "problem": report.problem,
        "student": report.student,
        "rule": report.rule,
        "all_right": report.all_right,
        "score": report.score,
        "max_score": report.max_score,
        "verdicts": [with_reason({
            "name": v.name, "given": _json_safe(v.given), "written": _json_safe(v.written),
            "reference": _json_safe(v.reference), "reference_rounded": _json_safe(v.rounded),
            "right": v.right, "verdict": v.mark,
            "follow_through": v.follow_through, "follow_through_value": _json_safe(v.follow_value),
            "relative_error": _json_safe(v.relative_error), "absolute_error": _json_safe(v.abs_error),
            "wrong_entries": [v.entry_name(i) for i in v.wrong_entries if i],
            "diagnosis": v.diagnosis, "points": v.points, "earned": v.earned, "not_graded": v.problem,
            "notes": list(v.notes),
        }, v.reference, None) for v in report.verdicts],
        "unanswered": list(report.unanswered),
        "notes": list(report.notes),
        "first_wrong": [{"answer": b.root, "follows": list(b.follows), "entries": list(b.entries)}
                        for b in report.blames],
    }
