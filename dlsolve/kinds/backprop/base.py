"""The solver's state and what every solution shows around its passes: the conventions, the
given values, the derivatives used, and the parameters as they stand.

The passes themselves are mixins in sibling modules (units, layers, training, explain,
symbolic, answers); `dlsolve.kinds.backprop.Solver` puts them together.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.activations import Activation
from dlsolve.derivation import Derivation
from dlsolve.expr import Expr, Mul, Num, Sym, substitute
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.spec import Problem
from dlsolve.solution import GIVEN, Phrase
from dlsolve.losses import LOGIT_MARGIN, Loss, Reduction

if TYPE_CHECKING:
    from dlsolve.kinds.backprop.explain import Explain

DETAIL_LIMIT = 60   # at most this many parameters: worked unit by unit

# Generic scalar symbols for the rules shown once ("Derivatives used").
Z = Sym("z", "z", "z")
A = Sym("a", "a", "a")
Y = Sym("y", "y", "y")
YH = Sym("yhat", "ŷ", r"\hat{y}")


class SolverBase:
    """Works one problem through a Derivation. State: the current parameters (in_out arrays)."""

    def __init__(self, net: Problem, explain: tuple[Explain, ...], options: SolveOptions) -> None:
        detail = options.detail
        self.net = net
        self.d = Derivation(options)
        self.explain = explain
        # The parameters as they stand, updated in place (none in a symbolic problem: they are symbols).
        self.W: list[np.ndarray] = [l.W.copy() for l in net.layers if l.W is not None]
        self.b: list[np.ndarray] = [l.b.copy() for l in net.layers if l.b is not None]
        by_size = detail in ("auto", "full")
        self.detail = net.symbolic or (net.n_params <= DETAIL_LIMIT if by_size else detail == "units")
        self.every_update = detail == "full"   # every update in its own section, as well as the table
        self.L = len(net.layers)
        self._dloss: Optional[Expr] = None
        self._dL_dyhat: dict[tuple[str, str], Expr] = {}
        self.from_logits = False   # this sample's loss is computed from the output layer's z

    @property
    def out_act(self) -> Activation:
        return self.net.layers[-1].activation

    @property
    def loss(self) -> Loss:
        """The problem's loss: the passes that ask for it run only when there is one."""
        if self.net.loss is None:
            raise TypeError("a pass that needs the loss ran on a problem without one")
        return self.net.loss

    def array(self, sym: Sym) -> np.ndarray:
        """A vector or matrix derived (or bound) so far."""
        value = self.d.env[sym.key]
        if not isinstance(value, np.ndarray):
            raise TypeError(f"{sym.key}: expected an array, got {value!r}")
        return value

    if TYPE_CHECKING:   # the passes `Solver` mixes in (units, layers, dropout, penalty, explain, answers)
        def forward_units(self, nm: Names, x: np.ndarray) -> None: ...

        def forward_vectors(self, nm: Names, x: np.ndarray) -> None: ...

        def loss_units(self, nm: Names, y: Optional[np.ndarray]) -> None: ...

        def loss_vectors(self, nm: Names, y: np.ndarray) -> None: ...

        def backward_units(self, nm: Names) -> dict[str, Expr]: ...

        def backward_vectors(self, nm: Names) -> None: ...

        def dropout_conventions(self) -> None: ...

        def dropout_given(self, nm: Names) -> None: ...

        def penalty_conventions(self) -> None: ...

        def given_lambdas(self, nm: Names) -> None: ...

        def penalty_loss(self, nm: Names, units: bool) -> None: ...

        def grad_sym(self, nm: Names, p: Sym, bias: bool = False) -> Sym: ...

        def explain_param(self, nm: Names, ex: Explain, units: bool) -> None: ...

        def answers_table(self, names: list[Names]) -> None: ...

        def answers_single(self, nm: Names, units: bool) -> None: ...

        def answers_update(self, nm: Names, units: bool) -> None: ...

        def answers_final_params(self, units: bool = False, nm: Optional[Names] = None) -> None: ...

    # == rules ==============================================================================
    def loss_derivative(self) -> Expr:
        """∂ℓ/∂ŷ for generic y, ŷ, by sympy.diff (computed once)."""
        if self._dloss is None:
            from dlsolve.symbolic import diff

            self._dloss = diff(self.loss.term(Y, YH, self.net.loss_options), YH)
        return self._dloss

    def loss_scale(self) -> Expr | None:
        n = self.net.n_out
        if self.net.reduction == Reduction.MEAN and n > 1:
            return Num(Fraction(1, n))
        return None

    def scaled(self, body: Expr) -> Expr:
        scale = self.loss_scale()
        return body if scale is None else Mul.of(scale, body)

    def dL_dyhat(self, y: Sym, yhat: Sym) -> Expr:
        """∂L/∂ŷ in the given symbols (built once per pair: training asks every update)."""
        key = (y.key, yhat.key)
        if key not in self._dL_dyhat:
            self._dL_dyhat[key] = self.scaled(substitute(self.loss_derivative(), {Y.key: y, YH.key: yhat}))
        return self._dL_dyhat[key]

    def use_logits(self, yhat: np.ndarray) -> bool:
        """Compute this sample's loss from the logits: the output activation is the loss's own and
        some ŷ is within LOGIT_MARGIN of 0 or 1 (where ŷ's rounding costs the plain form digits,
        or gives 0·log 0)."""
        if not self.loss.pairs_with(self.out_act):
            return False
        yhat = np.asarray(yhat, dtype=float)
        return bool(np.any((yhat < LOGIT_MARGIN) | (yhat > 1 - LOGIT_MARGIN)))

    def logits_note(self) -> Phrase:
        return Phrase("ŷ is within {m:given} of 0 or 1, where its float64 rounding would cost the loss "
                      f"its digits (or give 0·log 0): L is computed from the logits z of the {self.out_act.name} "
                      "output, the stable form frameworks use (BCEWithLogits, log-softmax); it is the same "
                      "function as ℓ(y, ŷ)", m=LOGIT_MARGIN)

    def rules(self) -> None:
        """Show once the derivatives the backward pass uses, each from sympy.diff."""
        from dlsolve.symbolic import diff

        d, net = self.d, self.net
        d.section("Derivatives used")
        seen = set()
        for layer in net.layers:
            act = layer.activation
            key = (act.name, tuple(sorted(layer.act_params.items())))
            if key in seen or act.derivative is None:
                continue
            seen.add(key)
            fz = act.definition(Z, layer.act_params)
            label = Sym(f"rule:{act.name}", f"a = {act.label_with(layer.act_params)}", "a")
            if not _same_text(fz, Z) and act.definition_in_rules:
                d.derive(label, fz)
            sympy_form = diff(fz, Z)
            course = act.derivative(Z, A, layer.act_params)
            forms = [sympy_form] if _same_text(sympy_form, course) else [sympy_form, course]
            lab = act.label_phrase(layer.act_params)
            uses_a = any(s.key == A.key for s in course.symbols())
            then = ("" if len(forms) == 1 else ", then written with the unit's output a, as the course does" if uses_a
                    else ", then in the course's form")
            note = (Phrase("from sympy.diff of a = " + lab.template + then, **dict(lab.values))
                    if isinstance(lab, Phrase) else f"from sympy.diff of a = {lab}{then}")
            d.derive(Sym(f"rule:d{act.name}", "∂a/∂z", r"\frac{\partial a}{\partial z}"), *forms, note=note)
        coupled = [l.activation for l in net.layers if l.activation.coupled]
        if coupled and not self.loss.pairs_with(coupled[0]):
            d.note(coupled[0].jacobian_note)
        term = self.loss.term(Y, YH, net.loss_options)
        d.derive(Sym("rule:loss", "ℓ(y, ŷ)", r"\ell(y, \hat{y})"), term, note=f"{self.loss.title} of one output unit")
        d.derive(Sym("rule:dloss", "∂ℓ/∂ŷ", r"\frac{\partial \ell}{\partial \hat{y}}"), self.loss_derivative(),
                 note="from sympy.diff")

    # == sections around the passes ==========================================================
    def conventions(self) -> None:
        d, net = self.d, self.net
        if net.layout == "in_out":
            d.convention("w_ij^[l] joins input i to unit j: row i, column j of W^[l], so "
                         "z^[l] = a^[l−1]·W^[l] + b^[l] (weights_layout: in_out)")
        else:
            d.convention("w_ji^[l] joins input i to unit j: row j, column i of W^[l], so "
                         "z^[l] = W^[l]·a^[l−1] + b^[l] (weights_layout: out_in)")
        self.dropout_conventions()
        for layer in net.layers:
            text = layer.activation.convention_text(layer.act_params)
            if text:
                d.convention(text)
        if net.loss is None:
            return
        d.convention("log is the natural logarithm")
        n = net.n_out
        if net.loss.unit_convention:
            d.convention(net.loss.unit_convention)
        elif n > 1:
            other = Reduction.SUM if net.reduction == Reduction.MEAN else Reduction.MEAN
            factor = "{n:int}× larger" if other == Reduction.SUM else "{n:int}× smaller"
            d.convention(f"L is the {net.reduction} of ℓ over the {{n:int}} output units "
                         f"(reduction: {other} would make L and every gradient {factor})", n=n)
        if "half" in net.loss.options:
            if net.loss_options.get("half"):
                d.convention("the squared error carries ½: ℓ = ½(y − ŷ)² (without it L and every gradient double)")
            else:
                d.convention("the squared error has no ½: ℓ = (y − ŷ)² (with ½, set by half: true, L and every "
                             "gradient would halve)")
        if net.eta is not None and not net.symbolic:
            if len(net.samples) > 1:
                m = net.batch_size
                mode = ("stochastic gradient descent: one update per sample, in the given order" if m == 1 else
                        "batch gradient descent: one update per epoch, gradients averaged over all samples"
                        if m == len(net.samples) else
                        "mini-batch gradient descent: batches of {m:int}, gradients averaged over each batch")
                d.convention(mode + "; {e:int} epoch" + ("s" if net.epochs > 1 else ""), m=m, e=net.epochs)
            d.convention("biases are updated like the weights" if net.update_bias else
                         "biases are not updated: they keep their given values (update_bias: false)")
        self.penalty_conventions()

    def given_section(self) -> None:
        d, net = self.d, self.net
        nm = Names(net)
        d.section("Given")
        if len(net.samples) == 1:
            s = net.samples[0]
            if s.raw_input.ndim == 2:
                d.given(Sym("X", "X", "X"), s.raw_input, note="the input image")
                d.given(nm.xv(), s.x, note="the image flattened row by row (row-major): x₁ … x"
                        + N.subscript(s.x.size))
            else:
                d.given(nm.xv(), s.x)
            if s.y is not None:
                d.given(nm.yv(), s.y if net.n_out > 1 else float(s.y[0]))
        else:
            rows = []
            for k, s in enumerate(net.samples, 1):   # vectors as cells: the renderer formats them
                y = None if s.y is None else (float(s.y[0]) if net.n_out == 1 else s.y.copy())
                rows.append((str(k), s.x.copy(), y))
            d.table(("sample", "input x", "target y"), rows, part=GIVEN)
        self.bind_params(nm, show=True)
        self.dropout_given(nm)
        self.given_lambdas(nm)
        if net.eta is not None:
            d.given(N.ETA, float(net.eta), note="learning rate")
        d.text(self.model_text(), part=GIVEN)
        self.network_picture(nm)

    def model_text(self) -> str:
        """The activations and the loss in words, as an exam states them (the working shows them
        only as formulas with the numbers in)."""
        net = self.net
        labels = ["linear (a = z)" if layer.activation.identity else layer.activation.label_with(layer.act_params)
                  for layer in net.layers]
        if len(set(labels)) == 1:
            acts = f"Activation: {labels[0]}" + (" in every layer" if len(labels) > 1 else "")
        else:
            acts = "Activations: " + ", ".join(f"layer {k} {a}" for k, a in enumerate(labels, 1))
        return acts + (f"; loss: {net.loss.title}" if net.loss is not None else "") + "."

    def network_picture(self, nm: Names) -> None:
        """The network as the course draws it, each given weight on its arrow (none when the
        weights are symbols or the network is too large to read unit by unit)."""
        from dlsolve.pictures import network

        layers = self.net.layers
        units = [[nm.a(0, i) for i in range(1, layers[0].n_in + 1)]]
        units += [[nm.a(layer.index, j) for j in range(1, layer.n_out + 1)] for layer in layers]
        pic = network(self.W, self.b, units,
                      [layer.activation.label_with(layer.act_params) for layer in layers])
        if pic is not None:
            self.d.figure(pic, caption="the network as given: each weight on its arrow, a non-zero bias above its unit",
                          given=True)

    # == parameters ==========================================================================
    def given_W(self, l: int) -> np.ndarray:
        W = self.W[l - 1]
        return np.array(W if self.net.layout == "in_out" else W.T)

    def bind_params(self, nm: Names, show: bool, notes: bool = True, part: str = GIVEN) -> None:
        """Make the current parameters known, unit by unit and as matrices (`part=WORKED`: the
        parameters an earlier update left, which the question sheet must not show)."""
        d = self.d
        for layer in self.net.layers:
            l = layer.index
            Wg = self.given_W(l)
            if show:
                note = ("rows: inputs, columns: units (z = a·W + b)" if self.net.layout == "in_out"
                        else "rows: units, columns: inputs (z = W·a + b)")
                d.given(nm.Wm(l), Wg, note=note if notes else None, part=part)
                d.given(nm.bv(l), self.b[l - 1].copy(), part=part)
            else:
                d.bind(nm.Wm(l), Wg)
                d.bind(nm.bv(l), self.b[l - 1].copy())
            if not self.detail:
                continue  # layer by layer: only the matrices are used
            for i in range(1, layer.n_in + 1):
                for j in range(1, layer.n_out + 1):
                    d.bind(nm.w(l, i, j), float(self.W[l - 1][i - 1, j - 1]))
            for j in range(1, layer.n_out + 1):
                d.bind(nm.b(l, j), float(self.b[l - 1][j - 1]))


def _same_text(a: Expr, b: Expr) -> bool:
    return repr(a) == repr(b)
