"""The unit pass: one sample worked unit by unit — every z, a, the loss, every δ and every
weight's chain-rule product with its factors (small networks and symbolic problems)."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Add, Expr, Mul, Sym, Value, call, drop_ones, total
from dlsolve.kinds.backprop.dropout import DropoutPass
from dlsolve.kinds.backprop.penalty import PenaltyPass
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.spec import Layer
from dlsolve.kinds.prob import needs_shift
from dlsolve.solution import Phrase, Prose


def _noting(note: Callable[[float, float], Optional[Phrase]], z: float) -> Callable[[Optional[Value]], Optional[Prose]]:
    """A unit's step note from its z and the step's value (an activation's saturation, a
    derivative's lost digits); none where the value is not a number."""
    def at(value: Optional[Value]) -> Optional[Prose]:
        return None if value is None else note(z, float(value))
    return at


class UnitPass(DropoutPass, PenaltyPass):
    # == forward =============================================================================
    def forward_units(self, nm: Names, x: np.ndarray) -> None:
        d, net = self.d, self.net
        for i, xi in enumerate(x, 1):
            d.bind(nm.x(i), float(xi))
        for layer in net.layers:
            l = layer.index
            d.section(f"Layer {l}" + (" (output)" if l == self.L else ""), level=2)
            for j in range(1, layer.n_out + 1):
                terms = [self._product(nm, l, i, j) for i in range(1, layer.n_in + 1)]
                d.derive(nm.z(l, j), Add.of(*terms, nm.b(l, j)))
            self._activate_units(nm, layer)
            self.dropout_units(nm, layer)

    def _product(self, nm: Names, l: int, i: int, j: int) -> Expr:
        a, w = nm.out(l - 1, i), nm.w(l, i, j)
        return Mul.of(a, w) if self.net.layout == "in_out" else Mul.of(w, a)

    def _activate_units(self, nm: Names, layer: Layer) -> None:
        d, l, act = self.d, layer.index, layer.activation
        if act.coupled:
            zs = [nm.z(l, k) for k in range(1, layer.n_out + 1)]
            zvals = [float(v) for v in (d.env.get(z.key) for z in zs) if v is not None]
            shift = None
            if len(zvals) == len(zs) and needs_shift(zvals):
                shift = Sym(f"zmax{l}", f"max z^[{l}]", rf"\max z^{{[{l}]}}")
                d.derive(shift, call("max", *zs) if len(zs) == 2 else zs[int(np.argmax(zvals))],
                         note="subtracted before exponentiating so e^z can neither overflow nor all "
                              "underflow to 0; the ratio is unchanged")
            for j in range(1, layer.n_out + 1):
                d.derive(nm.a(l, j), *act.layer_forms(zs, j - 1, shift))
            return
        for j in range(1, layer.n_out + 1):
            z = nm.z(l, j)
            forms = act.forms(z, layer.act_params)
            zval = d.env.get(z.key)
            value = d.derive(nm.a(l, j), *forms,
                             note=None if zval is None else _noting(act.saturation_note, float(zval)))
            kink = act.kink_note(layer.act_params)
            if kink and zval == 0.0 and value is not None:
                d.note(f"{z.uni} = 0 exactly: {kink}")

    # == loss ================================================================================
    def loss_units(self, nm: Names, y: Optional[np.ndarray]) -> None:
        d, net = self.d, self.net
        if y is not None:
            for k, yk in enumerate(y, 1):
                d.bind(nm.y(k), float(yk))
        n = net.n_out
        yhat = [d.env.get(nm.yhat(k).key) for k in range(1, n + 1)]
        self.from_logits = y is not None and None not in yhat and self.use_logits(np.array(yhat))
        if self.from_logits and y is not None:
            self._loss_from_logits(nm, y)
            return
        terms, dropped = [], 0
        for k in range(1, n + 1):
            t, gone = self.loss.term_at(nm.y(k), nm.yhat(k), net.loss_options, d.env)
            terms.append(t)
            dropped += gone
        formula = total(terms)
        d.derive(nm.loss(), self.scaled(formula),
                 note="0·log 0 = 0 (the limit, as xlogy and the frameworks take it): those terms are left out"
                 if dropped else None)

    def _loss_from_logits(self, nm: Names, y: np.ndarray) -> None:
        d, net, l = self.d, self.net, self.L
        n = net.n_out
        ys, zs = [nm.y(k) for k in range(1, n + 1)], [nm.z(l, k) for k in range(1, n + 1)]
        plain = [self.loss.term(yk, nm.yhat(k), net.loss_options) for k, yk in enumerate(ys, 1)]
        if self.out_act.coupled:
            top = int(np.argmax([float(d.env[z.key]) for z in zs]))
            stable = self.loss.logit_row_term(ys, zs, top, zs[top])
        else:
            parts = [self.loss.logit_term(yk, zk) for yk, zk in zip(ys, zs)]
            stable = self.scaled(total(parts))
        shown = self.scaled(total(plain))
        d.derive(nm.loss(), shown, stable, note=self.logits_note())

    # == backward ============================================================================
    def backward_units(self, nm: Names) -> dict[str, Expr]:
        """δ of every unit and ∂L/∂(every parameter). Returns each δ's formula in local terms
        (for symbolic answers)."""
        d, net = self.d, self.net
        local: dict[str, Expr] = {}
        for layer in reversed(net.layers):
            l = layer.index
            d.section(f"Layer {l}" + (" (output)" if l == self.L else ""), level=2)
            if l == self.L:
                self._output_deltas(nm, layer, local)
            else:
                nxt = net.layers[l]  # layer l + 1
                for j in range(1, layer.n_out + 1):
                    da = N.partial(nm.a(l, j), nm.z(l, j))
                    self._act_derivative(nm, layer, j, da, local)
                    dad = self.dropout_factor_unit(nm, layer, j)   # [∂ã/∂a] with dropout
                    paths_p = [Mul.of(nm.dz(l + 1, k), N.partial(nm.z(l + 1, k), nm.out(l, j)))
                               for k in range(1, nxt.n_out + 1)]
                    paths_v = [Mul.of(nm.delta(l + 1, k), nm.w(l + 1, j, k)) for k in range(1, nxt.n_out + 1)]
                    sum_p = total(paths_p)
                    sum_v = total(paths_v)
                    note = (Phrase("sum over the {n:int} paths from " + nm.a(l, j).uni + f" through layer {l + 1}",
                                   n=len(paths_p)) if len(paths_p) > 1 else None)
                    expanded = drop_ones(Mul.of(
                        Add.of(*(Mul.of(local[nm.dz(l + 1, k).key], nm.w(l + 1, j, k))
                                 for k in range(1, nxt.n_out + 1))) if nxt.n_out > 1 else
                        Mul.of(local[nm.dz(l + 1, 1).key], nm.w(l + 1, j, 1)),
                        local[da.key]))
                    local[nm.dz(l, j).key] = expanded
                    extra = [expanded] if net.symbolic else []
                    d.derive(nm.delta(l, j), nm.dz(l, j), Mul.of(sum_p, *dad, da), Mul.of(sum_v, *dad, da), *extra,
                             note=note)
            self._param_grads_units(nm, layer, local)
        return local

    def _act_derivative(self, nm: Names, layer: Layer, j: int, da: Sym, local: dict[str, Expr]) -> None:
        z, a = nm.z(layer.index, j), nm.a(layer.index, j)
        act = layer.activation
        formula = act.slope(z, a, layer.act_params)
        zval = self.d.env.get(z.key)
        value = self.d.derive(da, formula, note=None if zval is None else _noting(act.precision_note, float(zval)))
        local[da.key] = formula
        kink = act.kink_note(layer.act_params)
        if kink and zval == 0.0 and value is not None:
            self.d.note(f"{z.uni} = 0 exactly: {kink}")

    def _output_deltas(self, nm: Names, layer: Layer, local: dict[str, Expr]) -> None:
        d, net, l, act = self.d, self.net, layer.index, layer.activation
        n = layer.n_out
        if act.coupled and self.loss.pairs_with(act):
            d.note(self.loss.coupled_delta_note)
            for k in range(1, n + 1):
                f = nm.yhat(k) - nm.y(k)
                d.derive(nm.delta(l, k), nm.dz(l, k), f)
                local[nm.dz(l, k).key] = f
            return
        if self.from_logits:
            # sigmoid + BCE from the logits: ∂L/∂ŷ would be 0/0 where ŷ rounds to 1
            for k in range(1, n + 1):
                y, z = nm.y(k), nm.z(l, k)
                d.derive(nm.delta(l, k), nm.dz(l, k), self.scaled(nm.yhat(k) - y),
                         self.scaled(self.loss.logit_delta(y, z)),
                         note=self.loss.logit_delta_note + ", written in z so that it keeps its digits "
                              "where ŷ rounds to 1 (σ(z) + σ(−z) = 1)")
                local[nm.dz(l, k).key] = self.scaled(nm.yhat(k) - y)
            return
        for k in range(1, n + 1):
            f = self.dL_dyhat(nm.y(k), nm.yhat(k))
            d.derive(N.partial(nm.loss(), nm.yhat(k)), f)
            local[N.partial(nm.loss(), nm.yhat(k)).key] = f
        if act.coupled:
            for j in range(1, n + 1):
                for k in range(1, n + 1):
                    jac = N.partial(nm.yhat(j), nm.z(l, k))
                    f = act.jacobian(nm.yhat(j), nm.yhat(k), j == k)
                    d.derive(jac, f)
                    local[jac.key] = f
            for k in range(1, n + 1):
                paths = [Mul.of(N.partial(nm.loss(), nm.yhat(j)), N.partial(nm.yhat(j), nm.z(l, k)))
                         for j in range(1, n + 1)]
                d.derive(nm.delta(l, k), nm.dz(l, k), total(paths),
                         note="softmax couples the outputs: a sum over every ŷ_j")
                local[nm.dz(l, k).key] = drop_ones(Add.of(*(
                    Mul.of(local[N.partial(nm.loss(), nm.yhat(j)).key], local[N.partial(nm.yhat(j), nm.z(l, k)).key])
                    for j in range(1, n + 1))))
            return
        for k in range(1, n + 1):
            da = N.partial(nm.yhat(k), nm.z(l, k))
            self._act_derivative(nm, layer, k, da, local)
            prod = Mul.of(N.partial(nm.loss(), nm.yhat(k)), da)
            note = self.loss.logit_delta_note if self.loss.pairs_with(act) and net.n_out == 1 else None
            expanded = drop_ones(Mul.of(local[N.partial(nm.loss(), nm.yhat(k)).key], local[da.key]))
            local[nm.dz(l, k).key] = expanded
            extra = [expanded] if net.symbolic else []
            d.derive(nm.delta(l, k), nm.dz(l, k), prod, *extra, note=note)

    def chain(self, nm: Names, l: int, j: int) -> tuple[list[Expr], list[Expr]]:
        """∂L/∂z_j^[l] as factors: (in partials, in evaluable quantities). Expanded while the path
        is single (every later layer has one unit); otherwise the unit's δ."""
        layer = self.net.layers[l - 1]
        if l == self.L:
            if layer.activation.coupled or self.from_logits:
                return [nm.dz(l, j)], [nm.delta(l, j)]
            da = N.partial(nm.yhat(j), nm.z(l, j))
            dy = N.partial(nm.loss(), nm.yhat(j))
            return [dy, da], [dy, da]
        if self.net.layers[l].n_out == 1:
            disp, ev = self.chain(nm, l + 1, 1)
            da = N.partial(nm.a(l, j), nm.z(l, j))
            dad = [N.partial(nm.ad(l, j), nm.a(l, j))] if nm.dropped(l) else []
            return (disp + [N.partial(nm.z(l + 1, 1), nm.out(l, j)), *dad, da],
                    ev + [nm.w(l + 1, j, 1), *dad, da])
        return [nm.dz(l, j)], [nm.delta(l, j)]

    def _param_grads_units(self, nm: Names, layer: Layer, local: dict[str, Expr]) -> None:
        d, l = self.d, layer.index
        symbolic = self.net.symbolic
        for j in range(1, layer.n_out + 1):
            disp, ev = self.chain(nm, l, j)
            for i in range(1, layer.n_in + 1):
                w = nm.w(l, i, j)
                forms: list[Expr] = [Mul.of(*disp, N.partial(nm.z(l, j), w)), Mul.of(*ev, nm.out(l - 1, i))]
                if symbolic:
                    forms.append(drop_ones(Mul.of(local[nm.dz(l, j).key], nm.a(l - 1, i))))
                d.derive(nm.param_grad(w), *forms)
            b = nm.b(l, j)
            forms = [Mul.of(*disp, N.partial(nm.z(l, j), b)), Mul.of(*ev) if len(ev) > 1 else ev[0]]
            if symbolic:
                forms.append(drop_ones(local[nm.dz(l, j).key]))
            d.derive(nm.param_grad(b), *forms)
        self.penalty_grads(nm, layer, units=True)
