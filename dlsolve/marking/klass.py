"""Grading a class: every answers file gets a row, whatever it holds.

The problem is solved once (or each variant once, when PROBLEM is a folder `dlsolve vary`
wrote); each file is read leniently (dlsolve/answers_file.py) and graded out of every answer
the problem defines. A file that cannot be read, or names no variant of the folder, scores 0
with its reason (a file with no answers is an `empty submission`); with a roster the rows follow
it, each student who handed nothing in in their place. When a student's answers fit another
variant far better than the one they name, the report says which (status `wrong variant`): they
are marked against the variant named, and no slip is looked for in them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

from dlsolve.errors import describe
from dlsolve.answers_file import META, AnswerSheet, read_answers
from dlsolve import marking
from dlsolve.marking import Answers, Marks, Report, Rule
from dlsolve.marking.roster import GradeRow, Student, match
from dlsolve.marking.words import first_word

# statuses of a row in the gradebook
GRADED, PARTLY, UNREADABLE, NO_VARIANT, NO_FILE = ("graded", "graded, some answers not read", "unreadable file",
                                                    "no such variant", "no file")
EMPTY = "empty submission"  # no answers: an empty file, only comments, or only `variant:`/`student:`
WRONG_VARIANT = "wrong variant"  # graded against the variant the file names; the answers are another's


@dataclass
class Graded:
    """One student of the class: their file as read, their report (None when nothing could be
    graded), and what the gradebook shows."""

    student: Student
    sheet: Optional[AnswerSheet]
    report: Optional[Report]
    status: str
    max_score: float
    variant: Optional[int] = None
    reasons: list[str] = field(default_factory=list)   # why (some of) the file could not be graded
    fits: Optional[str] = None                          # "your answers fit variant 18 …"

    @property
    def score(self) -> float:
        return self.report.score if self.report is not None else 0.0

    def row(self, names: Sequence[str]) -> GradeRow:
        earned: dict[str, Optional[float]] = {n: None for n in names}
        if self.report is not None:
            earned.update({v.name: v.earned for v in self.report.verdicts})
        return GradeRow(self.student, self.variant, self.status, self.score, self.max_score, earned,
                        feedback(self), self.sheet.name if self.sheet is not None else "")


def feedback(g: Graded) -> str:
    """One paragraph for the student: the score, what could not be read, the first slips."""
    parts = [f"Score {whole(g.score)} of {whole(g.max_score)}" + (": empty submission." if g.status == EMPTY else ".")]
    if g.reasons:
        parts.append("Not graded: " + "; ".join(g.reasons) + ".")
    if g.fits:
        parts.append(wrong_variant_text(g) if g.status.startswith(WRONG_VARIANT) else
                     g.fits[0].upper() + g.fits[1:] + ".")
    r = g.report
    if r is not None:
        right = sum(v.right for v in r.verdicts)
        parts.append(f"{right} of {len(r.verdicts) + len(r.unanswered)} answers right"
                     + (f", {len(r.unanswered)} not answered" if r.unanswered else "") + ".")
        for b in r.blames[:3]:
            d = next((v.diagnosis for v in r.verdicts if v.name == b.root and v.diagnosis), None)
            parts.append(f"First wrong: {b.root}" + (f" ({d})" if d else "") + ".")
    return " ".join(parts)


def wrong_variant_text(g: Graded, head: str = "Wrong variant: ") -> str:
    """What a student whose answers are another variant's is told, first."""
    fits = str(g.fits)
    return (head + (fits if head else fits[0].upper() + fits[1:]) + f". Marked against variant {g.variant}, "
            "the variant your file names; no slip is looked for, as your values come from another variant's numbers.")


def whole(x: float) -> Any:
    """3.0 → 3, 2.5 → 2.5: whole scores are printed as integers."""
    return int(x) if float(x).is_integer() else round(float(x), 4)


class Problem:
    """What the class answers: one solved problem, or a folder of variants solved on demand."""

    def __init__(self, solution: Any = None, alternatives: Any = None, variants: Any = None) -> None:
        self.solution, self.alternatives, self.variants = solution, alternatives, variants

    def names(self) -> list[str]:
        sol = self.solution if self.variants is None else self.variants.solved(min(self.variants.files))[0]
        return [a.name for a in sol.answers]

    def title(self) -> str:
        if self.variants is not None:
            return str(self.variants.title)
        return str(self.solution.title or self.solution.kind)


def grade_class(problem: Problem, files: Sequence[str], rule: Rule = Rule(), follow_through: bool = False,
                marks: Optional[Marks] = None, roster: Sequence[Student] = ()) -> list[Graded]:
    """Every file graded: in the order given, or with a roster in the roster's order (each student
    without a file in their place), then the files of no roster student."""
    marks = marks or Marks()
    names = problem.names()
    questions = marks.asked(names)
    out_of = sum(marks.of(n) for n in questions)
    out: list[Graded] = []
    for file in files:
        sheet = read_answers(file)
        stem = Path(sheet.name).stem
        student = match(roster, sheet.student, stem) if roster else None
        student = student or Student(sheet.student or stem)
        if sheet.failed is not None:
            out.append(Graded(student, sheet, None, EMPTY if sheet.empty else UNREADABLE, out_of,
                              reasons=[sheet.failed]))
            continue
        solution, alts, variant = problem.solution, problem.alternatives, None
        reasons = [_at(sheet, k, why) for k, why in sheet.problems.items() if k in META]
        typos = _meta_typos(sheet, names)
        reasons += [_at(sheet, k, why) for k, why in typos.items()]
        if not sheet.values and not set(sheet.problems) - set(META):
            why = "the answers file has no answers, only " + " and ".join(f"`{k}:`" for k in META if k in sheet.lines)
            out.append(Graded(student, sheet, None, EMPTY, out_of, sheet.variant if isinstance(sheet.variant, int)
                              and not isinstance(sheet.variant, bool) else None, reasons + [why]))
            continue
        if problem.variants is not None:
            variant = sheet.variant
            if isinstance(variant, bool) or not isinstance(variant, int) or variant not in problem.variants.files:
                files_ = problem.variants.files
                why = (f"the file does not say which variant it answers: its first line should be `variant: N`, "
                       f"N the number on the student's paper ({min(files_)}–{max(files_)})" if variant is None else
                       _at(sheet, "variant", f"expected a variant number {min(files_)}–{max(files_)}, "
                                             f"got {describe(variant)}"))
                g = Graded(student, sheet, None, NO_VARIANT, out_of, None, reasons + [why])
                g.fits = _fits(problem, sheet, rule, None, set(typos))
                out.append(g)
                continue
            solution, alts = problem.variants.solved(variant)
        answers = Answers({k: v for k, v in sheet.values.items() if k not in typos}, sheet.decimals, sheet.literals,
                          student.id, {k: v for k, v in sheet.problems.items() if k not in META and k not in typos},
                          sheet.notes)
        report = marking.check(solution, answers, rule, follow_through, marks, alts, questions)
        reasons += [_at(sheet, v.name, v.problem) for v in report.verdicts if v.problem]
        reasons += [_at(sheet, n.split(": ", 1)[0], n) for n in report.notes]
        g = Graded(student, sheet, report, PARTLY if reasons else GRADED, report.max_score, variant, reasons)
        if problem.variants is not None:
            g.fits = _fits(problem, sheet, rule, report, set(typos))
            if g.fits is not None:
                _as_wrong_variant(g, report)
        elif sheet.variant is not None:
            g.fits = _named_variant(solution, sheet.variant)
        out.append(g)
    return _roster_order(out, roster, out_of)


def _roster_order(graded: list[Graded], roster: Sequence[Student], out_of: float) -> list[Graded]:
    """With a roster, the rows in its order (a student who handed nothing in has a row of status
    `no file` in their place), then the files of no roster student, in the order given."""
    if not roster:
        return graded
    by_student: dict[int, list[Graded]] = {}
    for g in graded:
        by_student.setdefault(id(g.student), []).append(g)
    out = [g for s in roster for g in by_student.pop(id(s), None) or
           [Graded(s, None, None, NO_FILE, out_of, reasons=["no answers file was handed in"])]]
    return out + [g for g in graded if id(g.student) in by_student]


def _as_wrong_variant(g: Graded, report: Report) -> None:
    """Answers that are another variant's, marked against the variant the file names (README:
    they are not regraded): scored as they are, but no slip is looked for — the walk back through
    the named variant's steps and its diagnoses would explain values that come from other numbers,
    and would be counted in the class's slips table."""
    g.status = WRONG_VARIANT if g.status == GRADED else f"{WRONG_VARIANT}, some answers not read"
    g.report = dataclasses.replace(report, blames=(), verdicts=tuple(
        dataclasses.replace(v, diagnosis=None) for v in report.verdicts))


def _meta_typos(sheet: AnswerSheet, names: Sequence[str]) -> dict[str, str]:
    """Keys that are no answer name but mean a file's own key (`Variant:`, `varaint:`, `Student:`)
    → why they are not read. As with an answer's name (`Yhat` for `yhat`), a key is read only as
    written: the student is told what they probably meant (`variant`), and it is not read."""
    out = {}
    for key in list(sheet.values) + list(sheet.problems):
        if key in META or key in names:
            continue
        best = marking.meant(key, list(names) + list(META))
        if best in META and best not in sheet.lines:
            out[key] = f"no key is called `{key}`; did you mean `{best}`? (the file's {best} was not read)"
    return out


def _at(sheet: AnswerSheet, key: str, why: str) -> str:
    """A reason with its line: 'line 4: z1: left blank' (the line of the key as written)."""
    line = sheet.lines.get(key)
    text = why if why.startswith(f"{key}: ") else f"{key}: {why}"
    return f"line {line}: {text}" if line else text


def _named_variant(solution: Any, variant: Any) -> Optional[str]:
    """A single variant file checked: the answers' `variant:` against the variant the title names."""
    m = re.search(r"variant (\d+)\s*$", str(solution.title or ""))
    if m and isinstance(variant, int) and int(m.group(1)) != variant:
        return f"your file says variant {variant}, but it was checked against variant {m.group(1)}"
    return None


def _fits(problem: Problem, sheet: AnswerSheet, rule: Rule, report: Optional[Report],
          not_answers: set[str]) -> Optional[str]:
    """Which other variant the answers fit (all or nearly all right there), when they fit theirs
    badly. `not_answers`: keys that are no answer (a mistyped `Variant:`), not counted."""
    # numbers only: variants differ in their numbers, and a word (kept by the reader, graded or
    # refused by the answer it is given for) says little about which variant a student had
    values = {k: v for k, v in sheet.values.items() if k not in not_answers and first_word(v) is None}
    given = list(values)
    if len(given) < 2:
        return None
    mine = sum(v.right for v in report.verdicts if v.name in values) if report is not None else 0
    if mine >= 0.5 * len(given):
        return None
    answers = Answers(values, sheet.decimals, sheet.literals)
    best, best_right = None, mine
    for n in problem.variants:
        if report is not None and n == sheet.variant:
            continue
        right = sum(v.right for v in marking.check(problem.variants.solved(n)[0], answers, rule).verdicts)
        if right > best_right:
            best, best_right = n, right
    if best is None or best_right < max(2, 0.8 * len(given)):
        return None
    named = f"not variant {sheet.variant}" if report is not None else "which the file does not name"
    return (f"your answers fit variant {best} ({best_right} of {len(given)} right there), {named}: "
            f"check which variant you were given")
