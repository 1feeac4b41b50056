"""The command line: the only module that imports click, and the only place errors become text.

Heavy modules (NumPy, SymPy, the YAML loader) are imported inside the commands, so that
`dlsolve --help` and `dlsolve kinds` start instantly.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from dlsolve import __version__, kinds
from dlsolve.errors import DlsolveError, ExitStatus, SpecError
from dlsolve.render import FORMATS


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that solves problems."""
    f = click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")(f)
    f = click.option("--explain", "explain", multiple=True, metavar="PARAM",
                     help="backprop: expand the chain rule of a parameter unit by unit, e.g. 'W2[1,2]' "
                          "or 'b2[1]' (1-based, as the matrix is given). Repeatable.")(f)
    f = click.option("--detail", type=click.Choice(["auto", "units", "layers"]), default="auto",
                     show_default=True,
                     help="backprop: 'units' works every unit and weight; 'layers' works with vectors and "
                          "matrices; 'auto' chooses units for networks of at most 60 parameters.")(f)
    f = click.option("--precision", type=click.IntRange(1, 15), default=4, show_default=True,
                     help="Significant digits shown (computation is always float64).")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Output format.")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlsolve")
def main() -> None:
    """Worked, step-by-step solutions of deep-learning exam numericals.

    Write the problem as the exam states it in a YAML file, then run e.g.
    `dlsolve backprop problem.yaml`. `dlsolve new backprop` prints a template to start from.
    """


def _run(files: tuple[str, ...], expected_kind: str | None, fmt: str, precision: int,
         explain: tuple[str, ...], detail: str, traceback: bool) -> None:
    problem = None
    try:
        from dlsolve.load import load_problem
        from dlsolve.render import renderer

        out = sys.stdout
        color = fmt == "text" and out.isatty()
        rend = renderer(fmt)(precision=precision)
        for n, file in enumerate(files):
            problem = load_problem(file, expected_kind)
            solution = problem.module.solve(problem.spec, kinds.SolveOptions(explain=tuple(explain), detail=detail))
            if n:
                out.write("\n")
            rend.write(solution, out, color=color)
    except DlsolveError as err:
        if traceback:
            raise
        if isinstance(err, SpecError) and err.line is None and problem is not None:
            err = problem.source.locate(err)
        click.echo(str(err), err=True)
        sys.exit(err.exit_status)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --traceback
        if traceback:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in dlsolve; rerun with --traceback and report it.", err=True)
        sys.exit(ExitStatus.INTERNAL)


@main.command("solve")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_common
def solve_cmd(files: tuple[str, ...], fmt: str, precision: int, detail: str, explain: tuple[str, ...],
              traceback: bool) -> None:
    """Solve problem files of any kind (chosen by each file's `kind:`). FILE may be - for stdin."""
    _run(files, None, fmt, precision, explain, detail, traceback)


def _kind_command(kind: str, name: str | None = None) -> click.Command:
    @click.argument("file", metavar="FILE")
    @_common
    def command(file: str, fmt: str, precision: int, detail: str, explain: tuple[str, ...],
                traceback: bool) -> None:
        _run((file,), kind, fmt, precision, explain, detail, traceback)

    command.__doc__ = (f"Solve a `kind: {kind}` problem: {kinds.summary(kind)}. FILE may be - for stdin."
                       if name is None else f"The same as `dlsolve {kind}`.")
    return click.command(name or kind)(command)


for _kind in kinds.KINDS:
    main.add_command(_kind_command(_kind))
for _alias, _kind in kinds.ALIASES.items():
    main.add_command(_kind_command(_kind, _alias))


@main.command("kinds")
def kinds_cmd() -> None:
    """List the problem kinds, one line each."""
    width = max(map(len, kinds.KINDS))
    for name in kinds.KINDS:
        click.echo(f"{name.ljust(width)}  {kinds.summary(name)}")


@main.command("new")
@click.argument("kind")
def new_cmd(kind: str) -> None:
    """Print a commented template problem of KIND to edit (dlsolve new backprop > p.yaml)."""
    if kind not in kinds.KINDS:
        from dlsolve.errors import did_you_mean

        click.echo(f"dlsolve new: unknown kind: {did_you_mean(kind, kinds.KINDS)}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    from importlib.resources import files

    click.echo(files("dlsolve.templates").joinpath(f"{kind}.yaml").read_text(encoding="utf-8"), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
