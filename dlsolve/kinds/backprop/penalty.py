"""Weight regularisation: the penalty Ω added to the loss and its term in every gradient.

L_total = L + Ω with Ω = λ₂·Σw² (½·λ₂·Σw² with `half: true`) + λ₁·Σ|w| over every weight (and the
biases with `include_bias: true`); ∂L_total/∂w = ∂L/∂w + 2λ₂·w (λ₂·w with half) + λ₁·sign(w),
sign(0) = 0 (the subgradient PyTorch and NumPy take). The δ's do not change: Ω does not depend
on z. The update then uses ∂L_total/∂w.
"""

from __future__ import annotations

from fractions import Fraction

from dlsolve.expr import Add, Expr, Mul, Num, Sym, call, total
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.regularize import Regularization
from dlsolve.kinds.backprop.spec import Layer


class PenaltyPass(SolverBase):
    @property
    def _reg(self) -> Regularization:
        """The regularisation: the steps that ask run only for a problem that has one."""
        if self.net.regularization is None:
            raise TypeError("a penalty step ran on a problem without regularization")
        return self.net.regularization

    def grad_sym(self, nm: Names, p: Sym, bias: bool = False) -> Sym:
        """The gradient the update uses: ∂L_total/∂p where p is regularised, else ∂L/∂p."""
        reg = self.net.regularization
        if reg is None or (bias and not reg.include_bias):
            return nm.param_grad(p)
        return nm.total_grad(p)

    def penalty_conventions(self) -> None:
        reg, d = self.net.regularization, self.d
        if reg is None:
            return
        if reg.l2 is not None:
            d.convention("L2 regularisation with ½: Ω = λ/2·Σw², gradient λ·w (half: false would double the "
                         "penalty and its gradient)" if reg.half else
                         "L2 regularisation without ½: Ω = λΣw², gradient 2λ·w (half: true would halve the "
                         "penalty and its gradient, as weight decay λ·w)")
        if reg.l1 is not None:
            d.convention("L1 regularisation: Ω = λΣ|w|, gradient λ·sign(w) with sign(0) = 0")
        d.convention("the biases are regularised too (include_bias: true)" if reg.include_bias else
                     "the biases are not regularised (include_bias: true would add them to Ω)")

    def given_lambdas(self, nm: Names) -> None:
        reg = self.net.regularization
        if reg is None:
            return
        if reg.l2 is not None:
            self.d.given(nm.lam(2), float(reg.l2), note="L2 regularisation strength")
        if reg.l1 is not None:
            self.d.given(nm.lam(1), float(reg.l1), note="L1 regularisation strength")

    def _penalised(self, nm: Names, units: bool, only: int = 0) -> list[tuple[Sym, bool]]:
        """The parameters in Ω as (symbol, is a bias): unit by unit, or the layers' matrices (of
        layer `only`, or of every layer)."""
        out: list[tuple[Sym, bool]] = []
        include_bias = self._reg.include_bias
        for layer in self.net.layers:
            if only and layer.index != only:
                continue
            l = layer.index
            if units:
                out += [(nm.w(l, i, j), False) for i in range(1, layer.n_in + 1) for j in range(1, layer.n_out + 1)]
                if include_bias:
                    out += [(nm.b(l, j), True) for j in range(1, layer.n_out + 1)]
            else:
                out.append((nm.Wm(l), False))
                if include_bias:
                    out.append((nm.bv(l), True))
        return out

    def penalty_loss(self, nm: Names, units: bool) -> None:
        """Ω and L_total = L + Ω of one sample, after its loss."""
        reg, d = self.net.regularization, self.d
        if reg is None:
            return
        params = [p for p, _ in self._penalised(nm, units)]
        terms: list[Expr] = []
        if reg.l2 is not None:
            squares = total([p ** Num(2) if units else call("sum", p ** Num(2)) for p in params])
            terms.append(Mul.of(*([Num(Fraction(1, 2))] if reg.half else []), nm.lam(2), squares))
        if reg.l1 is not None:
            absolute = total([call("abs", p) if units else call("sum", call("abs", p)) for p in params])
            terms.append(Mul.of(nm.lam(1), absolute))
        d.derive(nm.penalty(), total(terms), note="the penalty on the weights" +
                 (" and biases" if reg.include_bias else " (not the biases)"))
        d.derive(nm.loss_total(), nm.loss() + nm.penalty())

    def _extra(self, nm: Names, p: Sym) -> Expr:
        reg = self._reg
        terms: list[Expr] = []
        if reg.l2 is not None:
            terms.append(Mul.of(nm.lam(2), p) if reg.half else Mul.of(Num(2), nm.lam(2), p))
        if reg.l1 is not None:
            terms.append(Mul.of(nm.lam(1), call("sign", p)))
        return total(terms)

    def penalty_grads(self, nm: Names, layer: Layer, units: bool) -> None:
        """∂L_total/∂p = ∂L/∂p + the penalty's term, for every regularised parameter of the layer."""
        if self.net.regularization is None:
            return
        for p, _ in self._penalised(nm, units, only=layer.index):
            self.d.derive(nm.total_grad(p), Add.of(nm.param_grad(p), self._extra(nm, p)),
                     note="the data gradient plus the penalty's")
