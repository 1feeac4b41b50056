"""Marks back: a class's graded rows in the import shape of each platform's gradebook.

GRADEBOOKS is the registry (name → writer) that `dlsolve check --gradebook NAME` reads. A writer
takes the rows of a class (`GradeRow`, joined to a roster's `Student`s by the marking package's
`dlsolve/marking/roster.py`) and the assignment's name, and gives CSV text:

- moodle: MoodleDocs "Grade import" maps a column to a user field (here `ID number`, `Username`,
  `Email address`, all three written so any can be chosen) and a column to the grade item, with
  an optional feedback column;
- canvas: the gradebook export's own header, `Student, ID, SIS User ID, SIS Login ID, Section,
  "<assignment> (<id>)"`, then a "Points Possible" row, then one row per student (the roster id is
  the SIS User ID; Canvas's own numeric ID column is left empty: Canvas matches on either);
- gradescope: an e-mail / SID column and the score (Gradescope's "upload scores" matches students
  by e-mail or SID).
"""

from __future__ import annotations

import csv
import io
from typing import Callable, Mapping, Optional, Protocol, Sequence


class Student(Protocol):
    """A roster entry (dlsolve.marking.roster.Student)."""

    id: str
    name: str
    email: str
    section: str
    username: str


class GradeRow(Protocol):
    """One student's graded answers (dlsolve.marking.roster.GradeRow)."""

    student: Student
    variant: Optional[int]
    status: str
    score: float
    max_score: float
    answers: Mapping[str, Optional[float]]
    feedback: str


Writer = Callable[[Sequence[GradeRow], str, str], str]


def _score(x: float) -> str:
    """A score as a gradebook reads it: 7.5, 8 (no float noise such as 7.499999999)."""
    text = f"{round(float(x), 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _csv(rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def moodle(rows: Sequence[GradeRow], assignment: str, assignment_id: str = "") -> str:
    head = ["ID number", "Username", "Email address", "Full name", assignment, f"{assignment} (feedback)"]
    body = [[r.student.id, r.student.username, r.student.email, r.student.name, _score(r.score), _one_line(r.feedback)]
            for r in rows]
    return _csv([head] + body)


def canvas_name(name: str) -> str:
    """Canvas's Student column: "Last, First" from "First Last" (a name with a comma is kept)."""
    parts = name.split()
    return name if "," in name or len(parts) < 2 else f"{parts[-1]}, {' '.join(parts[:-1])}"


def canvas(rows: Sequence[GradeRow], assignment: str, assignment_id: str = "") -> str:
    column = f"{assignment} ({assignment_id})" if assignment_id else assignment
    possible = max((r.max_score for r in rows), default=0.0)
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    points = ["    Points Possible", "", "", "", "", _score(possible)]
    body = [[canvas_name(r.student.name), "", r.student.id, r.student.username, r.student.section,
             _score(r.score)] for r in rows]
    return _csv([head, points] + body)


def gradescope(rows: Sequence[GradeRow], assignment: str, assignment_id: str = "") -> str:
    head = ["Name", "SID", "Email", "Total Score"]
    body = [[r.student.name, r.student.id, r.student.email, _score(r.score)] for r in rows]
    return _csv([head] + body)


GRADEBOOKS: dict[str, Writer] = {"moodle": moodle, "canvas": canvas, "gradescope": gradescope}
