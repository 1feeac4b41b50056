"""What a solver produces and every renderer consumes: plain, frozen data.

A Solution is an ordered list of sections; a section is an ordered list of blocks. Renderers
dispatch on the block's type (Given, Step, Table, Text, Series, Graph, Figure), never on the problem kind, so a new kind
needs no renderer change.

Every block also says what part of the problem it is (`part`): GIVEN, stated by the problem (data,
model, hyper-parameters, the picture of the network); DEFINED, a formula the problem states whose
value is worked (a graph's `z = w x + b`); or WORKED, computed from the givens. The answers are
what is asked. The question sheet (`question_sections`) is read from these parts alone, so a new
kind gets its exam paper right without code in the renderers.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from dlsolve.expr import Expr, Sym, Value


@dataclass(frozen=True, init=False, eq=False)
class Phrase:
    """A sentence that mentions values: "σ({z}) rounds to 1", z=35.0.

    Solvers never format numbers; they hand the values to a Phrase, and each renderer formats
    them as it formats every other number (at the sheet's precision, with its own minus sign).
    A placeholder is `{name}` (the value at the sheet's precision), `{name:given}` (the shortest
    exact form, as a problem file writes it: 2, 0.5, 1e-05) or `{name:int}` (digit grouping).
    """

    template: str
    values: tuple[tuple[str, object], ...]

    def __init__(self, template: str, **values: object) -> None:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        missing = fields - values.keys()
        if missing:
            raise KeyError(f"Phrase {template!r} has no value for {sorted(missing)}")
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "values", tuple(values.items()))

    def _key(self) -> tuple[Any, ...]:
        return (self.template, tuple((k, repr(v)) for k, v in self.values))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        """The sentence with each value in its shortest exact form (for logs and tests; the
        renderers format values their own way)."""
        def plain(v: Any, style: str) -> str:
            if isinstance(v, str):
                return v
            if isinstance(v, (list, tuple)) or bool(getattr(v, "ndim", 0)):
                return "[" + ", ".join(plain(x, style) for x in list(v)) + "]"
            x = float(v)
            return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
        return self.format(plain)

    def __contains__(self, text: str) -> bool:
        return text in str(self)

    def format(self, number: Callable[[object, str], str]) -> str:
        """The sentence, each value written by `number(value, style)`; style is "", "given" or "int"."""
        env = dict(self.values)
        out = []
        for literal, name, spec, _ in string.Formatter().parse(self.template):
            out.append(literal)
            if name is not None:
                out.append(number(env[name], spec or ""))
        return "".join(out)


Prose = Union[str, Phrase]  # every piece of prose in a Solution: plain words, or words with values


GIVEN = "given"      # stated by the problem: on the question sheet whole
DEFINED = "defined"  # a formula the problem states: on the question sheet without its value
WORKED = "worked"    # computed from the givens: never on the question sheet


@dataclass(frozen=True)
class Given:
    """A value stated by the problem, or prepared from it (the flattened image)."""

    quantity: Sym
    value: Value
    note: Prose | None = None
    part: str = GIVEN  # WORKED: a value prepared from the givens that would give an answer away


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
    note: Prose | None = None
    shown: bool = True  # False: computed and kept for checking, left out of a compact display
    exact: Expr | None = None   # --exact: the exact value (1/2 for σ(0)) when it is short
    rounded: int | None = None  # --round N: the value was rounded to N decimals
    part: str = WORKED  # DEFINED: the problem states the formula (the question sheet shows it, no value)

    @property
    def formula(self) -> Expr:
        return self.forms[-1]


Cell = Union[str, float, int, Sym, Expr, Value, list[float], None]   # a vector cell: an array or a list


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: Prose | None = None
    part: str = WORKED  # GIVEN: the table states the problem's data (the gradients, the labels)


@dataclass(frozen=True)
class Text:
    """A sentence of explanation; role "note" is set apart (a convention, a warning)."""

    text: Prose
    role: str = "paragraph"
    part: str = WORKED  # GIVEN: the sentence states the problem (it names no computed value)


@dataclass(frozen=True)
class Series:
    """Values over iterations, to be drawn small (a sparkline in a terminal)."""

    label: str
    values: tuple[float, ...]
    part: str = WORKED
    start: int = 1   # the iteration of the first value (0: the starting w₀ before any update)


@dataclass(frozen=True)
class Graph:
    """A computation graph: which named quantity feeds which (drawn where the format can)."""

    edges: tuple[tuple[str, str], ...]
    part: str = GIVEN  # which name feeds which is the problem itself


@dataclass(frozen=True)
class Network:
    """A fully connected network as the course draws it: the units in columns, inputs first, an
    arrow for every weight with the weight's value on it.

    `layers[l]` are the units of layer l (layer 0 the inputs); `weights` are (l, i, j, w): the
    weight from unit i of layer l−1 to unit j of layer l (0-based i, j), `biases` (l, j, b).
    `activations[l - 1]` names the activation of layer l (σ, ReLU; "" when none)."""

    layers: tuple[tuple[Sym, ...], ...]
    weights: tuple[tuple[int, int, int, float], ...]
    biases: tuple[tuple[int, int, float], ...] = ()
    activations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stack:
    """A stack of layers as boxes from the input up, each with the shape it outputs and its
    parameter count: `layers` are (name, output shape, parameters); a blank stack (a question
    sheet) has empty shapes and None counts."""

    input: tuple[int, ...]
    layers: tuple[tuple[str, tuple[int, ...], int | None], ...]


@dataclass(frozen=True)
class Plane:
    """Points in the plane (x₁, x₂) with the line w₁x₁ + w₂x₂ + b = 0 a unit draws between them
    (the perceptron's decision line). `points` are (x₁, x₂, target or None); a point whose target
    is `positive` is drawn filled, any other hollow. `weights` (w₁, w₂) and `bias` b come from the
    working; no line is drawn when w = 0."""

    points: tuple[tuple[float, float, float | None], ...]
    weights: tuple[float, float]
    bias: float
    positive: float = 1.0


@dataclass(frozen=True)
class Roc:
    """A ROC curve in the unit square: `points` are (FPR, TPR) in threshold order, from (0, 0) at
    t = +∞ to (1, 1), joined by straight lines; the area under them is shaded and `auc` (that
    area, from the working) written in it. The diagonal of a random ranking is drawn dashed."""

    points: tuple[tuple[float, float], ...]
    auc: float


Picture = Union[Network, Stack, Plane, Roc]


@dataclass(frozen=True)
class Figure:
    """A picture the course would draw beside the working (drawn by each format its own way:
    SVG in HTML, TikZ in LaTeX, a sketch in the terminal); it shows values, never computes them."""

    picture: Picture
    caption: Prose | None = None
    given: bool = False  # True: it shows only what the problem states (a question sheet shows it whole)

    @property
    def part(self) -> str:
        """GIVEN when it shows only what the problem states; a layer stack is given too (the
        question sheet draws its layers with the shapes and counts left blank); else WORKED."""
        return GIVEN if self.given or isinstance(self.picture, Stack) else WORKED


Block = Union[Given, Step, Table, Text, Series, Graph, Figure]


@dataclass(frozen=True)
class Section:
    title: Prose
    blocks: tuple[Block, ...]
    level: int = 1


AnswerValue = Union[Value, Expr, str, list[Any]]  # a number, an array, a formula, a word (word2vec's analogy),
#                                                   or a (nested) list of them


@dataclass(frozen=True)
class Answer:
    """A named final result (the names answer checking uses).

    `value` is a number, an array, or (symbolic mode) a formula. `keys` are the quantity keys
    of the steps that produce it (every entry of a vector or matrix answer); `depends` names the
    answers it is computed from — derived by the Derivation from the bindings those steps
    recorded, never written by hand — so a checker can walk back to the first wrong one.
    """

    name: str
    value: AnswerValue
    label: Prose
    depends: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


class AnswerSet(tuple[Answer, ...]):
    """A solution's answers: a tuple of `Answer` (iterating gives Answer objects, in order, as
    ever) that is also looked up by name, giving the value: `answers["loss"]` is a float,
    `answers["W1"]` a NumPy array (an integer index still gives the Answer).

    `as_dict()` is the plain mapping name → value; `answer(name)` the Answer itself.
    """

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:  # by name: the value, not an Answer
        if isinstance(key, str):
            return _numeric(self.answer(key).value)
        return tuple.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return any(a.name == key for a in self)
        return tuple.__contains__(self, key)

    def answer(self, name: str) -> Answer:
        for a in self:
            if a.name == name:
                return a
        raise KeyError(f"no answer is called {name!r}; the answers are: {', '.join(self.names())}")

    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self)

    def get(self, name: str, default: object = None) -> object:
        return self[name] if name in self.names() else default

    def as_dict(self) -> dict[str, object]:
        return {a.name: _numeric(a.value) for a in self}


def _numeric(value: object) -> object:
    """An answer's value as a Python number or a NumPy array (lists become float arrays; a
    formula, in symbolic mode, stays a formula)."""
    import numpy as np

    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def question_sections(sol: "Solution") -> tuple[Section, ...]:
    """The problem as an exam states it, read from each block's part: GIVEN blocks whole, a
    DEFINED step as its formula alone, a layer stack with its shapes and counts blank, WORKED
    blocks left out. A section's heading belongs to its working: the givens and formulas of a
    section that works something ("Loss": the target, then the loss) join the givens-only
    section before it ("Given"), if there is one; a section left with pictures alone loses its
    heading (title "")."""
    out: list[Section] = []
    givens = False  # the last section kept states givens only (a "Given" section to join)
    for section in sol.sections:
        blocks = tuple(q for q in (_question_block(b) for b in section.blocks) if q is not None)
        if not blocks:
            continue
        worked = any(b.part in (WORKED, DEFINED) for b in section.blocks)  # its heading names the working
        if worked and givens:
            out[-1] = Section(out[-1].title, out[-1].blocks + blocks, out[-1].level)
            continue
        title = section.title if any(not isinstance(b, Figure) for b in blocks) else ""
        out.append(Section(title, blocks, section.level))
        givens = not worked and bool(title)
    return tuple(out)


def _question_block(block: Block) -> Block | None:
    part = block.part
    if part == GIVEN:
        if isinstance(block, Figure) and isinstance(block.picture, Stack) and not block.given:
            pic = block.picture
            return Figure(Stack(pic.input, tuple((name, (), None) for name, _, _ in pic.layers)), None, True)
        return block
    if part == DEFINED and isinstance(block, Step):
        return Step(block.quantity, block.forms, {}, None, None, block.shown, part=DEFINED)
    return None


def find_list(sol: "Solution") -> tuple[tuple[str, Prose, str], ...]:
    """What is asked, numbered: (number, the quantity in course notation, its answer name)."""
    return tuple((str(k), a.label, a.name) for k, a in enumerate(sol.answers, 1))


def how_to_answer(sol: "Solution") -> Prose:
    """The line under the Find list: how a student hands in answers for `dlsolve check`."""
    if sol.variant is not None:
        return Phrase("This is variant {n:int}. Write your answers one per line as name: value, using the answer "
                      "names above, and begin with the line variant: {n:int}.", n=sol.variant)
    return "Write your answers one per line as name: value, using the answer names above."


class StepList(tuple[Step, ...]):
    """The steps of a solution in order; also callable (`solution.steps()`, the older spelling)."""

    __slots__ = ()

    def __call__(self) -> "StepList":
        return self


@dataclass(frozen=True)
class Solution:
    """A worked solution. `answers` is an AnswerSet (name → value, iterates as Answers); `steps`
    the Steps in order; `to(format)` the rendered text; in Jupyter it displays typeset."""

    kind: str
    title: str | None
    sections: tuple[Section, ...]
    answers: tuple[Answer, ...]
    conventions: tuple[Prose, ...] = field(default=())
    variant: int | None = None  # the exam variant (`dlsolve vary`) this problem is, if any
    float_cleaned: bool = False  # some value was taken as the decimals as written give it (as_written.py)

    def __post_init__(self) -> None:
        if not isinstance(self.answers, AnswerSet):
            object.__setattr__(self, "answers", AnswerSet(self.answers))

    def answer(self, name: str) -> Answer:
        for a in self.answers:
            if a.name == name:
                return a
        raise KeyError(name)

    @property
    def steps(self) -> StepList:
        return StepList(b for s in self.sections for b in s.blocks if isinstance(b, Step))

    def to(self, fmt: str = "text", precision: int = 4, **options: Any) -> str:
        """The solution rendered as text in a format of `dlsolve.render.FORMATS`."""
        from dlsolve.render import render  # the registry of formats: it imports no renderer up front

        return render(self, fmt, precision, **options)

    def _repr_pretty_(self, printer: object, cycle: bool) -> None:
        """IPython's plain-text display: the worked solution as `dlsolve` prints it."""
        printer.text(self.to("text"))  # type: ignore[attr-defined]

    def _repr_html_(self) -> str:
        from dlsolve.render import notebook

        return notebook(self)

    def _repr_markdown_(self) -> str:
        return self.to("markdown")

    def _repr_latex_(self) -> str:
        """The LaTeX body (no preamble), as --fragment gives it."""
        return self.to("latex", fragment=True)
