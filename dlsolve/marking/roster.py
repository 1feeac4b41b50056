"""Who the students are, and one gradebook row per student: the types the gradebook writers
(a CSV here, an LMS's format in dlsolve/export) read.

A roster is a CSV file with a header: an id column (`id`, `student`, `student_id`, `username`
or `email`), and optionally `name`, `email` (or `e-mail`), `section`, `username`. An answers
file says whose it is with `student: <id or e-mail>`; without it, the file's stem is the id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from dlsolve.errors import FileError


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    section: str = ""
    username: str = ""

    def keys(self) -> set[str]:
        """The texts an answers file may name this student by (compared case-blind)."""
        return {k.strip().lower() for k in (self.id, self.email, self.username) if k and k.strip()}


@dataclass(frozen=True)
class GradeRow:
    """One student's line of the gradebook."""

    student: Student
    variant: Optional[int]
    status: str                               # "graded", "graded, N answers not read", "unreadable", …
    score: float
    max_score: float
    answers: Mapping[str, Optional[float]] = field(default_factory=dict)  # points per answer; None: unanswered
    feedback: str = ""                        # one paragraph for the student (an LMS comment)
    file: str = ""                            # the answers file, "" when none was handed in


_ID = ("id", "student", "student_id", "studentid", "username", "email", "e-mail")
_COLUMNS = {"name": "name", "full name": "name", "email": "email", "e-mail": "email", "mail": "email",
            "section": "section", "group": "section", "username": "username", "login": "username"}


def read_roster(file: str) -> list[Student]:
    """The students of a roster CSV file; a missing id column or a repeated id is a located error.
    The file is read through the loader's limits (its size, cells, cell length), as every file is."""
    from dlsolve.load import load_side_file

    data, source = load_side_file(file, "roster")
    name = source.name
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        raise FileError(name, "the roster is empty or not a table; give a header (id,name,email,section) "
                              "and one line per student")
    first = list(data[0])
    rows = [[k.lstrip("\ufeff") for k in first]] + [[row.get(k, "") or "" for k in first] for row in data]
    header = [h.strip().lower() for h in rows[0]]
    id_col = next((header.index(h) for h in _ID if h in header), None)
    if id_col is None:
        raise FileError(f"{name}:1", "the roster's header has no id column (id, student, username or email); "
                                     f"it has: {', '.join(rows[0])}")
    out: list[Student] = []
    seen: dict[str, int] = {}
    for k, row in enumerate(rows[1:]):
        n = source.positions.get((k,), (k + 2, 1))[0]  # the file's line of the row
        cells = {"id": row[id_col].strip() if id_col < len(row) else ""}
        for i, h in enumerate(header):
            if h in _COLUMNS and i < len(row) and i != id_col:
                cells.setdefault(_COLUMNS[h], row[i].strip())
        if header[id_col] in ("email", "e-mail"):
            cells.setdefault("email", cells["id"])
        if header[id_col] == "username":
            cells.setdefault("username", cells["id"])
        if not cells["id"]:
            raise FileError(f"{name}:{n}", "a roster line without an id")
        if cells["id"].lower() in seen:
            raise FileError(f"{name}:{n}", f"the id '{cells['id']}' is also on line {seen[cells['id'].lower()]}")
        seen[cells["id"].lower()] = n
        out.append(Student(**cells))
    return out


def match(roster: Sequence[Student], claimed: Optional[str], stem: str) -> Optional[Student]:
    """The roster's student an answers file belongs to: by its `student:` key, else by its file
    name (alice.yaml, alice@uni.edu.yaml, or a name that contains the id: hw1-s1234567.yaml)."""
    index = {k: s for s in roster for k in s.keys()}
    for key in (claimed, stem):
        if key and key.strip().lower() in index:
            return index[key.strip().lower()]
    words = set(re.split(r"[^A-Za-z0-9@._]+|[-_ ]", stem.lower()))
    hits = {id(s): s for k, s in index.items() if k in words}
    return next(iter(hits.values())) if len(hits) == 1 else None


def file_stem(student: Student) -> str:
    """A safe file name for a student's report: their id, with only letters, digits, . _ - @ kept."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", student.id).strip("._") or "student"
