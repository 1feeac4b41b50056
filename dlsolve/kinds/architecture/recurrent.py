"""Recurrent layers: simple RNN, LSTM and GRU.

Parameters: gates·(h(h + x) + biases), where a gate has an input kernel (x·h), a recurrent
kernel (h·h) and one bias vector (Keras) or two (PyTorch's b_ih and b_hh; Keras' GRU with
reset_after). Output: the last state (h), or every state (T, h) with return_sequences.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from dlsolve.expr import Add, Expr, Mul, Num
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Whole

_BIAS_NOTES = {"keras": "one bias vector per gate",
               "pytorch": "two bias vectors per gate (b_ih and b_hh), as PyTorch"}


class _Recurrent(Layer):
    gates: ClassVar[int] = 1
    reads_sequences: ClassVar[bool] = True
    units: Whole("units") = Field(description="size h of the hidden state")
    return_sequences: Flag = Field(False, description="output the state at every time step, (T, h)")
    bias_convention: Literal["keras", "pytorch"] = Field(
        "keras", description="keras: one bias vector per gate; pytorch: two (b_ih and b_hh)")

    def two_biases(self) -> bool:
        return self.bias_convention == "pytorch"

    def bias_note(self) -> str:
        return _BIAS_NOTES[self.bias_convention]

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
        bias = Mul.of(T, *gates, *([Num(2)] if self.two_biases() else []), h)
        return Cost(macs=Mul.of(T, *gates, h, Add.of(x, h)), bias=bias,
                    note="each time step, each gate: W x_t and U h_(t−1) (the gates' elementwise products not counted)")

    def formula(self, c: Context) -> Expr:
        """gates·(h(h + x) + biases): each gate's input and recurrent kernels and its bias vectors."""
        h, x = c.const("h", "h", self.units), c.dims[-1]
        bias: Expr = Mul.of(Num(2), h) if self.two_biases() else h
        inner = Add.of(Mul.of(h, Add.of(h, x)), bias)
        return inner if self.gates == 1 else Mul.of(Num(self.gates), inner)

    def count(self, c: Context) -> None:
        c.params(self.formula(c), note=self.bias_note())


class SimpleRNN(_Recurrent):
    """h_t = f(W x_t + U h_(t−1) + b): one gate."""

    type: ClassVar[str] = "simple_rnn"


class LSTM(_Recurrent):
    """Long short-term memory: four gates (input, forget, cell, output)."""

    type: ClassVar[str] = "lstm"
    gates: ClassVar[int] = 4


class GRU(_Recurrent):
    """Gated recurrent unit: three gates (update, reset, candidate)."""

    type: ClassVar[str] = "gru"
    gates: ClassVar[int] = 3
    reset_after: Flag = Field(True, description="Keras: reset after the recurrent product (TensorFlow 2's "
                                                "default), which keeps two bias vectors per gate")

    def two_biases(self) -> bool:
        return self.bias_convention == "pytorch" or self.reset_after

    def bias_note(self) -> str:
        if self.bias_convention == "pytorch":
            return super().bias_note()
        return ("reset_after: true (TensorFlow 2's default) keeps two bias vectors per gate" if self.reset_after
                else "reset_after: false keeps one bias vector per gate")


class Bidirectional(Layer):
    """A recurrent layer run forwards and backwards over the sequence (Keras' Bidirectional):
    twice the parameters and the work; the two outputs merged by concat (2h), sum, mul or ave (h)."""

    type: ClassVar[str] = "bidirectional"
    reads_sequences: ClassVar[bool] = True
    cell: Literal["simple_rnn", "lstm", "gru"] = Field(description="the recurrent layer run in both directions")
    units: Whole("units") = Field(description="size h of each direction's state")
    return_sequences: Flag = Field(False, description="output the merged state at every time step, (T, ·)")
    merge: Literal["concat", "sum", "mul", "ave"] = Field(
        "concat", description="how the two directions' outputs meet: concat (2h), sum, mul or ave (h)")
    bias_convention: Literal["keras", "pytorch"] = Field(
        "keras", description="keras: one bias vector per gate; pytorch: two (b_ih and b_hh)")
    reset_after: Flag = Field(True, description="gru only: Keras' reset after the recurrent product (two bias vectors)")

    def direction(self) -> _Recurrent:
        """One direction: the wrapped layer itself."""
        options = {"units": self.units, "return_sequences": self.return_sequences,
                   "bias_convention": self.bias_convention}
        cls = next(k for k in _Recurrent.__subclasses__() if k.type == self.cell)
        if "reset_after" in cls.model_fields:
            options["reset_after"] = self.reset_after
        return cls(**options)

    def check(self, c: Context) -> None:
        self.direction().check(c)

    def shape(self, c: Context) -> None:
        h = c.const("h", "h", self.units)
        width: Expr = Mul.of(Num(2), h) if self.merge == "concat" else h
        note = "the two directions' states side by side" if self.merge == "concat" else \
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
        assert one.macs is not None and one.bias is not None
        return Cost(macs=Mul.of(Num(2), one.macs), bias=Mul.of(Num(2), one.bias),
                    note="both directions: " + (one.note or "") + "; the merge not counted")
