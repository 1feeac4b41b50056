"""Convolution layers: conv1d, conv2d and conv2d_transpose.

Output: the window formula per spatial axis (window.py) and one channel per filter.
Parameters: k_h·k_w·(C_in/g)·F weights (k·C_in·F in 1-D; k_h·k_w·C_in·(F/g) transposed, as
PyTorch's weight (C_in, C_out/g, k_h, k_w)) plus F biases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from dlsolve.expr import Add, Expr, Mul, Num
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Padding, PaddingValue, Pair, Single, Whole
from dlsolve.kinds.architecture.window import Window, check_input, window_shape


class _Convolution(Layer):
    """What every convolution shares; subclasses fix the number of spatial axes."""

    n_spatial: ClassVar[int] = 2
    transpose: ClassVar[bool] = False
    if TYPE_CHECKING:  # declared with their types and checks by each subclass
        filters: int
        groups: int
        bias: bool

    def window(self) -> Window:
        raise NotImplementedError

    def check(self, c: Context) -> None:
        check_input(c, self.n_spatial, self.type)
        g, F, C_in = self.groups, self.filters, c.shape[-1]
        if C_in % g or F % g:
            raise c.fail(f"groups = {g} must divide the input channels ({C_in}) and the filters ({F})")

    def shape(self, c: Context) -> None:
        window_shape(c, self.window(), Num(self.filters), "one output channel per filter")

    def taps(self, c: Context) -> list[Expr]:
        """The kernel's sizes as symbols: [k] in 1-D, [k_h, k_w] in 2-D."""
        k = self.window().kernel
        if self.n_spatial == 2:
            return [c.const("KH", "k_h", k[0]), c.const("KW", "k_w", k[1])]
        return [c.const("KH", "k", k[0])]

    def fans(self, c: Context) -> tuple[Expr, Expr, str, str] | None:
        """PyTorch's weight (F, C_in/g, k…): fan-in (C_in/g)·taps, fan-out F·taps (a transposed weight
        (C_in, F/g, k…) swaps the roles: fan-in (F/g)·taps, fan-out C_in·taps)."""
        taps = self.taps(c)
        F, g, C_in = c.const("F", "F", self.filters), c.const("G", "g", self.groups), c.dims[-1]

        def per(n: Expr) -> Expr:
            return n if self.groups == 1 else n / g

        window = "k_h × k_w" if self.n_spatial == 2 else "k-long"
        if self.transpose:
            return (Mul.of(*taps, per(F)), Mul.of(*taps, C_in),
                    f"fan-in of a transposed convolution: a {window} window of each of the F/g filters' channels",
                    "fan-out: a window of every input channel (PyTorch reads the weight (C_in, F/g, k, k))")
        return (Mul.of(*taps, per(C_in)), Mul.of(*taps, F),
                f"each output value sums over a {window} window of every input channel" +
                (" of its group" if self.groups > 1 else ""),
                f"each input value reaches a {window} window of every filter (PyTorch's and Keras's fan_out)")

    def rf_window(self, c: Context) -> Window | None:
        return None if self.transpose else self.window()

    def cost(self, c: Context) -> Cost:
        """One multiply-add per kernel tap per input channel of the group, for every output value
        (transposed: for every input value, scattered to k_h·k_w·F/g outputs); one bias add per output."""
        taps = self.taps(c)
        g = c.const("G", "g", self.groups)
        outputs = Mul.of(*c.out_dims)
        if self.transpose:
            F = c.out_dims[-1]
            macs = Mul.of(*c.dims, *taps, F if self.groups == 1 else F / g)
            note = "each input value times every tap of its group's F/g filters"
        else:
            C_in = c.dims[-1]
            macs = Mul.of(*c.out_dims, *taps, C_in if self.groups == 1 else C_in / g)
            note = "each output value: one multiply-add per tap and input channel" + (
                " of its group" if self.groups > 1 else "")
        return Cost(macs=macs, bias=outputs if self.bias else None, note=note)

    def count(self, c: Context) -> None:
        per_filter = Mul.of(*self.taps(c))
        Fs = c.const("F", "F", self.filters)
        gs = c.const("G", "g", self.groups)
        C_in = c.dims[-1]
        if self.transpose:
            weights = Mul.of(per_filter, C_in, Fs if self.groups == 1 else Fs / gs)
        else:
            weights = Mul.of(per_filter, C_in if self.groups == 1 else C_in / gs, Fs)
        if self.bias:
            c.params(Add.of(weights, Fs), note="weights k·k·C_in·F, plus one bias per filter")
        else:
            c.params(weights, note="weights only (bias: false)")


class Conv1d(_Convolution):
    """A 1-D convolution over (length, channels)."""

    type: ClassVar[str] = "conv1d"
    n_spatial: ClassVar[int] = 1
    reads_sequences: ClassVar[bool] = True
    filters: Annotated[int, Whole("filters")] = Field(description="output channels (one per filter)")
    kernel: Annotated[tuple[int], Single("kernel")] = Field(description="kernel length")
    stride: Annotated[tuple[int], Single("stride")] = Field((1,), description="step of the window")
    padding: Annotated[PaddingValue, Padding(1)] = Field("valid", description="valid, same, or zeros on each side")
    dilation: Annotated[tuple[int], Single("dilation")] = Field((1,), description="spacing of the kernel taps")
    bias: Flag = Field(True, description="one bias per filter")
    groups: Annotated[int, Whole("groups")] = Field(1, description="groups of input channels (must divide C_in and filters)")

    def window(self) -> Window:
        return Window(self.kernel, self.stride, self.dilation, self.padding)


class Conv2d(_Convolution):
    """A 2-D convolution over (height, width, channels)."""

    type: ClassVar[str] = "conv2d"
    filters: Annotated[int, Whole("filters")] = Field(description="output channels (one per filter)")
    kernel: Annotated[tuple[int, int], Pair("kernel")] = Field(description="kernel size, or [kh, kw]")
    stride: Annotated[tuple[int, int], Pair("stride")] = Field((1, 1), description="step of the window, or [sh, sw]")
    padding: Annotated[PaddingValue, Padding(2)] = Field("valid", description="valid, same, zeros on each side, or [ph, pw]")
    dilation: Annotated[tuple[int, int], Pair("dilation")] = Field((1, 1), description="spacing of the kernel taps, or [dh, dw]")
    bias: Flag = Field(True, description="one bias per filter")
    groups: Annotated[int, Whole("groups")] = Field(1, description="groups of input channels (must divide C_in and filters)")

    def window(self) -> Window:
        return Window(self.kernel, self.stride, self.dilation, self.padding)


class Conv2dTranspose(_Convolution):
    """A transposed 2-D convolution (upsampling), counted as PyTorch's ConvTranspose2d."""

    type: ClassVar[str] = "conv2d_transpose"
    transpose: ClassVar[bool] = True
    filters: Annotated[int, Whole("filters")] = Field(description="output channels (one per filter)")
    kernel: Annotated[tuple[int, int], Pair("kernel")] = Field(description="kernel size, or [kh, kw]")
    stride: Annotated[tuple[int, int], Pair("stride")] = Field((1, 1), description="upsampling step, or [sh, sw]")
    padding: Annotated[PaddingValue, Padding(2)] = Field("valid", description="valid, same, zeros removed on each side, or [ph, pw]")
    dilation: Annotated[tuple[int, int], Pair("dilation")] = Field((1, 1), description="spacing of the kernel taps, or [dh, dw]")
    bias: Flag = Field(True, description="one bias per filter")
    groups: Annotated[int, Whole("groups")] = Field(1, description="groups of input channels (must divide C_in and filters)")
    output_padding: Annotated[tuple[int, int], Pair("output_padding", low=0)] = Field((0, 0), description="extra rows/columns on one side")

    def window(self) -> Window:
        return Window(self.kernel, self.stride, self.dilation, self.padding, transpose=True,
                      output_padding=self.output_padding)


