"""The builder every solver writes through: `derive(symbol, formula)` evaluates and records.

The value of a step is always computed here, from the step's own formula and the values of its
symbols as derived earlier, so the formula shown and the number shown cannot disagree.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, Union

import numpy as np

from dlsolve.expr import Expr, Sym, UnboundSymbol, Value, evaluate
from dlsolve.solution import Answer, Block, Given, Graph, Section, Series, Solution, Step, Table, Text

NoteArg = Union[str, None, Callable[[Value], Union[str, None]]]


class Derivation:
    """Collects sections of steps while keeping the value of every quantity derived so far."""

    def __init__(self, options: object | None = None) -> None:
        self.env: dict[str, Value] = {}
        # --round N: every derived value rounded to N decimals; --exact: exact values alongside
        self.round: int | None = getattr(options, "round", None)
        self.exact_env: dict[str, object] | None = {} if getattr(options, "exact", False) else None
        self._sections: list[Section] = []
        self._title: str | None = None
        self._level = 1
        self._blocks: list[Block] = []
        self._answers: list[Answer] = []
        self._conventions: list[str] = []
        # True: show every step; False: compute only; a predicate on the quantity: show those.
        self.record: bool | Callable[[Sym], bool] = True
        self._keep_empty = True

    # -- structure -------------------------------------------------------------------------
    def section(self, title: str, level: int = 1) -> None:
        self._close()
        self._title, self._level = title, level
        self._keep_empty = self.record is True

    def _close(self) -> None:
        if self._title is not None and (self._blocks or self._keep_empty):
            self._sections.append(Section(self._title, tuple(self._blocks), self._level))
        self._blocks = []

    def _add(self, block: Block) -> None:
        keep = self.record
        if callable(keep):
            if isinstance(block, Step):
                if not keep(block.quantity):
                    block = dataclasses.replace(block, shown=False)
                self._blocks.append(block)
            return
        if keep:
            self._blocks.append(block)

    # -- values ----------------------------------------------------------------------------
    def given(self, sym: Sym, value: Value, note: str | None = None) -> Value:
        value = _frozen(value)
        self.env[sym.key] = value
        self._exact_input(sym, value)
        self._add(Given(sym, value, note))
        return value

    def bind(self, sym: Sym, value: Value) -> None:
        """Make a value known without showing a step (an element of a shown matrix)."""
        self.env[sym.key] = _frozen(value)
        self._exact_input(sym, value)

    def _exact_input(self, sym: Sym, value: Value) -> None:
        if self.exact_env is not None:
            from dlsolve.exactness import exact_input

            exact = exact_input(value)
            if exact is None:
                self.exact_env.pop(sym.key, None)
            else:
                self.exact_env[sym.key] = exact

    def derive(self, sym: Sym, *forms: Expr, note: NoteArg = None) -> Value | None:
        """Record sym = forms… ; the last form is evaluated with the values known so far."""
        formula = forms[-1]
        bindings = {s.key: self.env[s.key] for s in formula.symbols() if s.key in self.env}
        try:
            value: Value | None = evaluate(formula, bindings)
        except UnboundSymbol:
            value = None
        exact = None
        if value is not None and self.exact_env is not None:
            from dlsolve.exactness import exact_step

            kept, exact = exact_step(formula, self.exact_env)
            if kept is None:
                self.exact_env.pop(sym.key, None)
            else:
                self.exact_env[sym.key] = kept
        if value is not None and self.round is not None:
            value = np.round(value, self.round) if isinstance(value, np.ndarray) else float(np.round(value, self.round))
        if value is not None:
            value = _frozen(value)
            self.env[sym.key] = value
        text = note(value) if callable(note) else note
        self._add(Step(sym, tuple(forms), bindings, value, text, exact=exact, rounded=self.round))
        return value

    # -- prose and tables ------------------------------------------------------------------
    def text(self, text: str, role: str = "paragraph") -> None:
        self._add(Text(text, role))

    def note(self, text: str) -> None:
        self.text(text, "note")

    def table(self, columns: Iterable[str], rows: Iterable[Iterable[object]], title: str | None = None) -> None:
        self._add(Table(tuple(columns), tuple(tuple(r) for r in rows), title))

    def series(self, label: str, values: Iterable[float]) -> None:
        self._add(Series(label, tuple(float(v) for v in values)))

    def graph(self, edges: Iterable[tuple[str, str]]) -> None:
        self._add(Graph(tuple(edges)))

    def convention(self, text: str) -> None:
        if text not in self._conventions:
            self._conventions.append(text)

    # -- results ---------------------------------------------------------------------------
    def answer(self, name: str, value: Value | Expr, label: str,
               depends: Iterable[str] = (), keys: Iterable[str] = ()) -> None:
        self._answers.append(Answer(name, value, label, tuple(depends), tuple(keys)))

    def solution(self, kind: str, title: str | None) -> Solution:
        self._close()
        self._title = None
        return Solution(kind, title, tuple(self._sections), tuple(self._answers), tuple(self._conventions))


def _frozen(value: Value) -> Value:
    """A read-only copy of an array (a recorded value must never change afterwards)."""
    if isinstance(value, np.ndarray):
        value = np.array(value, dtype=float, copy=True)
        value.setflags(write=False)
    return value
