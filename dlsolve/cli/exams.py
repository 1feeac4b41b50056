"""Setting an exam from a problem: `dlsolve vary` (other numbers per student, with the question
sheet and the answer key) and `dlsolve export` (the questions for a course platform, each
diagnosable slip carrying check's explanation).
"""

from __future__ import annotations

from typing import Any

import click

from dlsolve.cli.boundary import boundary
from dlsolve.cli.options import PDF, PRECISION, TRACEBACK, complete_files, sheet_renderer
from dlsolve.export import TARGETS  # the registry alone (no NumPy): the export command's choices
from dlsolve.render import FORMATS


@click.command("vary")
@click.argument("file", metavar="PROBLEM", shell_complete=complete_files)
@click.option("--count", type=click.IntRange(1, 10000), default=30, show_default=True, help="How many variants.")
@click.option("--seed", type=click.IntRange(0), default=None,
              help="The seed (default: the `vary:` section's seed, else 0). The same seed gives the same variants.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, writable=True),
              help="The folder to write the variants, the question sheet and the answer key to.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Format of the question sheet and the answer key (default: Markdown).")
@PRECISION
@PDF
@click.option("--report", is_flag=True, help="List, per variant, the slips it tells apart for each answer.")
@TRACEBACK
def vary_cmd(file: str, count: int, seed: int | None, output: str, fmt: str | None, precision: int, pdf: bool,
             report: bool, traceback: bool) -> None:
    """Exam variants: draw other numbers for a problem with a `vary:` section, one file each.

    Writes PROBLEM-v01.yaml …, variants.json (seed and draws), questions.EXT and answer-key.EXT.
    A draw that makes the problem ill-posed (it does not solve, a value is not finite, a unit
    saturates, a shape is not whole), or in which two values dlsolve can diagnose coincide at 4
    decimals (a symmetric W hides a transposition), or that repeats a variant, is drawn again, and
    the reasons are counted. Grade with `dlsolve check FOLDER answers/`, each answers file naming
    its `variant:`.
    """
    with boundary(traceback):
        from dlsolve.vary import write_variants

        if pdf:  # the sheets in the format a TeX engine compiles
            fmt = sheet_renderer(fmt or FORMATS[0], precision, True)[1]
        done = write_variants(file, count, seed, output, fmt, precision)
        if pdf:
            from dlsolve.render.pdf import build_pdf

            for sheet in done.sheets:
                tex = done.folder / sheet
                build_pdf(tex.read_text(encoding="utf-8"), tex.with_suffix(".pdf"))
            done.sheets[:] = [sheet.rsplit(".", 1)[0] + ".pdf" for sheet in done.sheets]
        redrawn = sum(done.draw.redrawn.values())
        why = "; ".join(f"{n}× {reason}" for reason, n in done.draw.redrawn.most_common())
        click.echo(f"wrote {len(done.files)} variants ({done.files[0]} … {done.files[-1]}), variants.json, "
                   f"{' and '.join(done.sheets)} to {done.folder}/", err=True)
        click.echo(f"redrawn {redrawn} draw{'s' if redrawn != 1 else ''}" + (f": {why}" if why else ""), err=True)
        if report:
            from dlsolve.slips import report_lines

            click.echo("\n".join(report_lines(done.folder)))


@click.command("export")
@click.argument("target", type=click.Choice(list(TARGETS)), metavar="TARGET")
@click.argument("problems", nargs=-1, required=True, metavar="PROBLEMS...", shell_complete=complete_files)
@click.option("-o", "--output", required=True, type=click.Path(writable=True),
              help="The file (moodle: .xml; canvas, gradescope: .zip) or folder (prairielearn) to write.")
@click.option("--count", type=click.IntRange(1, 1000), default=None,
              help="Draw this many variants of a problem file with a `vary:` section (as `dlsolve vary` does).")
@click.option("--seed", type=click.IntRange(0), default=None, help="The seed of those variants.")
@click.option("--decimals", type=click.IntRange(0, 12), default=4, show_default=True,
              help="Answers are asked to this many decimals (more where two significant digits need it).")
@click.option("--answer", "answers", multiple=True, metavar="NAME",
              help="Ask only this answer (repeat for several; default: every numeric answer, or the --marks ones).")
@click.option("--marks", "marks_file", default=None, metavar="FILE", help="A marking scheme: points per answer.")
@click.option("--follow-through", is_flag=True, help="Gradescope: credit carried forward from the student's own answers.")
@click.option("--wheel", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Gradescope: the dlsolve wheel to put in the zip (default: built from this installation).")
@PRECISION
@TRACEBACK
def export_cmd(target: str, problems: tuple[str, ...], output: str, count: int | None, seed: int | None,
               decimals: int, answers: tuple[str, ...], marks_file: str | None, follow_through: bool,
               wheel: str | None, precision: int, traceback: bool) -> None:
    """Questions for a course platform: moodle, canvas, prairielearn or gradescope.

    PROBLEMS are problem files, folders of them, or folders written by `dlsolve vary` (one question
    per variant). Each asked value carries the marking rule's margin at --decimals, and each slip
    dlsolve can diagnose for that variant (a flipped sign, a transposed matrix, another convention)
    carries check's explanation; the worked solution is the general feedback.
    """
    state: dict[str, Any] = {}
    with boundary(traceback, lambda: state.get("source")):
        from dlsolve import api
        from dlsolve.export import export
        from dlsolve.export.bank import Options

        marks = None
        if marks_file:
            marks, state["source"] = api.marks_from_file(marks_file)
            state.clear()
        asked = answers or (tuple(marks.points) if marks is not None else ())
        options = Options(decimals=decimals, count=count, seed=seed, answers=asked, marks=marks, marks_file=marks_file,
                          follow_through=follow_through, wheel=wheel, precision=precision)
        skipped: list[str] = []
        written = export(target, problems, output, options, skipped)
        for why in skipped:
            click.echo(f"left out: {why}", err=True)
        click.echo(f"wrote {', '.join(map(str, written))} ({TARGETS[target][1]})", err=True)
