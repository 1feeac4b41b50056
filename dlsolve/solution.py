"""What a solver produces and every renderer consumes: plain, frozen data.

A Solution is an ordered list of sections; a section is an ordered list of blocks. Renderers
dispatch on the block's type (Given, Step, Table, Text, Series, Graph), never on the problem kind, so a new kind
needs no renderer change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

from dlsolve.expr import Expr, Sym, Value


@dataclass(frozen=True)
class Given:
    """A value stated by the problem, or prepared from it (the flattened image)."""

    quantity: Sym
    value: Value
    note: str | None = None


@dataclass(frozen=True)
class Step:
    """quantity = forms[0] = forms[1] = … = (last form with the numbers) = value.

    Every form is an equal way of writing the quantity; the last is the one evaluated, with
    `bindings` holding the value of each of its symbols. In symbolic mode `value` is None.
    """

    quantity: Sym
    forms: tuple[Expr, ...]
    bindings: Mapping[str, Value]
    value: Value | None
    note: str | None = None
    shown: bool = True  # False: computed and kept for checking, left out of a compact display
    exact: Expr | None = None   # --exact: the exact value (1/2 for σ(0)) when it is short
    rounded: int | None = None  # --round N: the value was rounded to N decimals

    @property
    def formula(self) -> Expr:
        return self.forms[-1]


Cell = Union[str, float, int, Sym, Expr, None]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str | None = None


@dataclass(frozen=True)
class Text:
    """A sentence of explanation; role "note" is set apart (a convention, a warning)."""

    text: str
    role: str = "paragraph"


@dataclass(frozen=True)
class Series:
    """Values over iterations, to be drawn small (a sparkline in a terminal)."""

    label: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Graph:
    """A computation graph: which named quantity feeds which (drawn where the format can)."""

    edges: tuple[tuple[str, str], ...]


Block = Union[Given, Step, Table, Text, Series, Graph]


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]
    level: int = 1


@dataclass(frozen=True)
class Answer:
    """A named final result (the names answer checking uses).

    `value` is a number, an array, or (symbolic mode) a formula. `depends` names the answers it
    is computed from, so a checker can walk back to the first wrong one; `key` is the quantity
    key of the step that produces it (for a whole vector/matrix answer, of its first element).
    """

    name: str
    value: Value | Expr
    label: str
    depends: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Solution:
    kind: str
    title: str | None
    sections: tuple[Section, ...]
    answers: tuple[Answer, ...]
    conventions: tuple[str, ...] = field(default=())

    def answer(self, name: str) -> Answer:
        for a in self.answers:
            if a.name == name:
                return a
        raise KeyError(name)

    def steps(self) -> list[Step]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Step)]
