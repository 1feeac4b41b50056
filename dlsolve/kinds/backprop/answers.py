"""The answers of a solution: each names the steps that produce it (`keys`), so `dlsolve check`
can show the step behind a wrong answer."""

from __future__ import annotations

from typing import Callable, Optional, Union

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Sym
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.spec import Layer


class Answers(SolverBase):
    def _collect(self, syms: list[Sym]) -> list[float]:
        return [float(self.d.env[s.key]) for s in syms]

    def _layer_values(self, nm: Names, l: int, unit: Callable[[int, int], Sym], vector: Callable[[int], Sym],
                      units: bool) -> tuple[list[float], tuple[str, ...]]:
        """The values of one quantity over layer l and the keys of their steps: `unit(l, j)` for
        each unit when worked unit by unit, else the layer's vector `vector(l)`."""
        layer = self.net.layers[l - 1]
        if units:
            syms = [unit(l, j) for j in range(1, layer.n_out + 1)]
            return self._collect(syms), tuple(s.key for s in syms)
        vsym = vector(l)
        return [float(v) for v in np.atleast_1d(self.d.env[vsym.key])], (vsym.key,)

    def answers_forward(self, nm: Names, units: Optional[bool] = None) -> None:
        units = self.detail if units is None else units
        d = self.d
        for layer in self.net.layers:
            l = layer.index
            z, zk = self._layer_values(nm, l, nm.z, nm.zv, units)
            a, ak = self._layer_values(nm, l, nm.a, nm.av, units)
            d.answer(f"z{l}", z, f"z^[{l}]", keys=zk)
            d.answer(f"a{l}", a, f"a^[{l}]", keys=ak)
            if nm.dropped(l):
                ad, adk = self._layer_values(nm, l, nm.ad, nm.adv, units)
                d.answer(f"a{l}_dropout", ad, f"ã^[{l}] (after dropout)", keys=adk)
        vals = self._layer_values(nm, self.L, nm.a, nm.av, units)
        d.answer("yhat", vals[0][0] if self.net.n_out == 1 else vals[0], "ŷ", keys=vals[1])

    def answers_table(self, names: list[Names]) -> None:
        """A forward pass over several samples (a truth table): each answer holds one entry per
        sample, in order — sample k's vector, or its number where the layer has one unit — and
        names the steps of every sample."""
        if len(names) == 1:
            self.answers_forward(names[0])
            return
        d = self.d

        def table(unit: str, vector: str, l: int) -> tuple[list[Union[float, list[float]]], tuple[str, ...]]:
            """`unit` and `vector` name the Names methods of the quantity (z and zv, …), asked of each sample's."""
            values: list[Union[float, list[float]]] = []
            keys: list[str] = []
            for nm in names:
                vals, ks = self._layer_values(nm, l, getattr(nm, unit), getattr(nm, vector), self.detail)
                values.append(vals[0] if len(vals) == 1 else vals)
                keys += ks
            return values, tuple(keys)

        for layer in self.net.layers:
            l = layer.index
            z, zk = table("z", "zv", l)
            a, ak = table("a", "av", l)
            d.answer(f"z{l}", z, f"z^[{l}] of each sample", keys=zk)
            d.answer(f"a{l}", a, f"a^[{l}] of each sample", keys=ak)
            if names[0].dropped(l):
                ad, adk = table("ad", "adv", l)
                d.answer(f"a{l}_dropout", ad, f"ã^[{l}] (after dropout) of each sample", keys=adk)
        yhat, yk = table("a", "av", self.L)
        zL, _ = table("z", "zv", self.L)
        d.section("Table of the samples")
        d.table(("sample", "input x", f"z^[{self.L}]", "ŷ"),
                [(str(k), s.x.copy(), z, y) for k, (s, z, y) in enumerate(zip(self.net.samples, zL, yhat), 1)])
        d.answer("yhat", yhat, "ŷ of each sample", keys=yk)

    def answers_single(self, nm: Names, units: bool) -> None:
        d, net = self.d, self.net
        self.answers_forward(nm, units)
        total = nm.loss_total()
        if net.regularization is not None:
            d.answer("loss_data", float(d.env[nm.loss().key]), "L (the data loss)", keys=(nm.loss().key,))
            d.answer("penalty", float(d.env[nm.penalty().key]), "Ω (the penalty)", keys=(nm.penalty().key,))
        d.answer("loss", float(d.env[total.key]), "L_total = L + Ω" if net.regularization else "L",
                 keys=(total.key,))
        for layer in reversed(net.layers):
            l = layer.index
            deltas, dk = self._layer_values(nm, l, nm.delta, nm.deltav, units)
            d.answer(f"delta{l}", deltas, f"δ^[{l}] = ∂L/∂z^[{l}]", keys=dk)
        for layer in net.layers:
            l = layer.index
            dW, keys = self._grad_matrix(nm, layer, units)
            d.answer(f"dW{l}", dW, bsym_label(self, "W", l, False), keys=keys)
            if units:
                bsyms = [self.grad_sym(nm, nm.b(l, j), True) for j in range(1, layer.n_out + 1)]
                db, bkeys = self._collect(bsyms), tuple(s.key for s in bsyms)
            else:
                bsym = self.grad_sym(nm, nm.bv(l), True)
                db, bkeys = [float(v) for v in self.array(bsym)], (bsym.key,)
            d.answer(f"db{l}", db, bsym_label(self, "b", l, True), keys=bkeys)

    def _grad_matrix(self, nm: Names, layer: Layer, units: bool) -> tuple[list[list[float]], tuple[str, ...]]:
        l = layer.index
        if units:
            rows, cols = ((layer.n_in, layer.n_out) if self.net.layout == "in_out" else (layer.n_out, layer.n_in))
            syms = [[self.grad_sym(nm, nm.w_given(l, r, c)) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
            return ([[float(self.d.env[s.key]) for s in row] for row in syms],
                    tuple(s.key for row in syms for s in row))
        key = self.grad_sym(nm, nm.Wm(l)).key
        return np.asarray(self.d.env[key]).tolist(), (key,)

    def answers_update(self, nm: Names, units: bool) -> None:
        self.answers_final_params(units=units, nm=nm)

    def answers_final_params(self, units: bool = False, nm: Optional[Names] = None) -> None:
        """The parameters after the last update; keys: the update steps that produced them (a bias
        that is never updated is the given one)."""
        d, net = self.d, self.net
        nm = nm or Names(net)
        for layer in net.layers:
            l = layer.index
            if units:
                rows, cols = ((layer.n_in, layer.n_out) if net.layout == "in_out" else (layer.n_out, layer.n_in))
                wkeys = tuple(N.new(nm.w_given(l, r, c)).key for r in range(1, rows + 1) for c in range(1, cols + 1))
                bkeys = tuple((N.new(nm.b(l, j)) if net.update_bias else nm.bv(l)).key
                              for j in range(1, layer.n_out + 1))
            else:
                wkeys = (N.new(nm.Wm(l)).key,)
                bkeys = ((N.new(nm.bv(l)) if net.update_bias else nm.bv(l)).key,)
            d.answer(f"W{l}_new", self.given_W(l).tolist(), f"W^[{l}] (new)", keys=wkeys)
            d.answer(f"b{l}_new", self.b[l - 1].tolist(), f"b^[{l}] (new)", keys=tuple(dict.fromkeys(bkeys)))


def bsym_label(solver: SolverBase, p: str, l: int, bias: bool) -> str:
    """∂L/∂W^[l], or ∂L_total/∂W^[l] where the parameter is regularised."""
    reg = solver.net.regularization
    total = reg is not None and (not bias or reg.include_bias)
    return f"∂L{'_total' if total else ''}/∂{p}^[{l}]"
