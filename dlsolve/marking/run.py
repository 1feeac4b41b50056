"""`dlsolve check` without the command line: grade the files, then write what was asked for —
one report (one student), a class report, a gradebook, or a folder of feedback (one report per
student, the gradebook and the class summary). It prints nothing: the CLI writes what it returns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from dlsolve.marking import Marks, Rule
from dlsolve.marking.klass import GRADED, WRONG_VARIANT, Graded, Problem, grade_class
from dlsolve.marking.roster import file_stem, read_roster
from dlsolve.marking.summary import class_solution, gradebook, student_json, student_solution

GRADEBOOK = "gradebook.csv"
SUMMARY = "class-summary"


@dataclass
class ClassRun:
    problem: Problem
    graded: list[Graded]
    names: list[str]
    single: bool             # one answers file named on the command line: that student's report

    @property
    def title(self) -> str:
        return self.problem.title()

    def rows(self) -> list[Any]:
        """The gradebook's rows (dlsolve.marking.roster.GradeRow), one per student, for any writer."""
        return [g.row(self.names) for g in self.graded]

    @property
    def all_right(self) -> bool:
        return all(g.report is not None and g.report.all_right for g in self.graded)

    @property
    def bad_input(self) -> bool:
        return any(g.status not in (GRADED, WRONG_VARIANT) for g in self.graded)  # a wrong variant was read


def grade(problem_file: str, answers_files: Sequence[str], rule: Rule, follow_through: bool,
          marks_file: Optional[str], roster_file: Optional[str], timeout: Optional[float], state: dict[str, Any]) -> ClassRun:
    """Solve the problem (or open the variants folder), read the marks and roster, grade every file.
    `state["source"]` holds the file being read, so an error in it is located."""
    from dlsolve import api, kinds
    from dlsolve.files import expand
    from dlsolve.limits import time_limit
    from dlsolve.load import load_problem

    if problem_file != "-" and Path(problem_file).is_dir():
        from dlsolve.vary import VariantSet

        problem = Problem(variants=VariantSet.open(problem_file))
    else:
        loaded = load_problem(problem_file)
        state["source"] = loaded.source
        with time_limit(timeout):
            solution = loaded.module.solve(loaded.spec, kinds.SolveOptions())
        problem = Problem(solution, api.alternatives(loaded))
    marks: Optional[Marks] = None
    if marks_file:
        marks, state["source"] = api.marks_from_file(marks_file)
    state.clear()
    roster = read_roster(roster_file) if roster_file else []
    files = expand(answers_files)
    single = len(files) == 1 and files == list(answers_files) and not roster
    graded = grade_class(problem, files, rule, follow_through, marks, roster)
    names = (marks or Marks()).asked(problem.names())
    return ClassRun(problem, graded, names, single)


def is_folder(output: str) -> bool:
    """-o names a folder when it ends with a slash or is one already."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def render(run: ClassRun, rend: Any) -> str:
    """The report as one text: a student's (one file), else the class's (csv: the gradebook)."""
    text: str  # every renderer gives text
    if rend.format.structured:
        if rend.format.tabular:
            text = rend.render_data(gradebook(run.rows(), run.names))
        elif run.single:
            text = rend.render_data(student_json(run.graded[0]))
        else:
            text = rend.render_data({"problem": run.title, "students": [student_json(g) for g in run.graded]})
    elif run.single:
        text = rend.render(student_solution(run.graded[0], run.title))
    else:
        text = rend.render_combined([class_solution(run.graded, run.names, run.title)] +
                                    [student_solution(g, run.title) for g in run.graded], title="Class report")
    return text


def write_folder(run: ClassRun, rend: Any, folder: Path, pdf: bool) -> list[str]:
    """One report per student (named by student), the gradebook and the class summary."""
    from dlsolve.render import renderer

    folder.mkdir(parents=True, exist_ok=True)
    written, used = [], set()
    suffix = ".pdf" if pdf else rend.format.suffix
    if pdf:
        from dlsolve.render.pdf import build_pdf

    def put(stem: str, body: Any) -> None:
        name, k = stem, 2
        while name.lower() in used:
            name, k = f"{stem}-{k}", k + 1
        used.add(name.lower())
        target = folder / f"{name}{suffix}"
        if pdf:
            build_pdf(rend.render(body), target)
        elif rend.format.structured:
            target.write_text(rend.render_data(body), encoding="utf-8")
        else:
            target.write_text(rend.render(body), encoding="utf-8")
        written.append(target.name)

    if not rend.format.tabular:
        for g in run.graded:
            put(file_stem(g.student), student_json(g) if rend.format.structured else student_solution(g, run.title))
        put(SUMMARY, {"problem": run.title, "gradebook": gradebook(run.rows(), run.names)} if rend.format.structured
            else class_solution(run.graded, run.names, run.title))
    csv = renderer("csv")()
    (folder / GRADEBOOK).write_text(csv.render_data(gradebook(run.rows(), run.names)), encoding="utf-8")
    written.append(GRADEBOOK)
    return written
