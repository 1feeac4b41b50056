"""Recurrent layers: simple RNN, LSTM and GRU, each the layer of its cell class (dlsolve.cells),
and the bidirectional wrapper.

Parameters: gates·(h(h + x) + biases), where a gate has an input kernel (x·h), a recurrent
kernel (h·h) and one bias vector (Keras) or two (PyTorch's b_ih and b_hh; Keras' GRU with
reset_after), or none with `bias: false`. Output: the last state (h), or every state (T, h)
with return_sequences.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Type

from pydantic import Field

from dlsolve.cells import BY_LAYER, Cell, GRUCell, LSTMCell, SimpleRNNCell
from dlsolve.choice import Choice
from dlsolve.expr import Add, Expr, Mul, Num
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Whole

_BIAS_NOTES = {"keras": "one bias vector per gate",
               "pytorch": "two bias vectors per gate (b_ih and b_hh), as PyTorch"}


class _Recurrent(Layer):
    cell: ClassVar[Type[Cell]]
    reads_sequences: ClassVar[bool] = True
    units: Annotated[int, Whole("units")] = Field(description="size h of the hidden state")
    return_sequences: Flag = Field(False, description="output the state at every time step, (T, h)")
    bias_convention: Literal["keras", "pytorch"] = Field(
        "keras", description="keras: one bias vector per gate; pytorch: two (b_ih and b_hh)")
    bias: Flag = Field(True, description="false: no bias vectors (Keras' use_bias=False, PyTorch's bias=False)")

    @property
    def gates(self) -> int:
        return self.cell.n_gates()

    def two_biases(self) -> bool:
        return self.bias_convention == "pytorch"

    def n_biases(self) -> int:
        """Bias vectors per gate: 0 without biases, else 1 or 2 by the convention."""
        return 0 if not self.bias else (2 if self.two_biases() else 1)

    def bias_note(self) -> str:
        return _BIAS_NOTES[self.bias_convention] if self.bias else "no bias vectors (bias: false)"

    def check(self, c: Context) -> None:
        if c.rank != 2:
            raise c.fail(f"{self.type} needs a (timesteps, features) input, got {c.show(c.shape)}")

    def shape(self, c: Context) -> None:
        h = c.const("h", "h", self.units)
        if self.return_sequences:
            c.out([c.dims[0], h], ["return_sequences: the state at every time step"], sequence=True)
        else:
            c.out([h], ["the last state only"], sequence=False)

    def cost(self, c: Context) -> Cost:
        """At each of the T steps, every gate: h·x input and h·h recurrent multiply-adds, and its bias adds."""
        h, x, T = c.const("h", "h", self.units), c.dims[-1], c.dims[0]
        gates: list[Expr] = [] if self.gates == 1 else [Num(self.gates)]
        nb = self.n_biases()
        bias = Mul.of(T, *gates, *([Num(nb)] if nb > 1 else []), h) if nb else None
        return Cost(macs=Mul.of(T, *gates, h, Add.of(x, h)), bias=bias,
                    note="each time step, each gate: W x_t and U h_(t−1) (the gates' elementwise products not counted)")

    def formula(self, c: Context) -> Expr:
        """gates·(h(h + x) + biases): each gate's input and recurrent kernels and its bias vectors."""
        h, x = c.const("h", "h", self.units), c.dims[-1]
        nb = self.n_biases()
        kernels = Mul.of(h, Add.of(h, x))
        inner = Add.of(kernels, Mul.of(Num(nb), h) if nb > 1 else h) if nb else kernels
        return inner if self.gates == 1 else Mul.of(Num(self.gates), inner)

    def count(self, c: Context) -> None:
        c.params(self.formula(c), note=self.bias_note())


class SimpleRNN(_Recurrent):
    """h_t = f(W x_t + U h_(t−1) + b): one gate."""

    type: ClassVar[str] = "simple_rnn"
    cell: ClassVar[Type[Cell]] = SimpleRNNCell


class LSTM(_Recurrent):
    """Long short-term memory: four gates (input, forget, cell, output)."""

    type: ClassVar[str] = "lstm"
    cell: ClassVar[Type[Cell]] = LSTMCell


class GRU(_Recurrent):
    """Gated recurrent unit: three gates (update, reset, candidate)."""

    type: ClassVar[str] = "gru"
    cell: ClassVar[Type[Cell]] = GRUCell
    reset_after: Flag = Field(True, description="Keras: reset after the recurrent product (TensorFlow 2's "
                                                "default), which keeps two bias vectors per gate")

    def two_biases(self) -> bool:
        return self.bias_convention == "pytorch" or self.reset_after

    def bias_note(self) -> str:
        if self.bias_convention == "pytorch" or not self.bias:
            return super().bias_note()
        return ("reset_after: true (TensorFlow 2's default) keeps two bias vectors per gate" if self.reset_after
                else "reset_after: false keeps one bias vector per gate")


class Merge(Choice):
    """How a bidirectional layer merges its two directions' states (Keras's merge_mode)."""

    CONCAT = "concat"   # side by side: 2h entries
    SUM = "sum"         # entry by entry, h entries
    MUL = "mul"
    AVE = "ave"


class Bidirectional(Layer):
    """A recurrent layer run forwards and backwards over the sequence (Keras' Bidirectional):
    twice the parameters and the work; the two outputs merged by concat (2h), sum, mul or ave (h)."""

    type: ClassVar[str] = "bidirectional"
    reads_sequences: ClassVar[bool] = True
    cell: Literal["simple_rnn", "lstm", "gru"] = Field(description="the recurrent layer run in both directions")
    units: Annotated[int, Whole("units")] = Field(description="size h of each direction's state")
    return_sequences: Flag = Field(False, description="output the merged state at every time step, (T, ·)")
    merge: Literal["concat", "sum", "mul", "ave"] = Field(
        "concat", description="how the two directions' outputs meet: concat (2h), sum, mul or ave (h)")
    bias_convention: Literal["keras", "pytorch"] = Field(
        "keras", description="keras: one bias vector per gate; pytorch: two (b_ih and b_hh)")
    reset_after: Flag = Field(True, description="gru only: Keras' reset after the recurrent product (two bias vectors)")
    bias: Flag = Field(True, description="false: no bias vectors in either direction")

    def direction(self) -> _Recurrent:
        """One direction: the wrapped layer itself."""
        options: dict[str, object] = {"units": self.units, "return_sequences": self.return_sequences,
                   "bias_convention": self.bias_convention, "bias": self.bias}
        cls = next(k for k in _Recurrent.__subclasses__() if k.cell is BY_LAYER[self.cell])
        if "reset_after" in cls.model_fields:
            options["reset_after"] = self.reset_after
        return cls.model_validate(options)

    def check(self, c: Context) -> None:
        self.direction().check(c)

    @property
    def merged(self) -> Merge:
        """The merge as its record (the field keeps the YAML's word)."""
        return Merge(self.merge)

    def shape(self, c: Context) -> None:
        h = c.const("h", "h", self.units)
        width: Expr = Mul.of(Num(2), h) if self.merged is Merge.CONCAT else h
        note = "the two directions' states side by side" if self.merged is Merge.CONCAT else \
            f"the two directions' states merged by {self.merge}, entry by entry"
        if self.return_sequences:
            c.out([c.dims[0], width], ["return_sequences: every time step", note], sequence=True)
        else:
            c.out([width], [note], sequence=False)

    def count(self, c: Context) -> None:
        one = self.direction()
        c.params(Mul.of(Num(2), one.formula(c)), note="two directions, each " + one.bias_note())

    def cost(self, c: Context) -> Cost:
        one = self.direction().cost(c)
        assert one.macs is not None
        return Cost(macs=Mul.of(Num(2), one.macs), bias=None if one.bias is None else Mul.of(Num(2), one.bias),
                    note="both directions: " + (one.note or "") + "; the merge not counted")
