"""kind: metrics — classification metrics from labels, from scores and a threshold, or from counts.

Binary: TP, FP, FN, TN, the confusion matrix, accuracy, precision, recall (= sensitivity, TPR),
specificity (TNR), FPR, F1 (and F-beta), balanced accuracy. Several classes: the confusion matrix,
per-class precision/recall/F1 and support, and their macro, micro and weighted averages. With
scores: the ROC curve (one point per distinct score) and its area by the trapezoid rule.
Every value is a worked line from the counts (precision = TP/(TP + FP) = 5/(5 + 3) = 0.625);
a ratio whose denominator is 0 is taken as 0, as scikit-learn does, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, describe, did_you_mean
from dlsolve.expr import Add, Cmp, Expr, MatMul, Num, Piecewise, Sym, Transpose, call, evaluate, hadamard
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.solution import Solution


KIND = "metrics"

Label = Union[int, float, str]


def _label(value: Any, path: tuple) -> Label:
    """A class label: a number or a name (a boolean is neither)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise SpecInvalid(f"expected a label (a number or a name), got {describe(value)}", path)
    if isinstance(value, float):
        if not np.isfinite(value):
            raise SpecInvalid(f"expected a finite number, got {value}", path)
        if value.is_integer():
            return int(value)
    return value


def label_text(label: Label) -> str:
    """How a class is named in prose and tables: cat, 1, 2.5."""
    return str(label)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "^": r"\^{}", "~": r"\~{}"}


def _tex_text(name: str) -> str:
    """A class name made safe inside LaTeX's \\text{…}."""
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in name)


def _count(value: Any, path: tuple) -> float:
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
    def parse(value: dict, path: tuple) -> "Counts":
        for key in value:
            if key not in ("tp", "fp", "fn", "tn"):
                raise SpecInvalid(did_you_mean(str(key), ("tp", "fp", "fn", "tn")), path + (key, "<key>"))
        for key in ("tp", "fp", "fn"):
            if key not in value:
                raise SpecInvalid(f"missing {key} (tp, fp and fn are required; tn is optional)", path)
        got = {k: _count(value[k], path + (k,)) for k in value}
        return Counts(got["tp"], got["fp"], got["fn"], got.get("tn"))


class Spec(BaseModel):
    """kind: metrics — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["metrics"]
    title: Optional[str] = None
    y_true: Optional[list[Any]] = None
    y_pred: Optional[list[Any]] = None
    scores: Optional[list[Any]] = None
    threshold: float = 0.5
    allow_any_scores: bool = False
    confusion: Optional[Union[dict[str, Any], list[Any]]] = None
    labels: Optional[list[Any]] = None
    positive: Optional[Any] = None
    beta: float = Field(default=1.0, gt=0)
    roc: bool = False

    _classes: list[Label]
    _true: Optional[np.ndarray]        # class index of every sample
    _pred: Optional[np.ndarray]
    _scores: Optional[np.ndarray]
    _matrix: Optional[np.ndarray]       # a confusion matrix as given (rows = true class)
    _pos: Optional[int]                # index of the positive class (binary)
    _counts: Optional[Counts]          # confusion given as {tp, fp, fn, tn}

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        self._true = self._pred = self._scores = self._matrix = None
        self._counts = None
        labels = None
        if self.labels is not None:
            if len(self.labels) < 2:
                raise SpecInvalid(f"expected at least two classes, got {len(self.labels)}", ("labels",))
            labels = [_label(v, ("labels", i)) for i, v in enumerate(self.labels)]
            for i, v in enumerate(labels):
                if v in labels[:i]:
                    raise SpecInvalid(f"'{label_text(v)}' is listed twice", ("labels", i))
        if self.confusion is not None:
            for key in ("y_true", "y_pred", "scores"):
                if getattr(self, key) is not None:
                    raise SpecInvalid("give either the labels (y_true with y_pred or scores) or the "
                                      "confusion counts, not both", (key,))
            self._classes = self._from_confusion(labels)
        else:
            self._classes = self._from_labels(labels)
        if self.roc and self._scores is None:
            raise SpecInvalid("the ROC curve needs scores (and y_true)", ("roc",))
        k = len(self._classes)
        self._pos = None
        if self.positive is not None and k != 2:
            raise SpecInvalid(f"`positive` applies to two classes; there are {k}", ("positive",))
        if k == 2:
            if self.positive is not None:
                pos = _label(self.positive, ("positive",))
                if pos not in self._classes:
                    raise SpecInvalid(f"'{label_text(pos)}' is not one of the classes "
                                      f"{', '.join(map(label_text, self._classes))}", ("positive",))
            else:
                pos = 1 if 1 in self._classes else self._classes[-1]
            self._pos = self._classes.index(pos)
        if self.roc:
            t = self._true
            assert t is not None
            if not (np.any(t == self._pos) and np.any(t != self._pos)):
                raise SpecInvalid("the ROC curve needs at least one positive and one negative in y_true", ("roc",))
        return self

    def _from_confusion(self, labels: Optional[list[Label]]) -> list[Label]:
        c = self.confusion
        if isinstance(c, dict):
            counts = self._counts = Counts.parse(c, ("confusion",))
            m = np.array([[counts.tn or 0.0, counts.fp], [counts.fn, counts.tp]])
            classes = labels if labels is not None else [0, 1]
            if len(classes) != 2:
                raise SpecInvalid(f"tp/fp/fn/tn are the counts of two classes; labels lists {len(classes)}",
                                  ("labels",))
            pos = None if self.positive is None else _label(self.positive, ("positive",))
            if pos is not None and pos == classes[0]:
                m = m[::-1, ::-1]   # the positive class is the first of `labels`
            self._matrix = m
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
            self._matrix = np.array([[_count(v, ("confusion", i, j)) for j, v in enumerate(r)]
                                     for i, r in enumerate(rows)])
            classes = labels if labels is not None else list(range(k))
            if len(classes) != k:
                raise SpecInvalid(f"expected {k} labels (one per row of the confusion matrix), got {len(classes)}",
                                  ("labels",))
        if self._matrix.sum() == 0:
            raise SpecInvalid("all counts are 0: there is nothing to measure", ("confusion",))
        return list(classes)

    def _from_labels(self, labels: Optional[list[Label]]) -> list[Label]:
        if self.y_true is None:
            raise SpecInvalid("expected y_true with y_pred, y_true with scores, or confusion", ())
        if not self.y_true:
            raise SpecInvalid("expected at least one label, got an empty list", ("y_true",))
        n = len(self.y_true)
        true = [_label(v, ("y_true", i)) for i, v in enumerate(self.y_true)]
        if self.y_pred is not None and self.scores is not None:
            raise SpecInvalid("give y_pred or scores, not both", ("scores",))
        if self.y_pred is None and self.scores is None:
            raise SpecInvalid("expected y_pred (the predicted labels) or scores with a threshold", ("y_true",))
        if self.y_pred is not None:
            if len(self.y_pred) != n:
                raise SpecInvalid(f"expected {n} labels (one per entry of y_true), got {len(self.y_pred)}", ("y_pred",))
            pred = [_label(v, ("y_pred", i)) for i, v in enumerate(self.y_pred)]
        else:
            assert self.scores is not None
            if len(self.scores) != n:
                raise SpecInvalid(f"expected {n} scores (one per entry of y_true), got {len(self.scores)}", ("scores",))
            s = V.vector(self.scores, ("scores",), scalar_ok=False)
            if not self.allow_any_scores:
                for i, v in enumerate(s):
                    if not 0 <= v <= 1:
                        raise SpecInvalid(f"a score must lie in [0, 1] (a probability), got {self.scores[i]!r}; "
                                          "set allow_any_scores: true for other scores", ("scores", i))
            self._scores = s
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
        if self._scores is not None and len(classes) != 2:
            raise SpecInvalid(f"scores with a threshold are for two classes; y_true has {len(classes)}", ("scores",))
        self._true = np.array([classes.index(v) for v in true])
        self._pred = np.array([classes.index(v) for v in pred]) if pred else None
        return list(classes)


# -- the worked lines --------------------------------------------------------------------------

def _ratio(d: Derivation, sym: Sym, num: Expr, den: Expr, what: str, note: Any = None) -> float:
    """sym = num/den, worked; a zero denominator gives 0 with a note (scikit-learn's default)."""
    if float(evaluate(den, d.env)) == 0:
        return float(d.derive(sym, Piecewise(((num / den, Cmp(">", den, Num(0))),), Num(0)),
                              note=f"{what} is 0 here, so the ratio is 0/0: taken as 0 "
                                   "(scikit-learn's zero_division default)"))
    return float(d.derive(sym, num / den, note=note))


BETA = Sym("beta", "β", r"\beta")


def _f(d: Derivation, sym: Sym, p: Sym, r: Sym, beta: bool = False) -> float:
    """F1 = 2·P·R/(P + R), or (beta) Fβ = (1 + β²)·P·R/(β²·P + R) with β already given."""
    if not beta:
        return _ratio(d, sym, Num(2) * p * r, p + r, "precision + recall")
    b2 = BETA ** Num(2)
    return _ratio(d, sym, (Num(1) + b2) * p * r, b2 * p + r, "β²·precision + recall")


def _sym(key: str, uni: str, tex: Optional[str] = None) -> Sym:
    return Sym(key, uni, tex if tex is not None else rf"\text{{{uni}}}")


def _avg_sym(what: str, how: str) -> Sym:
    """precision (macro), F₁ (weighted), …"""
    uni, tex = ("F₁", "F_{1}") if what == "f1" else (what, rf"\text{{{what}}}")
    return Sym(f"{what}_{how}", f"{uni} ({how})", rf"{tex}\ (\text{{{how}}})")


def _sum(terms: list[Expr]) -> Expr:
    return Add.of(*terms) if len(terms) > 1 else terms[0]


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    if len(spec._classes) == 2:
        _binary(d, spec)
    else:
        _multiclass(d, spec)
    return d.solution(KIND, spec.title)


def _sample_table(d: Derivation, spec: Spec) -> None:
    cls = spec._classes
    assert spec._true is not None
    cols = ["i", "y (true)"]
    rows: list[list[Any]] = []
    for i, t in enumerate(spec._true):
        row: list[Any] = [i + 1, label_text(cls[t])]
        if spec._scores is not None:
            row.append(float(spec._scores[i]))
        if spec._pred is not None:
            row.append(label_text(cls[spec._pred[i]]))
        rows.append(row)
    if spec._scores is not None:
        cols.append("score")
    if spec._pred is not None:
        cols.append("ŷ (predicted)")
    d.table(cols, rows, title="The samples")


# -- two classes -------------------------------------------------------------------------------

def _binary(d: Derivation, spec: Spec) -> None:
    cls, pos = spec._classes, spec._pos
    assert pos is not None
    neg = 1 - pos
    P, Nn = label_text(cls[pos]), label_text(cls[neg])
    d.convention(f"two classes: the positive class is {P} (the key `positive`); precision, recall and F₁ are "
                 "those of the positive class (scikit-learn's average='binary')")
    TP, FP, FN, TN = (_sym(k, k, k) for k in ("TP", "FP", "FN", "TN"))
    d.section("Counts")
    if spec._matrix is None:
        _sample_table(d, spec)
        assert spec._true is not None
        yp = _sym("ypos", "y⁺", "y^{+}")
        d.given(yp, (spec._true == pos).astype(float), note=f"1 where the true class is {P}")
        yhp = _sym("yhatpos", "ŷ⁺", r"\hat{y}^{+}")
        if spec._scores is not None:
            s = _sym("s", "s", r"\mathbf{s}")
            th = _sym("theta", "θ", r"\theta")
            d.given(s, spec._scores, note="the scores")
            d.given(th, float(spec.threshold), note="the threshold: predicted positive when s ≥ θ")
            d.derive(yhp, Piecewise(((Num(1), Cmp(">=", s, th)),), Num(0)),
                     note=f"1 where the sample is predicted {P}")
        else:
            assert spec._pred is not None
            d.given(yhp, (spec._pred == pos).astype(float), note=f"1 where the predicted class is {P}")
        one = Num(1)
        d.derive(TP, call("sum", hadamard(yp, yhp)), note=f"true {P}, predicted {P}")
        d.derive(FP, call("sum", hadamard(one - yp, yhp)), note=f"true {Nn}, predicted {P}")
        d.derive(FN, call("sum", hadamard(yp, one - yhp)), note=f"true {P}, predicted {Nn}")
        d.derive(TN, call("sum", hadamard(one - yp, one - yhp)), note=f"true {Nn}, predicted {Nn}")
        count_keys = {s.key: s.key for s in (TP, FP, FN, TN)}
    elif spec._counts is not None:
        c = spec._counts
        for sym, v, what in ((TP, c.tp, f"true {P}, predicted {P}"), (FP, c.fp, f"true {Nn}, predicted {P}"),
                             (FN, c.fn, f"true {P}, predicted {Nn}"), (TN, c.tn, f"true {Nn}, predicted {Nn}")):
            if v is not None:
                d.given(sym, float(v), note=what)
        if c.tn is None:
            _without_tn(d, spec, TP, FP, FN)
            return
        count_keys = {s.key: s.key for s in (TP, FP, FN, TN)}
    else:
        C = _given_matrix(d, spec)
        cell = {TP.key: (pos, pos), FP.key: (neg, pos), FN.key: (pos, neg), TN.key: (neg, neg)}
        for sym in (TP, FP, FN, TN):
            d.derive(sym, C[cell[sym.key][0]][cell[sym.key][1]])
        count_keys = {s.key: s.key for s in (TP, FP, FN, TN)}
    counts = {k: float(d.env[k]) for k in count_keys}
    order = {(pos, pos): TP.key, (neg, pos): FP.key, (pos, neg): FN.key, (neg, neg): TN.key}
    cm = np.array([[counts[order[(i, j)]] for j in range(2)] for i in range(2)])
    d.table(["true \\ predicted"] + [label_text(c) for c in cls],
            [[label_text(cls[i])] + [cm[i, j] for j in range(2)] for i in range(2)],
            title="The confusion matrix (rows = true class, columns = predicted)")
    for name, sym in (("tp", TP), ("fp", FP), ("fn", FN), ("tn", TN)):
        d.answer(name, counts[sym.key], f"{sym.uni}", keys=(sym.key,))
    d.answer("confusion_matrix", cm, "confusion matrix (rows: true)",
             keys=tuple(order[(i, j)] for i in range(2) for j in range(2)))

    d.section("Metrics from the counts")
    acc, prec, rec, spec_, fpr = (_sym(k, u) for k, u in (
        ("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"),
        ("specificity", "specificity"), ("fpr", "FPR")))
    f1 = _sym("f1", "F₁", "F_{1}")
    _ratio(d, acc, TP + TN, TP + TN + FP + FN, "TP + TN + FP + FN")
    _ratio(d, prec, TP, TP + FP, "TP + FP (nothing is predicted positive)",
           note="of the samples predicted positive, the share that are positive")
    _ratio(d, rec, TP, TP + FN, "TP + FN (there is no positive sample)",
           note="= sensitivity = true positive rate (TPR): of the positives, the share found")
    _ratio(d, spec_, TN, TN + FP, "TN + FP (there is no negative sample)",
           note="= true negative rate (TNR): of the negatives, the share recognised")
    _ratio(d, fpr, FP, FP + TN, "FP + TN (there is no negative sample)",
           note="false positive rate = 1 − specificity")
    _f(d, f1, prec, rec)
    names = [("accuracy", acc, "(TP + TN)/all"), ("precision", prec, "TP/(TP + FP)"),
             ("recall", rec, "TP/(TP + FN), TPR"), ("specificity", spec_, "TN/(TN + FP), TNR"),
             ("fpr", fpr, "FP/(FP + TN)"), ("f1", f1, "2·P·R/(P + R)")]
    if spec.beta != 1:
        fb = _sym("fbeta", "F_β", r"F_{\beta}")
        d.given(BETA, float(spec.beta), note="F_β weighs recall β times as much as precision")
        _f(d, fb, prec, rec, beta=True)
        names.append(("fbeta", fb, "(1 + β²)·P·R/(β²·P + R)"))
    bal = _sym("balanced_accuracy", "balanced accuracy")
    d.derive(bal, (rec + spec_) / Num(2), note="the mean of the recall of each class")
    names.append(("balanced_accuracy", bal, "(recall + specificity)/2"))
    for name, sym, label in names:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))
    if spec.roc:
        _roc(d, spec)


def _without_tn(d: Derivation, spec: Spec, TP: Sym, FP: Sym, FN: Sym) -> None:
    """Only TP, FP and FN are known: precision, recall and F1 (the other metrics need TN)."""
    d.note("TN is not given: accuracy, specificity, FPR, balanced accuracy and the confusion matrix need it; "
           "precision, recall and F₁ do not.")
    for name, sym in (("tp", TP), ("fp", FP), ("fn", FN)):
        d.answer(name, float(d.env[sym.key]), sym.uni, keys=(sym.key,))
    d.section("Metrics from the counts")
    prec, rec, f1 = _sym("precision", "precision"), _sym("recall", "recall"), _sym("f1", "F₁", "F_{1}")
    _ratio(d, prec, TP, TP + FP, "TP + FP (nothing is predicted positive)",
           note="of the samples predicted positive, the share that are positive")
    _ratio(d, rec, TP, TP + FN, "TP + FN (there is no positive sample)",
           note="= sensitivity = true positive rate (TPR): of the positives, the share found")
    _f(d, f1, prec, rec)
    out = [("precision", prec, "TP/(TP + FP)"), ("recall", rec, "TP/(TP + FN), TPR"),
           ("f1", f1, "2·P·R/(P + R)")]
    if spec.beta != 1:
        fb = _sym("fbeta", "F_β", r"F_{\beta}")
        d.given(BETA, float(spec.beta), note="F_β weighs recall β times as much as precision")
        _f(d, fb, prec, rec, beta=True)
        out.append(("fbeta", fb, "(1 + β²)·P·R/(β²·P + R)"))
    for name, sym, label in out:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))


def _given_matrix(d: Derivation, spec: Spec) -> list[list[Sym]]:
    """The confusion matrix as given, and a symbol C_jk bound to each entry."""
    m = spec._matrix
    assert m is not None
    k = len(m)
    d.given(_sym("C", "C", "C"), m, note="the confusion matrix as given: rows = true class, columns = "
            "predicted, in the order " + ", ".join(map(label_text, spec._classes)))
    syms = [[N.quantity("C", "C", "C", (i + 1, j + 1)) for j in range(k)] for i in range(k)]
    for i in range(k):
        for j in range(k):
            d.bind(syms[i][j], float(m[i, j]))
    return syms


def _roc(d: Derivation, spec: Spec) -> None:
    """One ROC point per distinct score, from threshold +∞ (nothing positive) down to the lowest."""
    s_all = spec._scores
    assert s_all is not None
    d.section("The ROC curve")
    d.text("At threshold t a sample is predicted positive when its score is ≥ t. Lowering t from +∞ "
           "through every distinct score, largest first, moves from (FPR, TPR) = (0, 0) to (1, 1).")
    yp = _sym("ypos", "y⁺", "y^{+}")
    s = _sym("s", "s", r"\mathbf{s}")
    one = Num(1)
    Ppos, Nneg = _sym("npos", "P"), _sym("nneg", "N")
    d.derive(Ppos, call("sum", yp), note="the number of positive samples")
    d.derive(Nneg, call("sum", one - yp), note="the number of negative samples")
    distinct = sorted(set(float(v) for v in s_all), reverse=True)
    s_syms = [N.quantity("s", "s", "s", (i + 1,)) for i in range(len(s_all))]
    for sym, v in zip(s_syms, s_all):
        d.bind(sym, float(v))
    ts, tprs, fprs, rows = [], [], [], []
    for k in range(len(distinct) + 1):
        t = _sym(f"t{k}", f"t{N.subscript(k)}", f"t_{{{k}}}")
        if k == 0:
            d.derive(t, Num(float("inf")), note="nothing is predicted positive")
        else:
            first = next(i for i, v in enumerate(s_all) if float(v) == distinct[k - 1])
            d.derive(t, s_syms[first])
        q = _sym(f"q{k}", f"ŷ⁺(t{N.subscript(k)})", rf"\hat{{y}}^{{+}}(t_{{{k}}})")
        tp_k, fp_k = _sym(f"tp{k}", f"TP(t{N.subscript(k)})", rf"TP(t_{{{k}}})"), \
            _sym(f"fp{k}", f"FP(t{N.subscript(k)})", rf"FP(t_{{{k}}})")
        d.record = _hidden
        d.derive(q, Piecewise(((one, Cmp(">=", s, t)),), Num(0)))
        d.derive(tp_k, call("sum", hadamard(yp, q)))
        d.derive(fp_k, call("sum", hadamard(one - yp, q)))
        d.record = True
        tpr = _sym(f"tpr{k}", f"TPR{N.subscript(k)}", f"TPR_{{{k}}}")
        fpr = _sym(f"fpr{k}", f"FPR{N.subscript(k)}", f"FPR_{{{k}}}")
        d.derive(tpr, tp_k / Ppos)
        d.derive(fpr, fp_k / Nneg)
        ts.append(t)
        tprs.append(tpr)
        fprs.append(fpr)
        rows.append([k, float(d.env[t.key]), float(d.env[tp_k.key]), float(d.env[fp_k.key]),
                     float(d.env[fpr.key]), float(d.env[tpr.key])])
    d.table(["k", "threshold t", "TP", "FP", "FPR", "TPR"], rows, title="The ROC points")
    auc = _sym("auc", "AUC")
    terms = [(fprs[k] - fprs[k - 1]) * (tprs[k] + tprs[k - 1]) / Num(2) for k in range(1, len(ts))]
    d.derive(auc, _sum(terms), note="the trapezoid rule: each step of FPR times the mean TPR over it; "
             "0.5 is a random ranking, 1 a perfect one")
    d.answer("roc_fpr", np.array([float(d.env[f.key]) for f in fprs]), "FPR of each ROC point",
             keys=tuple(f.key for f in fprs))
    d.answer("roc_tpr", np.array([float(d.env[t.key]) for t in tprs]), "TPR of each ROC point",
             keys=tuple(t.key for t in tprs))
    d.answer("roc_thresholds", np.array([float(d.env[t.key]) for t in ts]), "thresholds, +∞ first",
             keys=tuple(t.key for t in ts))
    d.answer("auc", float(d.env[auc.key]), "area under the ROC curve", keys=(auc.key,))


def _hidden(_s: Sym) -> bool:
    return False


# -- several classes ---------------------------------------------------------------------------

def _multiclass(d: Derivation, spec: Spec) -> None:
    cls = spec._classes
    k = len(cls)
    names = [label_text(c) for c in cls]
    d.section("The confusion matrix")
    if spec._matrix is None:
        _sample_table(d, spec)
        assert spec._true is not None and spec._pred is not None
        eye = np.eye(k)
        Y = _sym("Yonehot", "Y", "Y")
        Yh = _sym("Yhatonehot", "Ŷ", r"\hat{Y}")
        d.given(Y, eye[spec._true], note="y_true one-hot: row i has a 1 in the column of its class ("
                + ", ".join(names) + ")")
        d.given(Yh, eye[spec._pred], note="y_pred one-hot, the same way")
        C = _sym("C", "C", "C")
        d.derive(C, MatMul(Transpose(Y), Yh),
                 note="C_jk = Σ_i Y_ij·Ŷ_ik counts the samples of true class j predicted as k")
        m = np.asarray(d.env[C.key])
        c = [[N.quantity("C", "C", "C", (i + 1, j + 1)) for j in range(k)] for i in range(k)]
        for i in range(k):
            for j in range(k):
                d.bind(c[i][j], float(m[i, j]))
        cm_keys: tuple[str, ...] = (C.key,)
    else:
        c = _given_matrix(d, spec)
        m = spec._matrix
        cm_keys = ("C",)
    d.table(["true \\ predicted"] + names, [[names[i]] + [float(m[i, j]) for j in range(k)] for i in range(k)],
            title="Rows = true class, columns = predicted")
    d.answer("confusion_matrix", np.array(m, dtype=float), "confusion matrix (rows: true)",
             keys=cm_keys)
    d.convention("per class c: TP_c = C_cc, FP_c = the rest of column c (predicted c, another class), "
                 "FN_c = the rest of row c (class c, predicted another), support = the row's sum")

    P, R, F, S, FPs, FNs = [], [], [], [], [], []
    for a in range(k):
        name = names[a]
        tname = _tex_text(name)
        d.section(f"Class {name}", level=2)
        fp = _sym(f"FP[{a}]", f"FP({name})", rf"FP_{{\text{{{tname}}}}}")
        fn = _sym(f"FN[{a}]", f"FN({name})", rf"FN_{{\text{{{tname}}}}}")
        d.derive(fp, _sum([c[i][a] for i in range(k) if i != a]))
        d.derive(fn, _sum([c[a][j] for j in range(k) if j != a]))
        sup = _sym(f"support[{a}]", f"support({name})", rf"n_{{\text{{{tname}}}}}")
        d.derive(sup, c[a][a] + fn, note="the number of samples whose true class is " + name)
        p = _sym(f"precision[{a}]", f"precision({name})", rf"P_{{\text{{{tname}}}}}")
        r = _sym(f"recall[{a}]", f"recall({name})", rf"R_{{\text{{{tname}}}}}")
        f = _sym(f"f1[{a}]", f"F₁({name})", rf"F_{{1,\text{{{tname}}}}}")
        _ratio(d, p, c[a][a], c[a][a] + fp, f"TP + FP of {name} (nothing is predicted {name})")
        _ratio(d, r, c[a][a], c[a][a] + fn, f"TP + FN of {name} (no sample is {name})")
        _f(d, f, p, r)
        P.append(p), R.append(r), F.append(f), S.append(sup), FPs.append(fp), FNs.append(fn)

    def vec(syms: list[Sym]) -> np.ndarray:
        return np.array([float(d.env[s.key]) for s in syms])

    d.answer("precision_per_class", vec(P), "precision of each class", keys=tuple(s.key for s in P))
    d.answer("recall_per_class", vec(R), "recall of each class", keys=tuple(s.key for s in R))
    d.answer("f1_per_class", vec(F), "F1 of each class", keys=tuple(s.key for s in F))
    d.answer("support", vec(S), "samples of each class", keys=tuple(s.key for s in S))
    d.section("Per class")
    d.table(["class", "precision", "recall", "F₁", "support"],
            [[names[a], float(d.env[P[a].key]), float(d.env[R[a].key]), float(d.env[F[a].key]),
              float(d.env[S[a].key])] for a in range(k)])

    d.section("Accuracy and the averages")
    total = _sym("total", "n")
    d.derive(total, _sum(S), note="all samples")
    tps = _sym("sumTP", "ΣTP", r"\sum TP")
    d.derive(tps, _sum([c[a][a] for a in range(k)]), note="the diagonal: the samples classified right")
    acc = _sym("accuracy", "accuracy")
    _ratio(d, acc, tps, total, "n")
    kk = Num(k)
    out: list[tuple[str, Sym, str]] = [("accuracy", acc, "ΣTP / n")]
    d.text("Macro: the plain mean over the classes, each class counting the same.")
    for what, syms in (("precision", P), ("recall", R), ("f1", F)):
        sym = _avg_sym(what, "macro")
        d.derive(sym, _sum(list(syms)) / kk)
        out.append((f"{what}_macro", sym, f"{what}, mean over classes"))
    d.text("Micro: the counts summed over the classes first, then one ratio.")
    fps, fns = _sym("sumFP", "ΣFP", r"\sum FP"), _sym("sumFN", "ΣFN", r"\sum FN")
    d.derive(fps, _sum(FPs))
    d.derive(fns, _sum(FNs))
    pm, rm, fm = (_avg_sym(w, "micro") for w in ("precision", "recall", "f1"))
    _ratio(d, pm, tps, tps + fps, "ΣTP + ΣFP")
    _ratio(d, rm, tps, tps + fns, "ΣTP + ΣFN")
    _f(d, fm, pm, rm)
    d.note("Every wrong prediction is one FP (of the predicted class) and one FN (of the true class), so "
           "ΣFP = ΣFN and micro precision = micro recall = micro F₁ = accuracy for single-label problems.")
    out += [("precision_micro", pm, "ΣTP/(ΣTP + ΣFP)"), ("recall_micro", rm, "ΣTP/(ΣTP + ΣFN)"),
            ("f1_micro", fm, "F1 from summed counts")]
    d.text("Weighted: the mean over the classes weighted by their support.")
    for what, syms in (("precision", P), ("recall", R), ("f1", F)):
        sym = _avg_sym(what, "weighted")
        d.derive(sym, _sum([n_ * x for n_, x in zip(S, syms)]) / total)
        out.append((f"{what}_weighted", sym, f"{what}, support-weighted"))
    d.note("Which average an exam means: 'the precision' of a multi-class model, unqualified, is most often "
           "the macro average (the plain mean of the per-class values); micro averages add nothing beyond "
           "the accuracy here, and weighted averages follow the class sizes. Macro F₁ is the mean of the "
           "per-class F₁, not the F₁ of macro precision and macro recall (scikit-learn's definition).")
    for name, sym, label in out:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))
