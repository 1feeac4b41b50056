"""Loss functions: one object each, carrying everything a kind asks of a loss.

A `Loss` knows ℓ(y, ŷ) of one output unit as a formula, how it is reduced (over the units of a
network's output, and over samples in `kind: loss`), its options (half, delta), what its
targets must be (probabilities, one-hot rows, class labels, ±1), its conventions, and — for the
cross-entropies — the output activation whose logits give a stable form (sigmoid for BCE,
softmax for CE) and the terms y·log ŷ that follow xlogy's rule 0·log 0 = 0.

In a network, L = (1/n)·Σ ℓ_k (mean) or Σ ℓ_k (sum) over the n output units; ∂L/∂ŷ_k comes from
`sympy.diff` of ℓ (times 1/n for the mean). A loss of a whole row (the multiclass SVM, the
cosine similarity, the cross-entropies' sum over classes) gives `row` — ℓ of one sample from
its targets and predictions — and, where the course writes its gradient in a form of its own,
`row_grad` (CS231n's 1[s_j − s_y + Δ > 0]); its `term` is then one class's part (the SVM's
max(0, m) of one margin). What a kind may ask besides: its options (half, delta, beta, margin),
label smoothing (`smoothing`), its own clipping (`clip_epsilon`, Keras's KL), whether predictions
are scores and targets free rows. To add a loss, add one `Loss(...)` to LOSSES below and its
cases to tests/test_losses.py (a row loss also to tests/test_losses_rows.py; a network loss to
tests/reference.py for the gradient tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping, Optional, Sequence, Union, cast

import numpy as np

from dlsolve.activations import SIGMOID, SOFTMAX, Activation
from dlsolve.choice import Choice
from dlsolve.expr import Add, Cmp, Expr, Neg, Num, Piecewise, as_expr, call, evaluate, total
from dlsolve.solution import Phrase

# ŷ this close to 0 or 1 costs the plain cross-entropy its digits (or gives 0·log 0): where the
# output activation is the loss's own (sigmoid + BCE, softmax + CE), the loss and its gradient
# are then computed from the logits, as frameworks do.
LOGIT_MARGIN = 1e-6

# the options of a loss as the problem states them (reduction, delta, margin, …)
Options = dict[str, Any]
LOGARITHM = "logarithm"   # the option naming the logarithm in use: log (natural), log2 or log10


class Reduction(Choice):
    """How a loss's terms are combined: over a network's output units or a row (mean | sum), and
    over the samples of kind loss (also none: the per-sample losses are the answer)."""

    MEAN = "mean"
    SUM = "sum"
    NONE = "none"

Pieces = Callable[[Expr, Expr, Options], list[tuple[Expr, Expr]]]
# ℓ of one sample's row: (targets y_j, predictions or scores, the class label or None, options)
Row = Callable[[Sequence[Expr], Sequence[Expr], Optional[int], Options], Expr]
# ∂ℓ/∂(prediction j) of one row, in the course's form: (targets, predictions, label, options, j)
RowGrad = Callable[[Sequence[Expr], Sequence[Expr], Optional[int], Options, int], Expr]


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    term: Callable[[Expr, Expr, Options], Expr]   # ℓ(y, ŷ; options)
    default_reduction: str                      # over a network's output units: "mean" | "sum"
    reductions: tuple[str, ...] = ("mean", "sum")
    options: tuple[str, ...] = ()
    probabilities: bool = False                 # ŷ must lie in (0, 1)
    sample_reduction: str = "mean"              # over the samples of `kind: loss`
    in_network: bool = True                     # a network's output can be trained with it
    classwise: bool = False                     # a row of class probabilities per sample
    sparse: bool = False                        # targets are class labels, not one-hot rows
    takes_labels: bool = False                  # a network's target may be given as a class label
    signed_targets: bool = False                # targets are ±1 (a 0 is read as −1)
    logit: Optional[Activation] = None          # the output activation of the stable logit form
    from_logits_note: Optional[str] = None      # why ∂L/∂z = ŷ − y for that activation (kind: loss)
    logarithmic: bool = False                   # a logarithm whose base a problem may choose
    # ℓ = −Σ c·log(p) over these (c, p): xlogy's 0·log 0 = 0 drops a piece with c = 0
    pieces: Optional[Pieces] = None
    display: Optional[Callable[[Expr, Expr, Options], list[Expr]]] = None  # forms shown before ℓ
    derivative_view: bool = True                # `kind: loss` shows ∂L/∂ŷ for one sample
    kink_note: Optional[str] = None             # said beside a derivative that has a kink
    unit_convention: Optional[str] = None       # how a network's L is built, when it is fixed
    row: Optional[Row] = None                   # ℓ of a whole row, where it is not Σ of unit terms
    row_grad: Optional[RowGrad] = None          # its gradient in the course's form (else sympy.diff)
    scores: bool = False                        # predictions are scores (any real number)
    # label smoothing (y, α, K classes) → the smoothed target; None: the loss takes none
    smoothing: Optional[Callable[[Expr, Expr, int], Expr]] = None
    free_rows: bool = False                     # classwise targets are rows of numbers, not one-hot
    nonzero_rows: bool = False                  # a zero row leaves ℓ undefined (a cosine)
    clip_epsilon: Optional[float] = None        # the loss clips its inputs into [ε, 1] itself (this ε unless given)
    convention: Callable[[Options], Union[str, Phrase, None]] = field(default=lambda o: None)

    def forms(self, y: Expr, yhat: Expr, o: Options) -> list[Expr]:
        """How ℓ is written: the course's form first where it differs (max(0, 1 − y·ŷ)), then
        the formula that is evaluated."""
        return (self.display(y, yhat, o) if self.display else []) + [self.term(y, yhat, o)]

    def row_term(self, ys: Sequence[Expr], ps: Sequence[Expr], label: Optional[int], o: Options,
                 env: Optional[Mapping[str, object]] = None) -> Expr:
        """ℓ of one sample whose target and prediction are rows (classes, or several outputs): the
        loss's own row form, else its unit terms reduced over the row as `default_reduction` says
        (mse: (1/m)·Σ_j, sse: Σ_j — Keras's mean over the last axis). With `env`, each unit term
        follows xlogy's rule (`term_at`)."""
        if self.row is not None:
            return self.row(ys, ps, label, o)
        terms = [self.term(y, p, o) if env is None else self.term_at(y, p, o, env)[0] for y, p in zip(ys, ps)]
        body = total(terms)
        return body if self.default_reduction == Reduction.SUM or len(terms) == 1 else Num(Fraction(1, len(terms))) * body

    def row_gradient(self, ys: Sequence[Expr], ps: Sequence[Expr], label: Optional[int], o: Options,
                     j: int) -> Optional[Expr]:
        """∂ℓ/∂p_j in the course's form, or None: the caller differentiates `row_term`."""
        return self.row_grad(ys, ps, label, o, j) if self.row_grad is not None else None

    def term_at(self, y: Expr, yhat: Expr, o: Options, env: Mapping[str, object]) -> tuple[Expr, int]:
        """ℓ with xlogy's rule 0·log 0 = 0: a piece c·log p whose c is 0 and p is 0 at the values
        in `env` is left out (float64 would give 0·(−∞) = NaN). Returns ℓ and how many pieces
        were left out (0: ℓ is the plain term)."""
        if self.pieces is None:
            return self.term(y, yhat, o), 0
        kept, dropped = [], 0
        log = _log(o)
        for c, p in self.pieces(y, yhat, o):
            if _value(c, env) == 0.0 and _value(p, env) == 0.0:
                dropped += 1
                continue
            kept.append(c * call(log, p))
        if not dropped:
            return self.term(y, yhat, o), 0
        if not kept:
            return Num(0), dropped
        return Neg(total(kept)), dropped

    def logit_term(self, y: Expr, z: Expr) -> Expr:
        """BCE of ŷ = σ(z) written in z, max(z, 0) − z·y + log(1 + e^(−|z|)): no log of 0, no
        e^z overflow, and log1p keeps the digits of e^(−|z|) when it is tiny."""
        return call("max", z, Num(0)) - z * y + call("log1p", call("exp", -call("abs", z)))

    def logit_row_term(self, ys: Sequence[Expr], zs: Sequence[Expr], top: int, m: Expr) -> Expr:
        """CE of ŷ = softmax(z) written in z: Σ_{k≠top} y_k·(m − z_k) + log(1 + Σ_{j≠top} e^(z_j − m)),
        with m = z_top the largest score (Σ y_k = 1, and the k = top term is 0). Every exponent is ≤ 0 and the large part
        Σ y_k·(m − z_k) is exact, so the loss keeps its digits even when ŷ rounds to 1."""
        lead_terms = [y * (m - z) for k, (y, z) in enumerate(zip(ys, zs)) if k != top]
        lead = total(lead_terms)
        rest = [call("exp", z - m) for j, z in enumerate(zs) if j != top]
        tail = call("log1p", total(rest))
        return Add.of(lead, tail)

    def logit_row_plain(self, ys: Sequence[Expr], zs: Sequence[Expr]) -> Expr:
        """CE of ŷ = softmax(z) written in z, −Σ y_k·z_k + log Σ e^(z_j): log-sum-exp never takes the
        log of 0 (Σ y_k = 1); for scores of moderate size (else `logit_row_term`)."""
        lse = call("log", Add.of(*(call("exp", z) for z in zs)))
        return Add.of(Neg(Add.of(*(y * z for y, z in zip(ys, zs)))), lse)

    def logit_delta(self, y: Expr, z: Expr) -> Expr:
        """∂ℓ/∂z for a sigmoid output with BCE, σ(z) − y, written (1 − y)·σ(z) − y·σ(−z) so that it
        keeps its digits when σ(z) rounds to 1 (σ(z) + σ(−z) = 1)."""
        return (Num(1) - y) * call("sigma", z) - y * call("sigma", -z)

    logit_delta_note = ("for a sigmoid output with BCE this product simplifies to ŷ − y")
    coupled_delta_note = ("softmax output with cross-entropy: ∂L/∂z_k = Σ_j ∂L/∂ŷ_j·∂ŷ_j/∂z_k "
                          "= Σ_j (−y_j/ŷ_j)·ŷ_j(1[j = k] − ŷ_k) = ŷ_k·Σ_j y_j − y_k = ŷ_k − y_k, "
                          "because Σ_j y_j = 1")

    def pairs_with(self, act: Activation) -> bool:
        """The output activation whose gradient with this loss simplifies to ŷ − y."""
        return self.logit is act


def _value(e: Expr, env: Mapping[str, Any]) -> Optional[float]:
    try:
        v = evaluate(e, {s.key: env[s.key] for s in e.symbols() if s.key in env})
    except Exception:  # an unbound symbol (symbolic mode): nothing is dropped
        return None
    return float(v) if np.ndim(v) == 0 else None


def _sq(y: Expr, yhat: Expr, o: Options) -> Expr:
    body = (y - yhat) ** Num(2)
    return Num(Fraction(1, 2)) * body if o.get("half") else body


def _huber(y: Expr, yhat: Expr, o: Options) -> Expr:
    d = Num(o["delta"])
    e = call("abs", y - yhat)
    return Piecewise(((Num(Fraction(1, 2)) * (y - yhat) ** Num(2), Cmp("<=", e, d)),),
                     d * (e - Num(Fraction(1, 2)) * d))


def _log(o: Options) -> str:
    """The logarithm in use: natural unless the problem asks for base 2 or 10."""
    name: str = o.get(LOGARITHM, "log")
    return name


def hinge_term(y: Expr, yhat: Expr, o: Options) -> Expr:
    """max(0, 1 − y·ŷ), written piecewise so that its derivative is exact where it exists."""
    margin = y * yhat
    return Piecewise(((Num(1) - margin, Cmp("<", margin, Num(1))),), Num(0))


def _smooth_l1(y: Expr, yhat: Expr, o: Options) -> Expr:
    """PyTorch's SmoothL1Loss: ½e²/β where |e| < β, |e| − ½β beyond — Huber with δ = β, divided by β."""
    b = Num(o["beta"])
    e = call("abs", y - yhat)
    return Piecewise(((Num(Fraction(1, 2)) * (y - yhat) ** Num(2) / b, Cmp("<", e, b)),), e - Num(Fraction(1, 2)) * b)


def _margins(ss: Sequence[Expr], label: Optional[int], o: Options) -> list[tuple[int, Expr]]:
    """The multiclass SVM's margins s_j − s_y + Δ, one per class j ≠ y."""
    assert label is not None
    delta = as_expr(o["margin"])
    return [(j, s - ss[label] + delta) for j, s in enumerate(ss) if j != label]


def _multi_hinge(power: int) -> Row:
    """CS231n's multiclass SVM loss Σ_{j≠y} max(0, s_j − s_y + Δ) (power 1), or its square (2)."""
    def row(ys: Sequence[Expr], ss: Sequence[Expr], label: Optional[int], o: Options) -> Expr:
        parts: list[Expr] = [call("max", Num(0), m) for _, m in _margins(ss, label, o)]
        parts = [p ** Num(2) for p in parts] if power == 2 else parts
        return total(parts)
    return row


def _multi_hinge_grad(power: int) -> RowGrad:
    """∂ℓ/∂s_j: 1[m_j > 0] for j ≠ y (2·max(0, m_j) squared) and minus their sum for j = y."""
    def each(m: Expr) -> Expr:
        if power == 2:
            return Num(2) * call("max", Num(0), m)
        return Piecewise(((Num(1), Cmp(">", m, Num(0))),), Num(0))

    def grad(ys: Sequence[Expr], ss: Sequence[Expr], label: Optional[int], o: Options, j: int) -> Expr:
        margins = dict(_margins(ss, label, o))
        if j != label:
            return each(margins[j])
        parts = [each(m) for m in margins.values()]
        return Neg(total(parts))
    return grad


def _multi_hinge_convention(power: int) -> Callable[[Options], Phrase]:
    form = "max(0, s_j − s_y + Δ)" + ("²" if power == 2 else "")
    return lambda o: Phrase("multiclass SVM loss ℓ = Σ_{{j≠y}} " + form + " with margin Δ = {d:given} (CS231n); "
                            "PyTorch's MultiMarginLoss" + (" with p = 2" if power == 2 else "")
                            + " divides this sum by the number of classes", d=o["margin_value"])


def _cosine_row(ys: Sequence[Expr], ps: Sequence[Expr], label: Optional[int], o: Options) -> Expr:
    """Keras's CosineSimilarity loss: −Σ_j y_j·ŷ_j / (‖y‖·‖ŷ‖), the negated cosine (−1 is best)."""
    dot = total([y * p for y, p in zip(ys, ps)])
    norm_y = call("sqrt", total([y ** Num(2) for y in ys]))
    norm_p = call("sqrt", total([p ** Num(2) for p in ps]))
    return Neg(dot / (norm_y * norm_p))


def _kld(y: Expr, yhat: Expr, o: Options) -> Expr:
    """Keras's KLDivergence per class: y and ŷ clipped into [ε, 1], then y·log(y/ŷ) — summed over the
    row with no renormalisation, so a 0 in y contributes ε·log(ε/ŷ), not 0."""
    eps = as_expr(o.get("epsilon", 1e-7))
    yc, pc = call("max", y, eps), call("max", yhat, eps)
    return yc * call(_log(o), yc / pc)


def _bce_pieces(y: Expr, yhat: Expr, o: Options) -> list[tuple[Expr, Expr]]:
    return [(y, yhat), (Num(1) - y, Num(1) - yhat)]


def _ce_pieces(y: Expr, yhat: Expr, o: Options) -> list[tuple[Expr, Expr]]:
    return [(y, yhat)]


def _half_convention(o: Options) -> str:
    return ("ℓ = ½(y − ŷ)² (half: true)" if o.get("half") else
            "ℓ = (y − ŷ)², no ½ (half: true would halve every value)")


_SOFTMAX_DZ = "with softmax: ∂L/∂z_j = Σ_k ∂L/∂ŷ_k·∂ŷ_k/∂z_j = ŷ_j − y_j, because Σ_k y_k = 1"

LOSSES: dict[str, Loss] = {
    l.name: l
    for l in (
        Loss("mse", "mean squared error", _sq, "mean", options=("half",), convention=_half_convention),
        Loss("sse", "sum of squared errors", _sq, "sum", options=("half",), sample_reduction="sum",
             convention=_half_convention),
        Loss("mae", "mean absolute error", lambda y, yh, o: call("abs", y - yh), "mean",
             kink_note="at a kink the one-sided value shown is the one frameworks use"),
        Loss("huber", "Huber loss", _huber, "mean", options=("delta",),
             kink_note="at a kink the one-sided value shown is the one frameworks use",
             convention=lambda o: Phrase("Huber with δ = {d:given}: ½e² where |e| ≤ δ, δ(|e| − ½δ) "
                                         "beyond (e = y − ŷ)", d=o["delta"])),
        Loss("smooth_l1", "smooth L1 loss", _smooth_l1, "mean", options=("beta",), in_network=False,
             kink_note="at a kink the one-sided value shown is the one frameworks use",
             convention=lambda o: Phrase("smooth L1 (PyTorch) with β = {b:given}: ½e²/β where |e| < β, |e| − ½β "
                                         "beyond (e = y − ŷ); Huber with δ = β gives β times this", b=o["beta"])),
        Loss("bce", "binary cross-entropy",
             lambda y, yh, o: -(y * call(_log(o), yh) + (Num(1) - y) * call(_log(o), Num(1) - yh)),
             "mean", probabilities=True, logit=SIGMOID, logarithmic=True, pieces=_bce_pieces,
             from_logits_note="with ŷ = σ(z): ∂L/∂z = ∂L/∂ŷ·ŷ(1 − ŷ) = ŷ − y",
             # Keras: ỹ = y(1 − α) + α/2 (toward ½, the uniform of two outcomes)
             smoothing=lambda y, a, k: y * (Num(1) - a) + a / Num(2)),
        Loss("cce", "categorical cross-entropy", lambda y, yh, o: -(y * call(_log(o), yh)), "sum",
             reductions=("sum",), probabilities=True, classwise=True, takes_labels=True,
             logit=SOFTMAX, logarithmic=True, pieces=_ce_pieces, from_logits_note=_SOFTMAX_DZ,
             # Keras and PyTorch: ỹ_k = y_k(1 − α) + α/K over the K classes
             smoothing=lambda y, a, k: y * (Num(1) - a) + a / Num(k),
             unit_convention="cce sums −y_k·log ŷ_k over the classes",
             row=lambda ys, ps, label, o: Neg(Add.of(*(y * call(_log(o), p) for y, p in zip(ys, ps))))),
        Loss("sparse_cce", "sparse categorical cross-entropy", lambda y, yh, o: -call(_log(o), yh), "sum",
             reductions=("sum",), probabilities=True, classwise=True, sparse=True, in_network=False,
             logit=SOFTMAX, logarithmic=True, from_logits_note=_SOFTMAX_DZ,
             row=lambda ys, ps, label, o: -call(_log(o), ps[cast(int, label)])),  # sparse: a label always
        Loss("hinge", "hinge loss", hinge_term, "mean", in_network=False, signed_targets=True,
             display=lambda y, yh, o: [call("max", Num(0), Num(1) - y * yh)], derivative_view=False,
             convention=lambda o: "hinge ℓ = max(0, 1 − y·ŷ) with y = ±1 (a 0 label is read as −1, as Keras does)"),
        Loss("cosine_similarity", "cosine similarity loss", lambda y, p, o: -(y * p), "sum", reductions=("sum",),
             classwise=True, free_rows=True, nonzero_rows=True, in_network=False, derivative_view=False,
             row=_cosine_row,
             convention=lambda o: "cosine similarity loss ℓ = −cos(y, ŷ) = −y·ŷ/(‖y‖‖ŷ‖), as Keras computes it (from "
                                  "−1, the same direction, to 1); PyTorch's CosineEmbeddingLoss with target 1 is "
                                  "1 − cos(y, ŷ), this plus 1"),
        Loss("kld", "Kullback–Leibler divergence", _kld, "sum", reductions=("sum",),
             probabilities=True, classwise=True, free_rows=True, in_network=False, derivative_view=False,
             logarithmic=True, clip_epsilon=1e-7,
             convention=lambda o: Phrase("KL divergence as Keras computes it: y and ŷ clipped into [ε, 1] with "
                                         "ε = {e:given}, then Σ_j y_j·log(y_j/ŷ_j); the clipped rows are not "
                                         "renormalised, so a 0 in y adds ε·log(ε/ŷ_j)", e=o["epsilon_value"])),
        Loss("multiclass_hinge", "multiclass SVM (hinge) loss", lambda y, s, o: call("max", Num(0), s), "sum",
             reductions=("sum",), options=("margin",), classwise=True, sparse=True, in_network=False, scores=True,
             row=_multi_hinge(1), row_grad=_multi_hinge_grad(1), convention=_multi_hinge_convention(1),
             kink_note="where a margin is exactly 0 the gradient taken is 0, as CS231n's 1[m > 0] and the "
                       "frameworks do"),
        Loss("multiclass_squared_hinge", "multiclass squared hinge loss", lambda y, s, o: call("max", Num(0), s) ** 2,
             "sum", reductions=("sum",), options=("margin",), classwise=True, sparse=True, in_network=False,
             scores=True, row=_multi_hinge(2), row_grad=_multi_hinge_grad(2), convention=_multi_hinge_convention(2)),
    )
}

# The losses a network (kind: backprop) can be trained with.
NETWORK_LOSSES: dict[str, Loss] = {n: l for n, l in LOSSES.items() if l.in_network}

