"""kind: loss — the problem as written: which loss, the targets and predictions (vectors, rows of
outputs, one-hot rows or class labels) and the options each loss takes, checked against its
`Loss` record. The working is in `kinds/loss.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional

import numpy as np
from pydantic import ConfigDict, Field, GetJsonSchemaHandler
from pydantic_core import CoreSchema

from dlsolve.errors import Path, SpecInvalid, did_you_mean
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import NameNeeds, PreparedSpec, frozen, written
from dlsolve.kinds.prob import NAME_NEEDS_CLASSES, class_index, log_base
from dlsolve.losses import LOSSES, Loss
from dlsolve.schema import LogBase, LossName, Targets, Vector, VectorOrMatrix  # field types with a JSON Schema


# Which losses take each option, read from the `Loss` records: the validator refuses an option the
# loss does not take, and the JSON Schema states the same (`_option_rules`).
TAKES: dict[str, Callable[[Loss], bool]] = {
    "half": lambda l: "half" in l.options,
    "label_smoothing": lambda l: l.smoothing is not None,
    "delta": lambda l: "delta" in l.options,
    "beta": lambda l: "beta" in l.options,
    "margin": lambda l: "margin" in l.options,
    "from_logits": lambda l: l.logit is not None,
    "log_base": lambda l: l.logarithmic,
}


# What writing each option looks like in the JSON Schema (false, null or the natural log take nothing).
_OPTION_WRITTEN: dict[str, dict[str, Any]] = {"half": {"const": True}, "from_logits": {"const": True},
                                              "log_base": {"enum": [2, 10, "2", "10"]}}


def _option_rules(schema: dict[str, Any]) -> None:
    """Which losses take which option (TAKES), stated in the JSON Schema."""
    schema.setdefault("allOf", []).extend(
        [{"if": written(key, _OPTION_WRITTEN.get(key)),
          "then": {"properties": {"loss": {"enum": [n for n, l in LOSSES.items() if takes(l)]}}}}
         for key, takes in TAKES.items()])


Labels = Optional[tuple[int, ...]]      # the class index of each sample, for the class-wise losses with labels


@dataclass(frozen=True)
class Problem:
    """A loss problem's numbers, checked against its `Loss` record: the targets and predictions as
    arrays of one shape (a vector, or one row per sample), the class of each sample where the loss
    takes labels or one-hot rows, the log base, and the sample weights."""

    loss: Loss
    y: np.ndarray                         # targets (one-hot rows for labels)
    yhat: np.ndarray                      # predictions (scores with from_logits)
    labels: Labels
    base: str                             # a key of LOG_FUNCTION
    weights: Optional[np.ndarray]         # one per sample, or None


class Spec(PreparedSpec[Problem]):
    """kind: loss — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (NameNeeds("y_true", "classes", message=NAME_NEEDS_CLASSES),)
    kind: Literal["loss"]
    title: Optional[str] = None
    loss: LossName = Field(description="the loss ℓ(y, ŷ) of each sample, then reduced over the samples")
    y_true: Targets = Field(
        description="the true values y: numbers (regression, bce 0/1, hinge ±1), one-hot rows (cce), or class indices"
                    " or names (sparse_cce, multiclass hinges)")
    y_pred: VectorOrMatrix = Field(
        description="the predictions ŷ, one per sample; cce/sparse_cce: one row of class probabilities per sample "
                    "(scores with from_logits)")
    reduction: Optional[Literal["mean", "sum", "none"]] = Field(None,
                                                                description="mean, sum or none over the samples "
                                                                            "(default mean; sse: sum)")
    from_logits: bool = Field(False,
                              description="bce/cce/sparse_cce: y_pred are scores z; the sigmoid/softmax is shown "
                                          "first and the stable logit form is used")
    classes: Optional[list[str]] = Field(None,
                                         description="names of the classes, for sparse_cce labels given by name")
    log_base: LogBase = Field("e", description="the base of the logarithm of the cross-entropies: e, 2 or 10")
    delta: Optional[float] = Field(default=None, gt=0, description="huber's δ (default 1)")
    beta: Optional[float] = Field(default=None, gt=0, description="smooth_l1's β (default 1)")
    margin: Optional[float] = Field(default=None, gt=0, description="the multiclass hinges' margin Δ (default 1)")
    sample_weight: Optional[Vector] = Field(None,
                                            description="one weight wᵢ ≥ 0 per sample: L = (1/n)·Σ wᵢ·ℓᵢ for mean (as"
                                                        " Keras), Σ wᵢ·ℓᵢ for sum")
    label_smoothing: Optional[float] = Field(default=None, ge=0, le=1,
                                             description="cce, bce: move the targets toward uniform by α first")
    half: bool = Field(False, description="mse/sse: ½(y − ŷ)²")
    epsilon: Optional[float] = Field(default=None, gt=0, lt=0.5,
                                     description="clip the probabilities into [ε, 1 − ε] before the log, as Keras "
                                                 "does (kld: its own clipping into [ε, 1], 10⁻⁷)")

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        """The fields' schema, and which losses take which option (`_option_rules`)."""
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        _option_rules(handler.resolve_ref_schema(schema))
        return schema

    def prepare(self) -> Problem:
        if self.loss not in LOSSES:
            raise SpecInvalid(f"unknown loss: {did_you_mean(self.loss, LOSSES)}", ("loss",))
        loss = LOSSES[self.loss]
        base = log_base(self.log_base, ("log_base",))
        chosen = {"half": self.half, "label_smoothing": self.label_smoothing is not None,
                   "delta": self.delta is not None, "beta": self.beta is not None, "margin": self.margin is not None,
                   "from_logits": self.from_logits, "log_base": base != "e"}
        for key, takes in TAKES.items():
            if chosen[key] and not takes(loss):
                raise SpecInvalid(f"{key} applies to {_takers(takes)}, not {self.loss}", (key,))
        y, yhat, labels = self._classwise(loss) if loss.classwise else self._elementwise(loss)
        weights = None
        if self.sample_weight is not None:
            weights = V.vector(self.sample_weight, ("sample_weight",), scalar_ok=False)
            if len(weights) != len(yhat):
                raise SpecInvalid(f"expected {len(yhat)} weights (one per sample), got {len(weights)}",
                                  ("sample_weight",))
            for i, v in enumerate(weights):
                if v < 0:
                    raise SpecInvalid(f"a sample weight must be 0 or more, got {v:g}", ("sample_weight", i))
        return Problem(loss, frozen(y), frozen(yhat), labels, base, None if weights is None else frozen(weights))

    def _elementwise(self, loss: Loss) -> tuple[np.ndarray, np.ndarray, Labels]:
        if _is_rows(self.y_true) or _is_rows(self.y_pred):
            return self._output_rows(loss)
        y = V.vector(self.y_true, ("y_true",))
        yhat = V.vector(self.y_pred, ("y_pred",))
        if len(y) != len(yhat):
            raise SpecInvalid(f"expected {len(y)} predictions (one per y_true value), got {len(yhat)}", ("y_pred",))
        self._check_values(loss, y, yhat, ("y_true",), ("y_pred",))
        return y, yhat, None

    def _output_rows(self, loss: Loss) -> tuple[np.ndarray, np.ndarray, Labels]:
        """A row of several outputs per sample (ℓ_μ over the row's units, as the loss reduces them)."""
        if not (_is_rows(self.y_true) and _is_rows(self.y_pred)):
            which = "y_pred" if _is_rows(self.y_true) else "y_true"
            raise SpecInvalid("expected rows (one per sample) in both y_true and y_pred, like the other", (which,))
        y, yhat = V.matrix(self.y_true, ("y_true",)), V.matrix(self.y_pred, ("y_pred",))
        if y.shape != yhat.shape:
            raise SpecInvalid(f"expected {y.shape[0]}×{y.shape[1]} predictions like y_true, "
                              f"got {yhat.shape[0]}×{yhat.shape[1]}", ("y_pred",))
        if self.from_logits:
            raise SpecInvalid("from_logits takes one score per sample; rows of several outputs are given as "
                              "probabilities", ("from_logits",))
        for i in range(len(y)):
            self._check_values(loss, y[i], yhat[i], ("y_true", i), ("y_pred", i))
        return y, yhat, None

    def _check_values(self, loss: Loss, y: np.ndarray, yhat: np.ndarray, ypath: Path, ppath: Path) -> None:
        if loss.probabilities:
            _in_unit_interval(y, ypath, f"{self.loss} targets")
            if not self.from_logits:
                _in_unit_interval(yhat, ppath, f"{self.loss} predictions (or set from_logits: true)")
        if loss.signed_targets:
            for i, v in enumerate(y):
                if v not in (-1.0, 1.0, 0.0):
                    raise SpecInvalid(f"{self.loss} targets are −1 or +1 (0 is read as −1), got {v:g}", ypath + (i,))

    def _classwise(self, loss: Loss) -> tuple[np.ndarray, np.ndarray, Labels]:
        yhat = V.matrix(self.y_pred, ("y_pred",)) if _is_rows(self.y_pred) else \
            V.vector(self.y_pred, ("y_pred",), scalar_ok=False)[None, :]
        n, k = yhat.shape
        if loss.probabilities and not self.from_logits:
            for i, row in enumerate(yhat):
                _in_unit_interval(row, ("y_pred", i) if _is_rows(self.y_pred) else ("y_pred",),
                                  "predicted probabilities (or set from_logits: true)")
        if self.classes is not None and len(self.classes) != k:
            raise SpecInvalid(f"expected {k} class names (one per column of y_pred), got {len(self.classes)}",
                              ("classes",))
        if loss.nonzero_rows:
            for i, row in enumerate(yhat):
                if not np.any(row):
                    raise SpecInvalid(f"row {i + 1} is zero: its cosine is undefined (Keras would give 0)",
                                      ("y_pred", i) if _is_rows(self.y_pred) else ("y_pred",))
        if loss.free_rows:
            y = V.matrix(self.y_true, ("y_true",)) if _is_rows(self.y_true) else \
                V.vector(self.y_true, ("y_true",), scalar_ok=False)[None, :]
            if y.shape != yhat.shape:
                raise SpecInvalid(f"expected {n}×{k} targets like y_pred, got {y.shape[0]}×{y.shape[1]}", ("y_true",))
            for i, row in enumerate(y):
                path = ("y_true", i) if _is_rows(self.y_true) else ("y_true",)
                if loss.probabilities:
                    _in_unit_interval(row, path, f"{self.loss} targets")
                if loss.nonzero_rows and not np.any(row):
                    raise SpecInvalid(f"row {i + 1} is zero: its cosine is undefined (Keras would give 0)", path)
            labels: Labels = None
        elif not loss.sparse or (loss.scores and _is_rows(self.y_true)):  # one-hot rows
            y = V.matrix(self.y_true, ("y_true",)) if _is_rows(self.y_true) else \
                V.vector(self.y_true, ("y_true",), scalar_ok=False)[None, :]
            if y.shape != yhat.shape:
                raise SpecInvalid(f"expected {n}×{k} one-hot rows like y_pred, got {y.shape[0]}×{y.shape[1]}",
                                  ("y_true",))
            for i, row in enumerate(y):
                if not (np.all((row == 0) | (row == 1)) and row.sum() == 1):
                    raise SpecInvalid(f"row {i + 1} is not one-hot (one 1, the rest 0): "
                                      f"{[float(v) for v in row]}", ("y_true", i) if _is_rows(self.y_true) else ("y_true",))
            labels = tuple(int(np.argmax(r)) for r in y)
        else:
            raw = self.y_true if isinstance(self.y_true, list) else [self.y_true]
            if len(raw) != n:
                raise SpecInvalid(f"expected {n} labels (one per row of y_pred), got {len(raw)}", ("y_true",))
            labels = tuple(class_index(lab, self.classes, k, ("y_true", i) if isinstance(self.y_true, list)
                                       else ("y_true",)) for i, lab in enumerate(raw))
            y = np.eye(k)[list(labels)]
        return y, yhat, labels


def _takers(has: Callable[[Loss], bool]) -> str:
    """The losses with a property, as a list in prose: "bce, cce and sparse_cce"."""
    names = [l.name for l in LOSSES.values() if has(l)]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list)


def _in_unit_interval(v: np.ndarray, path: Path, what: str) -> None:
    for i, x in enumerate(v):
        if not 0 <= x <= 1:
            raise SpecInvalid(f"{what} must lie in [0, 1], got {x:g}", path + (i,))
