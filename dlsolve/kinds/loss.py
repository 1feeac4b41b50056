"""kind: loss — a loss over a few samples, worked sample by sample, with its conventions.

Per-sample values ℓ_i are always shown; then the reduction (mean, sum, or none). With
`from_logits`, the probabilities come first (sigmoid or softmax), and the loss is computed in
the stable logit form, so scores like ±1000 give finite, exact results. With one sample the
derivative ∂L/∂ŷ is given too (and ∂L/∂z, which is ŷ − y for sigmoid+BCE and softmax+CE).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Optional, Union

import numpy as np

from dlsolve.conventions import Convention
from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.expr import Expr, Mul, Num, Sym, Value, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.loss_spec import Spec
from dlsolve.kinds.prob import LOG_FUNCTION, needs_shift, softmax_steps
from dlsolve.losses import LOGARITHM, LOGIT_MARGIN, Options, Reduction
from dlsolve.solution import Cell, Phrase, Solution

KIND = "loss"

# Where sources write the same loss differently (`dlsolve check` solves again under each).
CONVENTIONS = (
    Convention(("half",), (False, True), False, {True: "½(y − ŷ)²"}),
    Convention(("reduction",), ("mean", "sum"), "mean"),
    Convention(("log_base",), ("e", 2, 10), "e", {2: "bits"}),
)


class Solver:
    def __init__(self, spec: Spec, options: Optional[SolveOptions] = None) -> None:
        self.spec = spec
        self.d = Derivation(options)
        self.problem = spec.problem
        self.log = LOG_FUNCTION[self.problem.base]
        self.loss = self.problem.loss
        self.reduction = spec.reduction or self.loss.sample_reduction
        margin = 1.0 if spec.margin is None else spec.margin
        eps = spec.epsilon if spec.epsilon is not None else self.loss.clip_epsilon
        self.margin_value, self.epsilon_value = margin, eps
        self.options: Options = {"half": spec.half, "delta": 1.0 if spec.delta is None else spec.delta, LOGARITHM: self.log,
                        "beta": 1.0 if spec.beta is None else spec.beta,
                        "margin": self.margin_sym, "margin_value": margin,
                        "epsilon": self.epsilon_sym, "epsilon_value": eps}

    margin_sym = Sym("margin", "Δ", r"\Delta")
    epsilon_sym = Sym("eps", "ε", r"\varepsilon")

    # -- symbols ---------------------------------------------------------------------------
    def y(self, i: int, k: int | None = None) -> Sym:
        return N.quantity("y", "y", "y", (i,) if k is None else (i, k))

    def yhat(self, i: int, k: int | None = None) -> Sym:
        """The prediction: ŷ, or the score s of a loss on scores (the multiclass SVM)."""
        if self.loss.scores:
            return N.quantity("s", "s", "s", (i,) if k is None else (i, k))
        return N.quantity("yhat", "ŷ", r"\hat{y}", (i,) if k is None else (i, k))

    def z(self, i: int, k: int | None = None) -> Sym:
        return N.quantity("z", "z", "z", (i,) if k is None else (i, k))

    def t(self, i: int, k: int | None = None) -> Sym:
        """The target the loss uses: y, or ỹ after label smoothing."""
        if self.spec.label_smoothing is None:
            return self.y(i, k)
        return N.quantity("ysmooth", "ỹ", r"\tilde{y}", (i,) if k is None else (i, k))

    def smooth(self) -> None:
        """Label smoothing: every target moved toward the uniform one, before the loss."""
        spec, d, loss = self.spec, self.d, self.loss
        if spec.label_smoothing is None or loss.smoothing is None:
            return
        d.section("Label smoothing")
        alpha = Sym("alpha_ls", "α", r"\alpha")
        d.given(alpha, spec.label_smoothing, note="the label smoothing")
        y = self.problem.y
        k = y.shape[1] if y.ndim == 2 else 2
        idx = [(i, j) for i in range(1, y.shape[0] + 1) for j in range(1, k + 1)] if y.ndim == 2 else \
            [(i,) for i in range(1, len(y) + 1)]
        values = [d.scalar(self.t(*ix), loss.smoothing(self.y(*ix), alpha, k)) for ix in idx]
        d.answer("y_smooth", np.array(values).reshape(y.shape) if y.ndim == 2 and y.shape[0] > 1 else values,
                 "the smoothed targets ỹ", keys=tuple(self.t(*ix).key for ix in idx))

    def weight(self, i: int) -> Sym:
        return N.quantity("w", "w", "w", (i,))

    def ell(self, i: int) -> Sym:
        return N.quantity("ell", "ℓ", r"\ell", (i,))

    # -- the work --------------------------------------------------------------------------
    def conventions(self) -> None:
        spec, d, problem = self.spec, self.d, self.problem
        n = len(problem.yhat)
        if self.loss.logarithmic:
            d.convention({"e": "natural logarithm (nats)", "2": "logarithm to base 2 (bits)",
                          "10": "logarithm to base 10"}[problem.base])
        convention = self.loss.convention(self.options)
        if convention:
            d.convention(convention)
        if problem.yhat.ndim == 2 and not self.loss.classwise:
            m = problem.yhat.shape[1]
            how = "mean" if self.loss.default_reduction == Reduction.MEAN else "sum"
            d.convention(f"each sample's ℓ is the {how} of its {{m:int}} output terms (as Keras reduces the last axis)",
                         m=m)
        if spec.label_smoothing is not None:
            d.convention("label smoothing α = {a:given}: the targets move toward the uniform distribution before the "
                         "loss (ỹ below, as Keras and PyTorch do; α = 0 is no smoothing)", a=spec.label_smoothing)
        if problem.weights is not None:
            d.convention("sample weights: each ℓ_i counts w_i times; the mean divides Σ w_i·ℓ_i by n, not by Σ w_i "
                         "(Keras's sample_weight; PyTorch's class weights divide by Σ w)")
        if n > 1:
            if self.reduction == Reduction.MEAN:
                d.convention("L is the mean of the {n:int} per-sample losses (reduction: sum would give {n:int}× that)",
                             n=n)
            elif self.reduction == Reduction.SUM:
                d.convention("L is the sum of the {n:int} per-sample losses (reduction: mean would give 1/{n:int} of it)",
                             n=n)
            else:
                d.convention("reduction: none — the per-sample losses are the answer")

    def given(self) -> None:
        spec, d, problem = self.spec, self.d, self.problem
        d.section("Given")
        y = problem.y
        if self.loss.sparse:
            names = spec.classes
            d.given(Sym("labels", "labels", r"\text{labels}"), np.array(problem.labels, dtype=float),
                    note="0-based class indices" + (f" of {', '.join(names)}" if names else "")
                    + "; the one-hot rows follow")
        d.given(Sym("Y", "y", "y"), y if y.ndim == 1 or y.shape[0] > 1 else y[0],
                note="targets" + (" (one-hot rows)" if self.loss.classwise and not self.loss.free_rows else
                                  " (one row per sample)" if y.ndim == 2 else ""))
        yhat = problem.yhat
        pred = ("z", "z") if spec.from_logits else ("s", "s") if self.loss.scores else ("ŷ", r"\hat{y}")
        d.given(Sym("Yhat", *pred), yhat if yhat.ndim == 1 or yhat.shape[0] > 1 else yhat[0],
                note="scores (logits)" if spec.from_logits else "class scores" if self.loss.scores else "predictions")
        if problem.weights is not None:
            d.given(Sym("weights", "w", r"\mathbf{w}"), problem.weights, note="the sample weights")
            for i, v in enumerate(problem.weights, 1):
                d.bind(self.weight(i), float(v))
        if self.epsilon_value is not None and self.loss.clip_epsilon is not None:
            d.given(self.epsilon_sym, self.epsilon_value, note="the clipping ε")
        if "margin" in self.loss.options:
            d.given(self.margin_sym, self.margin_value, note="the margin")
        if self.loss.signed_targets:
            y = np.where(y == 0, -1.0, y)
        if y.ndim == 1:
            for i, (a, b) in enumerate(zip(y, yhat), 1):
                d.bind(self.y(i), float(a))
                d.bind(self.z(i) if spec.from_logits else self.yhat(i), float(b))
        else:
            for i in range(y.shape[0]):
                for k in range(y.shape[1]):
                    d.bind(self.y(i + 1, k + 1), float(y[i, k]))
                    d.bind(self.z(i + 1, k + 1) if spec.from_logits else self.yhat(i + 1, k + 1), float(yhat[i, k]))

    def probabilities(self) -> Union[list[float], list[list[float]], None]:
        spec, d, logit = self.spec, self.d, self.loss.logit
        if not spec.from_logits:
            return None
        if logit is None:
            raise TypeError(f"from_logits on {self.loss.name}, which has no logit form, passed the Spec")
        d.section("Probabilities from the scores")
        if not logit.coupled:
            out = []
            for i in range(1, len(self.problem.yhat) + 1):
                z = self.z(i)
                out.append(d.scalar(self.yhat(i), call("sigma", z), Num(1) / (Num(1) + call("exp", -z))))
            return out
        rows = []
        n, k = self.problem.yhat.shape
        for i in range(1, n + 1):
            d.section(f"Softmax of sample {i}", level=2)
            rows.append(softmax_steps(d, [self.z(i, c) for c in range(1, k + 1)], None,
                                      [self.yhat(i, c) for c in range(1, k + 1)], tag=f"row{i}"))
        return rows

    def probability_keys(self) -> tuple[str, ...]:
        """The steps of ŷ from the scores, row by row."""
        yhat = self.problem.yhat
        if yhat.ndim == 1:
            return tuple(self.yhat(i).key for i in range(1, len(yhat) + 1))
        return tuple(self.yhat(i, k).key for i in range(1, yhat.shape[0] + 1) for k in range(1, yhat.shape[1] + 1))

    def clip(self) -> None:
        """Keras-style clipping of the probabilities into [ε, 1 − ε], with a note where it bites."""
        spec, d = self.spec, self.d
        eps = spec.epsilon
        if eps is None or self.loss.clip_epsilon is not None:  # a loss that clips itself shows it in ℓ
            return
        d.section("Clipping")
        e = Sym("eps", "ε", r"\varepsilon")
        d.given(e, eps, note="probabilities are clipped into [ε, 1 − ε] before the logarithm, as Keras does")
        yhat = self.problem.yhat
        keys = [(i,) for i in range(1, len(yhat) + 1)] if yhat.ndim == 1 else \
            [(i, k) for i in range(1, yhat.shape[0] + 1) for k in range(1, yhat.shape[1] + 1)]
        for idx in keys:
            p = self.yhat(*idx)
            v = d.env[p.key]
            if v < eps or v > 1 - eps:
                d.derive(p, call("min", call("max", p, e), Num(1) - e),
                         note=Phrase("clipping bites: {v:given} becomes {c:given}", v=v, c=min(max(v, eps), 1 - eps)))

    def per_sample(self) -> list[float]:
        d = self.d
        d.section("Per-sample losses")
        out = []
        for i in range(1, len(self.problem.yhat) + 1):
            forms, dropped = self.term(i)
            note = (", ".join(dropped) + ": 0·log 0 = 0 (the limit, as xlogy and the frameworks take it), "
                    "so the term is left out") if dropped else None
            out.append(d.scalar(self.ell(i), *forms, note=note))
        return out

    def term(self, i: int) -> tuple[list[Expr], list[str]]:
        """The forms of ℓ_i (the last is evaluated), and the 0·log 0 terms left out of it."""
        spec, loss, env, problem = self.spec, self.loss, self.d.env, self.problem
        if not loss.classwise and problem.yhat.ndim == 2:  # a row of several outputs
            m = problem.yhat.shape[1]
            ys, ps = [self.t(i, j) for j in range(1, m + 1)], [self.yhat(i, j) for j in range(1, m + 1)]
            return [loss.row_term(ys, ps, None, self.options, env)], []
        if not loss.classwise:
            y, yhat = self.t(i), self.yhat(i)
            if spec.from_logits:
                return [loss.term(y, yhat, self.options), self._in_base(loss.logit_term(y, self.z(i)))], []
            plain, n_dropped = loss.term_at(y, yhat, self.options, env)
            zero = [f"y{N.subscript(i)} = ŷ{N.subscript(i)}, both 0 or both 1"] if n_dropped else []
            return (loss.display(y, yhat, self.options) if loss.display else []) + [plain], zero
        k = problem.yhat.shape[1]
        pieces = [(self.t(i, j), self.yhat(i, j)) for j in range(1, k + 1)]
        label = problem.labels[i - 1] if problem.labels is not None else None
        dropped: list[str] = []
        if loss.pieces is not None:  # xlogy: a term 0·log 0 is left out
            kept = [(y, p) for y, p in pieces if spec.from_logits or env[y.key] != 0 or env[p.key] != 0]
            dropped = [f"{y.uni} = {p.uni} = 0" for y, p in pieces if (y, p) not in kept]
            pieces = kept
        forms: list[Expr] = [loss.row_term([y for y, _ in pieces], [p for _, p in pieces], label, self.options)]
        if spec.from_logits:
            # −Σ y_j·z_j + log Σ e^(z_j): log-sum-exp never takes the log of 0
            zs = [self.z(i, j) for j in range(1, k + 1)]
            zvals = np.array([env[z.key] for z in zs])
            ys = [self.t(i, j) for j in range(1, k + 1)]
            if needs_shift(zvals) or np.max(np.abs(zvals)) > 30:
                stable = loss.logit_row_term(ys, zs, int(np.argmax(zvals)), zs[int(np.argmax(zvals))])
            else:
                stable = loss.logit_row_plain(ys, zs)
            forms.append(self._in_base(stable))
        return forms, dropped

    def _in_base(self, nats: Expr) -> Expr:
        base = self.problem.base
        return nats if base == "e" else nats / call("log", Num(int(base)))

    def reduce(self, values: list[float]) -> Union[float, list[float]]:
        """L over the samples; with sample weights each ℓ_i counts w_i times, and the mean still
        divides by n (Keras's sum_over_batch_size). `reduction: none` gives the (weighted) list."""
        d, n, weighted = self.d, len(values), self.problem.weights is not None
        if self.reduction == Reduction.NONE:
            if not weighted:
                return values
            d.section("Weighted per-sample losses")
            return [d.scalar(self.weighted(i), self.weight(i) * self.ell(i)) for i in range(1, n + 1)]
        d.section("Reduction")
        ells: list[Expr] = [self.weight(i) * self.ell(i) if weighted else self.ell(i) for i in range(1, n + 1)]
        body = total(ells)
        L = Sym("L", "L", "L")
        formula = body if self.reduction == Reduction.SUM or n == 1 else Mul.of(Num(Fraction(1, n)), body)
        return d.scalar(L, formula)

    def weighted(self, i: int) -> Sym:
        return N.quantity("wl", "ℓ̃", r"\tilde{\ell}", (i,))

    def derivative_view(self) -> None:
        """One sample: ∂L/∂ŷ (and ∂L/∂z from logits), the first step of backprop."""
        spec, d, loss, problem = self.spec, self.d, self.loss, self.problem
        if loss.scores:
            self.score_gradients()
            return
        if len(problem.yhat) != 1 or not loss.derivative_view or (problem.yhat.ndim == 2 and not loss.classwise):
            return
        from dlsolve.symbolic import diff

        d.section("Derivative (the first step of backprop)")
        L = Sym("L", "L", "L")
        if loss.classwise:
            k = problem.yhat.shape[1]
            grads = []
            for j in range(1, k + 1):
                y, p = self.t(1, j), self.yhat(1, j)
                if not spec.from_logits and d.env[y.key] == 0 and d.env[p.key] == 0:
                    grads.append(d.scalar(N.partial(L, p), Num(0),
                                          note=f"{y.uni} = 0: the term 0·log {p.uni} is 0 for every "
                                               f"{p.uni} (xlogy), so its derivative is 0"))
                    continue
                term = loss.term(y, p, self.options)
                grads.append(d.scalar(N.partial(L, p), diff(term, p)))
            d.answer("dL_dyhat", grads, "∂L/∂ŷ", keys=tuple(N.partial(L, self.yhat(1, j)).key for j in range(1, k + 1)))
            if spec.from_logits:
                d.note(str(loss.from_logits_note)
                       + ("" if problem.base == "e" else
                          f", divided by ln {problem.base} for base-{problem.base} logs"))
                dzs = [d.scalar(N.partial(L, self.z(1, j)), self._in_base(self.yhat(1, j) - self.t(1, j)))
                       for j in range(1, k + 1)]
                d.answer("dL_dz", dzs, "∂L/∂z", keys=tuple(N.partial(L, self.z(1, j)).key for j in range(1, k + 1)))
            return
        # xlogy: with y = ŷ = 1 (or 0) the vanishing term and its derivative are 0
        term = loss.term_at(self.t(1), self.yhat(1), self.options, d.env)[0]

        def note(v: Value | None) -> str:
            if v is not None and not np.all(np.isfinite(v)):
                return ("ŷ is 0 or 1 in float64, so ∂L/∂ŷ divides by 0 (∞, or NaN for 0/0); ∂L/∂z from the "
                        "logits stays finite, which is why frameworks compute this loss from logits")
            return "from sympy.diff of ℓ" + (f"; {loss.kink_note}" if loss.kink_note else "")

        g = d.scalar(N.partial(L, self.yhat(1)), diff(term, self.yhat(1)), note=note)
        d.answer("dL_dyhat", g, "∂L/∂ŷ", keys=(N.partial(L, self.yhat(1)).key,))
        if spec.from_logits:
            d.note(str(loss.from_logits_note))
            y, z, yhat = self.t(1), self.z(1), self.yhat(1)
            forms = [self._in_base(yhat - y)]
            if min(d.env[yhat.key], 1 - d.env[yhat.key]) < LOGIT_MARGIN:
                forms.append(self._in_base(loss.logit_delta(y, z)))
            dz = d.scalar(N.partial(L, z), *forms, note=None if len(forms) == 1 else
                          "written in z so that it keeps its digits where ŷ rounds to 1 (σ(z) + σ(−z) = 1)")
            d.answer("dL_dz", dz, "∂L/∂z", keys=(N.partial(L, z).key,))


    def score_gradients(self) -> None:
        """A loss on class scores: ∂ℓ_i/∂s_ij for every sample, in the loss's own form (CS231n's
        1[s_j − s_y + Δ > 0] for the multiclass SVM); the mean's ∂L/∂s is 1/n of each row."""
        d, loss, labels = self.d, self.loss, self.problem.labels
        n, k = self.problem.yhat.shape
        d.section("Gradient with respect to the scores")
        if loss.kink_note:
            d.note(loss.kink_note)
        rows = []
        keys = []
        for i in range(1, n + 1):
            ys = [self.t(i, j) for j in range(1, k + 1)]
            ss = [self.yhat(i, j) for j in range(1, k + 1)]
            ell = self.ell(i)
            row = []
            for j in range(k):
                g = N.partial(ell, ss[j])
                form = loss.row_gradient(ys, ss, None if labels is None else labels[i - 1], self.options, j)
                assert form is not None, "a loss on scores gives its gradient"
                row.append(d.scalar(g, form))
                keys.append(g.key)
            rows.append(row)
        if n > 1 and self.reduction == Reduction.MEAN:
            d.note("L is the mean, so ∂L/∂s_ij = (1/{n:int})·∂ℓ_i/∂s_ij", n=n)
        d.answer("dl_ds", np.array(rows) if n > 1 else rows[0],
                 "∂ℓ_i/∂s_ij, one row per sample" if n > 1 else "∂ℓ/∂s", keys=tuple(keys))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    s = Solver(spec, options)
    s.conventions()
    s.given()
    s.smooth()
    probs = s.probabilities()
    s.clip()
    per = s.per_sample()
    if probs is not None:
        s.d.answer("probabilities", probs, "ŷ from the scores", keys=s.probability_keys())
    s.d.answer("per_sample", per, "ℓ_i, one per sample", keys=tuple(s.ell(i).key for i in range(1, len(per) + 1)))
    total = s.reduce(per)
    n = len(per)
    keys = ("L",) if s.reduction != Reduction.NONE else tuple(
        (s.weighted(i) if s.problem.weights is not None else s.ell(i)).key for i in range(1, n + 1))
    s.d.answer("loss", total, f"L ({s.reduction})" if s.reduction != Reduction.NONE else
               "w_i·ℓ_i, one per sample" if s.problem.weights is not None else "ℓ_i, one per sample", keys=keys)
    s.derivative_view()
    d = s.d
    d.section("Table")
    rows: list[tuple[Cell, ...]] = []
    for i, v in enumerate(per, 1):
        rows.append((i, _cell(s.problem.y[i - 1]), _cell(s.problem.yhat[i - 1]), v))
    d.table(("sample", "y", "z" if spec.from_logits else "s" if s.loss.scores else "ŷ", "ℓ"), rows)
    return d.solution(KIND, spec.title or s.loss.title)


def _cell(v: Union[float, np.ndarray]) -> Union[float, np.ndarray]:
    """A number, or a row of numbers (the renderer formats both)."""
    return float(v) if np.ndim(v) == 0 else np.array(v, dtype=float)
