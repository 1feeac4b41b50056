"""What a lecturer reads after marking: the gradebook (one row per student) and the class
summary — the score distribution, each question's success rate, and the slips found with how
many students made each — so they see what to teach again."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from typing import Any, Sequence

from dlsolve.answers_file import META
from dlsolve.marking.klass import EMPTY, WRONG_VARIANT, Graded, whole, wrong_variant_text
from dlsolve.marking.roster import GradeRow
from dlsolve.marking.report import report_json, report_solution
from dlsolve.solution import Phrase, Section, Solution, Table, Text

UNANSWERED = "—"  # the gradebook's cell for an answer not given


def gradebook(rows: Sequence[GradeRow], names: Sequence[str]) -> dict[str, Any]:
    """One row per student: who (id, name, e-mail, section), the variant and status, the points
    per answer in the problem's order ("—" unanswered), the score and the maximum. Built from
    GradeRows, as the LMS gradebook writers (dlsolve/export) are."""
    out = []
    for r in rows:
        s = r.student
        out.append([s.id, s.name, s.email, s.section, "" if r.variant is None else r.variant, r.status]
                   + [UNANSWERED if (points := r.answers.get(n)) is None else whole(points) for n in names]
                   + [whole(r.score), whole(r.max_score)])
    return {"columns": ["student", "name", "email", "section", "variant", "status", *names, "score", "max_score"],
            "rows": out}


def student_solution(g: Graded, problem: str) -> Solution:
    """A student's feedback report: their verdicts, or why their file could not be graded."""
    title = f"{g.student.name or g.student.id}: {problem}" + (f" (variant {g.variant})" if g.variant else "")
    wrong = g.status.startswith(WRONG_VARIANT)
    fits = [g.fits[0].upper() + g.fits[1:] + "."] if g.fits and not wrong else []
    if g.report is not None:  # the report lists the answers not graded; here what concerns the file
        graded = {v.name for v in g.report.verdicts if v.problem}
        own = [r for r in g.reasons if not any(f" {n}: " in f" {r}" or r.startswith(f"{n}: ") for n in graded)
               and not any(n in r for n in g.report.notes)]
        lenient = [f"{k}: {n}" for k, ns in (g.sheet.notes.items() if g.sheet else ()) if k in META for n in ns]
        sol = report_solution(g.report, own + lenient + fits, title)
        if wrong:  # said first, apart: the verdicts below are against the variant the file names
            sol = dataclasses.replace(sol, sections=sol.sections[:1] + (
                Section("Wrong variant", (Text(wrong_variant_text(g, ""), "note"),)),) + sol.sections[1:])
        return sol
    notes = list(g.reasons) + fits
    why = "no answers file." if g.sheet is None else "empty submission." if g.status == EMPTY else \
        "nothing could be graded."
    text = Phrase("Score {s:given} of {m:given}: " + why, s=0, m=whole(g.max_score))
    return Solution("check", title, (Section("Summary", (Text(text),)),
                                     Section("Your file", tuple(Text(n, "note") for n in notes))), ())


def student_json(g: Graded) -> dict[str, Any]:
    """A student's report as JSON (report_json's fields), with who they are and the row's status."""
    row = g.row([])
    out = report_json(g.report) if g.report is not None else {"all_right": False, "verdicts": []}
    out.update({"student": g.student.id, "name": g.student.name, "email": g.student.email,
                "section": g.student.section, "file": row.file, "variant": g.variant, "status": g.status,
                "score": whole(g.score), "max_score": whole(g.max_score), "not_graded": list(g.reasons),
                "other_variant": g.fits})
    return out


def slips(graded: Sequence[Graded]) -> list[tuple[str, str, int]]:
    """(slip, answers it was seen in, students who made it), most common first. A slip is a
    diagnosis with the entry named left out (a sign flipped in dW2[1,2] and in dW2[2,1] is one
    slip), or, unexplained, the first wrong answer itself."""
    count: Counter[Any] = Counter()
    where: dict[str, set[str]] = {}
    for g in graded:
        if g.report is None or g.status.startswith(WRONG_VARIANT):  # another variant's values: no slip of this one
            continue
        seen = set()
        by_name = {v.name: v for v in g.report.verdicts}
        for b in g.report.blames:
            d = by_name[b.root].diagnosis
            short = any("too few decimals" in n for n in by_name[b.root].notes)
            slip = (re.sub(r"\b(\w+)\[[\d,]+\]", r"one entry of \1", d) if d else
                    "too few significant digits" if short else f"{b.root} wrong (no diagnosis)")
            where.setdefault(slip, set()).update((b.root,) + b.follows)
            seen.add(slip)
        for v in g.report.verdicts:
            if v.diagnosis and not any(v.name in where.get(s, ()) for s in seen):
                slip = re.sub(r"\b(\w+)\[[\d,]+\]", r"one entry of \1", v.diagnosis)
                where.setdefault(slip, set()).add(v.name)
                seen.add(slip)
        count.update(seen)
    order = {n: i for g in graded if g.report for i, n in enumerate(v.name for v in g.report.verdicts)}
    return [(slip, ", ".join(sorted(where[slip], key=lambda n: order.get(n, 0))), n)
            for slip, n in count.most_common()]


def class_solution(graded: Sequence[Graded], names: Sequence[str], problem: str, bins: int = 10) -> Solution:
    """The class summary: counts, the score distribution, per-question success, the slips, the table."""
    n = len(graded)
    scores = [g.score / g.max_score if g.max_score else 0.0 for g in graded]
    mean = sum(g.score for g in graded) / n if n else 0.0
    statuses = Counter(g.status for g in graded)
    head = [Text(Phrase("{n:int} students; mean score {m} of {x:given}.", n=n, m=mean,
                        x=whole(graded[0].max_score) if graded else 0))]
    if set(statuses) - {"graded"}:
        head.append(Text("Status: " + "; ".join(f"{c} {s}" for s, c in statuses.most_common()) + "."))
    hist = Counter(min(int(s * bins), bins - 1) for s in scores)
    dist = tuple((f"{100 * k // bins}–{100 * (k + 1) // bins} %" + ("" if k == bins - 1 else ""), hist.get(k, 0),
                  "█" * hist.get(k, 0)) for k in range(bins))
    per_q = []
    for name in names:
        answered = right = 0
        for g in graded:
            v = next((v for v in g.report.verdicts if v.name == name), None) if g.report else None
            if v is not None:
                answered += 1
                right += v.right
        per_q.append((name, answered, right, f"{100 * right / n:.0f} %" if n else "—"))
    found = slips(graded)
    sections = [Section("Summary", tuple(head)),
                Section("Score distribution", (Table(("score (share of the maximum)", "students", ""), dist),)),
                Section("Success per question", (Table(("answer", "answered", "right", "right, of the class"),
                                                       tuple(per_q)),)),
                Section("Slips found", (Table(("slip", "answers", "students"), tuple(found)),) if found else
                        (Text("No slip found."),)),
                Section("Gradebook", (Table(("student", "name", "variant", "status", "score", "out of",
                                             "first wrong"), tuple(
                    (g.student.id, g.student.name or None, g.variant, g.status, whole(g.score), whole(g.max_score),
                     ", ".join(b.root for b in g.report.blames) if g.report else None) for g in graded)),))]
    return Solution("check", f"Class report: {problem}", tuple(sections), ())
