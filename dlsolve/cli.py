"""The command line: the only module that imports click, and the only place errors become text.

Heavy modules (NumPy, SymPy, the YAML loader) are imported inside the commands, so that
`dlsolve --help` and `dlsolve kinds` start instantly.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from dlsolve import __version__, kinds
from dlsolve.errors import DlsolveError, ExitStatus, OptionError, SpecError
from dlsolve.render import FORMATS


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that solves problems."""
    f = click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")(f)
    f = click.option("--exact", is_flag=True,
                     help="Also give exact values where the inputs are exact (σ(0) = 1/2), with the decimal.")(f)
    f = click.option("--round", "round_to", type=click.IntRange(0, 12), default=None, metavar="N",
                     help="Round every intermediate value to N decimals, as by hand, and show how far the "
                          "answers drift from full precision.")(f)
    f = click.option("--fragment", is_flag=True, help="latex: the body only, to paste into a sheet.")(f)
    f = click.option("--combine", is_flag=True,
                     help="Several files: one document with a table of contents (the answer key).")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=True, writable=True), default=None,
                     help="Write to this file; with several files, to this folder (plus an index).")(f)
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


def _run(files: tuple[str, ...], expected_kind: str | None, o: dict[str, Any]) -> None:
    """Load, solve and render each file; errors become one line on stderr and an exit code."""
    problem = None
    try:
        from pathlib import Path

        from dlsolve.load import load_problem
        from dlsolve.render import renderer
        from dlsolve.sheets import solve_problem

        if o["fragment"] and o["fmt"] != "latex":
            raise OptionError("--fragment", "applies to --format latex")
        rend = renderer(o["fmt"])(precision=o["precision"], fragment=o["fragment"])
        options = kinds.SolveOptions(explain=tuple(o["explain"]), detail=o["detail"], round=o["round_to"],
                                     exact=o["exact"])
        solutions = []
        for file in files:
            problem = load_problem(file, expected_kind)
            solutions.append(solve_problem(problem, options))
        problem = None
        out = sys.stdout
        several = len(solutions) > 1
        if o["output"] is None:
            if several and (o["combine"] or o["fmt"] in ("html", "latex", "json")):
                out.write(rend.render_combined(solutions))
                return
            color = o["fmt"] == "text" and out.isatty()
            for n, solution in enumerate(solutions):
                if n:
                    out.write("\n")
                rend.write(solution, out, color=color)
            return
        target = Path(o["output"])
        if several and not o["combine"]:
            target.mkdir(parents=True, exist_ok=True)
            entries = []
            for file, solution in zip(files, solutions):
                name = Path(file).stem if file != "-" else "stdin"
                (target / f"{name}{rend.suffix}").write_text(rend.render(solution), encoding="utf-8")
                entries.append((solution.title or solution.kind, f"{name}{rend.suffix}"))
            (target / f"index{rend.suffix}").write_text(rend.render_index(entries), encoding="utf-8")
            click.echo(f"wrote {len(entries)} problems and index{rend.suffix} to {target}/", err=True)
            return
        if target.is_dir():
            stem = "answer-key" if several else (Path(files[0]).stem if files[0] != "-" else "stdin")
            target = target / f"{stem}{rend.suffix}"
        text = rend.render_combined(solutions) if several else rend.render(solutions[0])
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target}", err=True)
    except DlsolveError as err:
        if o["traceback"]:
            raise
        if isinstance(err, SpecError) and err.line is None and problem is not None:
            err = problem.source.locate(err)
        click.echo(str(err), err=True)
        sys.exit(err.exit_status)
    except OSError as exc:
        if o["traceback"]:
            raise
        click.echo(f"{exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --traceback
        if o["traceback"]:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in dlsolve; rerun with --traceback and report it.", err=True)
        sys.exit(ExitStatus.INTERNAL)


@main.command("solve")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_common
def solve_cmd(files: tuple[str, ...], **o: Any) -> None:
    """Solve problem files of any kind (chosen by each file's `kind:`). FILE may be - for stdin."""
    _run(files, None, o)


def _kind_command(kind: str, name: str | None = None) -> click.Command:
    @click.argument("file", metavar="FILE")
    @_common
    def command(file: str, **o: Any) -> None:
        _run((file,), kind, o)

    command.__doc__ = (f"Solve a `kind: {kind}` problem: {kinds.summary(kind)}. FILE may be - for stdin."
                       if name is None else f"The same as `dlsolve {kind}`.")
    return click.command(name or kind)(command)


for _kind in kinds.KINDS:
    main.add_command(_kind_command(_kind))
for _alias, _kind in kinds.ALIASES.items():
    main.add_command(_kind_command(_kind, _alias))


@main.command("check")
@click.argument("problem_file", metavar="PROBLEM")
@click.argument("answers_file", metavar="ANSWERS")
@click.option("--rtol", type=float, default=None, help="Right when within this relative tolerance instead.")
@click.option("--atol", type=float, default=None, help="Right when within this absolute tolerance instead.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--precision", type=click.IntRange(1, 15), default=4, show_default=True)
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
def check_cmd(problem_file: str, answers_file: str, rtol: float | None, atol: float | None, fmt: str,
              precision: int, traceback: bool) -> None:
    """Check a student's answers (a YAML file of `name: value`) against a problem's solution.

    Exit code 0 when every answer is right, 1 when any is wrong, 2 for bad input.
    """
    source = None
    try:
        import json

        from dlsolve.check import check, report_json, report_solution
        from dlsolve.load import load_answers, load_problem
        from dlsolve.render import renderer

        problem = load_problem(problem_file)
        solution = problem.module.solve(problem.spec, kinds.SolveOptions())
        given, decimals, source = load_answers(answers_file)
        report = check(solution, given, decimals, rtol, atol)
        if fmt == "json":
            click.echo(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        else:
            rend = renderer(fmt)(precision=precision)
            rend.write(report_solution(report, source.name), sys.stdout,
                       color=fmt == "text" and sys.stdout.isatty())
        sys.exit(ExitStatus.OK if report.all_right else ExitStatus.WRONG_ANSWER)
    except DlsolveError as err:
        if traceback:
            raise
        if isinstance(err, SpecError) and err.line is None and source is not None:
            err = source.locate(err)
        click.echo(str(err), err=True)
        sys.exit(err.exit_status)


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
