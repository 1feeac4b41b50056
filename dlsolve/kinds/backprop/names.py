"""The notation of one network (and one sample of a batch): the course's symbols.

Every symbol comes from `dlsolve.notation`, so its key (which identifies its value) and its
display names are built together; nothing here slices a display name to make another.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Optional

from dlsolve import notation as N
from dlsolve.expr import Sym
from dlsolve.kinds.backprop.spec import Problem


def _memo(method: Callable[..., Sym]) -> Callable[..., Sym]:
    """A symbol is built once per Names object (training builds the same symbols every update)."""
    name = method.__name__

    @wraps(method)
    def cached(self: "Names", *args: int) -> Sym:
        key = (name, *args)
        sym = self._cache.get(key)
        if sym is None:
            sym = self._cache[key] = method(self, *args)
        return sym
    return cached


class Names:
    """z₁^[1], w₁₂^[2], ŷ, δ … of one network; `sample` adds the (i) of a batch's sample."""

    def __init__(self, net: Problem, sample: Optional[int] = None) -> None:
        self.net = net
        self.L = len(net.layers)
        self.s = sample
        self._cache: dict[tuple[Any, ...], Sym] = {}

    def _single(self, l: int) -> bool:
        return l == self.L and self.net.layers[-1].n_out == 1

    def _z_index(self, l: int, j: int) -> tuple[int, ...]:
        return () if self._single(l) else (j,)

    @_memo
    def x(self, i: int) -> Sym:
        return N.quantity("x", "x", "x", (i,), sample=self.s)

    @_memo
    def a(self, l: int, j: int) -> Sym:
        if l == 0:
            return self.x(j)
        if l == self.L:
            return self.yhat(j)
        return N.quantity("a", "a", "a", (j,), layer=l, sample=self.s)

    @_memo
    def z(self, l: int, j: int) -> Sym:
        return N.quantity("z", "z", "z", self._z_index(l, j), layer=l, sample=self.s)

    @_memo
    def w(self, l: int, i: int, j: int) -> Sym:
        """The weight joining input i of layer l to its unit j, named by its place as given."""
        r, c = (i, j) if self.net.layout == "in_out" else (j, i)
        return N.quantity("w", "w", "w", (r, c), layer=l)

    @_memo
    def w_given(self, l: int, r: int, c: int) -> Sym:
        """The weight at row r, column c of W^[l] as given."""
        return self.w(l, r, c) if self.net.layout == "in_out" else self.w(l, c, r)

    @_memo
    def b(self, l: int, j: int) -> Sym:
        return N.quantity("b", "b", "b", () if self._single(l) else (j,), layer=l)

    @_memo
    def y(self, k: int) -> Sym:
        return N.quantity("y", "y", "y", () if self._single(self.L) else (k,), sample=self.s)

    @_memo
    def yhat(self, k: int) -> Sym:
        return N.quantity("yhat", "ŷ", r"\hat{y}", () if self._single(self.L) else (k,), sample=self.s)

    @_memo
    def loss(self) -> Sym:
        return N.quantity("L", "L", "L", sample=self.s)

    @_memo
    def dz(self, l: int, j: int) -> Sym:
        return N.partial(self.loss(), self.z(l, j))

    @_memo
    def delta(self, l: int, j: int) -> Sym:
        """δ_j^[l]: ∂L/∂z_j^[l] (the same key and value) under the course's name."""
        shown = N.quantity("z", "δ", r"\delta", self._z_index(l, j), layer=l, sample=self.s)
        return N.renamed(self.dz(l, j), shown.uni, shown.tex)

    def param_grad(self, p: Sym) -> Sym:
        """∂L/∂p (built once per parameter symbol's key)."""
        key = ("param_grad", p.key, p.uni)
        sym = self._cache.get(key)
        if sym is None:
            sym = self._cache[key] = N.partial(self.loss(), p)
        return sym

    # -- whole-layer symbols (vector mode) ---------------------------------------------------
    def vec(self, base: str, uni: str, tex: str, l: Optional[int]) -> Sym:
        return N.quantity(base + "v", uni, tex, layer=l, sample=self.s)

    @_memo
    def xv(self) -> Sym:
        return self.vec("x", "x", r"\mathbf{x}", None)

    @_memo
    def av(self, l: int) -> Sym:
        if l == 0:
            return self.xv()
        if l == self.L:
            return self.vec("yhat", "ŷ", r"\hat{\mathbf{y}}", None)
        return self.vec("a", "a", r"\mathbf{a}", l)

    @_memo
    def zv(self, l: int) -> Sym:
        return self.vec("z", "z", r"\mathbf{z}", l)

    @_memo
    def yv(self) -> Sym:
        return self.vec("y", "y", r"\mathbf{y}", None)

    @_memo
    def Wm(self, l: int) -> Sym:
        return N.quantity("Wm", "W", "W", layer=l)

    @_memo
    def bv(self, l: int) -> Sym:
        return N.quantity("bv", "b", r"\mathbf{b}", layer=l)

    @_memo
    def deltav(self, l: int) -> Sym:
        shown = N.quantity("z", "δ", r"\boldsymbol{\delta}", layer=l, sample=self.s)
        return N.renamed(N.partial(self.loss(), self.zv(l)), shown.uni, shown.tex)

    # -- dropout: the output a layer passes on, its mask and rate -----------------------------
    def dropped(self, l: int) -> bool:
        """Layer l's output is multiplied by a dropout factor before the next layer reads it."""
        dropout = self.net.layers[l - 1].dropout if 0 < l <= self.L else None
        return dropout is not None and dropout.shown

    @_memo
    def ad(self, l: int, j: int) -> Sym:
        return N.quantity("ad", "ã", r"\tilde{a}", (j,), layer=l, sample=self.s)

    @_memo
    def adv(self, l: int) -> Sym:
        return self.vec("ad", "ã", r"\tilde{\mathbf{a}}", l)

    def out(self, l: int, j: int) -> Sym:
        """What layer l + 1 reads from unit j of layer l: ã_j^[l] after dropout, else a_j^[l]."""
        return self.ad(l, j) if self.dropped(l) else self.a(l, j)

    def outv(self, l: int) -> Sym:
        return self.adv(l) if self.dropped(l) else self.av(l)

    @_memo
    def m(self, l: int, j: int) -> Sym:
        return N.quantity("m", "m", "m", (j,), layer=l)

    @_memo
    def mv(self, l: int) -> Sym:
        return N.quantity("mv", "m", r"\mathbf{m}", layer=l)

    @_memo
    def p(self, l: int) -> Sym:
        return N.quantity("p", "p", "p", layer=l)

    # -- regularisation: the penalty, the total loss, λ ---------------------------------------
    @_memo
    def penalty(self) -> Sym:
        return N.quantity("Omega", "Ω", r"\Omega", sample=self.s)

    @_memo
    def loss_total(self) -> Sym:
        """The loss the update minimises: L + Ω with regularisation, else L itself."""
        if self.net.regularization is None:
            return self.loss()
        return N.quantity("Ltotal", "L_total", r"L_{\text{total}}", sample=self.s)

    def total_grad(self, p: Sym) -> Sym:
        """∂L_total/∂p (built once per parameter symbol's key)."""
        key = ("total_grad", p.key, p.uni)
        sym = self._cache.get(key)
        if sym is None:
            sym = self._cache[key] = N.partial(self.loss_total(), p)
        return sym

    @_memo
    def lam(self, norm: int) -> Sym:
        """λ of the L1 (norm 1) or L2 (norm 2) penalty: λ₁, λ₂ when both are given, else λ."""
        reg = self.net.regularization
        both = reg is not None and reg.l1 is not None and reg.l2 is not None
        return N.quantity(f"lambda{norm}" if both else "lambda", "λ", r"\lambda", (norm,) if both else ())
