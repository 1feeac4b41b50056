"""The command line: the only module that imports click, and the only place errors become text.

Heavy modules (NumPy, SymPy, the YAML loader) are imported inside the commands, so that
`dlsolve --help` and `dlsolve kinds` start instantly. Each kind's subcommand offers the options
that kind takes (its entry in `dlsolve.kinds.KINDS`); every command runs inside one error
boundary (`_boundary`): typed errors become one line and exit 2, anything else is a bug, said
plainly with exit 3 (and its traceback with --traceback).
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import click

from dlsolve import __version__, kinds
from dlsolve.errors import DlsolveError, ExitStatus, OptionError, SpecError, SpecInvalid
from dlsolve.export import TARGETS  # the registry alone (no NumPy): the export command's choices
from dlsolve.export.gradebooks import GRADEBOOKS  # likewise check's --gradebook choices (csv only)
from dlsolve.limits import DEFAULT_TIMEOUT, time_limit
from dlsolve.render import FORMATS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

# The options that change what is solved: one flag per SolveOptions field, its default and its
# values read from there. A kind's subcommand gets those its KINDS entry names, `dlsolve solve` gets
# all (and refuses one a file's kind does not take, by SolveOptions.for_kind).
_DEFAULT = kinds.SolveOptions()
SOLVE_OPTIONS: dict[str, Decorator] = {
    "explain": click.option(
        "--explain", "explain", multiple=True, default=_DEFAULT.explain, metavar="PARAM",
        help="Expand the chain rule of a parameter unit by unit, e.g. 'W2[1,2]' or 'b2[1]' (1-based, as "
             "the matrix is given). Repeatable."),
    "detail": click.option(
        "--detail", type=click.Choice(kinds.SolveOptions.DETAILS), default=_DEFAULT.detail, show_default=True,
        help="'units' works every unit and weight; 'layers' works with vectors and matrices; 'auto' chooses "
             "units for networks of at most 60 parameters; 'full' is 'auto' and shows every update of a "
             "training run in its own section, not only the first, the last and a table (conv/params: "
             "every layer's working, not only the layer table)."),
    "round": click.option(
        "--round", "round", type=click.IntRange(0, kinds.SolveOptions.MAX_ROUND), default=_DEFAULT.round,
        metavar="N",
        help="Round every intermediate value to N decimals, as by hand, and show how far the answers drift "
             "from full precision."),
    "exact": click.option(
        "--exact", is_flag=True, default=_DEFAULT.exact,
        help="Also give exact values where the inputs are exact (σ(0) = 1/2), with the decimal."),
}


def _complete_files(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Shell completion of a FILE argument: file and folder names (the shell lists them)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def _complete_kinds(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Shell completion of a KIND argument: the kind names."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(k, help=kinds.summary(k)) for k in kinds.KINDS if k.startswith(incomplete)]


# Options that mean the same in solve, check and vary: one definition each.
PRECISION = click.option("--precision", type=click.IntRange(1, 15), default=4, show_default=True,
                         help="Significant digits shown (computation is always float64).")
PDF = click.option("--pdf", "pdf", is_flag=True,
                   help="Compile the LaTeX and write a PDF (with -o: there; else NAME.pdf here). "
                        "Needs pdflatex (latexmk used when present).")
COLOR = click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, help="Colour in the terminal: auto follows NO_COLOR / FORCE_COLOR, then "
                                             "whether the output is a terminal.")


def _output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of how a solution is shown and where it goes (every solving command)."""
    f = click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")(f)
    f = click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
                     metavar="SECONDS", help="Stop solving a problem after this long (0: no limit).")(f)
    f = _sheet_options(f)
    f = click.option("--fragment", is_flag=True, help="LaTeX: the body only, to paste into a sheet.")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=True, writable=True), default=None,
                     help="Write to this file; with several files, to this folder (plus an index).")(f)
    f = PRECISION(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default=FORMATS[0], show_default=True,
                     help="Output format.")(f)
    return f


def _sheet_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of the sheet itself: what it holds, its paper, a PDF, colour in a terminal."""
    f = COLOR(f)
    f = PDF(f)
    f = click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True,
                     help="LaTeX/PDF paper size.")(f)
    f = click.option("--questions", "questions", is_flag=True,
                     help="The problem as given (its data, pictures and what is asked), without the solution: "
                          "the exam paper.")(f)
    f = click.option("--answers-only", "answers_only", is_flag=True,
                     help="Only the answers table of each problem: the key on a few pages.")(f)
    return f


def _solve_options(names: Any) -> Decorator:
    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed([n for n in SOLVE_OPTIONS if n in names]):
            f = SOLVE_OPTIONS[name](f)
        return f
    return add


@contextlib.contextmanager
def _boundary(traceback: bool, source: Callable[[], Any] = lambda: None) -> Iterator[None]:
    """The one place errors become text: a typed error → its message and its exit status (with
    file:line:col where `source()` can locate it); anything else → 'internal error', exit 3."""
    import warnings

    # NumPy's RuntimeWarnings (overflow, 0/0) are not for the user: every NaN or ∞ a solution
    # shows carries a note that says why
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        yield
    except SystemExit:
        raise
    except (DlsolveError, SpecInvalid) as err:
        if traceback:
            raise
        if isinstance(err, SpecInvalid):  # raised while solving: a typed error without a place yet
            err = SpecError(err.subpath, err.message)
        where = source()
        if isinstance(err, SpecError) and err.line is None and where is not None:
            err = where.locate(err)
        click.echo(str(err), err=True)
        sys.exit(err.exit_status)
    except OSError as exc:
        if traceback:
            raise
        click.echo(f"{exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except MemoryError:
        if traceback:
            raise
        click.echo("the problem is too large: solving it needs more memory than this machine has", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --traceback
        if traceback:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in dlsolve; rerun with --traceback and report it.", err=True)
        sys.exit(ExitStatus.INTERNAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlsolve")
def main() -> None:
    """Worked, step-by-step solutions of deep-learning exam numericals.

    Write the problem as the exam states it in a YAML file, then run e.g.
    `dlsolve backprop problem.yaml`. `dlsolve new backprop` prints a template to start from.
    """


def _solve_options_of(o: dict[str, Any]) -> kinds.SolveOptions:
    """The SolveOptions of a command's flags, taken out of click's keyword arguments (a subcommand
    lacks the flags its kind does not take: those keep the object's defaults)."""
    return kinds.SolveOptions(**{name: o.pop(name) for name in kinds.SolveOptions.names() if name in o})


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
        return _sheet(self.fmt, self.precision, self.pdf, fragment=self.fragment, questions=self.questions,
                      answers_only=self.answers_only, paper=self.paper)


def _sheet(fmt: str, precision: int, pdf: bool, *, fragment: bool = False, questions: bool = False,
           answers_only: bool = False, paper: str | None = None) -> tuple[Any, str]:
    """The renderer the sheet options ask for, and the format's name (a command without a sheet
    option leaves it off: the renderer's own default)."""
    from dlsolve.render import REGISTRY

    if pdf:  # the format a TeX engine compiles
        compiled = REGISTRY.having(lambda f: f.compiles)[0]
        if fmt not in (FORMATS[0], compiled):
            raise OptionError("--pdf", f"writes a PDF from --format {compiled}, not from --format {fmt}")
        fmt = compiled
    if answers_only and questions:
        raise OptionError("--answers-only", "and --questions ask for different sheets; give one")
    mode = "answers" if answers_only else "questions" if questions else "full"
    record = REGISTRY[fmt]
    if fragment and not record.fragments:
        raise OptionError("--fragment", "applies to --format " + ", ".join(REGISTRY.having(lambda f: f.fragments)))
    if mode != "full" and not record.sheets:
        flag = "--answers-only" if mode == "answers" else "--questions"
        raise OptionError(flag, "applies to --format " + ", ".join(REGISTRY.having(lambda f: f.sheets)))
    cls = record.renderer()
    kwargs: dict[str, Any] = {"precision": precision, "fragment": fragment}
    if record.sheets:
        kwargs.update(mode=mode, **({"paper": paper} if paper is not None else {}))
    return cls(**kwargs), fmt


def _run(files: tuple[str, ...], expected_kind: str | None, options: kinds.SolveOptions, o: Output) -> None:
    """Load, solve and render each file (several: in natural order, p2 before p10, unless an
    index file gives the order)."""
    state: dict[str, Any] = {}
    with _boundary(o.traceback, lambda: getattr(state.get("problem"), "source", None)):
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


@main.command("solve")
@click.argument("files", nargs=-1, required=True, metavar="FILE...", shell_complete=_complete_files)
@click.option("--combine", is_flag=True,
              help="Several files: one document with a table of contents (the answer key).")
@_solve_options(SOLVE_OPTIONS)
@_output_options
def solve_cmd(files: tuple[str, ...], **o: Any) -> None:
    """Solve problem files of any kind (chosen by each file's `kind:`). FILE may be - for stdin, a
    folder (its YAML files), or an index file (.txt: one problem file a line, in the order wanted).
    Several files come in natural order (p2 before p10) unless an index file orders them."""
    options = _solve_options_of(o)
    _run(files, None, options, Output(**o))


def _kind_command(kind: str, name: str | None = None) -> click.Command:
    @click.argument("file", metavar="FILE", shell_complete=_complete_files)
    @_solve_options(kinds.KINDS[kind].options)
    @_output_options
    def command(file: str, **o: Any) -> None:
        options = _solve_options_of(o)
        _run((file,), kind, options, Output(**o))

    command.__doc__ = (f"Solve a `kind: {kind}` problem: {kinds.summary(kind)}. FILE may be - for stdin."
                       if name is None else f"The same as `dlsolve {kind}`.")
    short = kinds.summary(kind) if name is None else f"the same as `dlsolve {kind}`"
    return click.command(name or kind, short_help=short)(command)


for _kind in kinds.KINDS:
    main.add_command(_kind_command(_kind))
for _alias, _kind in kinds.ALIASES.items():
    main.add_command(_kind_command(_kind, _alias))


@main.command("check")
@click.argument("problem_file", metavar="PROBLEM", shell_complete=_complete_files)
@click.argument("answers_files", nargs=-1, required=True, metavar="ANSWERS...", shell_complete=_complete_files)
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
@click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              metavar="SECONDS", help="Stop solving the problem after this long (0: no limit).")
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
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
    with _boundary(traceback, lambda: state.get("source")):
        from pathlib import Path

        from dlsolve.marking import Rule
        from dlsolve.marking import run as marking

        rend, fmt = _sheet(fmt, precision, pdf)
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


@main.command("kinds")
def kinds_cmd() -> None:
    """List the problem kinds, one line each."""
    width = max(map(len, kinds.KINDS))
    for name in kinds.KINDS:
        click.echo(f"{name.ljust(width)}  {kinds.summary(name)}")


@main.command("new")
@click.argument("kind", shell_complete=_complete_kinds)
def new_cmd(kind: str) -> None:
    """Print a commented template problem of KIND to edit (dlsolve new backprop > p.yaml).

    Its first line points editors with the YAML language server (VS Code's YAML extension) at
    the kind's JSON Schema, for completion and checking as you type."""
    with _boundary(False):
        if kind not in kinds.KINDS:
            from dlsolve.errors import did_you_mean

            raise OptionError("dlsolve new", f"unknown kind: {did_you_mean(kind, kinds.KINDS)}")
        from importlib.resources import files

        from dlsolve.schema import modeline

        click.echo(modeline(kind), nl=True)
        click.echo(files("dlsolve.templates").joinpath(f"{kind}.yaml").read_text(encoding="utf-8"), nl=False)


@main.command("schema")
@click.argument("kind", required=False, shell_complete=_complete_kinds)
@click.option("--all", "all_kinds", is_flag=True, help="One schema for a problem file of any kind (chosen by `kind:`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def schema_cmd(kind: str | None, all_kinds: bool, output: str | None) -> None:
    """Print the JSON Schema of a problem KIND (or --all), for editors' completion and checking.

    `dlsolve new KIND` already points VS Code at the installed copy; use this to keep one beside
    your problems: `dlsolve schema backprop -o backprop.schema.json`.
    """
    with _boundary(False):
        if (kind is None) == (not all_kinds):
            raise OptionError("dlsolve schema", "give a KIND or --all (not both)")
        if kind is not None and kind not in kinds.KINDS:
            from dlsolve.errors import did_you_mean

            raise OptionError("dlsolve schema", f"unknown kind: {did_you_mean(kind, kinds.KINDS)}")
        from dlsolve import schema

        text = schema.dumps(schema.all_schema() if all_kinds else schema.kind_schema(kind))  # type: ignore[arg-type]
        if output is None:
            click.echo(text, nl=False)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            click.echo(f"wrote {output}", err=True)


@main.command("vary")
@click.argument("file", metavar="PROBLEM", shell_complete=_complete_files)
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
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
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
    with _boundary(traceback):
        from dlsolve.vary import write_variants

        if pdf:  # the sheets in the format a TeX engine compiles
            fmt = _sheet(fmt or FORMATS[0], precision, True)[1]
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


@main.command("export")
@click.argument("target", type=click.Choice(list(TARGETS)), metavar="TARGET")
@click.argument("problems", nargs=-1, required=True, metavar="PROBLEMS...", shell_complete=_complete_files)
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
@click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")
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
    with _boundary(traceback, lambda: state.get("source")):
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


if __name__ == "__main__":  # pragma: no cover
    main()
