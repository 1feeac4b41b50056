"""Marking: `dlsolve check` — students' answers graded against a problem's solution.

The grading itself is `dlsolve.marking` (it prints nothing); this command turns its result into
the report, the reports of a class, a gradebook or a PDF, says each answers file it could not
read at its line, and exits 0 (all right), 1 (an answer wrong) or 2 (a file unreadable).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from dlsolve.cli.boundary import boundary
from dlsolve.cli.options import COLOR, PDF, PRECISION, TRACEBACK, complete_files, sheet_renderer, timeout_option
from dlsolve.errors import ExitStatus
from dlsolve.export.gradebooks import GRADEBOOKS  # the registry alone (no NumPy): --gradebook's choices (csv only)
from dlsolve.render import FORMATS


@click.command("check")
@click.argument("problem_file", metavar="PROBLEM", shell_complete=complete_files)
@click.argument("answers_files", nargs=-1, required=True, metavar="ANSWERS...", shell_complete=complete_files)
@click.option("--rtol", type=float, default=None, help="Right when within this relative tolerance instead.")
@click.option("--atol", type=float, default=None, help="Right when within this absolute tolerance instead.")
@click.option("--follow-through", is_flag=True,
              help="Also judge each answer against the value it has from the student's own earlier answers "
                   "(error carried forward).")
@click.option("--marks", "marks_file", default=None, metavar="FILE",
              help="A marking scheme: points per answer, and the share a follow-through answer earns.")
@click.option("--roster", "roster_file", default=None, metavar="CSV",
              help="The class list (id,name,email,section): names in the gradebook, rows in its order, a row "
                   "for each student who handed nothing in (status 'no file'), then files of no roster student.")
@click.option("-o", "--output", type=click.Path(dir_okay=True, writable=True), default=None,
              help="Write the report to this file; to a folder (ending in /, or one that exists): one report per "
                   "student, gradebook.csv and the class summary.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=FORMATS[0], show_default=True,
              help="Output format (csv: the gradebook).")
@click.option("--gradebook", type=click.Choice(list(GRADEBOOKS)), default=None,
              help="Write the marks in this platform's gradebook import format instead of the report (to -o FILE or "
                   "standard output; with -o FOLDER/, as gradebook-NAME.csv beside the reports).")
@click.option("--assignment", default=None, metavar="NAME",
              help="--gradebook: the assignment's name as the platform knows it (default: the problem's title).")
@click.option("--assignment-id", default="", metavar="ID", help="--gradebook canvas: the assignment's id in Canvas.")
@PRECISION
@PDF
@COLOR
@timeout_option("the problem")
@TRACEBACK
def check_cmd(problem_file: str, answers_files: tuple[str, ...], rtol: float | None, atol: float | None,
              follow_through: bool, marks_file: str | None, roster_file: str | None, output: str | None,
              fmt: str, gradebook: str | None, assignment: str | None, assignment_id: str, precision: int,
              pdf: bool, color: str, timeout: float, traceback: bool) -> None:
    """Check students' answers (YAML files of `name: value`, or folders of them) against a problem.

    One file: that student's report. Several, or a folder: the problem is solved once and every
    file graded (a class report; --format csv gives a gradebook). Every file gets a row: one that
    cannot be read scores 0 with its reason. PROBLEM may be a folder written by `dlsolve vary`:
    each answers file names its variant (`variant: 7`). Exit code 0 when every answer is right,
    1 when any is wrong, 2 when a file or an answer could not be read (all others still graded).
    """
    state: dict[str, Any] = {}
    with boundary(traceback, lambda: state.get("source")):
        from pathlib import Path

        from dlsolve.marking import Rule
        from dlsolve.marking import run as marking

        rend, fmt = sheet_renderer(fmt, precision, pdf)
        done = marking.grade(problem_file, answers_files, Rule(rtol, atol), follow_through, marks_file,
                             roster_file, timeout or None, state)
        for g in done.graded:
            for reason in g.reasons:
                where = g.sheet.name if g.sheet else g.student.id
                line, _, text = reason[5:].partition(": ")  # "line 4: z1: …" → file:4:1: z1: …
                click.echo(f"{where}:{line}:1: {text}" if reason.startswith("line ") else f"{where}: {reason}",
                           err=True)
        lms = GRADEBOOKS[gradebook](done.rows(), assignment or done.title, assignment_id) if gradebook else None
        if output is not None and (marking.is_folder(output) or (pdf and not done.single)):
            written = marking.write_folder(done, rend, Path(output), pdf)
            reports = f"{len(written) - 2} reports, the class summary and " if len(written) > 1 else ""
            if lms is not None:
                (Path(output) / f"gradebook-{gradebook}.csv").write_text(lms, encoding="utf-8")
                reports += f"gradebook-{gradebook}.csv, "
            click.echo(f"wrote {reports}{marking.GRADEBOOK} to {output.rstrip('/')}/", err=True)
        elif lms is not None:
            if output is None:
                sys.stdout.write(lms)
            else:
                Path(output).write_text(lms, encoding="utf-8")
                click.echo(f"wrote {output}", err=True)
        elif pdf:
            from dlsolve.render.pdf import build_pdf

            target = Path(output or f"{done.graded[0].student.id}.pdf")
            build_pdf(marking.render(done, rend), target)
            click.echo(f"wrote {target}", err=True)
        elif output is not None:
            Path(output).write_text(marking.render(done, rend), encoding="utf-8")
            click.echo(f"wrote {output}", err=True)
        elif done.single and rend.format.colour and not rend.format.structured:
            from dlsolve.marking.summary import student_solution
            from dlsolve.render.text import use_colour

            rend.write(student_solution(done.graded[0], done.title), sys.stdout,
                       color=use_colour(color, sys.stdout))
        else:
            if hasattr(rend, "width"):  # the terminal's width, or COLUMNS when piped
                from dlsolve.render.text import console_width

                rend.width = console_width(sys.stdout)
            sys.stdout.write(marking.render(done, rend))
    sys.exit(ExitStatus.BAD_INPUT if done.bad_input else ExitStatus.OK if done.all_right else ExitStatus.WRONG_ANSWER)
