"""The builder every solver writes through: `derive(symbol, formula)` evaluates and records.

The value of a step is always computed here, from the step's own formula and the values of its
symbols as derived earlier, so the formula shown and the number shown cannot disagree.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterable, Union

import numpy as np

from dlsolve.expr import Expr, Sym, UnboundSymbol, Value, evaluate
from dlsolve.kinds import SolveOptions
from dlsolve.solution import (GIVEN, WORKED, Answer, AnswerValue, Block, Cell, Figure, Given, Graph, Phrase, Picture,
                              Prose, Section, Series, Solution, Step, Table, Text)

NoteArg = Union[Prose, None, Callable[[Union[Value, None]], Union[Prose, None]]]


def _cancelled(value: Value, formula: Expr, bindings: dict[str, Value], exact: object | None) -> Value:
    """The step's value as the decimals as written give it (dlsolve/as_written.py: 0.5 − 0.6 +
    0.1 is 0, not 2.8×10⁻¹⁷, and step(z) must see 0); with --exact an exact 0 is 0."""
    if exact is not None and getattr(exact, "is_zero", False) and not isinstance(value, np.ndarray) and value != 0:
        return 0.0
    from dlsolve.as_written import as_written

    cleaned: Value = as_written(value, formula, bindings)
    return cleaned


def _prose(text: Prose, values: dict[str, object]) -> Prose:
    """Words with values become a Phrase (formatted by the renderer); plain words stay a str."""
    return Phrase(text, **values) if values and isinstance(text, str) else text


class Derivation:
    """Collects sections of steps while keeping the value of every quantity derived so far."""

    def __init__(self, options: SolveOptions | None = None) -> None:
        options = options or SolveOptions()
        self.env: dict[str, Value] = {}
        # --round N: every derived value rounded to N decimals; --exact: exact values alongside
        self.round: int | None = options.round
        self.exact_env: dict[str, object] | None = {} if options.exact else None
        self._sections: list[Section] = []
        self.float_cleaned = False  # some step's value is the decimals' as written, not float64's
        self._title: Prose | None = None
        self._level = 1
        self._blocks: list[Block] = []
        self._answers: list[Answer] = []
        self._conventions: list[Prose] = []
        # True: show every step; False: compute only; a predicate on the quantity: show those.
        self.record: bool | Callable[[Sym], bool] = True
        self._keep_empty = True
        # The dependency graph, kept whether or not steps are recorded: node k is the k-th value
        # made known (given, bound or derived), with the nodes its formula's bindings came from.
        self._producer: dict[str, int] = {}
        self._inputs: list[tuple[int, ...]] = []
        self._answer_nodes: list[tuple[int, ...]] = []

    # -- structure -------------------------------------------------------------------------
    def section(self, title: Prose, level: int = 1, **values: object) -> None:
        self._close()
        self._title, self._level = _prose(title, values), level
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
    def _node(self, key: str, inputs: Iterable[str] = ()) -> None:
        """Record that `key` now holds a new value computed from the current values of `inputs`."""
        producer = self._producer
        self._inputs.append(tuple([producer[k] for k in inputs if k in producer]))
        producer[key] = len(self._inputs) - 1

    def given(self, sym: Sym, value: Value, note: Prose | None = None, part: str = GIVEN) -> Value:
        """A value the problem states (`part=WORKED`: one prepared from the givens that the
        question sheet must not show)."""
        value = _frozen(value)
        self._node(sym.key)
        self.env[sym.key] = value
        self._exact_input(sym, value)
        self._add(Given(sym, value, note, part))
        return value

    def bind(self, sym: Sym, value: Value) -> None:
        """Make a value known without showing a step (an element of a shown matrix)."""
        self._node(sym.key)
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

    def derive(self, sym: Sym, *forms: Expr, note: NoteArg = None, part: str = WORKED) -> Value | None:
        """Record sym = forms… ; the last form is evaluated with the values known so far.
        `part=DEFINED`: the problem states the formula (the question sheet shows it, not its value)."""
        formula = forms[-1]
        bindings = {s.key: self.env[s.key] for s in formula.symbols() if s.key in self.env}
        try:
            value: Value | None = evaluate(formula, bindings)
        except UnboundSymbol:
            value = None
        exact = kept = None
        if value is not None and self.exact_env is not None:
            from dlsolve.exactness import exact_step

            kept, exact = exact_step(formula, self.exact_env)
            if kept is None:
                self.exact_env.pop(sym.key, None)
            else:
                self.exact_env[sym.key] = kept
        if value is not None:
            cleaned = _cancelled(value, formula, bindings, kept)
            self.float_cleaned |= cleaned is not value
            value = cleaned
        if value is not None and self.round is not None:
            value = np.round(value, self.round) if isinstance(value, np.ndarray) else float(np.round(value, self.round))
        self._node(sym.key, bindings)
        if value is not None:
            value = _frozen_result(value)
            self.env[sym.key] = value
        if self.record is False:   # computed only: no step is kept, so none is built
            return value
        text = note(value) if callable(note) else note
        self._add(Step(sym, tuple(forms), bindings, value, text, exact=exact, rounded=self.round, part=part))
        return value

    def scalar(self, sym: Sym, *forms: Expr, note: NoteArg = None, part: str = WORKED) -> float:
        """`derive`, for a step whose value is one number that the bindings fix (a numeric kind's
        step): its value as a float. A symbolic or array value here is a bug in the kind."""
        value = self.derive(sym, *forms, note=note, part=part)
        if value is None or (isinstance(value, np.ndarray) and value.size != 1):
            raise TypeError(f"{sym.key}: expected a number, the step gives {value!r}")
        return float(value)

    def array(self, sym: Sym, *forms: Expr, note: NoteArg = None, part: str = WORKED) -> np.ndarray:
        """`derive`, for a step whose value is a vector or matrix: its value as an array."""
        value = self.derive(sym, *forms, note=note, part=part)
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{sym.key}: expected an array, the step gives {value!r}")
        return value

    # -- prose and tables ------------------------------------------------------------------
    def text(self, text: Prose, role: str = "paragraph", part: str = WORKED, **values: object) -> None:
        """A sentence; `part=GIVEN` when it states the problem (the question sheet shows it)."""
        self._add(Text(_prose(text, values), role, part))

    def note(self, text: Prose, part: str = WORKED, **values: object) -> None:
        self.text(text, "note", part, **values)

    def table(self, columns: Iterable[str], rows: Iterable[Iterable[Cell]], title: Prose | None = None,
              part: str = WORKED) -> None:
        """A table; `part=GIVEN` when it states the problem's data (the question sheet shows it)."""
        self._add(Table(tuple(columns), tuple(tuple(r) for r in rows), title, part))

    def series(self, label: str, values: Iterable[float], start: int = 1) -> None:
        self._add(Series(label, tuple(float(v) for v in values), start=start))

    def graph(self, edges: Iterable[tuple[str, str]]) -> None:
        self._add(Graph(tuple(edges)))

    def figure(self, picture: Picture, caption: Prose | None = None, given: bool = False) -> None:
        """A picture of the problem (the network with its weights, the layer stack); `given`: it
        shows only what the problem states, so a question sheet may show it."""
        self._add(Figure(picture, caption, given))

    def convention(self, text: Prose, **values: object) -> None:
        text = _prose(text, values)
        if text not in self._conventions:
            self._conventions.append(text)

    # -- results ---------------------------------------------------------------------------
    def answer(self, name: str, value: AnswerValue, label: Prose, keys: Iterable[str] = ()) -> None:
        """A named result, produced by the steps of `keys` (every entry of a vector or matrix).

        Which other answers it is computed from is not written here: `solution()` derives it from
        the bindings those steps recorded.
        """
        keys = tuple(keys)
        self._answers.append(Answer(name, value, label, (), keys))
        self._answer_nodes.append(tuple(self._producer[k] for k in keys if k in self._producer))

    def solution(self, kind: str, title: str | None) -> Solution:
        self._close()
        self._title = None
        answers = tuple(dataclasses.replace(a, depends=deps)
                        for a, deps in zip(self._answers, self._depends()))
        from dlsolve import nonfinite  # every NaN or ∞ a solution shows carries its reason

        return nonfinite.explain(Solution(kind, title, tuple(self._sections), answers, tuple(self._conventions),
                                          float_cleaned=self.float_cleaned))

    def _depends(self) -> list[tuple[str, ...]]:
        """For each answer, the answers whose values its steps were computed from: a walk back
        through the recorded bindings that stops at any node another answer is made of."""
        owner: dict[int, list[int]] = {}
        for k, nodes in enumerate(self._answer_nodes):
            for n in nodes:
                owner.setdefault(n, []).append(k)
        result = []
        for k, nodes in enumerate(self._answer_nodes):
            found: set[int] = set()
            seen = set(nodes)
            stack = [i for n in nodes for i in self._inputs[n]]
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                others = [j for j in owner.get(n, ()) if j != k]
                if others:
                    found.update(others)
                    continue
                stack.extend(self._inputs[n])
            result.append(tuple(self._answers[j].name for j in sorted(found)))
        return result


def _frozen(value: Value) -> Value:
    """A read-only copy of an array (a recorded value must never change afterwards)."""
    if isinstance(value, np.ndarray):
        value = np.array(value, dtype=float, copy=True)
        value.setflags(write=False)
    return value


def _frozen_result(value: Value) -> Value:
    """`_frozen` for a value just computed by `evaluate`: an array that is writeable and owns its
    data is new (every value it was computed from is frozen, and so are views of them), so it is
    frozen in place instead of copied."""
    if isinstance(value, np.ndarray) and value.flags.writeable and value.base is None and value.dtype == np.float64:
        value.setflags(write=False)
        return value
    return _frozen(value)
