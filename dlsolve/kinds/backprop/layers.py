"""The layer pass: one sample worked a layer at a time with vectors and matrices (networks
with more than DETAIL_LIMIT parameters, and every update after the first)."""

from __future__ import annotations

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Add, MatMul, Num, Outer, Transpose, call, hadamard, total
from dlsolve.kinds.backprop.dropout import DropoutPass
from dlsolve.kinds.backprop.penalty import PenaltyPass
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.prob import needs_shift
from dlsolve.losses import Reduction


class LayerPass(DropoutPass, PenaltyPass):
    def forward_vectors(self, nm: Names, x: np.ndarray) -> None:
        d, net = self.d, self.net
        d.bind(nm.xv(), x)
        for layer in net.layers:
            l = layer.index
            W, a_prev, bv = nm.Wm(l), nm.outv(l - 1), nm.bv(l)
            prod = MatMul(a_prev, W) if net.layout == "in_out" else MatMul(W, a_prev)
            d.derive(nm.zv(l), Add.of(prod, bv))
            z, act = nm.zv(l), layer.activation
            if act.coupled:
                zval = d.env[z.key]
                shift = Num(float(np.max(zval))) if needs_shift(zval) else None
                d.derive(nm.av(l), act.vector_form(z, shift),
                         note="elementwise e^z, divided by the sum over the layer" +
                              ("; the largest z is subtracted first so e^z can neither overflow nor all "
                               "underflow to 0" if shift is not None else ""))
            else:
                d.derive(nm.av(l), *act.forms(z, layer.act_params), note=None if act.identity else "elementwise")
                kink = act.kink_note(layer.act_params)
                if kink and np.any(np.asarray(d.env[z.key]) == 0.0):
                    d.note(f"a {z.uni} entry is 0 exactly: {kink}")
            self.dropout_vector(nm, layer)

    def loss_vectors(self, nm: Names, y: np.ndarray) -> None:
        d, net = self.d, self.net
        d.bind(nm.yv(), y)
        yhat = nm.av(self.L)
        self.from_logits = self.use_logits(self.array(yhat))
        if self.from_logits:
            self._loss_vectors_from_logits(nm, y)
            return
        if self._loss_terms_with_xlogy(nm, y, self.array(yhat)):
            return
        term = self.loss.term(nm.yv(), yhat, net.loss_options)
        if net.n_out == 1:
            d.derive(nm.loss(), call("sum", term), note="one output unit")
            return
        reduce = net.reduction
        d.derive(nm.loss(), call(reduce, term), note=f"{reduce} over the {net.n_out} output units")

    def _loss_terms_with_xlogy(self, nm: Names, y: np.ndarray, yhat: np.ndarray) -> bool:
        """Where a term is 0·log 0 (a hard target met exactly), L unit by unit with that term left
        out (xlogy), as the unit pass does; False (nothing done) otherwise."""
        d, net = self.d, self.net
        n = net.n_out
        env = {nm.y(k).key: float(y[k - 1]) for k in range(1, n + 1)}
        env.update({nm.yhat(k).key: float(yhat[k - 1]) for k in range(1, n + 1)})
        terms = [self.loss.term_at(nm.y(k), nm.yhat(k), net.loss_options, env) for k in range(1, n + 1)]
        if not any(dropped for _, dropped in terms):
            return False
        for k in range(1, n + 1):   # the entries of the vectors computed above
            d.bind(nm.y(k), float(y[k - 1]))
            d.bind(nm.yhat(k), float(yhat[k - 1]))
        body = total(t for t, _ in terms)
        d.derive(nm.loss(), self.scaled(body),
                 note="0·log 0 = 0 (the limit, as xlogy and the frameworks take it): those terms are left out")
        return True

    def _loss_vectors_from_logits(self, nm: Names, y: np.ndarray) -> None:
        d, net, l = self.d, self.net, self.L
        n = net.n_out
        if self.out_act.coupled:
            # the row form needs the scores one by one
            zval, ys, zs = self.array(nm.zv(l)), [nm.y(k) for k in range(1, n + 1)], [nm.z(l, k) for k in range(1, n + 1)]
            for k in range(n):
                d.bind(ys[k], float(y[k]))
                d.bind(zs[k], float(zval[k]))
            top = int(np.argmax(zval))
            d.derive(nm.loss(), self.loss.logit_row_term(ys, zs, top, zs[top]), note=self.logits_note())
            return
        reduce = "sum" if n == 1 or net.reduction == Reduction.SUM else "mean"
        plain = call(reduce, self.loss.term(nm.yv(), nm.av(l), net.loss_options))
        d.derive(nm.loss(), plain, call(reduce, self.loss.logit_term(nm.yv(), nm.zv(l))), note=self.logits_note())

    def backward_vectors(self, nm: Names) -> None:
        d, net = self.d, self.net
        for layer in reversed(net.layers):
            l, act = layer.index, layer.activation
            z = nm.zv(l)
            if l == self.L:
                yhat, y = nm.av(l), nm.yv()
                if act.coupled and self.loss.pairs_with(act):
                    d.derive(nm.deltav(l), yhat - y, note="softmax with cross-entropy: δ = ŷ − y")
                elif self.from_logits:
                    d.derive(nm.deltav(l), self.scaled(yhat - y), self.scaled(self.loss.logit_delta(y, z)),
                             note="sigmoid with BCE: δ = ŷ − y, written in z so that it keeps its digits "
                                  "where ŷ rounds to 1 (σ(z) + σ(−z) = 1)")
                else:
                    dy = N.partial(nm.loss(), yhat)
                    d.derive(dy, self.dL_dyhat(y, yhat), note="elementwise")
                    if act.coupled:
                        jac = N.partial(yhat, z)
                        d.derive(jac, act.vector_jacobian(yhat), note=act.vector_jacobian_note)
                        d.derive(nm.deltav(l), MatMul(jac, dy))
                    else:
                        da = N.partial(yhat, z)
                        d.derive(da, act.slope(z, yhat, layer.act_params), note="elementwise")
                        d.derive(nm.deltav(l), hadamard(dy, da))
            else:
                a = nm.av(l)
                da = N.partial(a, z)
                d.derive(da, act.slope(z, a, layer.act_params), note="elementwise")
                Wn = nm.Wm(l + 1)
                back = (MatMul(nm.deltav(l + 1), Transpose(Wn)) if net.layout == "in_out"
                        else MatMul(Transpose(Wn), nm.deltav(l + 1)))
                dad = self.dropout_factor_vector(nm, layer)   # ∂ã/∂a with dropout
                d.derive(nm.deltav(l), hadamard(back, dad, da) if dad is not None else hadamard(back, da))
            a_prev = nm.outv(l - 1)
            grad = (Outer(a_prev, nm.deltav(l), rows=True) if net.layout == "in_out"
                    else Outer(nm.deltav(l), a_prev, rows=False))
            d.derive(nm.param_grad(nm.Wm(l)), grad, note="the same layout as W" + f"^[{l}]")
            d.derive(nm.param_grad(nm.bv(l)), nm.deltav(l))
            self.penalty_grads(nm, layer, units=False)
