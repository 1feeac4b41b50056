"""The Python API: `solve(problem)` and `check(problem, answers)` without the command line.

A problem is a path (str or os.PathLike), YAML text, or a mapping (a dict as the YAML would
give, NumPy arrays allowed as values). Errors are the same typed errors the command line
prints (`dlsolve.SpecError` with file, line, column and key path; `dlsolve.InputErrors` for
several; `dlsolve.FileError`; `dlsolve.OptionError` for an option the kind does not take).

    >>> import dlsolve
    >>> sol = dlsolve.solve({"kind": "softmax", "scores": [1, 2, 3]})
    >>> sol.answers["p"].round(4).tolist()
    [0.09, 0.2447, 0.6652]
"""

from __future__ import annotations

import os
import re
from typing import Any, Mapping, Union

from dlsolve import kinds
from dlsolve.errors import OptionError, SpecError

ProblemInput = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def looks_like_text(problem: str) -> bool:
    """YAML text rather than a file name: it has a line break, or is a flow mapping `{…}`."""
    return "\n" in problem or problem.lstrip().startswith("{")


def load(problem: ProblemInput, kind: str | None = None) -> Any:
    """The loaded problem (a `dlsolve.load.Problem`: spec, source, module, data)."""
    from dlsolve.load import load_data, load_problem, load_text

    if isinstance(problem, Mapping):
        return load_data(problem, kind)
    if isinstance(problem, os.PathLike):
        return load_problem(os.fspath(problem), kind)
    if isinstance(problem, str):
        return load_text(problem, "<text>", kind) if looks_like_text(problem) else load_problem(problem, kind)
    raise TypeError(f"a problem is a path, YAML text or a mapping, not {type(problem).__name__}")


def options_for(kind: str, options: Mapping[str, Any]) -> kinds.SolveOptions:
    """SolveOptions from solve()'s keywords, checked against the kind (`SolveOptions.for_kind`);
    an unknown keyword is an OptionError naming the options (never silently ignored)."""
    names = kinds.SolveOptions.names()
    unknown = sorted(set(options) - set(names))
    if unknown:
        raise OptionError(unknown[0], f"is not an option of solve(); the options are {', '.join(names)}")
    return kinds.SolveOptions(**options).for_kind(kind)


def solve_loaded(problem: Any, **options: Any) -> Any:
    """Solve a loaded problem; an error raised while solving is located in its source."""
    from dlsolve.sheets import solve_located

    return solve_located(problem, options_for(problem.spec.kind, options))


def solve(problem: ProblemInput, **options: Any) -> Any:
    """Solve a problem: a path, YAML text or a mapping. Options are those of the command line
    the problem's kind takes: round=N, exact=True, explain=["W2[1,2]"], detail="units".

    Returns a `dlsolve.Solution`: `.answers["name"]` the value (float or NumPy array; iterating
    `.answers` gives the Answer objects), `.steps` every step, `.to("markdown")` the rendered text.
    """
    return solve_loaded(load(problem), **options)


def render(solution: Any, fmt: str = "text", precision: int = 4, fragment: bool = False) -> str:
    """The solution as text in one of `dlsolve.render.FORMATS` (never coloured)."""
    # imported here, not at the top: the subpackage dlsolve.render, once imported, is what the
    # name `dlsolve.render` means (it shadows this function's lazy export in dlsolve/__init__.py)
    from dlsolve.render import render as render_solution

    return render_solution(solution, fmt, precision, fragment)


# -- checking ------------------------------------------------------------------------------------

def _decimals(value: Any) -> Any:
    """Decimals a number was written with: from its text when given as text ("0.770" has 3),
    else from Python's shortest repr (0.77 has 2), which is what was typed for any float literal
    of at most 15 significant digits."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [_decimals(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    text = value if isinstance(value, str) else repr(float(value)) if isinstance(value, float) else str(value)
    m = re.fullmatch(r"\s*[-+]?(?:\d+(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?\s*", text)
    if not m:
        raise SpecError((), f"expected a number, got {value!r}")
    frac = m.group(1) or m.group(2) or ""
    if isinstance(value, float) and frac == "0" and value.is_integer():
        frac = ""
    return max(len(frac) - int(m.group(3) or 0), 0)


def _number(value: Any, path: tuple[Any, ...]) -> Any:
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        seq = value.tolist() if hasattr(value, "tolist") else value
        return [_number(v, path + (i,)) for i, v in enumerate(seq)] if isinstance(seq, list) else _number(seq, path)
    if isinstance(value, bool):
        raise SpecError(path, f"expected a number, got {value!r}")
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise SpecError(path, f"expected a number, got {value!r}") from None
    if isinstance(value, (int, float)):
        return value
    raise SpecError(path, f"expected a number, got {type(value).__name__}")


def _written(value: Any) -> Any:
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        seq = value.tolist() if hasattr(value, "tolist") else value
        return [_written(v) for v in seq] if isinstance(seq, list) else _written(seq)
    return value if isinstance(value, str) else repr(value) if not isinstance(value, float) else repr(float(value))


def answers_from(answers: Union[str, "os.PathLike[str]", Mapping[str, Any]], student: str | None = None) -> Any:
    """A student's answers (`dlsolve.marking.Answers`) from a file or a mapping name → value.
    In a mapping a value may be a number, a list, a NumPy array, or text ("0.770") to state the
    decimals written; the key `variant` (which exam variant) is left out."""
    from dlsolve.marking import Answers

    if isinstance(answers, Mapping):
        data = {k: v for k, v in answers.items() if k not in ("variant", "student")}
        values, problems = {}, {}
        for k, v in data.items():
            try:
                values[k] = _number(v, (k,))
                _decimals(v)
            except SpecError as err:
                problems[k] = err.message
        return Answers(values, {k: _decimals(data[k]) for k in values}, {k: _written(data[k]) for k in values},
                       student or str(answers.get("student", "answers")), problems)
    from dlsolve.answers_file import META, read_answers
    from dlsolve.errors import FileError

    sheet = read_answers(os.fspath(answers))
    if sheet.failed is not None:
        raise FileError(sheet.name, sheet.failed)
    problems = {k: f"line {sheet.lines[k]}: {v}" if sheet.lines.get(k) else v
                for k, v in sheet.problems.items() if k not in META}
    return Answers(sheet.values, sheet.decimals, sheet.literals, student or sheet.student or sheet.name,
                   problems, sheet.notes)


def alternatives(problem: Any) -> Any:
    """The same problem under each other convention its kind knows, and rounded by hand (solved
    only when a wrong answer asks for them), for the diagnoses of `check`."""
    from dlsolve.marking import Alternatives

    return Alternatives.of(problem)


def marks_from_file(file: str) -> tuple[Any, Any]:
    """A marking scheme file (`points: {name: points}`, `default`, `follow_through`) and its source."""
    from dlsolve.answers_file import load_marks
    from dlsolve.marking import Marks

    data, source = load_marks(file)
    return Marks(data["points"], float(data.get("default", 1.0)), float(data.get("follow_through", 0.5)),
                 listed_only="default" not in data and bool(data["points"])), source


def _variant_of(answers: Any) -> dict[str, Any]:
    from dlsolve.answers_file import read_answers

    variant = read_answers(os.fspath(answers)).variant
    return {"variant": variant} if variant is not None else {}


def check(problem: ProblemInput, answers: Union[str, "os.PathLike[str]", Mapping[str, Any]], *,
          rtol: float | None = None, atol: float | None = None, follow_through: bool = False,
          marks: Mapping[str, float] | None = None, student: str | None = None) -> Any:
    """Grade a student's answers (a file, or a mapping name → value) against a problem, or
    against their own variant when `problem` is a folder written by `dlsolve vary` (the answers
    name it: `variant: 7`).

    Returns a `dlsolve.Report`: `.all_right`, `.verdicts` (one per answer: name, right,
    reference, relative_error, diagnosis …), `.blames` (the first wrong answer and what follows
    from it), `.score` of `.max_score` (`marks` = points per answer name, default 1 each, out of
    every answer the problem defines; `.unanswered` lists those not given). As in `dlsolve check`,
    an answer that cannot be graded (text, the wrong shape, a name that is no answer) is no error:
    its verdict has `.problem` (the reason) and scores 0, and `.notes` names unknown names.
    """
    from dlsolve.marking import Marks, Rule
    from dlsolve.marking import check as check_answers

    given = answers_from(answers, student)
    if isinstance(problem, (str, os.PathLike)) and os.path.isdir(problem):  # a folder `dlsolve vary` wrote
        from dlsolve.vary import VariantSet

        named = dict(answers) if isinstance(answers, Mapping) else _variant_of(answers)
        solution, alts = VariantSet.open(problem).pick(named)
    else:
        loaded = load(problem)
        solution, alts = solve_loaded(loaded), alternatives(loaded)
    scheme = Marks(dict(marks)) if marks is not None else None
    return check_answers(solution, given, Rule(rtol, atol), follow_through, scheme, alts)


__all__ = ["solve", "check", "render", "load", "answers_from"]
