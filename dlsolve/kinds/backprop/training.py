"""Training: the forward-only solution, and the loop over updates (samples, batches, epochs)
with the gradient-descent update of every parameter."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Add, Mul, Num, Sym
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names


class Training(SolverBase):
    def solve_forward(self) -> None:
        d, net = self.d, self.net
        self.given_section()
        for k, s in enumerate(net.samples, 1):
            nm = Names(net, k if len(net.samples) > 1 else None)
            d.section("Forward pass" + (f": sample {k}" if len(net.samples) > 1 else ""))
            if self.detail:
                self.forward_units(nm, s.x)
            else:
                self.forward_vectors(nm, s.x)
            if k == 1:
                self.answers_forward(nm)

    def solve_training(self) -> None:
        d, net = self.d, self.net
        self.given_section()
        self.rules()
        m = net.batch_size
        batches = [list(range(i, min(i + m, len(net.samples)))) for i in range(0, len(net.samples), m)]
        updates = [(e, batch) for e in range(1, net.epochs + 1) for batch in batches]
        losses: list[float] = []
        loss_keys: list[str] = []
        several = len(updates) > 1
        for u, (epoch, batch) in enumerate(updates):
            first = u == 0
            units = self.detail and first
            names = [Names(net, k + 1 if len(batch) > 1 else None) for k in batch]
            compact = _compact(names, len(net.layers))
            d.record = True if first else compact
            what = _batch_words(batch, len(net.samples), epoch, net.epochs)
            if not first:
                d.record = True
                d.section(f"Update {u + 1}: {what}")
                d.text("Worked like the first update, starting from the parameters the previous update "
                       "left; shown: those parameters, the loss and the new parameters.")
                self.bind_params(names[0], show=True, notes=False)
                d.record = compact
            else:
                self.bind_params(names[0], show=False)
            for nm, k in zip(names, batch):
                sample = net.samples[k]
                if first:
                    head = "Forward pass" if not several else f"Update 1 ({what}): forward pass"
                    d.section(head + (f", sample {k + 1}" if len(batch) > 1 else ""))
                (self.forward_units if units else self.forward_vectors)(nm, sample.x)
                if first:
                    d.section("Loss" + (f", sample {k + 1}" if len(batch) > 1 else ""))
                (self.loss_units if units else self.loss_vectors)(nm, sample.y)
                losses.append(d.env[nm.loss().key])
                loss_keys.append(nm.loss().key)
                if first:
                    d.section("Backward pass" + (f", sample {k + 1}" if len(batch) > 1 else ""))
                if units:
                    self.backward_units(nm)
                else:
                    self.backward_vectors(nm)
                if first and len(batch) == 1 and k == batch[0]:
                    self.answers_single(nm, units)
            if first:
                for ex in self.explain:
                    self.explain_param(names[0], ex, units)
            if net.eta is None:
                break
            self.update([tuple(names)], units, new_section=first)
            if first and not several:
                self.answers_update(names[0], units)
        d.record = True
        if several and net.eta is not None:
            d.section("Summary of the updates")
            per_update = []
            i = 0
            for u, (epoch, batch) in enumerate(updates, 1):
                batch_losses = losses[i:i + len(batch)]
                i += len(batch)
                per_update.append(float(np.mean(batch_losses)))
            d.table(("update", "epoch", "samples", "loss"),
                    [(u, e, ", ".join(str(k + 1) for k in b), per_update[u - 1])
                     for u, (e, b) in enumerate(updates, 1)])
            d.answer("losses", per_update, "loss of each update (batch mean)", keys=tuple(dict.fromkeys(loss_keys)))
            self.answers_final_params()

    def update(self, grads: list[tuple[Names, ...]], units: bool, new_section: bool = True) -> None:
        """w ← w − η·∂J/∂w with J the loss of the batch; batch gradients averaged first."""
        d, net = self.d, self.net
        eta = N.ETA
        d.bind(eta, float(net.eta))
        names = grads[0]
        m = len(names)
        if new_section:
            d.section("Update" if m == 1 else "Batch gradient and update", level=1)
            if m > 1:
                d.text("The cost J of the batch is the mean of its {m:int} sample losses, so each gradient "
                       "is the mean of the samples' gradients.", m=m)
            d.note("every gradient was computed with the old parameters; all are updated together")
        for layer in net.layers:
            l = layer.index
            params: list[tuple[Sym, int, int]] = []
            if units:
                params += [(names[0].w(l, i, j), i, j) for i in range(1, layer.n_in + 1)
                           for j in range(1, layer.n_out + 1)]
                params += [(names[0].b(l, j), 0, j) for j in range(1, layer.n_out + 1)]
            else:
                params += [(names[0].Wm(l), -1, -1), (names[0].bv(l), -2, -2)]
            for p, i, j in params:
                is_bias = i == 0 or i == -2
                grad = names[0].param_grad(p)
                if m > 1:
                    avg = N.batch_avg(grad)
                    d.derive(avg, Mul.of(Num(Fraction(1, m)), Add.of(*(nm.param_grad(p) for nm in names))))
                    grad = avg
                if is_bias and not net.update_bias:
                    continue
                value = d.derive(N.new(p), p - eta * grad)
                if i > 0:
                    self.W[l - 1][i - 1, j - 1] = value
                elif i == 0:
                    self.b[l - 1][j - 1] = value
                elif i == -1:
                    self.W[l - 1] = np.array(value if net.layout == "in_out" else value.T, dtype=float)
                else:
                    self.b[l - 1] = np.array(value, dtype=float)
        if not net.update_bias:
            d.note("update_bias: false — the biases keep their values (as in sources that never update them)")


def _compact(names: list[Names], n_layers: int):
    """What a later update shows: its loss and the new parameter matrices (by their keys)."""
    shown = {nm.loss().key for nm in names}
    for l in range(1, n_layers + 1):
        shown |= {N.new(names[0].Wm(l)).key, N.new(names[0].bv(l)).key}
    return lambda sym: sym.key in shown


def _batch_words(batch: list[int], n: int, epoch: int, epochs: int) -> str:
    ep = f"epoch {epoch}, " if epochs > 1 else ""
    if len(batch) == 1:
        return f"{ep}sample {batch[0] + 1}"
    if len(batch) == n:
        return f"{ep}all {n} samples"
    return f"{ep}samples {batch[0] + 1}–{batch[-1] + 1}"
