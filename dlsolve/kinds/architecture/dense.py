"""Layers that change the shape without a window: dense, flatten and embedding."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from dlsolve.expr import Add, Expr, Mul
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Whole


class Dense(Layer):
    """A fully connected layer: n_out = units; on a sequence, applied at every time step."""

    type: ClassVar[str] = "dense"
    units: Annotated[int, Whole("units")] = Field(description="output units n_out")
    bias: Flag = Field(True, description="one bias per unit")

    def check(self, c: Context) -> None:
        if c.rank > 2 or (c.rank == 2 and not c.sequence):
            raise c.fail(f"dense after a {c.rank}-D output {c.show(c.shape)}: add a flatten layer first "
                         "(or global_avg_pool)")

    def shape(self, c: Context) -> None:
        U = c.const("U", "units", self.units)
        c.out([*c.dims[:-1], U], [None] * (c.rank - 1) + ["applied at every time step" if c.rank == 2 else None])

    def fans(self, c: Context) -> tuple[Expr, Expr, str, str]:
        return (c.dims[-1], c.const("U", "units", self.units), "fan-in of a dense layer: its number of inputs",
                "fan-out of a dense layer: its number of units")

    def cost(self, c: Context) -> Cost:
        """n_in multiply-adds per output value (at every time step on a sequence), one bias add each."""
        return Cost(macs=Mul.of(c.dims[-1], *c.out_dims), bias=Mul.of(*c.out_dims) if self.bias else None,
                    note="each output value: n_in multiply-adds")

    def count(self, c: Context) -> None:
        n_in, U = c.dims[-1], c.const("U", "units", self.units)
        if self.bias:
            c.params(Add.of(Mul.of(n_in, U), U), note="n_in·n_out weights + n_out biases")
        else:
            c.params(Mul.of(n_in, U), note="n_in·n_out weights")


class Flatten(Layer):
    """All dimensions into one vector: n = the product of the input's dimensions."""

    type: ClassVar[str] = "flatten"

    def shape(self, c: Context) -> None:
        formula = Mul.of(*c.dims) if len(c.dims) > 1 else c.dims[0]
        c.out([formula], ["the product of the dimensions"], sequence=False)


class Embedding(Layer):
    """A lookup table of one dim-long vector per word: (T) token ids → (T, dim)."""

    type: ClassVar[str] = "embedding"
    reads_sequences: ClassVar[bool] = True
    vocab: Annotated[int, Whole("vocab")] = Field(description="number of words V")
    dim: Annotated[int, Whole("dim")] = Field(description="length of each word's vector")

    def check(self, c: Context) -> None:
        if c.rank != 1:
            raise c.fail(f"embedding takes a sequence length as input, e.g. input: [20]; got {c.show(c.shape)}")

    def shape(self, c: Context) -> None:
        c.out([c.dims[0], c.const("D", "dim", self.dim)], ["one vector per token"], sequence=True)

    def count(self, c: Context) -> None:
        c.params(Mul.of(c.const("V", "vocab", self.vocab), c.const("D", "dim", self.dim)),
                 note="one dim-long vector per word of the vocabulary")
