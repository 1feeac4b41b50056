"""Training: the forward-only solution, and the loop over updates (samples, batches, epochs)
with the gradient-descent update of every parameter."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Optional, Union

import numpy as np

from dlsolve import limits, notation as N
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Mul, Num, Sym
from dlsolve.kinds.backprop.batched import BatchedUpdates
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.spec import Layer
from dlsolve.solution import WORKED, Phrase

Update = tuple[int, list[int]]   # (epoch, the samples of its batch)


class Training(BatchedUpdates):
    def solve_forward(self) -> None:
        d, net = self.d, self.net
        self.given_section()
        names = []
        for k, s in enumerate(net.samples, 1):
            nm = Names(net, k if len(net.samples) > 1 else None)
            names.append(nm)
            d.section("Forward pass" + (f": sample {k}" if len(net.samples) > 1 else ""))
            if self.detail:
                self.forward_units(nm, s.x)
            else:
                self.forward_vectors(nm, s.x)
        self.answers_table(names)

    def solve_training(self) -> None:
        """The first update in full; with several, the last one with its parameters, loss and new
        parameters (the steps the final answers point at), and a table of every update (or every
        epoch past ROWS_LIMIT updates) — so the output grows with parameters plus updates, not
        their product. `--detail full` gives every update its own section too."""
        d, net = self.d, self.net
        self.given_section()
        self.rules()
        m = net.batch_size
        batches = [list(range(i, min(i + m, len(net.samples)))) for i in range(0, len(net.samples), m)]
        updates = [(e, batch) for e in range(1, net.epochs + 1) for batch in batches]
        if (d.round is not None or d.exact_env is not None) and len(updates) > limits.MAX_ROUNDED_UPDATES:
            raise SpecInvalid(f"{len(updates):,} updates: with --round or --exact every update is worked step by "
                              f"step (no fast batch form), and at most {limits.MAX_ROUNDED_UPDATES:,} are "
                              "(limit MAX_ROUNDED_UPDATES); drop the option for the whole run", ("epochs",))
        several = len(updates) > 1
        history = History(self, updates)
        batched = self.batchable()
        for u, (epoch, batch) in enumerate(updates):
            first, last = u == 0, u == len(updates) - 1
            shown = first or last or self.every_update
            if not shown:
                if u == 1:
                    d.section(f"Updates 2 to {len(updates) - 1}")
                    d.text("Worked like the first update, each from the parameters the one before left; "
                           "their losses (and parameters) are in the table of the updates below.")
                d.record = False
                losses = self.batch_update(batch) if batched else None
                if losses is None:
                    losses = self.sample_update(batch)
                history.losses[u] = losses
                history.updated(u)
                continue
            units = self.detail and first
            names = [self._names(k + 1 if len(batch) > 1 else None) for k in batch]
            compact = _compact(names, len(net.layers))
            what = _batch_words(batch, len(net.samples), epoch, net.epochs)
            if not first:
                d.record = True
                d.section(f"Update {u + 1}: {what}")
                d.text("Worked like the first update, starting from the parameters the previous update "
                       "left; shown: those parameters, the loss and the new parameters.")
                self.bind_params(names[0], show=True, notes=False, part=WORKED)
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
                (self.loss_units if units else self.loss_vectors)(nm, sample.target)
                self.penalty_loss(nm, units)   # regularisation: Ω and L_total (nothing without)
                history.loss(nm)
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
            history.updated(u)
            if first and not several:
                self.answers_update(names[0], units)
        d.record = True
        if several and net.eta is not None:
            history.table()
            self.answers_final_params()

    def sample_update(self, batch: list[int]) -> list[float]:
        """An unshown update worked sample by sample with the layer pass: the samples' losses."""
        names = [self._names(k + 1 if len(batch) > 1 else None) for k in batch]
        self.bind_params(names[0], show=False)
        losses = []
        for nm, k in zip(names, batch):
            sample = self.net.samples[k]
            self.forward_vectors(nm, sample.x)
            self.loss_vectors(nm, sample.target)
            self.penalty_loss(nm, False)   # regularisation: Ω and L_total (nothing without)
            losses.append(float(self.d.env[nm.loss_total().key]))
            self.backward_vectors(nm)
        self.update([tuple(names)], False, new_section=False)
        return losses

    def batch_update(self, batch: list[int]) -> "list[float] | None":
        """An unshown update in the batch form (`hidden_update`): its mean loss, or None where that
        form does not apply. The first time it is used, the same update is also worked sample by
        sample and the two must agree (to 1e-9): a form the layer pass takes that the batch form
        does not know then sends the whole run sample by sample."""
        if getattr(self, "_batch_agrees", True) is False:
            return None
        before = ([W.copy() for W in self.W], [b.copy() for b in self.b])
        J = self.hidden_update(batch)
        if J is None or hasattr(self, "_batch_agrees"):
            return None if J is None else [J]
        after = (self.W, self.b)
        self.W, self.b = before
        losses = self.sample_update(batch)
        self._batch_agrees = bool(
            np.isclose(J, np.mean(losses), rtol=1e-9, atol=1e-12)
            and all(np.allclose(a, s, rtol=1e-9, atol=1e-12) for a, s in zip(after[0] + after[1], self.W + self.b)))
        return losses

    def _names(self, sample: "int | None") -> Names:
        """One Names per sample of a batch, reused by every update (its symbols are built once)."""
        cache: dict[Optional[int], Names] = self.__dict__.setdefault("_names_cache", {})
        if sample not in cache:
            cache[sample] = Names(self.net, sample)
        return cache[sample]

    def update(self, grads: list[tuple[Names, ...]], units: bool, new_section: bool = True) -> None:
        """w ← w − η·∂J/∂w with J the loss of the batch; batch gradients averaged first."""
        d, net = self.d, self.net
        if net.eta is None:
            raise TypeError("an update ran on a problem without a learning rate")
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
                grad = self.grad_sym(names[0], p, is_bias)   # ∂L/∂p, or ∂L_total/∂p with regularisation
                if m > 1:
                    avg = N.batch_avg(grad)
                    d.derive(avg, Mul.of(Num(Fraction(1, m)), Add.of(*(self.grad_sym(nm, p, is_bias) for nm in names))))
                    grad = avg
                if is_bias and not net.update_bias:
                    continue
                if i > 0:
                    self.W[l - 1][i - 1, j - 1] = d.scalar(N.new(p), p - eta * grad)
                elif i == 0:
                    self.b[l - 1][j - 1] = d.scalar(N.new(p), p - eta * grad)
                elif i == -1:
                    W = d.array(N.new(p), p - eta * grad)
                    self.W[l - 1] = np.array(W if net.layout == "in_out" else W.T, dtype=float)
                else:
                    self.b[l - 1] = np.array(d.array(N.new(p), p - eta * grad), dtype=float)
        if not net.update_bias:
            d.note("the biases keep their values (update_bias: false, as in sources that never update them)")


ROWS_LIMIT = 200     # more updates than this: one table row per epoch (per k epochs past 200 epochs)
PARAMS_LIMIT = 12    # at most this many parameters: their values in every row of the table


class History:
    """The losses of every update, and the table of the updates: one row per update (per epoch
    past ROWS_LIMIT updates) with the loss and, for a small network, every parameter after it."""

    def __init__(self, solver: "Training", updates: list[Update]) -> None:
        self.s, self.updates = solver, updates
        self.losses: list[list[float]] = [[] for _ in updates]
        self.keys: list[str] = []
        self.params: list[list[list[float]]] = []   # after each update: each layer's parameters

    def loss(self, nm: Names) -> None:
        self.losses[len(self.params)].append(float(self.s.d.env[nm.loss_total().key]))
        if self.s.d.record:   # a recorded step: the answer can point at it
            self.keys.append(nm.loss_total().key)

    def updated(self, u: int) -> None:
        """Keep the parameters after update u, layer by layer, when the network is small."""
        if self.s.net.n_params > PARAMS_LIMIT:
            self.params.append([])
            return
        self.params.append([[float(v) for v in list(self.s.given_W(l.index).ravel()) + list(self.s.b[l.index - 1])]
                            for l in self.s.net.layers])

    def _param_names(self, layer: Layer) -> list[str]:
        net, nm, l = self.s.net, Names(self.s.net), layer.index
        rows, cols = (layer.n_in, layer.n_out) if net.layout == "in_out" else (layer.n_out, layer.n_in)
        return ([nm.w_given(l, r, c).uni for r in range(1, rows + 1) for c in range(1, cols + 1)]
                + [nm.b(l, j).uni for j in range(1, layer.n_out + 1)])

    def table(self) -> None:
        d, updates, net = self.s.d, self.updates, self.s.net
        d.section("Summary of the updates")
        per_update = [float(np.mean(ls)) for ls in self.losses]
        small = net.n_params <= PARAMS_LIMIT
        if len(updates) <= ROWS_LIMIT:
            picks = list(range(len(updates)))
            marks: list[Union[int, str]] = list(range(1, len(updates) + 1))
            after: Union[str, Phrase] = "after each update"
            d.table(("update", "epoch", "samples", "loss"),
                    [(u, e, ", ".join(str(k + 1) for k in b), per_update[u - 1])
                     for u, (e, b) in enumerate(updates, 1)])
            label = "update"
        else:   # one row per epoch, or per k epochs so that there are at most ROWS_LIMIT rows
            per_epoch, k = len(updates) // net.epochs, -(-net.epochs // ROWS_LIMIT)
            spans = [(e, min(e + k, net.epochs)) for e in range(0, net.epochs, k)]
            picks = [end * per_epoch - 1 for _, end in spans]
            d.table(("epoch" if k == 1 else "epochs", "updates", "mean loss"),
                    [(e + 1 if k == 1 else f"{e + 1}–{end}", f"{e * per_epoch + 1}–{end * per_epoch}",
                      float(np.mean(per_update[e * per_epoch:end * per_epoch]))) for e, end in spans],
                    title=Phrase("one row per epoch ({n:int} updates in all): the mean loss of its updates"
                                 if k == 1 else "one row per {k:int} epochs ({n:int} updates in all): the mean "
                                 "loss of their updates", n=len(updates), k=k))
            label = "epoch" if k == 1 else "epochs"
            marks = [e + 1 if k == 1 else f"{e + 1}–{end}" for e, end in spans]
            after = "after each epoch" if k == 1 else Phrase("after every {k:int} epochs", k=k)
        if small:   # the parameters after each update (each epoch), a table per layer
            for layer in net.layers:
                head = f"layer {layer.index}: the parameters "
                d.table((label, *self._param_names(layer)),
                        [(mark, *self.params[u][layer.index - 1]) for mark, u in zip(marks, picks)],
                        title=Phrase(head + after.template, **dict(after.values)) if isinstance(after, Phrase)
                        else head + after)
        d.answer("losses", per_update, "loss of each update (batch mean)", keys=tuple(dict.fromkeys(self.keys)))


def _compact(names: list[Names], n_layers: int) -> Callable[[Sym], bool]:
    """What a later update shows: its loss and the new parameter matrices (by their keys)."""
    shown = {nm.loss().key for nm in names} | {nm.loss_total().key for nm in names}
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
