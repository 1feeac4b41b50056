"""`dlsolve export TARGET PROBLEMS… -o OUT`: questions for a course platform, one module per target.

TARGETS is the registry the CLI's TARGET choices read: name → (module, what it writes). Each
module has `write(problems, out, options) -> list[Path]`; what they all need (the variants, the
asked values with their margins and slips, the question and worked solution as HTML) is made
once by `bank.collect`. Marks go back the other way through `gradebooks`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Sequence

TARGETS: dict[str, tuple[str, str]] = {
    "moodle": ("dlsolve.export.moodle", "Moodle XML: a Cloze question per variant, one category per problem"),
    "canvas": ("dlsolve.export.canvas", "Canvas Classic Quizzes: a QTI 1.2 zip, one question group per problem"),
    "prairielearn": ("dlsolve.export.prairielearn", "PrairieLearn: a question folder per problem"),
    "gradescope": ("dlsolve.export.gradescope", "Gradescope: an autograder zip that runs dlsolve check"),
}


def export(target: str, paths: Sequence[str], out: str | Path, options: object,
           skipped: list[str] | None = None) -> list[Path]:
    """Write the export of PROBLEMS to OUT; the paths written (`skipped` gets why a problem of a
    folder was left out)."""
    import tempfile

    from dlsolve.export.bank import collect

    module = importlib.import_module(TARGETS[target][0])
    with tempfile.TemporaryDirectory(prefix="dlsolve-export-") as scratch:  # variants drawn by --count
        problems = collect(paths, options, Path(scratch), skipped)  # type: ignore[arg-type]
        return module.write(problems, Path(out), options)  # type: ignore[no-any-return]
