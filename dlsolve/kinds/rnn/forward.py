"""The forward pass of a recurrent cell over a sequence, the read-out and the loss.

One `Solver` works a problem through a Derivation: every gate of every step as a worked line
(pre-activation W·x + U·h + b, then σ or tanh), the states c_t and h_t with ⊙ spelled out,
y_t = act(V·h_t + c) and the loss summed over the steps that have targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional, Union

import numpy as np

from dlsolve import notation as N
from dlsolve.activations import Activation, Params
from dlsolve.derivation import Derivation, NoteArg
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Expr, Num, Sym, call, substitute, total
from dlsolve.kinds import SolveOptions
from dlsolve.solution import GIVEN, Phrase
from dlsolve.kinds.rnn.names import Handle, Names, Param, param
from dlsolve.kinds.rnn.spec import Problem, Readout
from dlsolve.losses import Loss, Reduction

# which activation each gate applies (the candidate gates squash with tanh)
_Y = Sym("rule:y", "y", "y")
_YH = Sym("rule:yhat", "ŷ", r"\hat{y}")

# size up to which each unit gets its own lines under --detail auto (weights of one gate)
UNIT_LIMIT = 8


@dataclass
class Entry:
    """A trainable parameter: its names, its current value (layout as given), its answer name."""

    p: Param
    value: np.ndarray
    answer: str


class Solver:
    def __init__(self, problem: Problem, options: SolveOptions, record: bool = True) -> None:
        detail = options.detail
        pr = problem
        self.pr = pr
        self.d = Derivation(options)
        self.d.record = record
        n_h, n_in = pr.n_h, pr.n_in
        units = n_h * (n_in + n_h + 1) <= UNIT_LIMIT if detail == "auto" else detail == "units"
        self.nm = Names(n_in, n_h, pr.n_out, pr.layout, units)
        self.units = units
        self.entries: list[Entry] = []
        for g, gp in pr.gates.items():
            suffix = f"_{g}" if g else ""
            for kind in ("W", "U", "b", "bh"):
                value = getattr(gp, kind)
                if value is not None:
                    self.entries.append(Entry(param(kind, g, value.shape), value, kind + suffix))
        if pr.readout is not None:
            self.entries.append(Entry(param("V", "", pr.readout.V.shape), pr.readout.V, "V"))
            self.entries.append(Entry(param("c", "", pr.readout.c.shape), pr.readout.c, "c"))
        self.P = {e.answer: e.p for e in self.entries}
        self.last_target = max((t for t, y in enumerate(pr.targets, 1) if y is not None), default=0)
        self._dloss: Optional[Expr] = None

    # -- helpers ------------------------------------------------------------------------------
    @property
    def loss_of(self) -> Loss:
        """The problem's loss: the steps that ask run only when there is one."""
        if self.pr.loss is None:
            raise TypeError("a loss step ran on a problem without a loss")
        return self.pr.loss

    @property
    def ro(self) -> Readout:
        """The read-out: the steps that ask run only when there is one."""
        if self.pr.readout is None:
            raise TypeError("a read-out step ran on a problem without a read-out")
        return self.pr.readout

    def activation_of(self, g: str) -> tuple[Activation, Params]:
        """Gate g's activation and its parameters: the cell's own (σ, tanh), or the problem's
        choice for the simple RNN's single transform (its letter is "")."""
        act = self.pr.cell_class.gate(g).activation or self.pr.activation
        if act is None:
            raise TypeError(f"gate {g!r} has no activation: the spec gives the simple RNN's")
        return act, ({} if g else self.pr.act_params)

    def units_of(self, width: Optional[int] = None) -> list[Optional[int]]:
        """The unit indices to write lines for: 1 … n, or [None] for one vector line."""
        width = self.pr.n_h if width is None else width
        return list(range(1, width + 1)) if self.units else [None]

    def put(self, h: Handle, value: np.ndarray, show: Optional[Sym] = None, note: Optional[str] = None) -> None:
        """A given vector: shown as a vector, bound unit by unit where lines are per unit."""
        d = self.d
        if show is not None or not self.units:
            d.given(h(None), value, note=note)
        if self.units:
            for j, v in enumerate(value, 1):
                d.bind(h(j), float(v))

    def bind_params(self, show: bool) -> None:
        d = self.d
        for e in self.entries:
            if show:
                d.given(e.p.sym, e.value, note=self.param_note(e))
            else:
                d.bind(e.p.sym, e.value)
            for r, c in e.p.entries():
                d.bind(e.p.el(r, c), float(e.value[r - 1, c - 1] if c else e.value[r - 1]))

    def param_note(self, e: Entry) -> Optional[str]:
        if e.p.cols == 0:
            return None
        source = {"W": "input of x_t", "U": "unit of h_(t−1)", "V": "unit of h_t"}[e.p.key[0]]
        unit = "read-out unit" if e.p.key[0] == "V" else "unit"
        if self.pr.layout == "out_in":
            return f"one row per {unit}, one column per {source}"
        return f"one row per {source}, one column per {unit}"

    # -- forward ------------------------------------------------------------------------------
    def affine(self, g: str, t: int, j: Optional[int], with_recurrent: bool = True) -> Expr:
        """W·x_t + U·h_{t−1} + b (+ bʰ) of gate g, for unit j or the vector."""
        nm, P, s = self.nm, self.P, (f"_{g}" if g else "")
        terms = [nm.matvec(P["W" + s], nm.x(t), self.pr.n_in, j)]
        if with_recurrent:
            terms.append(nm.matvec(P["U" + s], nm.h(t - 1), self.pr.n_h, j))
        terms.append(P["b" + s].el(j) if j else P["b" + s].sym)
        if with_recurrent and ("bh" + s) in P:
            terms.append(P["bh" + s].el(j) if j else P["bh" + s].sym)
        return Add.of(*terms)

    def derive_units(self, h: Handle, build: Callable[[Optional[int]], Union[Expr, list[Expr]]],
                     width: Optional[int] = None, note: NoteArg = None) -> None:
        for j in self.units_of(width):
            forms = build(j)
            forms = forms if isinstance(forms, list) else [forms]
            self.d.derive(h(j), *forms, note=note)

    def activate(self, out: Handle, z: Handle, act: Activation, params: Params, width: Optional[int] = None) -> None:
        self.derive_units(out, lambda j: act.forms(z(j), params), width,
                          note=None if self.units else "elementwise")

    def gate(self, g: str, t: int) -> None:
        nm, pr = self.nm, self.pr
        pr.cell_class.pre_activation(self, g, t)
        act, params = self.activation_of(g)
        self.activate(nm.gate(g, t), nm.pre(g, t), act, params)

    def step(self, t: int) -> None:
        pr, d = self.pr, self.d
        d.section(f"Step t = {t}", level=2)
        for g in pr.gates:
            self.gate(g, t)
        pr.cell_class.new_state(self, t)
        if pr.readout is not None:
            self.readout(t)

    def readout(self, t: int) -> None:
        nm, ro = self.nm, self.ro
        n_out = self.pr.n_out
        V, c = self.P["V"], self.P["c"]

        def affine(j: Optional[int]) -> Expr:
            return Add.of(nm.matvec(V, nm.h(t), self.pr.n_h, j), c.el(j) if j else c.sym)
        probe = Sym("probe", "z", "z")
        if ro.activation.forms(probe, ro.params)[0] is probe:   # the identity: ŷ is the affine map itself
            self.derive_units(nm.yhat(t), affine, n_out)
        else:
            self.derive_units(nm.zy(t), affine, n_out)
            self.activate(nm.yhat(t), nm.zy(t), ro.activation, ro.params, n_out)

    @property
    def linear_readout(self) -> bool:
        ro = self.pr.readout
        probe = Sym("probe", "z", "z")
        return ro is not None and ro.activation.forms(probe, ro.params)[0] is probe

    # -- loss ---------------------------------------------------------------------------------
    def loss_derivative(self) -> Expr:
        """∂ℓ/∂ŷ for generic y, ŷ by sympy.diff of the loss object's term (computed once)."""
        if self._dloss is None:
            from dlsolve.symbolic import diff

            self._dloss = diff(self.loss_of.term(_Y, _YH, self.pr.loss_options), _YH)
        return self._dloss

    def scale(self) -> Optional[Expr]:
        n = self.pr.n_out
        return Num(Fraction(1, n)) if self.pr.reduction == Reduction.MEAN and n > 1 else None

    def dL_dyhat(self, t: int, j: Optional[int]) -> Expr:
        nm = self.nm
        body = substitute(self.loss_derivative(), {_Y.key: nm.target(t)(j), _YH.key: nm.yhat(t)(j)})
        s = self.scale()
        return body if s is None else s * body

    def loss(self) -> None:
        pr, nm, d, loss = self.pr, self.nm, self.d, self.loss_of
        d.section("Loss")
        steps = [t for t, y in enumerate(pr.targets, 1) if y is not None]
        for t, y in enumerate(pr.targets, 1):
            if y is not None:
                self.put(nm.target(t), y, show=nm.target(t)(None))
        single = len(steps) == 1
        if loss.probabilities:
            self._check_probabilities(steps)
        for t in steps:
            sym = nm.loss if single else nm.step_loss(t)
            if self.units:
                terms = [loss.term(nm.target(t)(k), nm.yhat(t)(k), pr.loss_options)
                         for k in range(1, pr.n_out + 1)]
                formula = total(terms)
                s = self.scale()
                d.derive(sym, formula if s is None else s * formula)
            else:
                term = loss.term(nm.target(t)(None), nm.yhat(t)(None), pr.loss_options)
                red = "mean" if self.scale() is not None else "sum"
                d.derive(sym, call(red, term), note="one read-out unit" if pr.n_out == 1 else
                         Phrase(red + " over the {n:int} read-out units", n=pr.n_out))
        if not single:
            d.derive(nm.loss, Add.of(*(nm.step_loss(t) for t in steps)),
                     note="summed over the steps that have a target")

    def _check_probabilities(self, steps: list[int]) -> None:
        """A loss of probabilities (bce, cce) needs every ŷ in [0, 1]; which read-out activation
        gives that is the values' business, not the activation's name."""
        for t in steps:
            h = self.nm.yhat(t)
            values = [self.d.env[h(j).key] for j in self.units_of(self.pr.n_out)]
            flat = np.concatenate([np.ravel(v) for v in values])
            if np.any((flat < 0) | (flat > 1)):
                raise SpecInvalid(f"{self.loss_of.name} compares probabilities, but the read-out gives ŷ = "
                                  f"{', '.join(f'{v:.6g}' for v in flat)} at step {t}; use a read-out activation "
                                  "whose values lie in [0, 1] (e.g. sigmoid)", ("readout",))

    def forward(self) -> None:
        self.d.section("Forward pass")
        for t in range(1, self.pr.T + 1):
            self.step(t)
        if self.pr.loss is not None:
            self.loss()

    def given(self) -> None:
        pr, nm, d = self.pr, self.nm, self.d
        d.section("Given")
        for t in range(1, pr.T + 1):
            self.put(nm.x(t), pr.xs[t - 1], show=nm.x(t)(None))
        self.put(nm.h(0), pr.h0, show=nm.h(0)(None), note="the initial hidden state")
        if pr.c0 is not None:
            self.put(nm.c(0), pr.c0, show=nm.c(0)(None), note="the initial cell state")
        self.bind_params(show=True)
        if pr.eta is not None:
            d.given(N.ETA, float(pr.eta), note="learning rate")
        d.text(self.model_text(), part=GIVEN)

    def model_text(self) -> Phrase:
        """The model in words, as an exam states it: the cell, the read-out, the loss and which
        steps have a target (the working shows these only as formulas with the numbers in)."""
        pr = self.pr
        cell = pr.cell_class.in_words
        if cell is None:
            act = pr.activation.label_with(pr.act_params) if pr.activation is not None else "tanh(z)"
            cell = "h_t = " + act.replace("(z)", "(W·x_t + U·h_(t−1) + b)", 1)
        words = ["The cell: " + cell.replace("{", "{{").replace("}", "}}")
                 + (", for t = 1" if pr.T == 1 else ", for t = 1 … {T:int}")]
        if pr.readout is not None:
            label = pr.readout.activation.label_with(pr.readout.params).replace("{", "{{").replace("}", "}}")
            words.append("the read-out: ŷ_t = " + ("V·h_t + b_y" if self.linear_readout else
                                                   label.replace("(z)", "(V·h_t + b_y)", 1)))
        steps = [t for t, y in enumerate(pr.targets, 1) if y is not None]
        if pr.loss is not None:
            where = ("at step {s0:int}" if len(steps) == 1 else
                     "summed over the steps " + ", ".join("{s%d:int}" % k for k in range(len(steps))))
            words.append(f"the loss: {pr.loss.title} of ŷ_t and the target y_t, " + where)
        template = "; ".join(words) + "."
        values = {"T": pr.T, **{f"s{k}": t for k, t in enumerate(steps)}}
        return Phrase(template, **{k: v for k, v in values.items() if "{" + k + ":" in template})
