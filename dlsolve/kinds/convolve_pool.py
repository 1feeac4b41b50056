"""kind convolve's pooling, as PyTorch's MaxPool2d and AvgPool2d state it, worked window by window.

Per axis, with window k, stride s (default k), padding p on each side and dilation d (max only):
    out = ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1   (⌈·⌉ with ceil_mode, and then the last window must
    start inside the input or the left padding: if (out − 1)·s ≥ n + p, one fewer).
Window o covers the taps o·s − p + t·d, t = 0 … k − 1. Max pooling pads with −∞, so a padded
tap never wins: the maximum is over the taps inside the input. Average pooling pads with 0 and
divides by the window's size within the padded input (count_include_pad: true, PyTorch's
default: min(o·s − p + k, n + p) − (o·s − p) per axis) or by the taps inside the input
(count_include_pad: false); divisor_override replaces either. As PyTorch requires, p is at most
half the (effective) window, so every window holds at least one input entry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

import numpy as np
from pydantic import ConfigDict, Field, PlainSerializer, PlainValidator, model_validator

from dlsolve.choice import Choice
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Expr, Num, Sym, call, total
from dlsolve.kinds import resample as R
from dlsolve.kinds.prepared import BelongsTo, Ruled
from dlsolve.solution import WORKED, Phrase

def _pair(v: Any, what: str, low: int) -> tuple[int, int]:
    vals = v if isinstance(v, (list, tuple)) else [v, v]
    if len(vals) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in vals):
        raise SpecInvalid(f"expected {what} as a whole number or [rows, columns], got {v!r}")
    if any(x < low or x > 1000 for x in vals):
        raise SpecInvalid(f"{what} must be between {low} and 1000, got {v!r}")
    return int(vals[0]), int(vals[1])


def _pair_of(what: str, low: int) -> PlainValidator:
    """The validator of a pair option: one whole number for both axes, or [rows, columns]."""
    one = Annotated[int, Field(ge=low, le=1000)]
    schema = Union[one, Annotated[list[one], Field(min_length=2, max_length=2)]]
    return PlainValidator(lambda v: _pair(v, what, low), json_schema_input_type=schema)


class PoolType(Choice):
    """A pooling window's statistic (pool: {type: max | avg})."""

    MAX = "max"   # the largest entry; padding is −∞
    AVG = "avg"   # the mean


# one whole number for both axes, or [rows, columns]; held as a pair
Size = Annotated[tuple[int, int], _pair_of("size", 1), PlainSerializer(list)]
Stride = Annotated[tuple[int, int], _pair_of("stride", 1), PlainSerializer(list)]
Padding = Annotated[tuple[int, int], _pair_of("padding", 0), PlainSerializer(list)]
Dilation = Annotated[tuple[int, int], _pair_of("dilation", 1), PlainSerializer(list)]


class PoolSpec(Ruled):
    """`pool:` — a max or average pooling with PyTorch's options; sizes are one number or [rows, columns]."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        BelongsTo("divisor_override", "type", ("avg",),
                  message="divisor_override belongs to average pooling (type: avg)"),
        BelongsTo("count_include_pad", "type", ("avg",),
                  message="count_include_pad belongs to average pooling (type: avg)"),
    )
    type: Literal["max", "avg"] = Field("max", description="max: the largest entry (padding −∞); avg: the mean")
    size: Size = Field(description="window size, or [rows, columns]")
    stride: Optional[Stride] = Field(None, description="step of the window, or [rows, columns] (default: the size)")
    padding: Padding = Field((0, 0), description="entries added on each side, or [rows, columns]: −∞ for max, 0 for "
                                                 "avg")
    dilation: Dilation = Field((1, 1), description="max only: spacing of the window's taps, or [rows, columns]")
    ceil_mode: bool = Field(False, description="round the window count up (the last window must start "
                                               "inside the input or the left padding)")
    count_include_pad: bool = Field(True, description="avg only: divide by the window's size including "
                                                      "padding (PyTorch's default), or by its input entries")
    divisor_override: Optional[int] = Field(None, ge=1, description="avg only: divide every window by this")

    @property
    def statistic(self) -> PoolType:
        """The window's statistic as its record (the field keeps the YAML's word)."""
        return PoolType(self.type)

    @model_validator(mode="after")
    def _options_of_their_type(self) -> "PoolSpec":
        if self.statistic is PoolType.AVG and self.dilation != (1, 1):
            raise SpecInvalid("average pooling has no dilation (PyTorch's AvgPool2d)", ("dilation",))
        return self

    # -- per axis ------------------------------------------------------------------------
    def axis(self, a: int) -> tuple[int, int, int, int]:
        """(k, s, p, d) along axis a (0: rows, 1: columns)."""
        k, p, d = self.size[a], self.padding[a], self.dilation[a]
        s = (self.stride or self.size)[a]
        return k, s, p, d

    def check_axis(self, a: int, n: int, one_d: bool) -> None:
        """PyTorch's refusals, with the axis named: padding more than half the window, no window."""
        k, s, p, d = self.axis(a)
        name = "" if one_d else (" (rows)", " (columns)")[a]
        limit = (d * (k - 1) + 1) // 2 if self.statistic is PoolType.MAX else k // 2
        if p > limit:
            raise SpecInvalid(f"padding {p}{name} is more than half the window ({limit} at most, as PyTorch requires)",
                              ("padding",))
        if n + 2 * p < d * (k - 1) + 1:
            raise SpecInvalid(f"the pooling window {d * (k - 1) + 1}{name} is larger than the "
                              f"{'padded ' if p else ''}output ({n + 2 * p})", ("size",))

    def out(self, a: int, n: int) -> int:
        k, s, p, d = self.axis(a)
        span = n + 2 * p - d * (k - 1) - 1
        o = (-(-span // s) if self.ceil_mode else span // s) + 1
        if self.ceil_mode and (o - 1) * s >= n + p:
            o -= 1          # the last window would start in the right padding
        return o

    def taps(self, a: int, n: int, o: int) -> tuple[list[int], int]:
        """Window o's input positions (those inside the input) and its divisor along axis a."""
        k, s, p, d = self.axis(a)
        start = o * s - p
        inside = [start + t * d for t in range(k) if 0 <= start + t * d < n]
        with_pad = min(start + k, n + p) - start
        return inside, (with_pad if self.count_include_pad else len(inside))

    def words(self, one_d: bool = False) -> str:
        def pair(v: tuple[int, int]) -> str:
            return f"{v[1]}" if one_d else f"{v[0]}×{v[1]}"

        out = [f"window {pair(self.size)}", f"stride {pair(self.stride or self.size)}"]
        if self.padding != (0, 0):
            out.append(f"padding {pair(self.padding)}")
        if self.dilation != (1, 1):
            out.append(f"dilation {pair(self.dilation)}")
        if self.ceil_mode:
            out.append("the window count rounded up (ceil_mode)")
        if self.divisor_override is not None:
            out.append(f"every window divided by {self.divisor_override} (divisor_override)")
        elif not self.count_include_pad and self.padding != (0, 0):
            out.append("each window divided by its input entries only (count_include_pad: false)")
        return ", ".join(out)


def pool_shape(pool: PoolSpec, shape: tuple[int, ...], one_d: bool) -> tuple[int, int]:
    return (1 if one_d else pool.out(0, shape[0])), pool.out(1, shape[1])


def check_pool(pool: PoolSpec, shape: tuple[int, ...], one_d: bool) -> None:
    if one_d and (pool.size[0] != pool.size[1] or (pool.stride and pool.stride[0] != pool.stride[1])
                  or pool.padding[0] != pool.padding[1] or pool.dilation[0] != pool.dilation[1]):
        raise SpecInvalid("a vector is pooled along one axis: give each size as one number", ("pool",))
    for a in ((1,) if one_d else (0, 1)):
        pool.check_axis(a, shape[a], one_d)
        if any(not pool.taps(a, shape[a], o)[0] for o in range(pool.out(a, shape[a]))):
            raise SpecInvalid("a pooling window would hold only padding (its dilated taps miss the input)",
                              ("pool", "dilation"))


def pool(d: Derivation, p: PoolSpec, A: np.ndarray, cell: R.CellSym, one_d: bool,
         key: Any) -> tuple[np.ndarray, R.CellSym, tuple[str, ...]]:
    """Every window's maximum or mean, each a step; the pooled matrix (or vector)."""
    rows, cols = A.shape
    pr, pc = pool_shape(p, (rows, cols), one_d)
    d.section(Phrase(("Max" if p.statistic is PoolType.MAX else "Average") + " pooling, {w}", w=p.words(one_d)))
    if p.padding != (0, 0):
        d.text("Padding: a padded entry is −∞, so it is never the maximum." if p.statistic is PoolType.MAX else
               ("Padding: a padded entry is 0; each window's sum is divided by " +
                ("divisor_override." if p.divisor_override else
                 "its size within the padded input (count_include_pad: true, PyTorch's default)."
                 if p.count_include_pad else "its entries inside the input (count_include_pad: false).")))
    if p.ceil_mode:
        d.text("ceil_mode: the window count is rounded up, and a last window that would start in the right "
               "padding is dropped; a window running past the input takes its entries inside it.")
    pcell = R.grid("pool", "p", "p", one_d)
    P = np.zeros((pr, pc))
    for i in range(pr):
        r_taps, r_div = ([0], 1) if one_d else p.taps(0, rows, i)
        for j in range(pc):
            c_taps, c_div = p.taps(1, cols, j)
            syms: list[Expr] = [cell(r, q) for r in r_taps for q in c_taps]
            if p.statistic is PoolType.MAX:
                formula: Expr = call("max", *syms) if len(syms) > 1 else syms[0]
                P[i, j] = d.scalar(pcell(i, j), formula)
                continue
            divisor = p.divisor_override or r_div * c_div
            summed = total(syms)
            P[i, j] = d.scalar(pcell(i, j), summed / Num(divisor) if divisor != 1 else summed)
    value = P[0] if one_d else P
    d.given(Sym("P", "p", "p"), value, note="the pooled output", part=WORKED)
    return P, pcell, key(pr, pc)
