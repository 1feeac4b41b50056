"""The layer class every layer type derives from, and the context it works in.

A layer type is one pydantic model (its YAML options, with their types and checks) whose two
methods give its formulas: `shape(c)` derives the output dimensions, `count(c)` the number of
parameters. Both write through the `Context`, which names the symbols (H^[l], W^[l], C^[l],
P^[l], …), binds the layer's constants and derives every value with `Derivation.derive`, so the
formula shown and the number shown are one computation. The planner calls them in the order
the kind asks for (`conv`: shape first, `params`: count first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Optional, Sequence, Type, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr

from dlsolve.errors import Path, SpecError
from dlsolve.expr import Expr, Num, Sym
from dlsolve.solution import Prose

if TYPE_CHECKING:
    from typing import Protocol

    from dlsolve.derivation import Derivation
    from dlsolve.kinds.architecture.planner import Row
    from dlsolve.kinds.architecture.window import Window

    class Nest(Protocol):
        """What a block asks of the planner: plan `layers` from an input, labelled prefix1, prefix2, …"""

        full: bool

        def run(self, layers: list["Layer"], prefix: str, path: Path, shape: tuple[int, ...], dims: list[Sym],
                sequence: bool, level: int = 1) -> tuple[list[Row], tuple[int, ...], list[Sym], bool]: ...

        def field_state(self) -> FieldState: ...

        def resume_field(self, state: FieldState) -> None: ...

        def join_fields(self, c: "Context", main: FieldState) -> None: ...



L = TypeVar("L", bound="Layer")
# The receptive field reached so far: one (r, j, start) per spatial axis; None when it has ended.
FieldState = Optional[list[tuple[Sym, Sym, Sym]]]

LARGEST_DIMENSION = 1e15   # below 2⁵³: every dimension is exact, and every count stays finite


class Layer(BaseModel):
    """One layer type. Subclasses set `type` (its YAML name) and declare their options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ClassVar[str]
    # As the first layer, it reads a 2-D input as (timesteps, features) rather than (length, channels).
    reads_sequences: ClassVar[bool] = False

    _bare: bool = PrivateAttr(False)   # written as a bare name (`- flatten`), not a mapping

    @classmethod
    def written_bare(cls: Type[L]) -> L:
        """The layer of an entry written as a bare name (`- flatten`): its defaults, remembered as bare."""
        layer = cls()
        layer._bare = True
        return layer

    @property
    def bare(self) -> bool:
        """The entry is a bare name (`- flatten`), not a mapping: its path has no option level,
        and it is written back as the name."""
        return self._bare

    def inner(self) -> list["Layer"]:
        """The layers inside this one (a residual block's paths), for questions about the whole stack."""
        return []

    def check(self, c: "Context") -> None:
        """Refuse an input this layer cannot take (raise `c.fail(...)`); called before the formulas."""

    def shape(self, c: "Context") -> None:
        """Derive the output dimensions (default: the input's, unchanged)."""
        c.same()

    def count(self, c: "Context") -> None:
        """Derive the parameter count P^[l] (default: none)."""
        c.params(Num(0), note="no parameters")

    def cost(self, c: "Context") -> "Cost":
        """The arithmetic of one sample through the layer, as formulas over c.dims and c.out_dims
        (called after `shape`); the default counts none."""
        return Cost(note="not counted: no multiply-add (the convention of FLOP counts for conv nets)")

    def fans(self, c: "Context") -> Optional[tuple[Expr, Expr, str, str]]:
        """(fan-in, fan-out, their notes) of the layer's weights, as PyTorch's
        _calculate_fan_in_and_fan_out reads the weight's shape; None: no weights to initialise."""
        return None

    def rf_window(self, c: "Context") -> Optional["Window"]:
        """The window each output unit reads, for the receptive field (called after `shape`);
        None: the layer mixes every position, so the field ends here (unless `keeps_field`)."""
        return None

    # True for a layer that works entry by entry: a unit's receptive field is its input's.
    keeps_field: ClassVar[bool] = False
    # True for a block of layers: its paths set the receptive field themselves.
    nests: ClassVar[bool] = False

    @classmethod
    def takes_no_options(cls) -> bool:
        """True when every option has a default, so `- flatten` alone is a whole layer."""
        return all(not f.is_required() for f in cls.model_fields.values())


@dataclass(frozen=True)
class Cost:
    """What one sample costs in a layer: multiply-adds (one MAC, or 2 FLOPs, each), other
    operations counted one each (a comparison of max pooling, an add or divide of averaging),
    and the bias adds (counted or not, as the problem states). Formulas over the layer's
    symbols; None where the layer has none."""

    macs: Optional[Expr] = None
    ops: Optional[Expr] = None
    bias: Optional[Expr] = None
    note: Optional[str] = None


@dataclass
class Context:
    """The state of the walk at one layer: its index, its input, and the output it builds.

    Shapes are held channels last; `show` gives them in the problem's layout.
    """

    d: "Derivation"
    l: str                          # the layer's label: 3, or 3.1 inside a block
    path: Path
    shape: tuple[int, ...]          # the input shape
    dims: list[Sym]                 # symbols holding the input's entries
    sequence: bool                  # the input is (timesteps, features)
    channels_first: bool
    tensorflow_same: bool           # 'same' padding as TensorFlow (else symmetric, as the notes)
    out_shape: Optional[tuple[int, ...]] = None
    out_dims: list[Sym] = field(default_factory=list)
    out_sequence: Optional[bool] = None
    P: Optional[Sym] = None
    N: Optional[Sym] = None         # the non-trainable part of P, when there is one
    P_formula: Expr = Num(0)
    nest: Optional["Nest"] = None   # plans the paths of a block (the planner's walker)
    level: int = 1                  # the depth of the layer's section
    inner: list["Row"] = field(default_factory=list)   # the rows of a block's paths, once planned
    main_dims: list[Sym] = field(default_factory=list)   # a block's main path's output symbols

    # -- naming ----------------------------------------------------------------------------
    def show(self, shape: Sequence[int]) -> list[int]:
        """A shape as the user writes it (channels first when asked)."""
        return layout_order(list(shape), self.channels_first)

    @property
    def rank(self) -> int:
        return len(self.shape)

    def const(self, key: str, uni: str, value: float) -> Sym:
        """A number of the layer's options, as a symbol shown by name in the formula."""
        s = Sym(f"{key}{self.l}", uni, uni)
        self.d.bind(s, float(value))
        return s

    def fail(self, message: str) -> SpecError:
        return SpecError(self.path, message)

    # -- output ----------------------------------------------------------------------------
    def out(self, formulas: Sequence[Expr], notes: Sequence[Optional[Prose]] = (), sequence: Optional[bool] = None) -> tuple[int, ...]:
        """Derive each output dimension from its formula; the output's shape."""
        if sequence is not None:
            self.out_sequence = sequence
        seq = self.sequence if self.out_sequence is None else self.out_sequence
        syms = dim_symbols(self.l, len(formulas), seq)
        notes = list(notes) + [None] * (len(formulas) - len(notes))
        values = []
        for s, f, note in zip(syms, formulas, notes):
            v = self.d.scalar(s, f, note=note)
            if not v <= LARGEST_DIMENSION:   # beyond it, counts lose exactness (and NaN/∞ follow)
                raise self.fail(f"an output dimension would be {v:.3g}: more than {LARGEST_DIMENSION:.0e}, "
                                "the largest this kind counts exactly")
            values.append(int(round(v)))
        self.out_shape, self.out_dims = tuple(values), syms
        return self.out_shape

    def same(self, note: Optional[Prose] = None) -> None:
        """The output has the input's shape, entry for entry."""
        self.out(list(self.dims))
        if note:
            self.d.note(note)

    def params(self, formula: Expr, note: Optional[Prose] = None, non_trainable: Optional[Expr] = None,
               non_trainable_note: Optional[Prose] = None) -> None:
        """Derive P^[l] = formula, and its non-trainable part when the layer has one."""
        self.P = Sym(f"P{self.l}", f"P^[{self.l}]", f"P^{{[{self.l}]}}")
        self.P_formula = formula
        self.d.derive(self.P, formula, note=note)
        if non_trainable is not None:
            self.N = Sym(f"N{self.l}", f"P_non-trainable^[{self.l}]", f"P_{{\\text{{non-trainable}}}}^{{[{self.l}]}}")
            self.d.derive(self.N, non_trainable, note=non_trainable_note)


def dim_symbols(l: object, rank: int, sequence: bool) -> list[Sym]:
    """H^[l], W^[l], C^[l] for an image; T, F for a sequence; L, C for a 1-D signal; n for a vector."""
    names = {1: ["n"], 2: ["T", "F"] if sequence else ["L", "C"], 3: ["H", "W", "C"]}.get(rank, ["n"] * rank)
    return [Sym(f"{nm}{l}_{k}", f"{nm}^[{l}]", f"{nm}^{{[{l}]}}") for k, nm in enumerate(names)]


T = TypeVar("T")


def layout_order(items: list[T], channels_first: bool) -> list[T]:
    """Channels-last entries in the problem's layout (the channel first for channels_first)."""
    if channels_first and len(items) >= 2:
        return [items[-1], *items[:-1]]
    return items
