"""The schema of kind: metrics: three sources (labels, scores with a threshold, counts), the
classes in order, and the positive class; every check raises SpecInvalid with its place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve.errors import SpecInvalid, describe, did_you_mean
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import AtLeastOne, BelongsTo, ExactlyOne, PreparedSpec, frozen
from dlsolve.schema import Confusion, Labels, Vector  # field types with a JSON Schema

LabelValue = Union[int, float, str]  # a class label as the problem writes it


def _label(value: Any, path: tuple[str | int, ...]) -> LabelValue:
    """A class label: a number or a name (a boolean is neither)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecInvalid(f"expected a label (a number or a name), got {describe(value)}", path)
    if isinstance(value, float):
        if not np.isfinite(value):
            raise SpecInvalid(f"expected a finite number, got {value}", path)
        if value.is_integer():
            return int(value)
    return value


def label_text(label: LabelValue) -> str:
    """How a class is named in prose and tables: cat, 1, 2.5."""
    return str(label)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "^": r"\^{}", "~": r"\~{}"}


def tex_text(name: str) -> str:
    """A class name made safe inside LaTeX's \\text{…}."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in name)


def _count(value: Any, path: tuple[str | int, ...]) -> float:
    v = V.number(value, path)
    if v < 0 or not float(v).is_integer():
        raise SpecInvalid(f"expected a count (a whole number ≥ 0), got {value!r}", path)
    return v


@dataclass(frozen=True)
class Counts:
    """confusion: {tp, fp, fn, tn} — the four counts of a binary problem (tn may be left out:
    then only precision, recall and F1 can be computed)."""

    tp: float
    fp: float
    fn: float
    tn: Optional[float]

    @staticmethod
    def parse(value: dict[str, Any], path: tuple[str | int, ...]) -> "Counts":
        for key in value:
            if key not in ("tp", "fp", "fn", "tn"):
                raise SpecInvalid(did_you_mean(str(key), ("tp", "fp", "fn", "tn")), path + (key, "<key>"))
        for key in ("tp", "fp", "fn"):
            if key not in value:
                raise SpecInvalid(f"missing {key} (tp, fp and fn are required; tn is optional)", path)
        got = {k: _count(value[k], path + (k,)) for k in value}
        return Counts(got["tp"], got["fp"], got["fn"], got.get("tn"))


@dataclass(frozen=True)
class Source:
    """Where the counts come from, checked: labels (as class indices) with predictions or scores,
    or a confusion matrix (and the four counts when they were given by name)."""

    true: Optional[np.ndarray] = None      # class index of every sample
    pred: Optional[np.ndarray] = None
    scores: Optional[np.ndarray] = None
    matrix: Optional[np.ndarray] = None    # a confusion matrix as given (rows = true class)
    counts: Optional[Counts] = None        # confusion given as {tp, fp, fn, tn}


@dataclass(frozen=True)
class Problem:
    """A metrics problem, checked: the classes in order, the source of the counts, and the
    index of the positive class (two classes)."""

    classes: tuple[LabelValue, ...]
    source: Source
    pos: Optional[int]


BOTH = "give either the labels (y_true with y_pred or scores) or the confusion counts, not both"


class Spec(PreparedSpec[Problem]):
    """kind: metrics — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    # one source: y_true with exactly one of y_pred and scores, or confusion alone (in this order,
    # so each way of getting it wrong has its own message)
    RULES = (
        AtLeastOne(("y_true", "confusion"), message="give y_true with y_pred or scores, or confusion (the counts)"),
        ExactlyOne(("confusion", "y_true"), message=BOTH),
        BelongsTo("y_pred", "y_true", message=BOTH),
        BelongsTo("scores", "y_true", message=BOTH),
        AtLeastOne(("y_pred", "scores", "confusion"),
                   message="y_true needs y_pred (the predicted labels) or scores (with a threshold)"),
        ExactlyOne(("confusion", "y_pred", "scores"), message="give y_pred or scores, not both"),
        BelongsTo("roc", "scores", message="the ROC curve needs scores (and y_true)"),
    )
    kind: Literal["metrics"]
    title: Optional[str] = None
    y_true: Optional[Labels] = Field(None, description="the true label of every sample (numbers or names)")
    y_pred: Optional[Labels] = Field(None, description="the predicted label of every sample (or give scores)")
    scores: Optional[Vector] = Field(None,
                                     description="a score per sample (two classes): predicted positive when score ≥ "
                                                 "threshold")
    threshold: float = Field(0.5,
                             description="the score at or above which a sample is predicted positive (default 0.5)")
    allow_any_scores: bool = Field(False, description="true: scores need not be probabilities in [0, 1]")
    confusion: Optional[Confusion] = Field(None,
                                           description="instead of labels: {tp, fp, fn, tn}, or a confusion matrix "
                                                       "(rows = true class)")
    labels: Optional[Labels] = Field(None, description="the classes in order (at least two)")
    positive: Optional[LabelValue] = Field(None, description="two classes: the positive class")
    beta: float = Field(default=1.0, gt=0, description="β of the F_β score (default 1: F1)")
    roc: bool = Field(False, description="draw the ROC curve and its AUC (needs scores)")

    def prepare(self) -> Problem:
        labels = None
        if self.labels is not None:
            if len(self.labels) < 2:
                raise SpecInvalid(f"expected at least two classes, got {len(self.labels)}", ("labels",))
            labels = [_label(v, ("labels", i)) for i, v in enumerate(self.labels)]
            for i, v in enumerate(labels):
                if v in labels[:i]:
                    raise SpecInvalid(f"'{label_text(v)}' is listed twice", ("labels", i))
        if self.confusion is not None:
            classes, source = self._from_confusion(labels)
        else:
            classes, source = self._from_labels(labels)
        k = len(classes)
        pos_index = None
        if self.positive is not None and k != 2:
            raise SpecInvalid(f"`positive` applies to two classes; there are {k}", ("positive",))
        if k == 2:
            if self.positive is not None:
                pos = _label(self.positive, ("positive",))
                if pos not in classes:
                    raise SpecInvalid(f"'{label_text(pos)}' is not one of the classes "
                                      f"{', '.join(map(label_text, classes))}", ("positive",))
            else:
                pos = 1 if 1 in classes else classes[-1]
            pos_index = classes.index(pos)
        if self.roc:
            t = source.true
            assert t is not None
            if not (np.any(t == pos_index) and np.any(t != pos_index)):
                raise SpecInvalid("the ROC curve needs at least one positive and one negative in y_true", ("roc",))
        return Problem(tuple(classes), source, pos_index)

    def _from_confusion(self, labels: Optional[list[LabelValue]]) -> tuple[list[LabelValue], Source]:
        c = self.confusion
        counts = None
        if isinstance(c, dict):
            counts = Counts.parse(c, ("confusion",))
            m = np.array([[counts.tn or 0.0, counts.fp], [counts.fn, counts.tp]])
            classes = labels if labels is not None else [0, 1]
            if len(classes) != 2:
                raise SpecInvalid(f"tp/fp/fn/tn are the counts of two classes; labels lists {len(classes)}",
                                  ("labels",))
            pos = None if self.positive is None else _label(self.positive, ("positive",))
            if pos is not None and pos == classes[0]:
                m = m[::-1, ::-1]   # the positive class is the first of `labels`
        else:
            rows = c or []
            if not rows or not all(isinstance(r, list) for r in rows):
                raise SpecInvalid("expected {tp, fp, fn, tn} or a square matrix written as a list of rows "
                                  "(rows = true class, columns = predicted)", ("confusion",))
            k = len(rows)
            for i, r in enumerate(rows):
                if len(r) != k:
                    raise SpecInvalid(f"expected a square matrix: {k} rows, so {k} entries in every row; "
                                      f"row {i + 1} has {len(r)}", ("confusion", i))
            if k < 2:
                raise SpecInvalid("expected at least two classes (a 2×2 matrix)", ("confusion",))
            m = np.array([[_count(v, ("confusion", i, j)) for j, v in enumerate(r)] for i, r in enumerate(rows)])
            classes = labels if labels is not None else list(range(k))
            if len(classes) != k:
                raise SpecInvalid(f"expected {k} labels (one per row of the confusion matrix), got {len(classes)}",
                                  ("labels",))
        if m.sum() == 0:
            raise SpecInvalid("all counts are 0: there is nothing to measure", ("confusion",))
        return list(classes), Source(matrix=frozen(m), counts=counts)

    def _from_labels(self, labels: Optional[list[LabelValue]]) -> tuple[list[LabelValue], Source]:
        assert self.y_true is not None   # RULES: y_true with y_pred or scores, or confusion
        if not self.y_true:
            raise SpecInvalid("expected at least one label, got an empty list", ("y_true",))
        n = len(self.y_true)
        true = [_label(v, ("y_true", i)) for i, v in enumerate(self.y_true)]
        scores = None
        if self.y_pred is not None:
            if len(self.y_pred) != n:
                raise SpecInvalid(f"expected {n} labels (one per entry of y_true), got {len(self.y_pred)}", ("y_pred",))
            pred = [_label(v, ("y_pred", i)) for i, v in enumerate(self.y_pred)]
        else:
            assert self.scores is not None
            if len(self.scores) != n:
                raise SpecInvalid(f"expected {n} scores (one per entry of y_true), got {len(self.scores)}", ("scores",))
            scores = V.vector(self.scores, ("scores",), scalar_ok=False)
            if not self.allow_any_scores:
                for i, v in enumerate(scores):
                    if not 0 <= v <= 1:
                        raise SpecInvalid(f"a score must lie in [0, 1] (a probability), got {self.scores[i]!r}; "
                                          "set allow_any_scores: true for other scores", ("scores", i))
            pred = []
        if labels is not None:
            classes = labels
        else:
            seen = set(true) | set(pred)
            if seen <= {0, 1}:
                classes = [0, 1]
            else:
                classes = sorted(seen, key=lambda v: (isinstance(v, str), v))
            if len(classes) < 2:
                raise SpecInvalid(f"only the class '{label_text(classes[0])}' occurs: list both classes in "
                                  "`labels`", ("y_true",))
        for key, values in (("y_true", true), ("y_pred", pred)):
            for i, v in enumerate(values):
                if v not in classes:
                    raise SpecInvalid(f"'{label_text(v)}' is not among the labels "
                                      f"{', '.join(map(label_text, classes))}", (key, i))
        if scores is not None and len(classes) != 2:
            raise SpecInvalid(f"scores with a threshold are for two classes; y_true has {len(classes)}", ("scores",))
        return list(classes), Source(frozen(np.array([classes.index(v) for v in true])),
                                     frozen(np.array([classes.index(v) for v in pred])) if pred else None,
                                     None if scores is None else frozen(scores))
