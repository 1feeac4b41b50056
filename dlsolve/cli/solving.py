"""Solving: `dlsolve solve` and each kind's own subcommand — problem files in, their sheets out.

`run` is the one path of every solving command: load each file, solve it within the time limit,
and render the solutions in the format asked, to standard output, a file, a folder (one file
per problem plus an index) or a PDF. A kind's subcommand offers only the solve options its
`dlsolve.kinds.KINDS` entry names; `dlsolve solve` offers them all.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from dlsolve import kinds
from dlsolve.cli.boundary import boundary
from dlsolve.cli.options import (SOLVE_OPTIONS, complete_files, output_options, sheet_renderer,
                                 solve_options, solve_options_of)
from dlsolve.limits import time_limit


@dataclass(frozen=True)
class Output:
    """How a solving command shows its solutions and where it writes them: its output flags by name,
    made once from click's keyword arguments (a misspelt name is a TypeError or AttributeError)."""

    fmt: str
    precision: int
    output: str | None
    fragment: bool
    questions: bool
    answers_only: bool
    paper: str
    pdf: bool
    color: str
    timeout: float
    traceback: bool
    combine: bool = False  # only `dlsolve solve` has --combine

    def sheet(self) -> tuple[Any, str]:
        """The renderer these flags ask for, and its format's name."""
        return sheet_renderer(self.fmt, self.precision, self.pdf, fragment=self.fragment,
                              questions=self.questions, answers_only=self.answers_only, paper=self.paper)


def run(files: tuple[str, ...], expected_kind: str | None, options: kinds.SolveOptions, o: Output) -> None:
    """Load, solve and render each file (several: in natural order, p2 before p10, unless an
    index file gives the order)."""
    state: dict[str, Any] = {}
    with boundary(o.traceback, lambda: getattr(state.get("problem"), "source", None)):
        from pathlib import Path

        from dlsolve.files import ordered
        from dlsolve.load import load_problem
        from dlsolve.render.text import use_colour
        from dlsolve.sheets import duplicate_titles, solve_problem

        rend, fmt = o.sheet()
        files = tuple(ordered(files))
        solutions = []
        for file in files:
            state["problem"] = problem = load_problem(file, expected_kind)
            with time_limit(o.timeout or None):
                solutions.append(solve_problem(problem, options.for_kind(problem.spec.kind, flag="--")))
        state.clear()
        out = sys.stdout
        several = len(solutions) > 1
        for warning in duplicate_titles(files, solutions) if several else ():
            click.echo(f"warning: {warning}", err=True)
        # -o names a folder when it ends in / or is one
        folder = Path(o.output) if o.output is not None and (o.output.endswith(("/", os.sep))
                                                             or Path(o.output).is_dir()) else None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        stem = ("questions" if o.questions else "answer-key") if several else \
            (Path(files[0]).stem if files[0] != "-" else "stdin")
        if o.pdf:
            from dlsolve.render.pdf import build_pdf

            if several and folder is not None and not o.combine:  # one paper per file (per exam variant)
                for file, solution in zip(files, solutions):
                    build_pdf(rend.render(solution), folder / f"{Path(file).stem}.pdf")
                click.echo(f"wrote {len(files)} PDFs to {str(o.output).rstrip('/')}/", err=True)
                return
            target = Path(o.output) if o.output else Path(f"{stem}.pdf")
            if folder:
                target = target / f"{stem}.pdf"
            build_pdf(rend.render_combined(solutions) if several else rend.render(solutions[0]), target)
            click.echo(f"wrote {target}", err=True)
            return
        if o.output is None:
            if several and (o.combine or rend.format.one_document):
                out.write(rend.render_combined(solutions))
                return
            color = rend.format.colour and use_colour(o.color, out)
            for n, solution in enumerate(solutions):
                if n:
                    out.write("\n")
                rend.write(solution, out, color=color)
            return
        target = Path(o.output)
        if several and not o.combine:
            target.mkdir(parents=True, exist_ok=True)
            entries = []
            for file, solution in zip(files, solutions):
                name = Path(file).stem if file != "-" else "stdin"
                (target / f"{name}{rend.format.suffix}").write_text(rend.render(solution), encoding="utf-8")
                entries.append((solution.title or solution.kind, f"{name}{rend.format.suffix}"))
            (target / f"index{rend.format.suffix}").write_text(rend.render_index(entries), encoding="utf-8")
            click.echo(f"wrote {len(entries)} problems and index{rend.format.suffix} to {target}/", err=True)
            return
        if folder:
            target = target / f"{stem}{rend.format.suffix}"
        text = rend.render_combined(solutions) if several else rend.render(solutions[0])
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target}", err=True)


@click.command("solve")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", shell_complete=complete_files)
@click.option("--combine", is_flag=True,
              help="Several files: one document with a table of contents (the answer key).")
@solve_options(SOLVE_OPTIONS)
@output_options
def solve_cmd(files: tuple[str, ...], **o: Any) -> None:
    """Solve problem files of any kind (chosen by each file's `kind:`). FILE may be - for stdin, a
    folder (its YAML files), or an index file (.txt: one problem file a line, in the order wanted).
    Several files come in natural order (p2 before p10) unless an index file orders them."""
    options = solve_options_of(o)
    run(files, None, options, Output(**o))


def kind_command(kind: str, name: str | None = None) -> click.Command:
    """`dlsolve KIND FILE`: solve a file that must be of that kind, with the solve options it takes
    (`name`: an alias of the kind, its help pointing at the kind's command)."""
    @click.argument("file", metavar="FILE", shell_complete=complete_files)
    @solve_options(kinds.KINDS[kind].options)
    @output_options
    def command(file: str, **o: Any) -> None:
        options = solve_options_of(o)
        run((file,), kind, options, Output(**o))

    command.__doc__ = (f"Solve a `kind: {kind}` problem: {kinds.summary(kind)}. FILE may be - for stdin."
                       if name is None else f"The same as `dlsolve {kind}`.")
    short = kinds.summary(kind) if name is None else f"the same as `dlsolve {kind}`"
    return click.command(name or kind, short_help=short)(command)


def kind_commands() -> list[click.Command]:
    """A subcommand per kind, then one per alias (`dlsolve adagrad` is `dlsolve optimizer`)."""
    return [kind_command(kind) for kind in kinds.KINDS] + [kind_command(kind, alias)
                                                           for alias, kind in kinds.ALIASES.items()]
