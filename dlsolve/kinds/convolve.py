"""kind: convolve — a convolution (or cross-correlation) and pooling worked by hand.

Each output element is written as its sum of products with the numbers; a large output shows
the first few in full and the rest as a matrix. Then the activation and the pooling windows
with the value each one picks. A 1-D input also shows the same result as a matrix product
with the Toeplitz matrix of the kernel (the course's view of a difference filter [−1, 1]).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlsolve import notation as N
from dlsolve.activations import ACTIVATIONS
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.expr import Add, Expr, MatMul, Mul, Num, Sym, call
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.solution import Solution

KIND = "convolve"
SHOWN_IN_FULL = 6
ACTS = ("linear", "relu", "sigmoid", "tanh", "leaky_relu")


class PoolSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["max", "avg"] = "max"
    size: int = Field(ge=1)
    stride: Optional[int] = Field(default=None, ge=1)


class Spec(BaseModel):
    """kind: convolve — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["convolve"]
    title: Optional[str] = None
    input: Any
    kernel: Any
    stride: int = Field(default=1, ge=1)
    padding: int = Field(default=0, ge=0)
    bias: float = 0.0
    activation: Optional[str] = None
    operation: Literal["cross_correlation", "convolution"] = "cross_correlation"
    pool: Optional[PoolSpec] = None

    _x: np.ndarray   # (channels, rows, cols); 1-D inputs have rows = 1
    _k: np.ndarray
    _one_d: bool

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        x, self._one_d = _tensor3(self.input, ("input",))
        k, k1 = _tensor3(self.kernel, ("kernel",))
        if k1 != self._one_d:
            raise SpecInvalid("the kernel must have the input's dimensions (1-D with 1-D)", ("kernel",))
        if k.shape[0] == 1 and x.shape[0] > 1:
            raise SpecInvalid(f"the input has {x.shape[0]} channels: give one kernel per channel", ("kernel",))
        if k.shape[0] != x.shape[0]:
            raise SpecInvalid(f"expected one kernel per input channel ({x.shape[0]}), got {k.shape[0]}", ("kernel",))
        p = self.padding
        for a, name in ((1, "height"), (2, "width")):
            if k.shape[a] > x.shape[a] + (0 if self._one_d and a == 1 else 2 * p):
                raise SpecInvalid(f"the kernel's {name} {k.shape[a]} is larger than the padded input's "
                                  f"{x.shape[a] + (0 if self._one_d and a == 1 else 2 * p)}", ("kernel",))
        if self.activation is not None and self.activation not in ACTS:
            raise SpecInvalid(f"unknown activation: {did_you_mean(self.activation, ACTS)}", ("activation",))
        self._x, self._k = x, k
        out = _out_shape(x.shape, k.shape, self.stride, p, self._one_d)
        if self.pool is not None:
            for a, n in enumerate(out):
                if a == 0 and self._one_d:
                    continue
                if self.pool.size > n:
                    raise SpecInvalid(f"the pooling window {self.pool.size} is larger than the output ({n})",
                                      ("pool", "size"))
        return self


def _tensor3(value: Any, path: tuple) -> tuple[np.ndarray, bool]:
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


def _out_shape(xs: tuple, ks: tuple, s: int, p: int, one_d: bool) -> tuple[int, int]:
    rows = 1 if one_d else (xs[1] + 2 * p - ks[1]) // s + 1
    cols = (xs[2] + 2 * p - ks[2]) // s + 1
    return rows, cols


def _grid_keys(name: str, rows: int, cols: int, one_d: bool) -> tuple[str, ...]:
    """The keys of a grid of entries named like `_sym(name, …)`, row by row (an answer's steps)."""
    return tuple(_sym(name, name, name, *((j + 1,) if one_d else (i + 1, j + 1))).key
                 for i in range(rows) for j in range(cols))


def _sym(name: str, uni: str, tex: str, *idx: int) -> Sym:
    return N.quantity(name, uni, tex, tuple(idx))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    x, k, s, p = spec._x, spec._k, spec.stride, spec.padding
    C = x.shape[0]
    one_d = spec._one_d
    d.convention("cross-correlation: y = Σ x·k with the kernel as given (what deep-learning frameworks compute)"
                 if spec.operation == "cross_correlation" else
                 "convolution: the kernel is flipped (rotated 180°) first, then slid over the input")
    d.convention("indices are 1-based; x̃ is the padded input" if p else "indices are 1-based")
    d.section("Given")
    d.given(Sym("X", "x", "x"), x[0, 0] if one_d else (x[0] if C == 1 else x), note="the input" +
            (f" ({C} channels)" if C > 1 else ""))
    d.given(Sym("K", "k", "k"), k[0, 0] if one_d else (k[0] if C == 1 else k), note="the kernel")
    if spec.operation == "convolution":
        k = k[:, ::-1, ::-1].copy()
        d.given(Sym("Kf", "k (flipped)", r"k_{\text{flipped}}"), k[0, 0] if one_d else (k[0] if C == 1 else k),
                note="rotated by 180° for a true convolution")
    xp = np.pad(x, ((0, 0), (0, 0) if one_d else (p, p), (p, p)))
    if p:
        d.given(Sym("Xp", "x̃", r"\tilde{x}"), xp[0, 0] if one_d else (xp[0] if C == 1 else xp),
                note=f"the input with {p} ring{'s' if p > 1 else ''} of zeros")
    bias = Sym("b", "b", "b")
    d.given(bias, spec.bias) if spec.bias else d.bind(bias, 0.0)

    def xs(c: int, r: int, q: int) -> Sym:
        base = "x̃" if p else "x"
        idx = (q,) if one_d else (r, q)
        sym = _sym("xp" if p else "x", base, r"\tilde{x}" if p else "x", *idx)
        if C > 1:
            sym = Sym(sym.key + f"c{c}", sym.uni + f"^({c})", sym.tex + f"^{{({c})}}")
        return sym

    def ks(c: int, u: int, v: int) -> Sym:
        sym = _sym("k", "k", "k", *((v,) if one_d else (u, v)))
        if C > 1:
            sym = Sym(sym.key + f"c{c}", sym.uni + f"^({c})", sym.tex + f"^{{({c})}}")
        return sym

    for c in range(C):
        for r in range(xp.shape[1]):
            for q in range(xp.shape[2]):
                d.bind(xs(c + 1, r + 1, q + 1), float(xp[c, r, q]))
        for u in range(k.shape[1]):
            for v in range(k.shape[2]):
                d.bind(ks(c + 1, u + 1, v + 1), float(k[c, u, v]))
    rows, cols = _out_shape(x.shape, k.shape, s, p, one_d)
    d.section("Output, element by element")
    d.text(f"The kernel slides with stride {s}; the output is {rows}×{cols}." if not one_d else
           f"The kernel slides with stride {s}; the output has {cols} entries.")
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
            formula = Add.of(*terms, bias) if spec.bias else (Add.of(*terms) if len(terms) > 1 else terms[0])
            y = _sym("y", "y", "y", *((j + 1,) if one_d else (i + 1, j + 1)))
            d.record = True if (record_all or count < SHOWN_IN_FULL) else (lambda _s: False)
            Y[i, j] = float(d.derive(y, formula))
            count += 1
    d.record = True
    out_value = Y[0] if one_d else Y
    if not record_all:
        d.text(f"The first {SHOWN_IN_FULL} are written out; the others are computed the same way.")
    d.given(Sym("Y", "y", "y"), out_value, note="the output")
    d.answer("output", out_value.tolist(), "the convolution output", keys=_grid_keys("y", rows, cols, one_d))
    if one_d:
        _toeplitz(d, xp[0, 0], k[0, 0], s, spec.bias, p)
    current = Y
    current_name = "output"
    if spec.activation and spec.activation != "linear":
        act = ACTIVATIONS[spec.activation]
        params = dict(act.params)
        d.section(f"Activation: {act.title}")
        A = np.zeros_like(Y)
        shown = 0
        for i in range(rows):
            for j in range(cols):
                idx = (j + 1,) if one_d else (i + 1, j + 1)
                y = _sym("y", "y", "y", *idx)
                forms = act.forms(y, params)
                d.record = True if shown < SHOWN_IN_FULL or record_all else (lambda _s: False)
                A[i, j] = float(d.derive(_sym("a", "a", "a", *idx), *forms))
                shown += 1
        d.record = True
        d.given(Sym("A", "a", "a"), A[0] if one_d else A, note="after the activation")
        d.answer("activated", (A[0] if one_d else A).tolist(), "after the activation",
                 keys=_grid_keys("a", rows, cols, one_d))
        current, current_name = A, "activated"
    if spec.pool is not None:
        _pool(d, spec, current, current_name, one_d)
    return d.solution(KIND, spec.title)


def _toeplitz(d: Derivation, xp: np.ndarray, k: np.ndarray, s: int, b: float, p: int) -> None:
    """y = T·x̃: row i of T holds the kernel starting at column i·s."""
    n, m = len(xp), len(k)
    out = (n - m) // s + 1
    T = np.zeros((out, n))
    for i in range(out):
        T[i, i * s:i * s + m] = k
    d.section("The same as a matrix product")
    d.given(Sym("T", "T", "T"), T, note="the kernel's Toeplitz matrix: each row is the kernel shifted by the stride")
    xv = Sym("xpv", "x̃" if p else "x", r"\tilde{x}" if p else "x")
    d.bind(xv, xp)
    Tsym = Sym("T", "T", "T")
    y2 = Sym("yT", "y", "y")
    d.bind(Sym("bT", "b", "b"), b)
    d.derive(y2, MatMul(Tsym, xv) + Sym("bT", "b", "b") if b else MatMul(Tsym, xv),
             note="the same numbers as above: a 1-D convolution is a matrix product")


def _pool(d: Derivation, spec: Spec, A: np.ndarray, source: str, one_d: bool) -> None:
    pool = spec.pool
    size, stride = pool.size, pool.stride or pool.size
    rows, cols = A.shape
    pr = 1 if one_d else (rows - size) // stride + 1
    pc = (cols - size) // stride + 1
    d.section(f"{'Max' if pool.type == 'max' else 'Average'} pooling, window {size}, stride {stride}")
    name = "a" if source == "activated" else "y"
    P = np.zeros((pr, pc))
    for i in range(pr):
        for j in range(pc):
            cells = [(r, q) for r in ([0] if one_d else range(i * stride, i * stride + size))
                     for q in range(j * stride, j * stride + size)]
            syms = [_sym(name, name, name, *((q + 1,) if one_d else (r + 1, q + 1))) for r, q in cells]
            formula = call("max", *syms) if pool.type == "max" else Add.of(*syms) / Num(len(syms))
            if len(syms) == 1:
                formula = syms[0]
            P[i, j] = float(d.derive(_sym("pool", "p", "p", *((j + 1,) if one_d else (i + 1, j + 1))), formula))
    value = P[0] if one_d else P
    d.given(Sym("P", "p", "p"), value, note="the pooled output")
    d.answer("pooled", value.tolist(), "after pooling", keys=_grid_keys("pool", pr, pc, one_d))
