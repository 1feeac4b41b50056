"""Convolutions that share less: depthwise, depthwise-separable and locally connected 2-D.

- depthwise_conv2d: each input channel convolved with its own m filters (Keras'
  DepthwiseConv2D, PyTorch's Conv2d with groups = C_in): k_h·k_w·C·m weights + C·m biases;
  C·m output channels.
- separable_conv2d: a depthwise convolution, then a 1×1 (pointwise) convolution to F channels
  (Keras' SeparableConv2D): k_h·k_w·C·m + C·m·F weights + F biases.
- locally_connected2d: a convolution's windows with a separate kernel at every output position
  (no weight sharing; Keras' LocallyConnected2D): H_out·W_out·(k_h·k_w·C·F) weights + H_out·W_out·F
  biases.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from dlsolve.expr import Add, Expr, Mul
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Padding, PaddingValue, Pair, Whole
from dlsolve.kinds.architecture.window import Window, check_input, window_shape


class _Windowed2d(Layer):
    """What the three share: a 2-D window over (height, width, channels)."""

    kernel: Annotated[tuple[int, int], Pair("kernel")] = Field(description="kernel size, or [kh, kw]")
    stride: Annotated[tuple[int, int], Pair("stride")] = Field((1, 1), description="step of the window, or [sh, sw]")
    padding: Annotated[PaddingValue, Padding(2)] = Field("valid", description="valid, same, zeros on each side, or [ph, pw]")
    dilation: Annotated[tuple[int, int], Pair("dilation")] = Field((1, 1), description="spacing of the kernel taps, or [dh, dw]")
    bias: Flag = Field(True, description="biases (see the layer for how many)")

    def window(self) -> Window:
        return Window(self.kernel, self.stride, self.dilation, self.padding)

    def check(self, c: Context) -> None:
        check_input(c, 2, self.type)

    def rf_window(self, c: Context) -> Window:
        return self.window()

    def taps(self, c: Context) -> Expr:
        return Mul.of(c.const("KH", "k_h", self.kernel[0]), c.const("KW", "k_w", self.kernel[1]))


class DepthwiseConv2d(_Windowed2d):
    """Each input channel convolved with its own depth_multiplier filters: C·m output channels."""

    type: ClassVar[str] = "depthwise_conv2d"
    depth_multiplier: Annotated[int, Whole("depth_multiplier")] = Field(1, description="filters per input channel m")

    def shape(self, c: Context) -> None:
        m = c.const("m", "m", self.depth_multiplier)
        window_shape(c, self.window(), Mul.of(c.dims[-1], m), "depth_multiplier channels per input channel")

    def count(self, c: Context) -> None:
        m = c.const("m", "m", self.depth_multiplier)
        weights = Mul.of(self.taps(c), c.dims[-1], m)
        if self.bias:
            c.params(Add.of(weights, Mul.of(c.dims[-1], m)), note="k_h·k_w weights per output channel C·m, and its bias")
        else:
            c.params(weights, note="k_h·k_w weights per output channel C·m (bias: false)")

    def cost(self, c: Context) -> Cost:
        return Cost(macs=Mul.of(*c.out_dims, self.taps(c)), bias=Mul.of(*c.out_dims) if self.bias else None,
                    note="each output value: one multiply-add per tap of its own channel")


class SeparableConv2d(_Windowed2d):
    """A depthwise convolution (m filters per channel), then a 1×1 convolution to F channels."""

    type: ClassVar[str] = "separable_conv2d"
    filters: Annotated[int, Whole("filters")] = Field(description="output channels F of the pointwise convolution")
    depth_multiplier: Annotated[int, Whole("depth_multiplier")] = Field(1, description="depthwise filters per input channel m")

    def shape(self, c: Context) -> None:
        window_shape(c, self.window(), c.const("F", "F", self.filters), "one output channel per pointwise filter")

    def count(self, c: Context) -> None:
        m, F = c.const("m", "m", self.depth_multiplier), c.const("F", "F", self.filters)
        depthwise, pointwise = Mul.of(self.taps(c), c.dims[-1], m), Mul.of(c.dims[-1], m, F)
        if self.bias:
            c.params(Add.of(depthwise, pointwise, F),
                     note="depthwise k_h·k_w·C·m, pointwise C·m·F, and one bias per output channel")
        else:
            c.params(Add.of(depthwise, pointwise), note="depthwise k_h·k_w·C·m and pointwise C·m·F weights (bias: false)")

    def cost(self, c: Context) -> Cost:
        m = c.const("m", "m", self.depth_multiplier)
        H, W, F = c.out_dims
        return Cost(macs=Add.of(Mul.of(H, W, c.dims[-1], m, self.taps(c)), Mul.of(H, W, c.dims[-1], m, F)),
                    bias=Mul.of(H, W, F) if self.bias else None,
                    note="the depthwise taps of each of the C·m channels, then C·m per output value of the 1×1")


class LocallyConnected2d(_Windowed2d):
    """A convolution's windows, each output position with its own kernel and biases (no sharing)."""

    type: ClassVar[str] = "locally_connected2d"
    filters: Annotated[int, Whole("filters")] = Field(description="output channels (filters at each position)")
    bias: Flag = Field(True, description="one bias per output value (each position and filter)")

    def shape(self, c: Context) -> None:
        window_shape(c, self.window(), c.const("F", "F", self.filters), "one output channel per filter")

    def count(self, c: Context) -> None:
        if c.out_shape is None:    # the count needs the output positions: the shape first
            self.shape(c)
        H, W, F = c.out_dims
        weights = Mul.of(H, W, self.taps(c), c.dims[-1], F)
        if self.bias:
            c.params(Add.of(weights, Mul.of(H, W, F)),
                     note="a k_h·k_w·C_in·F kernel and F biases at each of the H·W output positions (no sharing)")
        else:
            c.params(weights, note="a k_h·k_w·C_in·F kernel at each of the H·W output positions (no sharing)")

    def cost(self, c: Context) -> Cost:
        return Cost(macs=Mul.of(*c.out_dims, self.taps(c), c.dims[-1]), bias=Mul.of(*c.out_dims) if self.bias else None,
                    note="each output value: one multiply-add per tap and input channel, as a convolution")
