"""What one problem's sheet holds in each mode — the walk the terminal and the document formats share.

The full working (`mode="full"`): every section, then the answers table. The answers-only key
(`"answers"`): the answers table alone. The exam paper (`"questions"`): the problem as given
(`question_sections`: the GIVEN blocks and DEFINED formulas), the numbered list of what is
asked with the answer names `dlsolve check` reads, and how to hand answers in — no answers, no
note on cleaned floats. Each format lays these parts out its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve.render import numbers
from dlsolve.solution import Answer, Prose, Section, Solution, find_list, how_to_answer, question_sections


MODES = ("full", "answers", "questions")


@dataclass(frozen=True)
class Sheet:
    sections: tuple[Section, ...]
    find: tuple[tuple[str, Prose, str], ...]  # (number, quantity, answer name): the exam paper's Find list
    how_to: Prose | None                      # the line under the Find list
    answers: tuple[Answer, ...]               # the answers table (none on the exam paper)
    cleaned: bool                             # the note that some value was taken as its decimals are written


def sheet(sol: Solution, mode: str) -> Sheet:
    """The parts of a problem's sheet in a mode ("full", "answers" or "questions")."""
    if mode not in MODES:
        raise ValueError(f"a sheet's mode is one of {', '.join(MODES)}, not {mode!r}")
    if mode == "questions":
        asked = bool(sol.answers)
        return Sheet(question_sections(sol), find_list(sol) if asked else (),
                     how_to_answer(sol) if asked else None, (), False)
    return Sheet(sol.sections if mode == "full" else (), (), None, tuple(sol.answers), numbers.cleaned_in(sol))
