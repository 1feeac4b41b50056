"""Answer checking as a marker does it: grade each answer, find the first wrong quantity on the
solution's dependency graph, say what explains a wrong value, give follow-through credit, score.

`check(solution, answers)` grades one student's answers (an `Answers`: values, decimals written,
literal text); a class is graded by calling it once per student with the same solution and the
same `Alternatives`, so the problem is solved once (and once per other convention).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from dlsolve.marking.blame import Blame, blame
from dlsolve.marking.diagnose import Alternatives, diagnose
from dlsolve.marking.follow import follow_values
from dlsolve.marking.grade import Rule, Verdict, grade, reference_array, shaped
from dlsolve.errors import SpecError, closest
from dlsolve.solution import Solution

__all__ = ["Alternatives", "Answers", "Marks", "Report", "Rule", "Verdict", "check"]


@dataclass(frozen=True)
class Answers:
    """One student's answers: name → value, name → decimals written, name → text as written."""

    values: Mapping[str, Any]
    decimals: Mapping[str, Any]
    written: Mapping[str, Any] = field(default_factory=dict)
    student: str = "answers"


@dataclass(frozen=True)
class Marks:
    """Points per answer, and the share of them a right-by-follow-through answer earns."""

    points: Mapping[str, float] = field(default_factory=dict)
    default: float = 1.0
    follow_through: float = 0.5

    def of(self, name: str) -> float:
        return float(self.points.get(name, self.default))


@dataclass(frozen=True)
class Report:
    problem: str
    student: str
    rule: str
    verdicts: tuple[Verdict, ...]
    blames: tuple[Blame, ...]
    score: float
    max_score: float
    follow_through: bool = False

    @property
    def all_right(self) -> bool:
        return all(v.right for v in self.verdicts)


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


def _unknown(name: str, solution: Solution) -> SpecError:
    names = [a.name for a in solution.answers]
    same = [n for n in names if n.lower() == name.lower()]
    best = same[0] if same else closest(name, names)
    hint = f"did you mean '{best}'? " if best else ""
    return SpecError((name, "<key>"), f"no answer is called '{name}'; {hint}this problem's answers are: "
                                      + ", ".join(names))


def check(solution: Solution, answers: Answers, rule: Rule = Rule(), follow_through: bool = False,
          marks: Optional[Marks] = None, alternatives: Optional[Alternatives] = None,
          questions: Sequence[str] = ()) -> Report:
    """Grade one student. `questions` are the answers asked for (a class's, or a marking
    scheme's): one left unanswered earns nothing but still counts towards the maximum."""
    names = {a.name for a in solution.answers}
    for name in answers.values:
        if name not in names:
            raise _unknown(name, solution)
    verdicts = [grade(solution.answer(n), v, answers.written.get(n), answers.decimals.get(n, 0), rule)
                for n, v in answers.values.items()]
    judged = _follow_through(solution, answers, verdicts, rule)
    consistent = {v.name for v in judged if v.follow_through}
    if follow_through:
        verdicts = judged
    alt = alternatives or Alternatives()
    verdicts = [dataclasses.replace(v, diagnosis=diagnose(v, answers.decimals.get(v.name, 0), rule, alt))
                if not v.right else v for v in verdicts]
    marks = marks or Marks()
    scored = []
    for v in verdicts:
        p = marks.of(v.name)
        earned = p if v.right else (p * marks.follow_through if v.follow_through else 0.0)
        scored.append(dataclasses.replace(v, points=p, earned=earned))
    asked = list(questions) + [n for n in answers.values if n not in questions]
    return Report(solution.title or solution.kind, answers.student, rule_text(rule), tuple(scored),
                  blame(solution, scored, consistent), sum(v.earned or 0.0 for v in scored),
                  sum(marks.of(n) for n in asked), follow_through)


def _follow_through(solution: Solution, answers: Answers, verdicts: list[Verdict], rule: Rule) -> list[Verdict]:
    """Judge each wrong answer against the value it has from the student's own earlier answers."""
    student = {}
    for v in verdicts:
        ref = reference_array(solution.answer(v.name))
        student[v.name] = shaped(v.name, v.given, ref)[0]
    follow = follow_values(solution, student)
    out = []
    for v in verdicts:
        if v.right or v.name not in follow:
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
