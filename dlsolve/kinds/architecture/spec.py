"""The YAML schema of kinds conv and params: the input shape, two conventions, the layers."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from dlsolve.kinds.architecture.base import Layer
from dlsolve.kinds.architecture.fields import InputShape
from dlsolve.kinds.architecture.registry import LayerEntry


class Spec(BaseModel):
    """kinds conv / params: a layer stack; its output shapes and parameter counts."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["conv", "params"] = Field(description="conv: each layer's shape first; params: its count first")
    title: Optional[str] = None
    input: InputShape = Field(description="height, width, channels; a length for an MLP; "
                                          "[timesteps, features] for an RNN; [C, H, W] with channels_first")
    layout: Literal["channels_last", "channels_first"] = Field(
        "channels_last", description="channels_first: the input and the shapes shown as [C, H, W]")
    same_padding: Literal["tensorflow", "symmetric"] = Field(
        "tensorflow", description="tensorflow: out = ⌈n/s⌉ (extra padding after); symmetric: p = ⌊d(k − 1)/2⌋ "
                                  "on each side, as the course notes")
    layers: list[LayerEntry] = Field(min_length=1, description="the layers, first to last")

    @property
    def channels_first(self) -> bool:
        return self.layout == "channels_first"

    def input_shape(self) -> tuple[int, ...]:
        """The input shape held channels last (the planner's order)."""
        shape = list(self.input)
        if self.channels_first and len(shape) >= 2:
            shape = shape[1:] + shape[:1]
        return tuple(shape)

    def layer_list(self) -> list[Layer]:
        return list(self.layers)  # type: ignore[arg-type]


