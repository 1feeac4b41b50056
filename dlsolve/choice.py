"""A choice a problem writes as one word, where the word is also a function's name (a loss's
reduction `mean`/`sum`, a pooling type `max`, a bidirectional merge `concat`): one `Choice` Enum
per choice, at the choice's home, so that code compares its members and never the bare word (the
name scan in tests/test_layering.py would take the word for a function's name).

A member equals its spelling in a problem file (`Reduction.SUM == "sum"`), so a field keeps its
`Literal[...]` type, its JSON Schema and its messages; `str()` and f-strings give the spelling too.
"""

from __future__ import annotations

from enum import Enum


class Choice(str, Enum):
    """One of the words a choice takes; equal to that word, and printed as it."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return format(str.__str__(self), spec)
