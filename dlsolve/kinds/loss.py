"""kind: loss — a loss over a few samples, worked sample by sample, with its conventions.

Per-sample values ℓ_i are always shown; then the reduction (mean, sum, or none). With
`from_logits`, the probabilities come first (sigmoid or softmax), and the loss is computed in
the stable logit form, so scores like ±1000 give finite, exact results. With one sample the
derivative ∂L/∂ŷ is given too (and ∂L/∂z, which is ŷ − y for sigmoid+BCE and softmax+CE).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.expr import Add, Expr, Mul, Neg, Num, Sym, call
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prob import LOG_FUNCTION, log_base, needs_shift
from dlsolve.losses import LOSSES, hinge_term
from dlsolve.solution import Solution
from dlsolve.schema import LogBase, LossName, Targets, VectorOrMatrix  # field types with a JSON Schema

KIND = "loss"
NAMES = ("mse", "sse", "mae", "huber", "bce", "cce", "sparse_cce", "hinge")
TITLES = {"mse": "mean squared error", "sse": "sum of squared errors", "mae": "mean absolute error",
          "huber": "Huber loss", "bce": "binary cross-entropy", "cce": "categorical cross-entropy",
          "sparse_cce": "sparse categorical cross-entropy", "hinge": "hinge loss"}
CLASSWISE = ("cce", "sparse_cce")


class Spec(BaseModel):
    """kind: loss — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["loss"]
    title: Optional[str] = None
    loss: LossName
    y_true: Targets
    y_pred: VectorOrMatrix
    reduction: Optional[Literal["mean", "sum", "none"]] = None
    from_logits: bool = False
    classes: Optional[list[str]] = None
    log_base: LogBase = "e"
    delta: float = Field(default=1.0, gt=0)
    half: bool = False
    epsilon: Optional[float] = Field(default=None, gt=0, lt=0.5)

    _y: np.ndarray
    _yhat: np.ndarray
    _labels: Optional[list[int]]
    _base: str

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        if self.loss not in NAMES:
            raise SpecInvalid(f"unknown loss: {did_you_mean(self.loss, NAMES)}", ("loss",))
        self._base = log_base(self.log_base, ("log_base",))
        if self.half and self.loss not in ("mse", "sse"):
            raise SpecInvalid(f"half applies to mse and sse, not {self.loss}", ("half",))
        if self.from_logits and self.loss not in ("bce", "cce", "sparse_cce"):
            raise SpecInvalid(f"from_logits applies to bce, cce and sparse_cce, not {self.loss}", ("from_logits",))
        if self._base != "e" and self.loss not in ("bce", "cce", "sparse_cce"):
            raise SpecInvalid(f"log_base applies to the cross-entropies, not {self.loss}", ("log_base",))
        if self.loss in CLASSWISE:
            self._classwise()
        else:
            self._elementwise()
        return self

    def _elementwise(self) -> None:
        y = V.vector(self.y_true, ("y_true",))
        yhat = V.vector(self.y_pred, ("y_pred",))
        if len(y) != len(yhat):
            raise SpecInvalid(f"expected {len(y)} predictions (one per y_true value), got {len(yhat)}", ("y_pred",))
        if self.loss == "bce":
            _in_unit_interval(y, ("y_true",), "bce targets")
            if not self.from_logits:
                _in_unit_interval(yhat, ("y_pred",), "bce predictions (or set from_logits: true)")
        if self.loss == "hinge":
            for i, v in enumerate(y):
                if v not in (-1.0, 1.0, 0.0):
                    raise SpecInvalid(f"hinge targets are −1 or +1 (0 is read as −1), got {v:g}", ("y_true", i))
        self._y, self._yhat, self._labels = y, yhat, None

    def _classwise(self) -> None:
        yhat = V.matrix(self.y_pred, ("y_pred",)) if _is_rows(self.y_pred) else \
            V.vector(self.y_pred, ("y_pred",), scalar_ok=False)[None, :]
        n, k = yhat.shape
        if not self.from_logits:
            for i, row in enumerate(yhat):
                _in_unit_interval(row, ("y_pred", i) if _is_rows(self.y_pred) else ("y_pred",),
                                  "predicted probabilities (or set from_logits: true)")
        if self.classes is not None and len(self.classes) != k:
            raise SpecInvalid(f"expected {k} class names (one per column of y_pred), got {len(self.classes)}",
                              ("classes",))
        if self.loss == "cce":
            y = V.matrix(self.y_true, ("y_true",)) if _is_rows(self.y_true) else \
                V.vector(self.y_true, ("y_true",), scalar_ok=False)[None, :]
            if y.shape != yhat.shape:
                raise SpecInvalid(f"expected {n}×{k} one-hot rows like y_pred, got {y.shape[0]}×{y.shape[1]}",
                                  ("y_true",))
            for i, row in enumerate(y):
                if not (np.all((row == 0) | (row == 1)) and row.sum() == 1):
                    raise SpecInvalid(f"row {i + 1} is not one-hot (one 1, the rest 0): "
                                      f"{[float(v) for v in row]}", ("y_true", i) if _is_rows(self.y_true) else ("y_true",))
            self._labels = [int(np.argmax(r)) for r in y]
        else:
            raw = self.y_true if isinstance(self.y_true, list) else [self.y_true]
            if len(raw) != n:
                raise SpecInvalid(f"expected {n} labels (one per row of y_pred), got {len(raw)}", ("y_true",))
            labels = []
            for i, lab in enumerate(raw):
                path = ("y_true", i) if isinstance(self.y_true, list) else ("y_true",)
                if isinstance(lab, str):
                    if not self.classes:
                        raise SpecInvalid(f"label '{lab}' is a name, but no classes: list names the classes", path)
                    if lab not in self.classes:
                        raise SpecInvalid(f"label {did_you_mean(lab, self.classes)}", path)
                    labels.append(self.classes.index(lab))
                elif isinstance(lab, int) and not isinstance(lab, bool):
                    if not 0 <= lab < k:
                        raise SpecInvalid(f"expected a class index from 0 to {k - 1} (0-based), got {lab}", path)
                    labels.append(lab)
                else:
                    raise SpecInvalid(f"expected a class index or name, got {V.describe(lab)}", path)
            self._labels = labels
            y = np.eye(k)[labels]
        self._y, self._yhat = y, yhat


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list)


def _in_unit_interval(v: np.ndarray, path: tuple, what: str) -> None:
    for i, x in enumerate(v):
        if not 0 <= x <= 1:
            raise SpecInvalid(f"{what} must lie in [0, 1], got {x:g}", path + (i,))


class Solver:
    def __init__(self, spec: Spec, options: Optional[SolveOptions] = None) -> None:
        self.spec = spec
        self.d = Derivation(options)
        self.log = LOG_FUNCTION[spec._base]
        self.reduction = spec.reduction or ("sum" if spec.loss == "sse" else "mean")
        self.options = {"half": spec.half, "delta": spec.delta, "log": self.log}

    # -- symbols ---------------------------------------------------------------------------
    def y(self, i: int, k: int | None = None) -> Sym:
        return N.quantity("y", "y", "y", (i,) if k is None else (i, k))

    def yhat(self, i: int, k: int | None = None) -> Sym:
        return N.quantity("yhat", "ŷ", r"\hat{y}", (i,) if k is None else (i, k))

    def z(self, i: int, k: int | None = None) -> Sym:
        return N.quantity("z", "z", "z", (i,) if k is None else (i, k))

    def ell(self, i: int) -> Sym:
        return N.quantity("ell", "ℓ", r"\ell", (i,))

    # -- the work --------------------------------------------------------------------------
    def conventions(self) -> None:
        spec, d = self.spec, self.d
        n = len(spec._yhat)
        if spec.loss in ("bce", "cce", "sparse_cce"):
            d.convention({"e": "natural logarithm (nats)", "2": "logarithm to base 2 (bits)",
                          "10": "logarithm to base 10"}[spec._base])
        if spec.loss in ("mse", "sse"):
            d.convention("ℓ = ½(y − ŷ)² (half: true)" if spec.half else
                         "ℓ = (y − ŷ)², no ½ (half: true would halve every value)")
        if spec.loss == "huber":
            d.convention(f"Huber with δ = {spec.delta:g}: ½e² where |e| ≤ δ, δ(|e| − ½δ) beyond (e = y − ŷ)")
        if spec.loss == "hinge":
            d.convention("hinge ℓ = max(0, 1 − y·ŷ) with y = ±1 (a 0 label is read as −1, as Keras does)")
        if n > 1:
            if self.reduction == "mean":
                d.convention(f"L is the mean of the {n} per-sample losses (reduction: sum would give {n}× that)")
            elif self.reduction == "sum":
                d.convention(f"L is the sum of the {n} per-sample losses (reduction: mean would give 1/{n} of it)")
            else:
                d.convention("reduction: none — the per-sample losses are the answer")

    def given(self) -> None:
        spec, d = self.spec, self.d
        d.section("Given")
        y = spec._y
        if spec.loss == "sparse_cce":
            names = spec.classes
            d.given(Sym("labels", "labels", r"\text{labels}"), np.array(spec._labels, dtype=float),
                    note="0-based class indices" + (f" of {', '.join(names)}" if names else "")
                    + "; the one-hot rows follow")
        d.given(Sym("Y", "y", "y"), y if y.ndim == 1 or y.shape[0] > 1 else y[0],
                note="targets" + (" (one-hot rows)" if y.ndim == 2 else ""))
        yhat = spec._yhat
        d.given(Sym("Yhat", "z" if spec.from_logits else "ŷ", "z" if spec.from_logits else r"\hat{y}"),
                yhat if yhat.ndim == 1 or yhat.shape[0] > 1 else yhat[0],
                note="scores (logits)" if spec.from_logits else "predictions")
        if spec.loss == "hinge":
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

    def probabilities(self) -> Optional[list]:
        spec, d = self.spec, self.d
        if not spec.from_logits:
            return None
        d.section("Probabilities from the scores")
        if spec.loss == "bce":
            out = []
            for i in range(1, len(spec._yhat) + 1):
                z = self.z(i)
                out.append(float(d.derive(self.yhat(i), call("sigma", z), Num(1) / (Num(1) + call("exp", -z)))))
            return out
        from dlsolve.kinds.prob import softmax_steps

        rows = []
        n, k = spec._yhat.shape
        for i in range(1, n + 1):
            d.section(f"Softmax of sample {i}", level=2)
            rows.append(softmax_steps(d, [self.z(i, c) for c in range(1, k + 1)], None,
                                      [self.yhat(i, c) for c in range(1, k + 1)], tag=f"row{i}"))
        return rows

    def clip(self) -> None:
        """Keras-style clipping of the probabilities into [ε, 1 − ε], with a note where it bites."""
        spec, d = self.spec, self.d
        eps = spec.epsilon
        if eps is None:
            return
        d.section("Clipping")
        e = Sym("eps", "ε", r"\varepsilon")
        d.given(e, eps, note="probabilities are clipped into [ε, 1 − ε] before the logarithm, as Keras does")
        keys = [(i,) for i in range(1, len(spec._yhat) + 1)] if spec._yhat.ndim == 1 else \
            [(i, k) for i in range(1, spec._yhat.shape[0] + 1) for k in range(1, spec._yhat.shape[1] + 1)]
        for idx in keys:
            p = self.yhat(*idx)
            v = d.env[p.key]
            if v < eps or v > 1 - eps:
                d.derive(p, call("min", call("max", p, e), Num(1) - e),
                         note=f"clipping bites: {v:g} becomes {min(max(v, eps), 1 - eps):g}")

    def per_sample(self) -> list[float]:
        spec, d = self.spec, self.d
        d.section("Per-sample losses")
        out = []
        for i in range(1, len(spec._yhat) + 1):
            forms = self.term(i)
            out.append(float(d.derive(self.ell(i), *forms)))
        return out

    def term(self, i: int) -> list[Expr]:
        spec = self.spec
        if spec.loss == "hinge":
            return [call("max", Num(0), Num(1) - self.y(i) * self.yhat(i)), hinge_term(self.y(i), self.yhat(i), {})]
        if spec.loss == "bce" and spec.from_logits:
            z, y = self.z(i), self.y(i)
            plain = LOSSES["bce"].term(y, self.yhat(i), self.options)
            stable = call("max", z, Num(0)) - z * y + call("log", Num(1) + call("exp", -call("abs", z)))
            return [plain, self._in_base(stable)]
        if spec.loss in CLASSWISE:
            k = spec._yhat.shape[1]
            if spec.loss == "sparse_cce":
                c = spec._labels[i - 1] + 1
                forms: list[Expr] = [Neg(call(self.log, self.yhat(i, c)))]
            else:
                forms = [Neg(Add.of(*(self.y(i, j) * call(self.log, self.yhat(i, j)) for j in range(1, k + 1))))]
            if spec.from_logits:
                # −Σ y_j·z_j + log Σ e^(z_j): log-sum-exp never takes the log of 0
                zs = [self.z(i, j) for j in range(1, k + 1)]
                zvals = np.array([self.d.env[z.key] for z in zs])
                m = float(np.max(zvals))
                lse: Expr = call("log", Add.of(*(call("exp", z) for z in zs)))
                if needs_shift(zvals) or np.max(np.abs(zvals)) > 30:
                    mm = Num(m)
                    lse = mm + call("log", Add.of(*(call("exp", z - mm) for z in zs)))
                ys = [self.y(i, j) for j in range(1, k + 1)]
                forms.append(self._in_base(Add.of(Neg(Add.of(*(y * z for y, z in zip(ys, zs)))), lse)))
            return forms
        return [LOSSES[spec.loss].term(self.y(i), self.yhat(i), self.options)]

    def _in_base(self, nats: Expr) -> Expr:
        base = self.spec._base
        return nats if base == "e" else nats / call("log", Num(int(base)))

    def reduce(self, values: list[float]) -> Optional[float]:
        d, n = self.d, len(values)
        if self.reduction == "none":
            return None
        d.section("Reduction")
        ells = [self.ell(i) for i in range(1, n + 1)]
        body = Add.of(*ells) if n > 1 else ells[0]
        L = Sym("L", "L", "L")
        formula = body if self.reduction == "sum" or n == 1 else Mul.of(Num(Fraction(1, n)), body)
        return float(d.derive(L, formula))

    def derivative_view(self) -> None:
        """One sample: ∂L/∂ŷ (and ∂L/∂z from logits), the first step of backprop."""
        spec, d = self.spec, self.d
        if len(spec._yhat) != 1 or spec.loss in ("hinge",):
            return
        from dlsolve.symbolic import diff

        d.section("Derivative (the first step of backprop)")
        L = Sym("L", "L", "L")
        if spec.loss in CLASSWISE:
            k = spec._yhat.shape[1]
            grads = []
            for j in range(1, k + 1):
                term = Neg(self.y(1, j) * call(self.log, self.yhat(1, j)))
                grads.append(float(d.derive(N.partial(L, self.yhat(1, j)), diff(term, self.yhat(1, j)))))
            d.answer("dL_dyhat", grads, "∂L/∂ŷ")
            if spec.from_logits:
                d.note("with softmax: ∂L/∂z_j = Σ_k ∂L/∂ŷ_k·∂ŷ_k/∂z_j = ŷ_j − y_j, because Σ_k y_k = 1"
                       + ("" if spec._base == "e" else f", divided by ln {spec._base} for base-{spec._base} logs"))
                dz = [float(d.derive(N.partial(L, self.z(1, j)), self._in_base(self.yhat(1, j) - self.y(1, j))))
                      for j in range(1, k + 1)]
                d.answer("dL_dz", dz, "∂L/∂z", depends=("probabilities",))
            return
        term = self.term(1)[0] if not spec.from_logits else LOSSES["bce"].term(self.y(1), self.yhat(1), self.options)

        def note(v: float) -> str:
            if not np.isfinite(v):
                return ("ŷ is 0 or 1 in float64, so ∂L/∂ŷ is infinite; ∂L/∂z from the logits stays finite, "
                        "which is why frameworks compute this loss from logits")
            return ("from sympy.diff of ℓ; at a kink the one-sided value shown is the one frameworks use"
                    if spec.loss in ("mae", "huber") else "from sympy.diff of ℓ")

        g = float(d.derive(N.partial(L, self.yhat(1)), diff(term, self.yhat(1)), note=note))
        d.answer("dL_dyhat", g, "∂L/∂ŷ")
        if spec.from_logits:
            d.note("with ŷ = σ(z): ∂L/∂z = ∂L/∂ŷ·ŷ(1 − ŷ) = ŷ − y")
            dz = float(d.derive(N.partial(L, self.z(1)), self._in_base(self.yhat(1) - self.y(1))))
            d.answer("dL_dz", dz, "∂L/∂z", depends=("probabilities",))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    s = Solver(spec, options)
    s.conventions()
    s.given()
    probs = s.probabilities()
    s.clip()
    per = s.per_sample()
    if probs is not None:
        s.d.answer("probabilities", probs, "ŷ from the scores")
    s.d.answer("per_sample", per, "ℓ_i, one per sample", depends=("probabilities",) if probs else ())
    total = s.reduce(per)
    s.d.answer("loss", per if total is None else total, f"L ({s.reduction})", depends=("per_sample",))
    s.derivative_view()
    d = s.d
    d.section("Table")
    rows = []
    for i, v in enumerate(per, 1):
        yv = spec._y[i - 1]
        pv = spec._yhat[i - 1]
        rows.append((i, _cell(yv), _cell(pv), v))
    d.table(("sample", "y", "z" if spec.from_logits else "ŷ", "ℓ"), rows)
    return d.solution(KIND, spec.title or TITLES[spec.loss])


def _cell(v: Any) -> Union[float, str]:
    if np.ndim(v) == 0:
        return float(v)
    return "(" + ", ".join(f"{x:g}" for x in v) + ")"
