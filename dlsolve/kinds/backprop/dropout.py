"""Dropout in the forward and backward pass (see `regularize.py` for the keys and the factor r).

A layer with dropout passes on ã^[l] = r ⊙ a^[l]; the next layer's z reads ã, and the backward
pass goes through the same factor: ∂L/∂a_j^[l] = (Σ_k δ_k^[l+1]·w_jk^[l+1])·∂ã_j/∂a_j with
∂ã_j/∂a_j = r_j — a dropped unit (m_j = 0) passes no gradient back.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from dlsolve.expr import Expr, Mul, Num, Sym, hadamard
from dlsolve import notation as N
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.regularize import Dropout
from dlsolve.kinds.backprop.spec import Layer


def _dropout(layer: Layer) -> Dropout:
    """The layer's dropout: the steps that ask run only for a layer that has one."""
    if layer.dropout is None:
        raise TypeError(f"layer {layer.index} has no dropout")
    return layer.dropout


class DropoutPass(SolverBase):
    def dropout_conventions(self) -> None:
        drops = [l.dropout for l in self.net.layers if l.dropout is not None]
        if not drops:
            return
        if any(dr.scaling == "inverted" for dr in drops):
            self.d.convention("dropout scaling inverted (PyTorch, Keras): kept units are multiplied by 1/(1 − p) "
                              "in training and nothing changes at test time (scaling: classic would scale by "
                              "1 − p at test time instead)")
        if any(dr.scaling == "classic" for dr in drops):
            self.d.convention("dropout scaling classic (the original paper): no scaling in training; at test "
                              "time every unit is kept and its output multiplied by 1 − p (scaling: inverted, "
                              "PyTorch's and Keras's, scales by 1/(1 − p) in training instead)")
        if any(dr.mask is not None for dr in drops) and len(self.net.samples) > 1:
            self.d.convention("the dropout mask given is used for every sample and update")

    def dropout_given(self, nm: Names) -> None:
        d = self.d
        for layer in self.net.layers:
            dr, l = layer.dropout, layer.index
            if dr is None:
                continue
            d.given(nm.p(l), dr.rate, note=f"dropout rate of layer {l}: the probability of dropping a unit")
            if dr.mask is not None:
                d.given(nm.mv(l), dr.mask.copy(), note="the dropout mask: 1 keeps the unit, 0 drops it")
                for j in range(1, layer.n_out + 1):
                    d.bind(nm.m(l, j), float(dr.mask[j - 1]))

    def _dropped(self, nm: Names, layer: Layer, a: Expr, m: Expr) -> Expr:
        """ã written from a and the mask entry (or vector) m."""
        dr, p = _dropout(layer), nm.p(layer.index)
        if dr.mask is None:
            return Mul.of(Num(1) - p, a)
        kept = hadamard(a, m) if m is nm.mv(layer.index) else Mul.of(a, m)
        return kept / (Num(1) - p) if dr.scaling == "inverted" else kept

    def _factor(self, nm: Names, layer: Layer, m: Expr) -> Expr:
        """∂ã/∂a = r written from the mask entry (or vector) m."""
        dr, p = _dropout(layer), nm.p(layer.index)
        if dr.mask is None:
            return Num(1) - p
        return m / (Num(1) - p) if dr.scaling == "inverted" else m

    def _dropout_note(self, nm: Names, layer: Layer, a_values: np.ndarray) -> None:
        d, dr, l = self.d, _dropout(layer), layer.index
        if dr.mask is None and dr.scaling == "inverted":
            d.note(f"dropout on layer {l}, no mask given: this is the test-time pass. Inverted dropout needs no "
                   "scaling at test time — training multiplied the kept units by 1/(1 − p) = {s}, so "
                   f"E[ã^[{l}]] = a^[{l}] — and a^[{l}] is passed on unchanged", s=1 / (1 - dr.rate))
        elif dr.mask is None:
            d.note(f"dropout on layer {l}, no mask given: this is the test-time pass of classic dropout; each unit "
                   "was kept with probability 1 − p = {q} in training, so its expected output (1 − p)·a is "
                   "passed on", q=1 - dr.rate)
        elif dr.scaling == "inverted":
            d.note(f"inverted dropout: the kept units are multiplied by 1/(1 − p) = {{s}}, so that E[ã^[{l}]] = "
                   f"a^[{l}]; at test time no unit is dropped and a^[{l}] is passed on unchanged", s=1 / (1 - dr.rate))
        else:
            d.note(f"classic dropout: no scaling in training; at test time every unit is kept and a^[{l}] is "
                   f"multiplied by 1 − p = {{q}}: (1 − p)·a^[{l}] = {{v}}, the expected value of ã^[{l}]",
                   q=1 - dr.rate, v=(1 - dr.rate) * np.asarray(a_values, dtype=float))

    # == forward =============================================================================
    def dropout_units(self, nm: Names, layer: Layer) -> None:
        if layer.dropout is None:
            return
        l, d = layer.index, self.d
        a_values = np.array([d.env[nm.a(l, j).key] for j in range(1, layer.n_out + 1)], dtype=float)
        if layer.dropout.shown:
            for j in range(1, layer.n_out + 1):
                d.derive(nm.ad(l, j), self._dropped(nm, layer, nm.a(l, j), nm.m(l, j)))
        self._dropout_note(nm, layer, a_values)

    def dropout_vector(self, nm: Names, layer: Layer) -> None:
        if layer.dropout is None:
            return
        l, d = layer.index, self.d
        if layer.dropout.shown:
            d.derive(nm.adv(l), self._dropped(nm, layer, nm.av(l), nm.mv(l)))
        self._dropout_note(nm, layer, self.array(nm.av(l)))

    # == backward ============================================================================
    def dropout_factor_unit(self, nm: Names, layer: Layer, j: int) -> list[Sym]:
        """[∂ã_j/∂a_j] derived as a step (or [] without a dropout factor)."""
        if not nm.dropped(layer.index):
            return []
        l = layer.index
        sym = N.partial(nm.ad(l, j), nm.a(l, j))
        self.d.derive(sym, self._factor(nm, layer, nm.m(l, j)))
        return [sym]

    def dropout_factor_vector(self, nm: Names, layer: Layer) -> Optional[Sym]:
        if not nm.dropped(layer.index):
            return None
        l = layer.index
        sym = N.partial(nm.adv(l), nm.av(l))
        self.d.derive(sym, self._factor(nm, layer, nm.mv(l)),
                      note="elementwise: the same factor as in the forward pass" if _dropout(layer).mask is not None
                      else "the same factor 1 − p for every unit")
        return sym
