"""Word answers: an answer whose value is a word, not a number (word2vec's analogy
king − man + woman ≈ queen). The one home of how a word is read and judged.

A word is right when it is the reference word; case and the spaces around it do not matter
(`Queen` and ` queen ` are right for queen). A number, a list or a yes/no where a word is asked is
not graded (0 points) with its reason. A word has no decimals, error or follow-through: its
verdict leaves them empty, and no numeric diagnosis is looked for.
"""

from __future__ import annotations

from typing import Any, Optional

from dlsolve.errors import SpecError, describe

RULE = ("A word counts as right when it is the reference word; case and spaces around it do not matter "
        "(Queen is right for queen).")


def is_word(value: Any) -> bool:
    """A value that is a word (a reference, or what a student wrote), not a number or a formula."""
    return isinstance(value, str)


def first_word(value: Any) -> Optional[str]:
    """The first word in a value (the value itself, or an entry of nested lists), or None."""
    if is_word(value):
        return str(value)
    if isinstance(value, list):
        return next((w for w in map(first_word, value) if w is not None), None)
    return None


def same_word(given: str, reference: str) -> bool:
    """`Queen` and ` queen ` are the word queen."""
    return given.strip().casefold() == reference.strip().casefold()


def not_a_word(name: str, given: Any, written: Any) -> SpecError:
    """The reason a value that is no word cannot be graded where a word is asked: 'expected a
    word, got 3' (the number as written)."""
    if isinstance(given, (int, float)) and not isinstance(given, bool):
        shown = written if isinstance(written, str) and written.strip() else str(given)
    else:
        shown = describe(given)
    return SpecError((name,), f"expected a word, got {shown}")

