"""Layers that keep the shape: dropout, activation, batch and layer normalisation."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from dlsolve.expr import Mul, Num
from dlsolve.kinds.architecture.base import Context, Layer
from dlsolve.kinds.architecture.fields import Rate
from dlsolve.schema import RegisteredActivation  # a registered name, listed in the schema


class Dropout(Layer):
    """Zeroes a fraction `rate` of the units while training; nothing to learn."""

    type: ClassVar[str] = "dropout"
    keeps_field: ClassVar[bool] = True
    rate: Rate = Field(0.5, description="fraction of units dropped while training, in [0, 1)")

    def shape(self, c: Context) -> None:
        c.same("dropout keeps the shape and has no parameters")


class Activation(Layer):
    """An activation function applied entry by entry."""

    type: ClassVar[str] = "activation"
    keeps_field: ClassVar[bool] = True
    name: RegisteredActivation = Field("relu", description="the activation (relu, sigmoid, tanh, softmax, …)")

    def shape(self, c: Context) -> None:
        c.same("an activation keeps the shape and has no parameters")


class BatchNorm(Layer):
    """Batch normalisation over the channels: γ, β learnt; the moving μ and σ² only tracked."""

    type: ClassVar[str] = "batchnorm"
    keeps_field: ClassVar[bool] = True

    def shape(self, c: Context) -> None:
        c.same("batch normalisation keeps the shape")

    def count(self, c: Context) -> None:
        C = c.dims[-1]
        c.params(Mul.of(Num(4), C), note="γ and β (trainable) and the moving μ and σ² (non-trainable), "
                                         "one of each per channel",
                 non_trainable=Mul.of(Num(2), C), non_trainable_note="the moving μ and σ² are not trained")


class LayerNorm(Layer):
    """Layer normalisation over the last axis: γ and β, both learnt."""

    type: ClassVar[str] = "layernorm"
    keeps_field: ClassVar[bool] = False   # normalises over the last axis: every position of it

    def shape(self, c: Context) -> None:
        c.same("layer normalisation keeps the shape")

    def count(self, c: Context) -> None:
        c.params(Mul.of(Num(2), c.dims[-1]), note="γ and β over the last axis, both trainable")
