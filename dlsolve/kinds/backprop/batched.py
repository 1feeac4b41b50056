"""The updates a training run does not show, a whole batch at a time.

Between the first update (worked in full) and the last (shown with its parameters, loss and new
parameters), a run of 200 samples × 50 epochs has 998 updates of which only the loss and the new
parameters reach the output (the table of the updates). Worked sample by sample, each costs
every layer's vector steps per sample; here the samples of a batch are the rows of one matrix,
so an update is a fixed handful of `derive` calls whatever the batch size, each evaluating its
own formula (built once per batch size, then reused):

    Z^[l] = A^[l−1]·W^[l] + b^[l]        A^[l] = f(Z^[l])        (rows: the samples)
    J = (1/m)·Σ ℓ(Y, Ŷ)  (with the 1/n of reduction: mean)
    Δ^[L] = ∂L/∂Ŷ ⊙ f′(Z^[L])           Δ^[l] = (Δ^[l+1]·W^[l+1]ᵀ) ⊙ f′(Z^[l])
    ∂J/∂W^[l] = (1/m)·A^[l−1]ᵀ·Δ^[l]      ∂J/∂b^[l] = (1/m)·1ᵀ·Δ^[l]      W ← W − η·∂J/∂W

(W^[l] as given: with weights_layout out_in the products are A·Wᵀ, Δ·W and Δᵀ·A.) A softmax output
with cross-entropy is Ŷ = E ⊘ (E·𝟏), E = e^(Z − S) with 𝟏 the n×n matrix of ones (each row's sum
in each of its entries) and S the row's largest z where the layer pass would subtract it too
(`needs_shift`), and Δ^[L] = Ŷ − Y. These are the per-sample formulas of the layer pass stacked
row by row, so the numbers equal theirs up to the order of float additions. Where the layer pass
would take another form for some sample — a loss computed from the logits, a 0·log 0 term, a NaN,
softmax with another loss (its Jacobian per sample), dropout or regularisation (their steps are
per sample) — or the options change every number (--round, --exact), the update is worked sample
by sample as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Add, Expr, MatMul, Mul, Num, Sym, Transpose, call, hadamard, quiet
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.prob import needs_shift


def _sym(base: str, l: int | None = None) -> Sym:
    """A whole-batch quantity (never shown: its key says so)."""
    name = base if l is None else f"{base}^[{l}]"
    return Sym(f"batch:{name}", name, name)


@dataclass(frozen=True)
class BatchForms:
    """The formulas of one update for a batch of m samples: the whole-batch symbols bound before
    it (X, Y, the ones 1 and 𝟏, the softmax shift S), the output Ŷ and cost J, and the forward and
    backward steps in order."""

    X: Sym
    Y: Sym
    ones: Sym
    ones_n: Sym
    shift: Sym
    Yhat: Sym
    J: Sym
    forward: list[tuple[Sym, Expr]]
    backward: list[tuple[Sym, Expr]]
    nm: Names


class BatchedUpdates(SolverBase):
    def batchable(self) -> bool:
        """The whole run can take the batch form: numbers rather than symbols, no option that
        changes every derived number, no dropout or regularisation (their steps are per sample),
        and a softmax only as the output of cross-entropy."""
        net, d = self.net, self.d
        out = net.layers[-1].activation
        return (not net.symbolic and net.eta is not None and d.round is None and d.exact_env is None
                and net.regularization is None and all(layer.dropout is None for layer in net.layers)
                and all(layer.activation.derivative is not None for layer in net.layers[:-1])
                and (out.derivative is not None if not out.coupled else self.loss.pairs_with(out)))

    def _batch_formulas(self, m: int) -> BatchForms:
        """The formulas of one update for a batch of m samples (built once per m)."""
        cache: dict[int, BatchForms] = self.__dict__.setdefault("_batch_cache", {})
        if m in cache:
            return cache[m]
        net, nm = self.net, Names(self.net)
        in_out = net.layout == "in_out"
        mean = None if m == 1 else Num(Fraction(1, m))

        def avg(e: Expr) -> Expr:
            return e if mean is None else Mul.of(mean, e)

        A = [_sym("X")] + [_sym("A", l.index) for l in net.layers]
        Z = {l.index: _sym("Z", l.index) for l in net.layers}
        D = {l.index: _sym("Δ", l.index) for l in net.layers}
        Y, ones, ones_n, shift = _sym("Y"), _sym("1"), _sym("𝟏"), _sym("S")
        steps: list[tuple[Sym, Expr]] = []
        for layer in net.layers:
            l, W = layer.index, nm.Wm(layer.index)
            prod = MatMul(A[l - 1], W) if in_out else MatMul(A[l - 1], Transpose(W))
            steps.append((Z[l], Add.of(prod, nm.bv(l))))
            if layer.activation.coupled:   # softmax by rows: e^(Z − S) ⊘ (e^(Z − S)·𝟏), 𝟏 the n×n ones
                E = _sym("E")
                steps.append((shift, Z[l]))   # marker: S, each row's largest z where that row needs it
                steps.append((E, call("exp", Z[l] - shift)))
                steps.append((A[l], E / MatMul(E, ones_n)))
            else:
                steps.append((A[l], layer.activation.forms(Z[l], layer.act_params)[-1]))
        J = _sym("J")
        steps.append((J, avg(call("sum", self.scaled(self.loss.term(Y, A[-1], net.loss_options))))))
        backward: list[tuple[Sym, Expr]] = []
        for layer in reversed(net.layers):
            l, act = layer.index, layer.activation
            fprime = _sym("f′", l)
            if act.coupled:    # softmax with cross-entropy (the only coupled layer batchable allows)
                backward.append((D[l], A[l] - Y))
            elif l == self.L:
                backward.append((fprime, act.slope(Z[l], A[l], layer.act_params)))
                dy = _sym("∂L/∂Ŷ")
                backward.append((dy, self.dL_dyhat(Y, A[l])))
                backward.append((D[l], hadamard(dy, fprime)))
            else:
                backward.append((fprime, act.slope(Z[l], A[l], layer.act_params)))
                Wn = nm.Wm(l + 1)
                back = MatMul(D[l + 1], Transpose(Wn)) if in_out else MatMul(D[l + 1], Wn)
                backward.append((D[l], hadamard(back, fprime)))
            grad = MatMul(Transpose(A[l - 1]), D[l]) if in_out else MatMul(Transpose(D[l]), A[l - 1])
            gW, gb = _sym("∂J/∂W", l), _sym("∂J/∂b", l)
            backward.append((gW, avg(grad)))
            backward.append((N.new(nm.Wm(l)), nm.Wm(l) - N.ETA * gW))
            if net.update_bias:   # (biases kept: their gradient is not needed)
                backward.append((gb, avg(MatMul(ones, D[l]))))
                backward.append((N.new(nm.bv(l)), nm.bv(l) - N.ETA * gb))
        cache[m] = forms = BatchForms(A[0], Y, ones, ones_n, shift, A[-1], J, steps, backward, nm)
        return forms

    def hidden_update(self, batch: list[int]) -> float | None:
        """One unshown update of the samples `batch`, from the current parameters: the batch's
        mean loss, with self.W and self.b updated; None (nothing changed) where the batch form
        would differ from the layer pass (see the module's docstring)."""
        d, net = self.d, self.net
        f = self._batch_formulas(len(batch))
        nm = f.nm
        for layer in net.layers:
            d.bind(nm.Wm(layer.index), self.given_W(layer.index))
            d.bind(nm.bv(layer.index), self.b[layer.index - 1])
        if self.__dict__.get("_bound_batch") != batch:   # the same batch every update (one sample, or all): bound once
            d.bind(f.X, np.stack([net.samples[k].x for k in batch]))
            d.bind(f.Y, np.stack([net.samples[k].target for k in batch]))
            d.bind(f.ones, np.ones(len(batch)))
            d.bind(f.ones_n, np.ones((net.n_out, net.n_out)))
            self._bound_batch = list(batch)
        with quiet():   # one errstate for the whole update
            for sym, form in f.forward:
                if sym is f.shift:   # a shift softmax is unchanged by (as the layer pass's Num(max z))
                    assert isinstance(form, Sym)   # the marker's form is the Z^[l] it shifts
                    z = self.array(form)
                    d.bind(sym, np.array([[np.max(r) if needs_shift(r) else 0.0] for r in z]))
                    continue
                d.derive(sym, form)
            J = float(d.env[f.J.key])
            if not np.isfinite(J) or self.use_logits(self.array(f.Yhat)):
                return None
            for sym, form in f.backward:
                d.derive(sym, form)
        for layer in net.layers:
            l = layer.index
            W = self.array(N.new(nm.Wm(l)))
            self.W[l - 1] = np.array(W if net.layout == "in_out" else W.T, dtype=float)
            if net.update_bias:
                self.b[l - 1] = np.array(self.array(N.new(nm.bv(l))), dtype=float)
        return J
