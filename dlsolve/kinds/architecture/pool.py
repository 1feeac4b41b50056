"""Pooling layers: max and average pooling in 1-D and 2-D, and global average pooling.

Output: the window formula per spatial axis (window.py), the channels kept. No parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Optional

from pydantic import Field

from dlsolve.expr import Mul, Num
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.fields import Flag, Padding, PaddingValue, Pair, Single
from dlsolve.kinds.architecture.window import Window, check_input, window_shape


class _Pooling(Layer):
    n_spatial: ClassVar[int] = 2
    if TYPE_CHECKING:  # declared with their types and checks by each subclass
        size: tuple[int, ...]
        stride: Optional[tuple[int, ...]]
        padding: PaddingValue
        ceil_mode: bool

    averages: ClassVar[bool] = False

    def window(self) -> Window:
        dilation = getattr(self, "dilation", (1,) * self.n_spatial)
        return Window(self.size, self.stride or self.size, dilation, self.padding,
                      ceil_mode=self.ceil_mode)

    def check(self, c: Context) -> None:
        check_input(c, self.n_spatial, self.type)

    def padding_note(self, c: Context) -> None:
        """PyTorch refuses a padding of more than half the window; said, not refused (other frameworks differ)."""
        w = self.window()
        for a in range(self.n_spatial):
            if isinstance(w.padding, tuple):
                limit = w.kernel[a] // 2 if self.averages else (w.dilation[a] * (w.kernel[a] - 1) + 1) // 2
                if w.padding[a] > limit:
                    c.d.note("PyTorch refuses this padding: at most half the window ({limit:int})", limit=limit)
                    return

    def rf_window(self, c: Context) -> Window:
        return self.window()

    def cost(self, c: Context) -> Cost:
        """Per output value: k_h·k_w − 1 comparisons (max), or k_h·k_w − 1 adds and one divide (average);
        every window counted at its full size."""
        taps = [c.const(f"k{a}", "k", k) for a, k in zip("HW" if self.n_spatial == 2 else "L", self.size)]
        window = Mul.of(*taps)
        if self.averages:
            return Cost(ops=Mul.of(*c.out_dims, window),
                        note="each output value: k·k − 1 adds and one divide (every window at its full size)")
        return Cost(ops=Mul.of(*c.out_dims, window - Num(1)),
                    note="each output value: k·k − 1 comparisons (every window at its full size)")

    def shape(self, c: Context) -> None:
        window_shape(c, self.window(), c.dims[-1], "pooling keeps the channels")
        self.padding_note(c)
        if self.stride is None:
            c.d.note("the stride defaults to the window size")

    def count(self, c: Context) -> None:
        c.params(Num(0), note="pooling has no parameters")


class _Pooling1d(_Pooling):
    n_spatial: ClassVar[int] = 1
    reads_sequences: ClassVar[bool] = True
    size: Annotated[tuple[int], Single("size")] = Field(description="window length")
    stride: Optional[Annotated[tuple[int], Single("stride")]] = Field(None, description="step of the window (default: the size)")
    padding: Annotated[PaddingValue, Padding(1)] = Field("valid", description="valid, same, or zeros on each side")
    ceil_mode: Flag = Field(False, description="round the window count up (PyTorch's ceil_mode)")


class _Pooling2d(_Pooling):
    size: Annotated[tuple[int, int], Pair("size")] = Field(description="window size, or [h, w]")
    stride: Optional[Annotated[tuple[int, int], Pair("stride")]] = Field(None, description="step of the window, or [sh, sw] (default: the size)")
    padding: Annotated[PaddingValue, Padding(2)] = Field("valid", description="valid, same, zeros on each side, or [ph, pw]")
    ceil_mode: Flag = Field(False, description="round the window count up (PyTorch's ceil_mode)")


class MaxPool1d(_Pooling1d):
    """The largest value of each window of a (length, channels) input."""

    type: ClassVar[str] = "maxpool1d"
    dilation: Annotated[tuple[int], Single("dilation")] = Field((1,), description="spacing of the window's taps (PyTorch's MaxPool1d)")


class AvgPool1d(_Pooling1d):
    """The mean of each window of a (length, channels) input."""

    type: ClassVar[str] = "avgpool1d"
    averages: ClassVar[bool] = True


class MaxPool2d(_Pooling2d):
    """The largest value of each window of a (height, width, channels) input."""

    type: ClassVar[str] = "maxpool2d"
    dilation: Annotated[tuple[int, int], Pair("dilation")] = Field((1, 1), description="spacing of the window's taps, or [dh, dw] "
                                                          "(PyTorch's MaxPool2d)")


class AvgPool2d(_Pooling2d):
    """The mean of each window of a (height, width, channels) input."""

    type: ClassVar[str] = "avgpool2d"
    averages: ClassVar[bool] = True


class GlobalAvgPool(Layer):
    """The mean over every position of each channel: one number per channel."""

    type: ClassVar[str] = "global_avg_pool"

    def check(self, c: Context) -> None:
        if c.rank < 2:
            raise c.fail(f"global_avg_pool needs spatial dimensions, got {c.show(c.shape)}")

    def shape(self, c: Context) -> None:
        c.out([c.dims[-1]], ["the mean over every position of each channel"])

    def cost(self, c: Context) -> Cost:
        return Cost(ops=Mul.of(*c.dims), note="per channel: H·W − 1 adds and one divide")
