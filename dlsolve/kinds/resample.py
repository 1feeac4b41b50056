"""The decoder side of a CNN by hand, for kind: convolve: the transposed convolution (scatter,
sum the overlaps, crop), nearest-neighbour upsampling and max-unpooling.

A transposed convolution is what PyTorch's conv_transpose2d computes: every input entry x_ab
multiplies the whole kernel (as given, not flipped) and the product is added into the output with
its corner at ((a − 1)·s + 1, (b − 1)·s + 1); where the blocks overlap, they are summed. The full
result has (H − 1)·s + k rows (plus output_padding at the bottom and right), and `padding` rows and
columns are then cropped from each side: H_out = (H − 1)·s − 2p + k + output_padding.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.expr import Expr, Mul, Num, Sym, total
from dlsolve.solution import GIVEN, WORKED, Cell, Phrase

SHOWN = 6
CellSym = Callable[[int, int], Sym]   # (row, col), 0-based → the symbol of that entry


def grid(name: str, uni: str, tex: str, one_d: bool) -> CellSym:
    """Symbols of a grid's entries: y₁₂ for row 1, column 2 (y₂ for entry 2 of a 1-D signal)."""
    return lambda i, j: N.quantity(name, uni, tex, (j + 1,) if one_d else (i + 1, j + 1))


def grid_keys(cell: CellSym, rows: int, cols: int) -> tuple[str, ...]:
    return tuple(cell(i, j).key for i in range(rows) for j in range(cols))


def _shown(count: int) -> bool | Callable[[Sym], bool]:
    return True if count < SHOWN else (lambda _s: False)


def transposed_shape(h: int, w: int, kh: int, kw: int, s: int, p: int, op: int, one_d: bool) -> tuple[int, int]:
    rows = 1 if one_d else (h - 1) * s - 2 * p + kh + op
    return rows, (w - 1) * s - 2 * p + kw + op


def transposed(d: Derivation, x: np.ndarray, k: np.ndarray, xs: Callable[[int, int, int], Sym],
               ks: Callable[[int, int, int], Sym], kernels: list[Sym], stride: int, padding: int,
               output_padding: int, bias: Optional[Sym], one_d: bool) -> tuple[np.ndarray, tuple[str, ...]]:
    """Scatter, sum, crop; returns the output and the keys of the steps that produce its entries.

    x is (C, H, W) and k is (C, kh, kw); xs(c, a, b) and ks(c, u, v) (1-based) are the bound symbols
    of their entries and kernels[c] the symbol of channel c's kernel matrix.
    """
    C, H, W = x.shape
    kh, kw = k.shape[1:]
    s, p, op = stride, padding, output_padding
    full_r = 1 if one_d else (H - 1) * s + kh + op
    full_c = (W - 1) * s + kw + op
    d.section("Transposed convolution: scatter")
    d.text("Each input entry multiplies the whole kernel (as given, not flipped: PyTorch's "
           "conv_transpose2d) and the block is added into the output with its corner moved {s:int} "
           "place(s) per input step.", s=s)
    count = 0
    for c in range(C):
        for a in range(H):
            for b in range(W):
                d.record = _shown(count)
                r0, c0 = a * s, b * s
                idx = (b + 1,) if one_d else (a + 1, b + 1)
                block = Sym(f"scatter_{c + 1}_" + "_".join(map(str, idx)), f"{xs(c + 1, a + 1, b + 1).uni}·k",
                            xs(c + 1, a + 1, b + 1).tex + r" \cdot k")
                if C > 1:
                    block = Sym(block.key, block.uni + f"^({c + 1})", block.tex + f"^{{({c + 1})}}")
                where = (Phrase("added at entries {c0:int}–{c1:int}", c0=c0 + 1, c1=c0 + kw) if one_d else
                         Phrase("added at rows {r0:int}–{r1:int}, columns {c0:int}–{c1:int}",
                                r0=r0 + 1, r1=r0 + kh, c0=c0 + 1, c1=c0 + kw))
                d.derive(block, Mul.of(xs(c + 1, a + 1, b + 1), kernels[c]), note=where)
                count += 1
    d.record = True
    if count > SHOWN:
        d.text("The first {n:int} blocks are written out; the others are formed the same way.", n=SHOWN)
    d.section("Transposed convolution: sum of the overlaps")
    d.text("Each entry of the full output is the sum of the products that land on it: z = Σ x·k over the "
           "input entries a and kernel entries u with (a − 1)·s + u at that place.")
    z = grid("z", "z", "z", one_d)
    Z = np.zeros((full_r, full_c))
    count = 0
    for i in range(full_r):
        for j in range(full_c):
            terms: list[Expr] = []
            for c in range(C):
                for a in range(H):
                    for b in range(W):
                        u, v = i - a * s, j - b * s
                        if 0 <= u < kh and 0 <= v < kw:
                            terms.append(Mul.of(xs(c + 1, a + 1, b + 1), ks(c + 1, u + 1, v + 1)))
            formula: Expr = total(terms)
            d.record = _shown(count)
            Z[i, j] = d.scalar(z(i, j), formula,
                               note=None if terms else "no block reaches this entry (output_padding)")
            count += 1
    d.record = True
    if count > SHOWN:
        d.text("The first {n:int} are written out; the others are computed the same way.", n=SHOWN)
    d.given(Sym("Z", "z", "z"), Z[0] if one_d else Z, note=Phrase(
        "the full output before cropping: {n:int} entries" if one_d else
        "the full output before cropping: {r:int}×{n:int}", r=full_r, n=full_c), part=WORKED)
    if not p and bias is None:
        return Z, grid_keys(z, full_r, full_c)
    rows, cols = transposed_shape(H, W, kh, kw, s, p, op, one_d)
    d.section("Transposed convolution: crop" + (" and bias" if bias is not None else "") if p else "Bias")
    if p:
        d.text("padding = {p:int} removes {p:int} row(s) and column(s) from each side of the full output "
               "(output_padding adds back at the bottom and right).", p=p)
    y = grid("y", "y", "y", one_d)
    Y = np.zeros((rows, cols))
    count = 0
    for i in range(rows):
        for j in range(cols):
            src: Expr = z(i if one_d else i + p, j + p)
            d.record = _shown(count)
            Y[i, j] = d.scalar(y(i, j), src + bias if bias is not None else src)
            count += 1
    d.record = True
    return Y, grid_keys(y, rows, cols)


def upsample(d: Derivation, x: np.ndarray, size: int, xs: CellSym, one_d: bool) -> tuple[np.ndarray, CellSym]:
    """Nearest neighbour: each entry repeated into a size × size block (size entries in 1-D)."""
    rows, cols = (1 if one_d else x.shape[0] * size), x.shape[1] * size
    d.section("Nearest-neighbour upsampling")
    d.text("Each entry is copied into a {n:int}×{n:int} block: u_ij = x at row ⌈i/{n:int}⌉, column ⌈j/{n:int}⌉."
           if not one_d else "Each entry is copied {n:int} times: u_j = x at ⌈j/{n:int}⌉.", n=size)
    u = grid("u", "u", "u", one_d)
    U = np.zeros((rows, cols))
    count = 0
    for i in range(rows):
        for j in range(cols):
            d.record = _shown(count)
            U[i, j] = d.scalar(u(i, j), xs(i // size, j // size))
            count += 1
    d.record = True
    if count > SHOWN:
        d.text("The first {n:int} are written out; the others are copied the same way.", n=SHOWN)
    d.given(Sym("U", "u", "u"), U[0] if one_d else U, note="the upsampled input", part=WORKED)
    d.answer("upsampled", (U[0] if one_d else U).tolist(), "after nearest-neighbour upsampling",
             keys=grid_keys(u, rows, cols))
    return U, u


def unpool(d: Derivation, pre: np.ndarray, pre_sym: CellSym, pooled: np.ndarray, pooled_sym: CellSym,
           size: int, stride: int, one_d: bool, placed: Optional[np.ndarray] = None) -> None:
    """Max-unpooling: each pooled value goes back where its window's maximum was; zeros elsewhere.

    `placed` (optional) are other values of the pooled shape to put there (a decoder's values);
    ties go to the first maximum in reading order, as PyTorch's max_pool2d indices.
    """
    rows, cols = pre.shape
    pr, pc = pooled.shape
    d.section("Max-unpooling")
    d.text("Each window's maximum position, remembered by the max pooling (ties: the first in reading order, "
           "as PyTorch's indices), receives the value back; every other entry is 0. The output has the "
           "pooled input's shape.")
    src = pooled_sym
    if placed is not None:
        src = grid("unpool_in", "v", "v", one_d)
        d.given(Sym("Vin", "v", "v"), placed[0] if one_d else placed, note="the values to unpool", part=GIVEN)
        for i in range(pr):
            for j in range(pc):
                d.bind(src(i, j), float(placed[i, j]))
    where: dict[tuple[int, int], tuple[int, int]] = {}
    table: list[list[Cell]] = []
    for a in range(pr):
        for b in range(pc):
            r0, c0 = (0 if one_d else a * stride), b * stride
            window = pre[r0:r0 + (1 if one_d else size), c0:c0 + size]
            flat = int(np.argmax(window))          # the first maximum in reading order
            r, c = r0 + flat // window.shape[1], c0 + flat % window.shape[1]
            where[(r, c)] = (a, b)
            table.append(["(" + (f"{b + 1}" if one_d else f"{a + 1}, {b + 1}") + ")",
                          pre_sym(r, c).uni, float(pre[r, c])])
    d.table(["window", "maximum at", "value"], table)
    out = grid("unpooled", "û", r"\hat{u}", one_d)
    placed_keys = {out(r, c).key for r, c in where}
    d.record = lambda sym: sym.key in placed_keys  # noqa: E731  (the zeros are computed, not shown)
    U = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            U[i, j] = d.scalar(out(i, j), src(*where[(i, j)]) if (i, j) in where else Num(0))
    d.record = True
    d.given(Sym("Uun", "û", r"\hat{u}"), U[0] if one_d else U, note="the unpooled output (zeros elsewhere)",
            part=WORKED)
    d.answer("unpooled", (U[0] if one_d else U).tolist(), "after max-unpooling", keys=grid_keys(out, rows, cols))
