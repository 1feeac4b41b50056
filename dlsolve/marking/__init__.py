"""Answer checking as a marker does it: grade each answer, find the first wrong quantity on the
solution's dependency graph, say what explains a wrong value, give follow-through credit, score.

`check(solution, answers)` grades one student's answers (an `Answers`: values, decimals written,
literal text); a class is graded by calling it once per student with the same solution and the
same `Alternatives`, so the problem is solved once (and once per other convention).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from dlsolve.marking.blame import Blame, blame
from dlsolve.marking.diagnose import Alternatives, diagnose
from dlsolve.marking.follow import follow_values
from dlsolve.marking.grade import Rule, Verdict, grade, reference_array, shaped
from dlsolve.marking.words import RULE as WORD_RULE, is_word
from dlsolve.errors import SpecError, closest
from dlsolve.solution import Solution

__all__ = ["Alternatives", "Answers", "Marks", "Report", "Rule", "Verdict", "check"]


@dataclass(frozen=True)
class Answers:
    """One student's answers: name → value, name → decimals written, name → text as written;
    name → why an answer could not be read (scored 0 with that reason) and name → notes on
    forms read leniently (a Unicode minus, a number in quotes)."""

    values: Mapping[str, Any]
    decimals: Mapping[str, Any]
    written: Mapping[str, Any] = field(default_factory=dict)
    student: str = "answers"
    problems: Mapping[str, str] = field(default_factory=dict)
    notes: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Marks:
    """Points per answer, and the share of them a right-by-follow-through answer earns."""

    points: Mapping[str, float] = field(default_factory=dict)
    default: float = 1.0
    follow_through: float = 0.5
    listed_only: bool = False  # a scheme that names its answers and sets no default: only those are asked

    def of(self, name: str) -> float:
        return float(self.points.get(name, 0.0 if self.listed_only else self.default))

    def asked(self, names: Sequence[str]) -> list[str]:
        """The answers the class is marked on, in the problem's order."""
        return [n for n in names if n in self.points] if self.listed_only else list(names)


@dataclass(frozen=True)
class Report:
    problem: str
    student: str
    rule: str
    verdicts: tuple[Verdict, ...]          # the answers given (or unreadable), in the problem's order
    blames: tuple[Blame, ...]
    score: float
    max_score: float
    follow_through: bool = False
    unanswered: tuple[str, ...] = ()       # asked, not given: 0 points each
    notes: tuple[str, ...] = ()            # about the file: a name that is no answer, …

    @property
    def all_right(self) -> bool:
        return all(v.right for v in self.verdicts)  # of the answers given (unanswered ones score 0)


def FOLLOW(rule: Rule) -> Rule:
    """Follow-through is judged to two units of the last decimal written: a value worked from
    the student's own rounded inputs carries their rounding too."""
    return dataclasses.replace(rule, slack=4.0) if rule.by_decimals else rule


def rule_text(rule: Rule) -> str:
    if rule.by_decimals:
        return ("A value counts as right when it equals the reference rounded to as many decimals as you "
                "wrote (0.77 is right for 0.76558; 0.7656 is right, 0.7657 is not), with at least two "
                "significant digits (0 is not an answer for 0.43).")
    return (f"A value counts as right when it is within {rule.rtol or 0:g} × |reference| + {rule.atol or 0:g} "
            "of the reference.")


def meant(name: str, names: Sequence[str]) -> Optional[str]:
    """The name of `names` that a name a student wrote probably means: the same but for case
    (`Yhat`, `Variant`), else the closest (`y_hat`, `varaint`); None when none is close."""
    same = [n for n in names if n.lower() == name.lower()]
    return same[0] if same else closest(name, names)


def _unknown(name: str, names: Sequence[str]) -> tuple[Optional[str], str]:
    """The answer a name that is no answer probably means (or None), and the reason to show."""
    best = meant(name, names)
    hint = f"did you mean '{best}'? " if best else ""
    return best, f"no answer is called '{name}'; {hint}this problem's answers are: " + ", ".join(names)


def _unreadable(solution: Solution, name: str, reason: str, written: Any) -> Verdict:
    """The verdict of an answer that cannot be graded: ✗, 0 points, with its reason (and its text)."""
    answer = solution.answer(name)
    return Verdict(name, answer.label, None, written, answer.value, None, False, math.nan, None, shape=(),
                   problem=reason)


def check(solution: Solution, answers: Answers, rule: Rule = Rule(), follow_through: bool = False,
          marks: Optional[Marks] = None, alternatives: Optional[Alternatives] = None,
          questions: Sequence[str] = ()) -> Report:
    """Grade one student, out of every answer in `questions` (default: every answer the problem
    defines); one left unanswered earns nothing but counts towards the maximum. An answer that
    cannot be read or graded (blank, text, the wrong shape, a name that is no answer) scores 0
    with its reason; the others are graded."""
    names = [a.name for a in solution.answers]
    problems: dict[str, str] = {}
    shown = dict(answers.written)  # the text of each answer, as written (under the name it was meant for)
    notes: list[str] = []
    given = {}
    for name, reason in list(answers.problems.items()) + [(n, "") for n in answers.values]:
        if name in names:
            if reason:
                problems[name] = reason
            else:
                given[name] = answers.values[name]
            continue
        best, why = _unknown(name, names)
        if best is not None and best not in answers.values and best not in answers.problems:
            problems.setdefault(best, f"given as `{name}`, which is no answer name (did you mean '{best}'?)"
                                      + (f"; and {reason}" if reason else ""))
            shown.setdefault(best, answers.written.get(name))
        else:
            notes.append(f"{name}: {why}" + (f" (and {reason})" if reason else "") + "; not graded")
    verdicts: dict[str, Verdict] = {}
    for n, v in given.items():
        try:
            verdicts[n] = grade(solution.answer(n), v, answers.written.get(n), answers.decimals.get(n, 0), rule)
        except SpecError as err:
            problems[n] = err.message
    graded = [verdicts[n] for n in names if n in verdicts]
    judged = _follow_through(solution, answers, graded, rule)
    consistent = {v.name for v in judged if v.follow_through}
    if follow_through:
        graded = judged
    alt = alternatives or Alternatives()
    graded = [dataclasses.replace(v, diagnosis=diagnose(v, answers.decimals.get(v.name, 0), rule, alt, solution))
              if not v.right else v for v in graded]
    graded = [dataclasses.replace(v, notes=tuple(answers.notes.get(v.name, ())) + v.notes) for v in graded]
    blames = blame(solution, graded, consistent)
    by_name = {v.name: v for v in graded}
    by_name.update({n: _unreadable(solution, n, r, shown.get(n)) for n, r in problems.items()})
    marks = marks or Marks()
    asked = [n for n in (questions or marks.asked(names)) if n in names]
    asked += [n for n in names if n in by_name and n not in asked]
    scored = []
    for n in asked:
        if n not in by_name:
            continue
        v = by_name[n]
        p = marks.of(n)
        earned = p if v.right else (p * marks.follow_through if v.follow_through else 0.0)
        scored.append(dataclasses.replace(v, points=p, earned=earned))
    unanswered = tuple(n for n in asked if n not in by_name)
    words = [n for n in asked if is_word(solution.answer(n).value)]
    return Report(solution.title or solution.kind, answers.student,
                  rule_text(rule) + (" " + WORD_RULE if words else ""), tuple(scored), blames,
                  sum(v.earned or 0.0 for v in scored), sum(marks.of(n) for n in asked), follow_through,
                  unanswered, tuple(notes))


def _follow_through(solution: Solution, answers: Answers, verdicts: list[Verdict], rule: Rule) -> list[Verdict]:
    """Judge each wrong answer against the value it has from the student's own earlier answers."""
    student = {}
    numbers = [v for v in verdicts if not v.word]  # a word has no value to carry forward
    for v in numbers:
        ref = reference_array(solution.answer(v.name))
        student[v.name] = shaped(v.name, v.given, ref)[0]
    follow = follow_values(solution, student)
    out = []
    for v in verdicts:
        if v.right or v.word or v.name not in follow:
            out.append(v)
            continue
        value = follow[v.name]
        dec = answers.decimals.get(v.name, 0)
        dec = np.reshape(dec, value.shape) if np.ndim(dec) and np.size(dec) == value.size else dec
        ref = reference_array(solution.answer(v.name))
        # credit only where the student's own earlier answers change this one: a value that the
        # right inputs give is the reference, and a wrong answer from right inputs earns nothing
        carried = not bool(np.all(rule.ok(value, ref, dec)))
        ok = carried and bool(np.all(FOLLOW(rule).ok(student[v.name], value, dec)))
        out.append(dataclasses.replace(v, follow_through=ok, follow_value=value))
    return out
