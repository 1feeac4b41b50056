"""The sliding-window output size, shared by convolution, transposed convolution and pooling.

Per spatial axis: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈·⌉ with ceil_mode, one fewer when the last
window would start in the right padding, as PyTorch), 'same' as TensorFlow
(⌈n/s⌉) or as the course notes (p = ⌊d(k − 1)/2⌋ on each side), and for a transposed
convolution (n − 1)·s − 2p + d(k − 1) + output_padding + 1 ('same': n·s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from dlsolve.expr import Expr, Num, Sym, call
from dlsolve.kinds.architecture.base import Context
from dlsolve.kinds.architecture.fields import PaddingValue
from dlsolve.solution import Phrase, Prose

Padding = PaddingValue


@dataclass(frozen=True)
class Window:
    """One window per layer: sizes per axis (one entry for 1-D, two for 2-D)."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: Padding
    ceil_mode: bool = False
    transpose: bool = False
    output_padding: tuple[int, ...] = (0, 0)

    @property
    def n_spatial(self) -> int:
        return len(self.kernel)


def check_input(c: Context, n_spatial: int, name: str) -> None:
    """A windowed layer needs (length, channels) or (height, width, channels)."""
    if c.rank != n_spatial + 1:
        want = "(length, channels)" if n_spatial == 1 else "(height, width, channels)"
        raise c.fail(f"{name} needs a {n_spatial + 1}-D input {want}, got {c.show(c.shape)}")


def _pad(padding: Padding, a: int) -> int:
    return 0 if isinstance(padding, str) else padding[a]  # a string here is "valid" ("same" is worked out before)


def axis_formula(c: Context, w: Window, a: int) -> tuple[Expr, Optional[Prose]]:
    """The output size along spatial axis a, and the note that goes with it."""
    label = ["H", "W"][a] if w.n_spatial == 2 else "L"
    n_sym, n = c.dims[a], c.shape[a]
    k, s, d = w.kernel[a], w.stride[a], w.dilation[a]
    kk, ss, dd = c.const(f"k{label}", "k", k), c.const(f"s{label}", "s", s), c.const(f"d{label}", "d", d)
    eff = d * (k - 1) + 1
    if w.transpose:
        if w.padding == "same":
            return n_sym * ss, "'same' transposed convolution: out = n·s (TensorFlow)"
        pp = c.const(f"p{label}", "p", _pad(w.padding, a))
        op = c.const(f"op{label}", "output_padding", w.output_padding[a])
        return (n_sym - Num(1)) * ss - Num(2) * pp + dd * (kk - Num(1)) + op + Num(1), None
    note: Optional[Prose] = None
    if w.padding == "same" and c.tensorflow_same:
        mine = -(-n // s)
        other = (n + 2 * ((eff - 1) // 2) - eff) // s + 1
        total = max((mine - 1) * s + eff - n, 0)
        template = "'same' as TensorFlow: out = ⌈n/s⌉; total padding {total:int} ({before:int} before, {after:int} after)"
        if other != mine:
            template += "; the symmetric convention p = ⌊(k − 1)/2⌋ on each side would give {other:int}"
        return call("ceil", n_sym / ss), Phrase(template, total=total, before=total // 2, after=total - total // 2,
                                                 other=other)
    if w.padding == "same":
        p_val = (eff - 1) // 2
        pp = c.const(f"p{label}", "p", p_val)
        c.d.derive(Sym(f"pcalc{label}{c.l}", "p", "p"), call("floor", (dd * (kk - Num(1))) / Num(2)),
                   note="'same' as the course notes: p = d(k − 1)/2 on each side" +
                        ("; an even kernel makes that a half, so ⌊·⌋ is used (PyTorch's "
                         "padding = (k − 1)//2)" if (eff - 1) % 2 else ""))
        mine = (n + 2 * p_val - eff) // s + 1
        tf = -(-n // s)
        if mine != tf:
            note = Phrase("TensorFlow's 'same' (⌈n/s⌉, padding split unevenly) would give {tf:int}", tf=tf)
    else:
        pp = c.const(f"p{label}", "p", _pad(w.padding, a))
    rnd = "ceil" if w.ceil_mode else "floor"
    p_val = (eff - 1) // 2 if w.padding == "same" else _pad(w.padding, a)
    windows = -(-(n + 2 * p_val - eff) // s) + 1
    one = Num(1)
    if w.ceil_mode and (windows - 1) * s >= n + p_val:
        one = Num(0)     # PyTorch drops a last window that would start in the right padding
        note = "ceil_mode: the last window would start in the right padding, so it is dropped (PyTorch)"
    inner = (n_sym + Num(2) * pp - kk) / ss if d == 1 else (n_sym + Num(2) * pp - dd * (kk - Num(1)) - Num(1)) / ss
    return (call(rnd, inner) + one if one.value else call(rnd, inner)), note


def window_shape(c: Context, w: Window, channels: Expr, channels_note: Prose) -> None:
    """Derive the spatial sizes, then the channels; refuse a window larger than its input."""
    formulas, notes = zip(*(axis_formula(c, w, a) for a in range(w.n_spatial)))
    out = c.out(list(formulas) + [channels], list(notes) + [channels_note])
    for a, v in enumerate(out[:-1]):
        if v < 1:
            what = ["height", "width"][a] if w.n_spatial == 2 else "length"
            raise c.fail(f"the output {what} would be {v}: the kernel (or window) is larger than the padded "
                         f"input {c.shape[a]}")


def pad_before(c: Context, w: Window, a: int) -> tuple[int, bool]:
    """The zeros before the first input position along axis a, and whether TensorFlow's 'same'
    chose them (total ⌈n/s⌉-padding split, the odd one after): where the first window starts."""
    eff = w.dilation[a] * (w.kernel[a] - 1) + 1
    if w.padding == "same" and c.tensorflow_same:
        n, s = c.shape[a], w.stride[a]
        total = max((-(-n // s) - 1) * s + eff - n, 0)
        return total // 2, True
    if w.padding == "same":
        return (eff - 1) // 2, False
    return _pad(w.padding, a), False
