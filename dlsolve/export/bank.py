"""What every export reads: the problems given, each with its variants, and per variant the
asked answers (value, decimals, margin, points, slips with check's sentence), the question and
the worked solution as platform HTML. Computed once here; the target modules only lay it out.

PROBLEMS may be problem files, folders of them, or folders written by `dlsolve vary` (one
variant each); a problem file with a `vary:` section is drawn into `count` variants exactly as
`dlsolve vary` draws them (the same seed gives the same variants), when `count` is given.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from dlsolve.errors import OptionError, SpecError
from dlsolve.marking.grade import reference_array
from dlsolve.slips import DECIMALS, Slip, answer_decimals, margin, slips
from dlsolve.solution import Solution


@dataclass(frozen=True)
class Options:
    """The choices of one export (the CLI and tests build it; nothing else holds a default)."""

    decimals: int = DECIMALS           # answers asked to this many decimals (more where 2 significant digits need it)
    count: Optional[int] = None        # draw this many variants of a problem file with a `vary:` section
    seed: Optional[int] = None
    answers: tuple[str, ...] = ()      # ask only these answers (default: every numeric answer)
    marks: Any = None                  # dlsolve.marking.Marks: points per answer
    marks_file: Optional[str] = None   # the file it came from (Gradescope grades with it)
    follow_through: bool = False       # Gradescope: credit carried forward
    wheel: Optional[str] = None        # Gradescope: the dlsolve wheel to put in the zip (default: build one)
    precision: int = 4                 # significant digits of the worked solution's numbers


@dataclass(frozen=True)
class Blank:
    """One asked answer of one variant."""

    name: str
    label: str                  # platform HTML, math as \( … \)
    value: np.ndarray           # the reference (full precision)
    decimals: np.ndarray        # per entry, the decimals it is asked to
    margin: np.ndarray          # per entry, the absolute margin of the marking rule at those decimals
    points: float
    slips: tuple[Slip, ...]

    @property
    def entries(self) -> list[tuple[tuple[int, ...], float, float]]:
        """(index, value, margin) of each entry, row by row."""
        return [(idx, float(self.value[idx]), float(self.margin[idx])) for idx in np.ndindex(self.value.shape)]

    def entry_name(self, idx: tuple[int, ...]) -> str:
        return self.name + ("[" + ",".join(str(i + 1) for i in idx) + "]" if idx else "")


@dataclass
class Variant:
    number: int                 # 1, 2, … (1 for a problem file without variants)
    solution: Solution
    blanks: list[Blank]
    question: str               # platform HTML: the problem as set
    worked: str                 # platform HTML: the worked solution
    file: str                   # the problem file of this variant


@dataclass
class Problem:
    stem: str                   # a name safe in paths and identifiers
    title: str
    seed: Optional[int]
    variants: list[Variant] = field(default_factory=list)
    folder: Optional[Path] = None   # the variants folder (`dlsolve vary`'s), when there is one

    @property
    def varied(self) -> bool:
        return self.folder is not None


def asked_sentence(decimals: int) -> str:
    """How the values are to be written, as the margins (the marking rule) expect them."""
    small = number_text(10.0 ** -(decimals - 1)) if decimals >= 1 else "1"
    return (f"Give each value to {decimals} decimal places; where an answer's largest entry is below {small}, "
            "to two significant digits of that entry (0.00031, not 0.0003).")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "problem"


def number_text(x: float) -> str:
    """A number as platforms read it, exactly (the shortest text that gives the same float)."""
    if not math.isfinite(x):
        raise ValueError(x)
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


class NothingToAsk(OptionError):
    """A problem with no numeric answer (a symbolic one): nothing a platform can ask."""


def collect(paths: Sequence[str], options: Options, scratch: Optional[Path] = None,
            skipped: Optional[list[str]] = None) -> list[Problem]:
    """The problems of PROBLEMS…, solved, with their variants; a problem of a folder that has
    nothing to ask is left out and said in `skipped`."""
    skipped = [] if skipped is None else skipped
    from dlsolve.files import expand
    from dlsolve.vary_files import MANIFEST

    problems = []
    for p in paths:
        path = Path(p)
        if path.is_dir() and (path / MANIFEST).is_file():
            problems.append(_from_folder(path, options))
            continue
        for file in expand([p]):
            try:
                problems.append(_from_file(file, options, scratch))
            except NothingToAsk as why:
                if not path.is_dir():
                    raise
                skipped.append(why.message)  # one problem of a folder: the others are still exported
    if not problems:
        raise OptionError("dlsolve export", "no problem files found in " + ", ".join(paths))
    stems = [pr.stem for pr in problems]
    for k, pr in enumerate(problems):  # two problems of one name stay apart in identifiers
        if stems.count(pr.stem) > 1:
            pr.stem = f"{pr.stem}-{k + 1}"
    return problems


def _from_folder(folder: Path, options: Options) -> Problem:
    from dlsolve.vary import VariantSet

    vs = VariantSet.open(folder)
    stem = slug(Path(str(vs.manifest.get("problem", folder.name))).stem)
    problem = Problem(stem, vs.title, vs.manifest.get("seed"), folder=folder)
    for n in vs:
        solution, alternatives = vs.solved(n)
        problem.variants.append(_variant(n, solution, alternatives, str(vs.files[n]), options))
    return problem


def _from_file(file: str, options: Options, scratch: Optional[Path]) -> Problem:
    from dlsolve import api
    from dlsolve.load import load_problem

    if options.count is not None:
        from dlsolve.load import parse_data, read_text

        name, text = read_text(file)
        if "vary" in parse_data(text, name):
            from dlsolve.vary import write_variants

            target = Path(scratch or tempfile.mkdtemp(prefix="dlsolve-export-")) / slug(Path(file).stem)
            if target.exists():  # the same file given twice
                target = Path(tempfile.mkdtemp(prefix=target.name + "-", dir=target.parent))
            write_variants(file, options.count, options.seed, target)
            return _from_folder(target, options)
    problem = load_problem(file)
    solution = api.solve_loaded(problem)
    out = Problem(slug(Path(file).stem), solution.title or Path(file).stem, None)
    out.variants.append(_variant(1, solution, api.alternatives(problem), file, options))
    return out


def _variant(number: int, solution: Solution, alternatives: Any, file: str, options: Options) -> Variant:
    from dlsolve.export.mathjax import MathJaxHtml, question_html, solution_html

    names = _asked(solution, options.answers, file)
    rend = MathJaxHtml(precision=options.precision)
    blanks = []
    for name in names:
        answer = solution.answer(name)
        ref = reference_array(answer)
        if not np.all(np.isfinite(ref)):
            raise SpecError((name,), f"'{name}' is not a finite number in {file} (variant {number}); a platform "
                                     "cannot ask for it: leave it out with --answer")
        dec = answer_decimals(ref, options.decimals)
        points = options.marks.of(name) if options.marks is not None else 1.0
        blanks.append(Blank(name, rend.label(answer.label), ref, dec, margin(dec), points,
                            tuple(slips(solution, alternatives, name, dec))))
    return Variant(number, solution, blanks, question_html(solution, options.precision),
                   solution_html(solution, options.precision), file)


def _asked(solution: Solution, wanted: Sequence[str], file: str) -> list[str]:
    """The answers to ask: those named (--answer, or the marking scheme's), else every numeric one."""
    names = [a.name for a in solution.answers]
    if wanted:
        for w in wanted:
            if w not in names:
                raise OptionError("--answer", f"{file} has no answer '{w}'; its answers are: {', '.join(names)}")
        return list(wanted)
    out = []
    for name in names:
        try:
            if np.all(np.isfinite(reference_array(solution.answer(name)))):
                out.append(name)
        except SpecError:  # a formula (symbolic) answer: nothing to type in as a number
            continue
    if not out:
        raise NothingToAsk("dlsolve export", f"{file} has no numeric answer to ask")
    return out
