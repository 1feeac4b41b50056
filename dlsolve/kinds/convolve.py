"""kind: convolve — a convolution (or cross-correlation) and pooling worked by hand.

Each output element is written as its sum of products with the numbers; a large output shows
the first few in full and the rest as a matrix. Then the activation and the pooling windows
with the value each one picks. A 1-D input also shows the same result as a matrix product
with the Toeplitz matrix of the kernel (the course's view of a difference filter [−1, 1]).

The decoder's operations (dlsolve.kinds.resample): `transpose: true` scatters the kernel instead
of sliding it (PyTorch's conv_transpose2d), `upsample` repeats each input entry into a block
before anything else, and `unpool` puts the max-pooled values back where their maxima were.
Without a kernel the problem is upsampling and/or pooling alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve import notation as N
from dlsolve.activations import ACTIVATIONS, form_conventions
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Expr, MatMul, Mul, Sym, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import resample as R
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import AtLeastOne, BelongsTo, PreparedSpec, frozen
from dlsolve.kinds.convolve_pool import PoolSpec, PoolType, check_pool, pool_shape, pool as pool_windows
from dlsolve.solution import GIVEN, WORKED, Phrase, Solution
from dlsolve.schema import ElementwiseActivation, Tensor3  # field types with a JSON Schema

KIND = "convolve"
# GELU exact or its tanh approximation, where the activation is either: `dlsolve check` solves
# again under the other form and names it
CONVENTIONS = form_conventions(("activation",), lambda s: [ACTIVATIONS[s.activation]] if s.activation else [])
SHOWN_IN_FULL = 6


class UpsampleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(ge=1, le=100,
                      description="each entry becomes a size × size block of the output")
    mode: Literal["nearest"] = Field("nearest", description="nearest: each entry repeated")


class UnpoolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indices_from: Literal["max"] = Field(description="max: the positions of the max pooling's maxima")
    values: Optional[Tensor3] = Field(None,
                                      description="values of the pooled shape to put back (default: the pooled "
                                                  "values)")


MAX_OUTPUT = 10_000  # entries of an output worked by hand (each is a step)
CONV_KEYS = ("stride", "padding", "bias", "activation", "operation", "transpose", "output_padding")


@dataclass(frozen=True)
class Problem:
    """A convolve problem's numbers, checked: the input and kernel as (channels, rows, cols)
    arrays (a 1-D input has one row), and the values max-unpooling puts back."""

    x: np.ndarray                        # the input as given (before any upsampling)
    k: Optional[np.ndarray]              # one kernel per input channel; None: upsampling and/or pooling alone
    one_d: bool                          # the input (and kernel) are vectors
    unpool_values: Optional[np.ndarray]  # unpool.values in the pooled shape; None: the pooled values


class Spec(PreparedSpec[Problem]):
    """kind: convolve — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        BelongsTo("unpool", "pool.type", ("max",),
                  message="max-unpooling needs the positions of a max pooling: add pool: {type: max, …}"),
        *(BelongsTo(key, "kernel", message=f"'{key}' belongs to the convolution: give a kernel" +
                    (" (the pooling window's stride is pool: {stride: …})" if key == "stride" else ""))
          for key in CONV_KEYS),
        AtLeastOne(("kernel", "pool", "upsample"), message="nothing to compute: give a kernel, a pool or an upsample"),
        BelongsTo("operation", "transpose", (False,),
                  message="operation does not apply to a transposed convolution, which scatters the kernel as "
                          "given (PyTorch's conv_transpose2d): remove operation"),
        BelongsTo("output_padding", "transpose", (True,),
                  message="output_padding belongs to a transposed convolution (transpose: true)"),
    )
    kind: Literal["convolve"]
    title: Optional[str] = None
    input: Tensor3 = Field(
        description="the input: a list (1-D), a matrix (one channel), or a list of channel matrices")
    kernel: Optional[Tensor3] = Field(None,
                                      description="the kernel (one per input channel); may be left out for upsampling"
                                                  " and/or pooling alone")
    stride: int = Field(default=1, ge=1, description="s, the step of the kernel (default 1)")
    padding: int = Field(default=0, ge=0, description="p, zeros added on every side (default 0)")
    bias: float = Field(0.0, description="b, added to every output entry (default 0)")
    activation: Optional[ElementwiseActivation] = Field(None,
                                                        description="the activation applied entry by entry after the "
                                                                    "convolution (none by default)")
    operation: Literal["cross_correlation", "convolution"] = Field("cross_correlation",
                                                                   description="cross_correlation (what CNN libraries "
                                                                               "compute, the default) or convolution "
                                                                               "(the kernel flipped)")
    transpose: bool = Field(False,
                            description="the transposed convolution, as PyTorch's conv_transpose2d: every input entry"
                                        " scatters input × kernel")
    output_padding: int = Field(default=0, ge=0,
                                description="with transpose: extra rows/columns at the bottom and right (smaller than"
                                            " the stride)")
    upsample: Optional[UpsampleSpec] = Field(None,
                                             description="{size: 2, mode: nearest}: each input entry repeated into a "
                                                         "size × size block first")
    pool: Optional[PoolSpec] = Field(None,
                                     description="pooling after the activation: {type: max|avg, size, stride, "
                                                 "padding, …}")
    unpool: Optional[UnpoolSpec] = Field(None,
                                         description="{indices_from: max}: each pooled value goes back to the "
                                                     "position of its window's maximum")

    def prepare(self) -> Problem:
        given, one_d = _tensor3(self.input, ("input",))
        x = given
        if self.upsample is not None:
            if x.shape[0] > 1:
                raise SpecInvalid("upsampling works on one channel (a vector or a matrix)", ("upsample",))
            x = np.repeat(x, self.upsample.size, axis=2)
            if not one_d:
                x = np.repeat(x, self.upsample.size, axis=1)
        k = None
        if self.kernel is None:
            if x.shape[0] > 1:
                raise SpecInvalid("pooling without a kernel works on one channel (a vector or a matrix)", ("input",))
            out = x.shape[1], x.shape[2]
        else:
            k = self._check_kernel(x, one_d)
            out = self._out_shape(x, k, one_d)
        if self.pool is not None:
            try:
                check_pool(self.pool, out, one_d)
            except SpecInvalid as e:
                raise SpecInvalid(e.message, ("pool",) + tuple(k for k in e.subpath if k != "pool")) from None
        unpool_values = None
        if self.unpool is not None:
            unpool_values = self._check_unpool(out, one_d)
        return Problem(frozen(given), None if k is None else frozen(k), one_d,
                       None if unpool_values is None else frozen(unpool_values))

    def _check_kernel(self, x: np.ndarray, one_d: bool) -> np.ndarray:
        k, k1 = _tensor3(self.kernel, ("kernel",))
        if k1 != one_d:
            raise SpecInvalid("the kernel must have the input's dimensions (1-D with 1-D)", ("kernel",))
        if k.shape[0] == 1 and x.shape[0] > 1:
            raise SpecInvalid(f"the input has {x.shape[0]} channels: give one kernel per channel", ("kernel",))
        if k.shape[0] != x.shape[0]:
            raise SpecInvalid(f"expected one kernel per input channel ({x.shape[0]}), got {k.shape[0]}", ("kernel",))
        return k

    def _out_shape(self, x: np.ndarray, k: np.ndarray, one_d: bool) -> tuple[int, int]:
        """The convolution's output shape, refused when it is empty or too large to work by hand."""
        p = self.padding
        if self.transpose:
            if self.output_padding >= self.stride:
                raise SpecInvalid(f"output_padding must be smaller than the stride ({self.stride}), "
                                  f"got {self.output_padding}", ("output_padding",))
            rows, cols = R.transposed_shape(x.shape[1], x.shape[2], k.shape[1], k.shape[2], self.stride, p,
                                            self.output_padding, one_d)
            if rows < 1 or cols < 1:
                raise SpecInvalid(f"padding {p} crops away the whole output ((n − 1)·s + k is only "
                                  f"{(x.shape[2] - 1) * self.stride + k.shape[2] + self.output_padding})", ("padding",))
            if rows * cols > MAX_OUTPUT:
                raise SpecInvalid(f"the output would be {rows} × {cols}: at most {MAX_OUTPUT:,} entries are worked "
                                  "by hand", ("stride",))
            return rows, cols
        for a, name in ((1, "height"), (2, "width")):
            if k.shape[a] > x.shape[a] + (0 if one_d and a == 1 else 2 * p):
                raise SpecInvalid(f"the kernel's {name} {k.shape[a]} is larger than the padded input's "
                                  f"{x.shape[a] + (0 if one_d and a == 1 else 2 * p)}", ("kernel",))
        rows, cols = _out_shape(x.shape, k.shape, self.stride, p, one_d)
        if rows * cols > MAX_OUTPUT:  # a huge padding: every output entry is a worked step
            raise SpecInvalid(f"the output would be {rows:,} × {cols:,}: at most {MAX_OUTPUT:,} entries are worked "
                              "by hand", ("padding",))
        return rows, cols

    def _check_unpool(self, out: tuple[int, int], one_d: bool) -> Optional[np.ndarray]:
        """The values put back (None: the pooled ones), after the window checks max-unpooling needs."""
        pool, unpool = self.pool, self.unpool
        assert pool is not None and unpool is not None   # RULES: unpool belongs to a max pool
        stride = pool.stride or pool.size
        if stride[0] < pool.size[0] or stride[1] < pool.size[1]:
            raise SpecInvalid("max-unpooling needs windows that do not overlap (pool stride ≥ size)", ("unpool",))
        if pool.size[0] != pool.size[1] or stride[0] != stride[1] or pool.padding != (0, 0) \
                or pool.dilation != (1, 1) or pool.ceil_mode:
            raise SpecInvalid("max-unpooling takes a square window and stride, with no padding, dilation or "
                              "ceil_mode", ("unpool",))
        if unpool.values is None:
            return None
        shape = pool_shape(pool, out, one_d)
        v, v1 = _tensor3(unpool.values, ("unpool", "values"))
        if v1 != one_d or v.shape[0] != 1 or v.shape[1:] != shape:
            want = f"{shape[1]} values" if one_d else f"{shape[0]}×{shape[1]}"
            raise SpecInvalid(f"expected the pooled output's shape ({want})", ("unpool", "values"))
        put_back: np.ndarray = v[0]
        return put_back


def _tensor3(value: Any, path: tuple[str | int, ...]) -> tuple[np.ndarray, bool]:
    """(channels, rows, cols) from a vector, a matrix, or a list of channel matrices."""
    if isinstance(value, list) and value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list):
        chans = [V.matrix(c, path + (i,)) for i, c in enumerate(value)]
        for i, c in enumerate(chans):
            if c.shape != chans[0].shape:
                raise SpecInvalid(f"channel {i + 1} is {c.shape[0]}×{c.shape[1]}, channel 1 is "
                                  f"{chans[0].shape[0]}×{chans[0].shape[1]}", path + (i,))
        return np.stack(chans), False
    if isinstance(value, list) and value and isinstance(value[0], list):
        return V.matrix(value, path)[None, :, :], False
    return V.vector(value, path, scalar_ok=False)[None, None, :], True


def _out_shape(xs: tuple[int, ...], ks: tuple[int, ...], s: int, p: int, one_d: bool) -> tuple[int, int]:
    rows = 1 if one_d else (xs[1] + 2 * p - ks[1]) // s + 1
    cols = (xs[2] + 2 * p - ks[2]) // s + 1
    return rows, cols


def _grid_keys(name: str, rows: int, cols: int, one_d: bool) -> tuple[str, ...]:
    """The keys of a grid of entries named like `_sym(name, …)`, row by row (an answer's steps)."""
    return tuple(_sym(name, name, name, *((j + 1,) if one_d else (i + 1, j + 1))).key
                 for i in range(rows) for j in range(cols))


def _sym(name: str, uni: str, tex: str, *idx: int) -> Sym:
    return N.quantity(name, uni, tex, tuple(idx))


def _channel_sym(sym: Sym, c: int, C: int) -> Sym:
    return Sym(sym.key + f"c{c}", sym.uni + f"^({c})", sym.tex + f"^{{({c})}}") if C > 1 else sym


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    problem = spec.problem
    x, one_d = problem.x, problem.one_d
    C = x.shape[0]
    k = problem.k
    p = 0 if spec.transpose else spec.padding   # a transposed convolution crops instead of padding
    if k is not None:
        d.convention("transposed convolution: each input entry scatters input × kernel (the kernel as given), "
                     "the overlaps summed, then padding cropped (PyTorch's conv_transpose2d)" if spec.transpose else
                     "cross-correlation: y = Σ x·k with the kernel as given (what deep-learning frameworks compute)"
                     if spec.operation == "cross_correlation" else
                     "convolution: the kernel is flipped (rotated 180°) first, then slid over the input")
    d.convention("indices are 1-based; x̃ is the padded input" if p else "indices are 1-based")
    d.section("Given")
    d.given(Sym("X", "x", "x"), x[0, 0] if one_d else (x[0] if C == 1 else x),
            note=Phrase("the input ({c:int} channels)", c=C) if C > 1 else "the input")
    xcell = R.grid("x", "x", "x", one_d)
    if k is not None:
        d.given(Sym("K", "k", "k"), k[0, 0] if one_d else (k[0] if C == 1 else k), note="the kernel")
    _operations(d, spec, k is not None)
    cell = xcell
    if spec.upsample is not None or k is None:
        for r in range(x.shape[1]):
            for q in range(x.shape[2]):
                d.bind(xcell(r, q), float(x[0, r, q]))
    if spec.upsample is not None:
        U, cell = R.upsample(d, x[0], spec.upsample.size, xcell, one_d)
        x = U[None]
    current, name = x[0], cell
    if k is not None:
        if spec.transpose:
            Y, keys, ycell = _transposed(d, spec, x, k, cell)
        else:
            Y, keys, ycell = _slide(d, spec, x, k, cell)
        current, name = _activation(d, spec, Y, ycell, keys)
    if spec.pool is not None:
        P, pcell = _pool(d, spec, current, name, one_d)
        if spec.unpool is not None:
            pool = spec.pool
            R.unpool(d, current, name, P, pcell, pool.size[1], (pool.stride or pool.size)[1], one_d,
                     problem.unpool_values)
    return d.solution(KIND, spec.title)


def _operations(d: Derivation, spec: Spec, kernel: bool) -> None:
    """What the problem does to the input, in order, as the exam states it (stride, padding,
    activation, pool size): the question sheet needs these, the working only implies them."""
    ops: list[str] = []
    values: dict[str, object] = {}
    if spec.upsample is not None:
        ops.append("nearest-neighbour upsampling by {up:int}")
        values["up"] = spec.upsample.size
    if kernel:
        what = "transposed convolution" if spec.transpose else (
            "cross-correlation" if spec.operation == "cross_correlation" else "convolution")
        extra = ", output padding {op:int}" if spec.transpose and spec.output_padding else ""
        ops.append(what + " with stride {s:int} and padding {p:int}" + extra)
        values.update(s=spec.stride, p=spec.padding, op=spec.output_padding)
    if spec.activation and not ACTIVATIONS[spec.activation].identity:
        ops.append("the activation " + ACTIVATIONS[spec.activation].title)
    if spec.pool is not None:
        ops.append(("max" if spec.pool.statistic is PoolType.MAX else "average") + " pooling with "
                   + spec.pool.words(spec.problem.one_d))
        if spec.unpool is not None:
            ops.append("max-unpooling back to the pooled input's shape")
    if ops:
        template = "Apply, in order: " + "; then ".join(ops) + "."
        used = {k: v for k, v in values.items() if "{" + k + ":" in template}
        d.text(Phrase(template, **used) if used else template, part=GIVEN)


def _transposed(d: Derivation, spec: Spec, x: np.ndarray, k: np.ndarray,
                cell: R.CellSym) -> tuple[np.ndarray, tuple[str, ...], R.CellSym]:
    C, one_d = x.shape[0], spec.problem.one_d
    bias = None
    if spec.bias:
        bias = Sym("b", "b", "b")
        d.given(bias, spec.bias)

    def xs(c: int, r: int, q: int) -> Sym:
        return _channel_sym(cell(r - 1, q - 1), c, C)

    def ks(c: int, u: int, v: int) -> Sym:
        return _channel_sym(_sym("k", "k", "k", *((v,) if one_d else (u, v))), c, C)

    kernels = []
    for c in range(C):
        if spec.upsample is None:   # (upsampled entries are steps of their own)
            for r in range(x.shape[1]):
                for q in range(x.shape[2]):
                    d.bind(xs(c + 1, r + 1, q + 1), float(x[c, r, q]))
        for u in range(k.shape[1]):
            for v in range(k.shape[2]):
                d.bind(ks(c + 1, u + 1, v + 1), float(k[c, u, v]))
        kc = _channel_sym(Sym("K", "k", "k"), c + 1, C)
        if C > 1:
            d.bind(kc, k[c, 0] if one_d else k[c])
        kernels.append(kc)
    Y, keys = R.transposed(d, x, k, xs, ks, kernels, spec.stride, spec.padding, spec.output_padding, bias, one_d)
    rows, cols = Y.shape
    out_value = Y[0] if one_d else Y
    ycell = R.grid("y", "y", "y", one_d) if (spec.padding or bias is not None) else R.grid("z", "z", "z", one_d)
    d.given(Sym("Y", "y", "y"), out_value, note=Phrase("the output: (n − 1)·s − 2p + k + output_padding = {n:int}",
                                                      n=cols), part=WORKED)
    d.answer("output", out_value.tolist(), "the transposed convolution output", keys=keys)
    return Y, keys, ycell


def _slide(d: Derivation, spec: Spec, x: np.ndarray, k: np.ndarray,
           cell: R.CellSym) -> tuple[np.ndarray, tuple[str, ...], R.CellSym]:
    s, p, one_d = spec.stride, spec.padding, spec.problem.one_d
    C = x.shape[0]
    if spec.operation == "convolution":
        k = k[:, ::-1, ::-1].copy()
        d.given(Sym("Kf", "k (flipped)", r"k_{\text{flipped}}"), k[0, 0] if one_d else (k[0] if C == 1 else k),
                note="rotated by 180° for a true convolution", part=WORKED)
    xp = np.pad(x, ((0, 0), (0, 0) if one_d else (p, p), (p, p)))
    if p:
        d.given(Sym("Xp", "x̃", r"\tilde{x}"), xp[0, 0] if one_d else (xp[0] if C == 1 else xp),
                note=Phrase("the input with {p:int} ring(s) of zeros", p=p), part=WORKED)
    bias = Sym("b", "b", "b")
    d.given(bias, spec.bias) if spec.bias else d.bind(bias, 0.0)

    def xs(c: int, r: int, q: int) -> Sym:
        if not p:
            return _channel_sym(cell(r - 1, q - 1), c, C)
        return _channel_sym(_sym("xp", "x̃", r"\tilde{x}", *((q,) if one_d else (r, q))), c, C)

    def ks(c: int, u: int, v: int) -> Sym:
        return _channel_sym(_sym("k", "k", "k", *((v,) if one_d else (u, v))), c, C)

    for c in range(C):
        if p or spec.upsample is None:
            for r in range(xp.shape[1]):
                for q in range(xp.shape[2]):
                    d.bind(xs(c + 1, r + 1, q + 1), float(xp[c, r, q]))
        for u in range(k.shape[1]):
            for v in range(k.shape[2]):
                d.bind(ks(c + 1, u + 1, v + 1), float(k[c, u, v]))
    rows, cols = _out_shape(x.shape, k.shape, s, p, one_d)
    d.section("Output, element by element")
    d.text("The kernel slides with stride {s:int}; the output has {c:int} entries." if one_d else
           "The kernel slides with stride {s:int}; the output is {r:int}×{c:int}.", s=s, r=rows, c=cols)
    Y = np.zeros((rows, cols))
    count = 0
    record_all = rows * cols <= SHOWN_IN_FULL
    for i in range(rows):
        for j in range(cols):
            terms: list[Expr] = []
            for c in range(C):
                for u in range(k.shape[1]):
                    for v in range(k.shape[2]):
                        terms.append(Mul.of(xs(c + 1, i * s + u + 1, j * s + v + 1), ks(c + 1, u + 1, v + 1)))
            formula = Add.of(*terms, bias) if spec.bias else total(terms)
            y = _sym("y", "y", "y", *((j + 1,) if one_d else (i + 1, j + 1)))
            d.record = True if (record_all or count < SHOWN_IN_FULL) else (lambda _s: False)
            Y[i, j] = d.scalar(y, formula)
            count += 1
    d.record = True
    out_value = Y[0] if one_d else Y
    if not record_all:
        d.text("The first {n:int} are written out; the others are computed the same way.", n=SHOWN_IN_FULL)
    d.given(Sym("Y", "y", "y"), out_value, note="the output", part=WORKED)
    keys = _grid_keys("y", rows, cols, one_d)
    d.answer("output", out_value.tolist(), "the convolution output", keys=keys)
    if one_d and spec.upsample is None:
        _toeplitz(d, xp[0, 0], k[0, 0], s, spec.bias, p)
    return Y, keys, R.grid("y", "y", "y", one_d)


def _activation(d: Derivation, spec: Spec, Y: np.ndarray, ycell: R.CellSym,
                keys: tuple[str, ...]) -> tuple[np.ndarray, R.CellSym]:
    if not spec.activation or ACTIVATIONS[spec.activation].identity:
        return Y, ycell
    one_d = spec.problem.one_d
    rows, cols = Y.shape
    record_all = rows * cols <= SHOWN_IN_FULL
    act = ACTIVATIONS[spec.activation]
    params = dict(act.params)
    d.section(f"Activation: {act.title}")
    text = act.convention_text(params)
    if text:  # which GELU, SELU's constants
        d.convention(text)
    A = np.zeros_like(Y)
    shown = 0
    for i in range(rows):
        for j in range(cols):
            idx = (j + 1,) if one_d else (i + 1, j + 1)
            forms = act.forms(ycell(i, j), params)
            d.record = True if shown < SHOWN_IN_FULL or record_all else (lambda _s: False)
            A[i, j] = d.scalar(_sym("a", "a", "a", *idx), *forms)
            shown += 1
    d.record = True
    d.given(Sym("A", "a", "a"), A[0] if one_d else A, note="after the activation", part=WORKED)
    d.answer("activated", (A[0] if one_d else A).tolist(), "after the activation",
             keys=_grid_keys("a", rows, cols, one_d))
    return A, R.grid("a", "a", "a", one_d)


def _toeplitz(d: Derivation, xp: np.ndarray, k: np.ndarray, s: int, b: float, p: int) -> None:
    """y = T·x̃: row i of T holds the kernel starting at column i·s."""
    n, m = len(xp), len(k)
    out = (n - m) // s + 1
    T = np.zeros((out, n))
    for i in range(out):
        T[i, i * s:i * s + m] = k
    d.section("The same as a matrix product")
    d.given(Sym("T", "T", "T"), T, note="the kernel's Toeplitz matrix: each row is the kernel shifted by the stride",
            part=WORKED)
    xv = Sym("xpv", "x̃" if p else "x", r"\tilde{x}" if p else "x")
    d.bind(xv, xp)
    Tsym = Sym("T", "T", "T")
    y2 = Sym("yT", "y", "y")
    d.bind(Sym("bT", "b", "b"), b)
    d.derive(y2, MatMul(Tsym, xv) + Sym("bT", "b", "b") if b else MatMul(Tsym, xv),
             note="the same numbers as above: a 1-D convolution is a matrix product")


def _pool(d: Derivation, spec: Spec, A: np.ndarray, cell: R.CellSym,
          one_d: bool) -> tuple[np.ndarray, R.CellSym]:
    assert spec.pool is not None
    P, pcell, keys = pool_windows(d, spec.pool, A, cell, one_d, lambda r, c: _grid_keys("pool", r, c, one_d))
    d.answer("pooled", (P[0] if one_d else P).tolist(), "after pooling", keys=keys)
    return P, pcell
