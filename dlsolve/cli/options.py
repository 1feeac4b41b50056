"""The flags several commands share, one definition each, and what they turn into.

The solve options come from `dlsolve.kinds.SolveOptions` (one flag per field, its default and
values read from there); the sheet options become a renderer in `sheet_renderer()`, the one place a
command's --format, --pdf, --questions, --answers-only and --fragment are checked against the
format's record. Nothing here imports NumPy or SymPy (`dlsolve --help` builds every option).
"""

from __future__ import annotations

from typing import Any, Callable

import click

from dlsolve import kinds
from dlsolve.errors import OptionError
from dlsolve.limits import DEFAULT_TIMEOUT
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


def complete_files(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Shell completion of a FILE argument: file and folder names (the shell lists them)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def complete_kinds(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """Shell completion of a KIND argument: the kind names."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(k, help=kinds.summary(k)) for k in kinds.KINDS if k.startswith(incomplete)]


# Options that mean the same in solve, check, vary and export: one definition each.
PRECISION = click.option("--precision", type=click.IntRange(1, 15), default=4, show_default=True,
                         help="Significant digits shown (computation is always float64).")
PDF = click.option("--pdf", "pdf", is_flag=True,
                   help="Compile the LaTeX and write a PDF (with -o: there; else NAME.pdf here). "
                        "Needs pdflatex (latexmk used when present).")
COLOR = click.option("--color", "--colour", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                     show_default=True, help="Colour in the terminal: auto follows NO_COLOR / FORCE_COLOR, then "
                                             "whether the output is a terminal.")
TRACEBACK = click.option("--traceback", is_flag=True, help="On an error, show the Python traceback too.")


def timeout_option(what: str) -> Decorator:
    """--timeout, its help naming what is solved (`a problem` of several, `the problem`)."""
    return click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
                        metavar="SECONDS", help=f"Stop solving {what} after this long (0: no limit).")


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of how a solution is shown and where it goes (every solving command)."""
    f = TRACEBACK(f)
    f = timeout_option("a problem")(f)
    f = sheet_options(f)
    f = click.option("--fragment", is_flag=True, help="LaTeX: the body only, to paste into a sheet.")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=True, writable=True), default=None,
                     help="Write to this file; with several files, to this folder (plus an index).")(f)
    f = PRECISION(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default=FORMATS[0], show_default=True,
                     help="Output format.")(f)
    return f


def sheet_options(f: Callable[..., Any]) -> Callable[..., Any]:
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


def solve_options(names: Any) -> Decorator:
    """The SOLVE_OPTIONS flags among `names`, in SOLVE_OPTIONS's order."""
    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed([n for n in SOLVE_OPTIONS if n in names]):
            f = SOLVE_OPTIONS[name](f)
        return f
    return add


def solve_options_of(o: dict[str, Any]) -> kinds.SolveOptions:
    """The SolveOptions of a command's flags, taken out of click's keyword arguments (a subcommand
    lacks the flags its kind does not take: those keep the object's defaults)."""
    return kinds.SolveOptions(**{name: o.pop(name) for name in kinds.SolveOptions.names() if name in o})


def sheet_renderer(fmt: str, precision: int, pdf: bool, *, fragment: bool = False, questions: bool = False,
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
