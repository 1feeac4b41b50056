"""The YAML schema of kinds conv and params: the input shape, two conventions, the layers."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from dlsolve.kinds.architecture.base import Layer
from dlsolve.kinds.architecture.fields import Flag, InputShape, Whole
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
    dtype: Literal["float32", "float64", "float16", "bfloat16", "int8"] = Field(
        "float32", description="the type of every stored value: 4 bytes for float32, 8, 2, 2, 1")
    batch: Annotated[int, Whole("batch")] = Field(1, description="samples per forward pass, for the activations' memory")
    training: Flag = Field(False, description="also the memory training keeps: each activation and its gradient")
    flop_unit: Literal["flops", "macs"] = Field(
        "flops", description="flops: one multiply-add is 2 FLOPs; macs: one multiply-add is 1 MAC")
    bias_adds: Flag = Field(True, description="count one add per bias in the FLOPs (false: leave them out)")
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
        return list(self.layers)


