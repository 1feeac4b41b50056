"""Two classes: the four counts, every metric from them, and the ROC curve with its area."""

from __future__ import annotations

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import GIVEN, Phrase, Roc
from dlsolve.expr import Cmp, Num, Piecewise, Sym, call, hadamard
from dlsolve.kinds.metrics.spec import Spec, label_text
from dlsolve.kinds.metrics.worked import (BETA, add_all, f_score, given_matrix, hidden, qty, ratio,
                                          sample_table)


def solve_binary(d: Derivation, spec: Spec) -> None:
    cls, pos = spec.problem.classes, spec.problem.pos
    assert pos is not None
    neg = 1 - pos
    P, Nn = label_text(cls[pos]), label_text(cls[neg])
    d.convention(f"two classes: the positive class is {P} (the key `positive`); precision, recall and F₁ are "
                 "those of the positive class (scikit-learn's average='binary')")
    TP, FP, FN, TN = (qty(k, k, k) for k in ("TP", "FP", "FN", "TN"))
    d.section("Counts")
    if spec.problem.source.matrix is None:
        sample_table(d, spec)
        assert spec.problem.source.true is not None
        yp = qty("ypos", "y⁺", "y^{+}")
        d.given(yp, (spec.problem.source.true == pos).astype(float), note=f"1 where the true class is {P}")
        yhp = qty("yhatpos", "ŷ⁺", r"\hat{y}^{+}")
        if spec.problem.source.scores is not None:
            s = qty("s", "s", r"\mathbf{s}")
            th = qty("theta", "θ", r"\theta")
            d.given(s, spec.problem.source.scores, note="the scores")
            d.given(th, float(spec.threshold), note="the threshold: predicted positive when s ≥ θ")
            d.derive(yhp, Piecewise(((Num(1), Cmp(">=", s, th)),), Num(0)),
                     note=f"1 where the sample is predicted {P}")
        else:
            assert spec.problem.source.pred is not None
            d.given(yhp, (spec.problem.source.pred == pos).astype(float), note=f"1 where the predicted class is {P}")
        one = Num(1)
        d.derive(TP, call("sum", hadamard(yp, yhp)), note=f"true {P}, predicted {P}")
        d.derive(FP, call("sum", hadamard(one - yp, yhp)), note=f"true {Nn}, predicted {P}")
        d.derive(FN, call("sum", hadamard(yp, one - yhp)), note=f"true {P}, predicted {Nn}")
        d.derive(TN, call("sum", hadamard(one - yp, one - yhp)), note=f"true {Nn}, predicted {Nn}")
        count_keys = {s.key: s.key for s in (TP, FP, FN, TN)}
    elif spec.problem.source.counts is not None:
        c = spec.problem.source.counts
        for sym, v, what in ((TP, c.tp, f"true {P}, predicted {P}"), (FP, c.fp, f"true {Nn}, predicted {P}"),
                             (FN, c.fn, f"true {P}, predicted {Nn}"), (TN, c.tn, f"true {Nn}, predicted {Nn}")):
            if v is not None:
                d.given(sym, float(v), note=what)
        if c.tn is None:
            _without_tn(d, spec, TP, FP, FN)
            return
        count_keys = {s.key: s.key for s in (TP, FP, FN, TN)}
    else:
        C = given_matrix(d, spec)
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
    acc, prec, rec, spec_, fpr = (qty(k, u) for k, u in (
        ("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"),
        ("specificity", "specificity"), ("fpr", "FPR")))
    f1 = qty("f1", "F₁", "F_{1}")
    ratio(d, acc, TP + TN, TP + TN + FP + FN, "TP + TN + FP + FN")
    ratio(d, prec, TP, TP + FP, "TP + FP (nothing is predicted positive)",
           note="of the samples predicted positive, the share that are positive")
    ratio(d, rec, TP, TP + FN, "TP + FN (there is no positive sample)",
           note="= sensitivity = true positive rate (TPR): of the positives, the share found")
    ratio(d, spec_, TN, TN + FP, "TN + FP (there is no negative sample)",
           note="= true negative rate (TNR): of the negatives, the share recognised")
    ratio(d, fpr, FP, FP + TN, "FP + TN (there is no negative sample)",
           note="false positive rate = 1 − specificity")
    f_score(d, f1, prec, rec)
    names = [("accuracy", acc, "(TP + TN)/all"), ("precision", prec, "TP/(TP + FP)"),
             ("recall", rec, "TP/(TP + FN), TPR"), ("specificity", spec_, "TN/(TN + FP), TNR"),
             ("fpr", fpr, "FP/(FP + TN)"), ("f1", f1, "2·P·R/(P + R)")]
    if spec.beta != 1:
        fb = qty("fbeta", "F_β", r"F_{\beta}")
        d.given(BETA, float(spec.beta), note="F_β weighs recall β times as much as precision")
        f_score(d, fb, prec, rec, beta=True)
        names.append(("fbeta", fb, "(1 + β²)·P·R/(β²·P + R)"))
    bal = qty("balanced_accuracy", "balanced accuracy")
    d.derive(bal, (rec + spec_) / Num(2), note="the mean of the recall of each class")
    names.append(("balanced_accuracy", bal, "(recall + specificity)/2"))
    for name, sym, label in names:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))
    if spec.roc:
        _roc(d, spec)


def _without_tn(d: Derivation, spec: Spec, TP: Sym, FP: Sym, FN: Sym) -> None:
    """Only TP, FP and FN are known: precision, recall and F1 (the other metrics need TN)."""
    d.note("TN is not given: accuracy, specificity, FPR, balanced accuracy and the confusion matrix need it; "
           "precision, recall and F₁ do not.", part=GIVEN)
    for name, sym in (("tp", TP), ("fp", FP), ("fn", FN)):
        d.answer(name, float(d.env[sym.key]), sym.uni, keys=(sym.key,))
    d.section("Metrics from the counts")
    prec, rec, f1 = qty("precision", "precision"), qty("recall", "recall"), qty("f1", "F₁", "F_{1}")
    ratio(d, prec, TP, TP + FP, "TP + FP (nothing is predicted positive)",
           note="of the samples predicted positive, the share that are positive")
    ratio(d, rec, TP, TP + FN, "TP + FN (there is no positive sample)",
           note="= sensitivity = true positive rate (TPR): of the positives, the share found")
    f_score(d, f1, prec, rec)
    out = [("precision", prec, "TP/(TP + FP)"), ("recall", rec, "TP/(TP + FN), TPR"),
           ("f1", f1, "2·P·R/(P + R)")]
    if spec.beta != 1:
        fb = qty("fbeta", "F_β", r"F_{\beta}")
        d.given(BETA, float(spec.beta), note="F_β weighs recall β times as much as precision")
        f_score(d, fb, prec, rec, beta=True)
        out.append(("fbeta", fb, "(1 + β²)·P·R/(β²·P + R)"))
    for name, sym, label in out:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))


def _roc(d: Derivation, spec: Spec) -> None:
    """One ROC point per distinct score, from threshold +∞ (nothing positive) down to the lowest.

    The first finite threshold is worked in full, so a student sees how a row is made; every
    other threshold's steps are computed and kept (for `check`) but hidden, and a table with one
    row per threshold stands for them. The curve is drawn with its area (the AUC) shaded."""
    s_all = spec.problem.source.scores
    assert s_all is not None
    d.section("The ROC curve")
    d.text("At threshold t a sample is predicted positive when its score is ≥ t. Lowering t from +∞ "
           "through every distinct score, largest first, moves from (FPR, TPR) = (0, 0) to (1, 1).")
    yp = qty("ypos", "y⁺", "y^{+}")
    s = qty("s", "s", r"\mathbf{s}")
    one = Num(1)
    Ppos, Nneg = qty("npos", "P"), qty("nneg", "N")
    d.derive(Ppos, call("sum", yp), note="the number of positive samples")
    d.derive(Nneg, call("sum", one - yp), note="the number of negative samples")
    distinct = sorted(set(float(v) for v in s_all), reverse=True)
    s_syms = [N.quantity("s", "s", "s", (i + 1,)) for i in range(len(s_all))]
    for sym, v in zip(s_syms, s_all):
        d.bind(sym, float(v))
    ts, tprs, fprs, rows = [], [], [], []
    for k in range(len(distinct) + 1):
        sub = N.subscript(k)
        t = qty(f"t{k}", f"t{sub}", f"t_{{{k}}}")
        d.record = True if k <= 1 else hidden  # t₀ = +∞ and the whole of t₁ shown, the rest kept hidden
        if k == 0:
            d.derive(t, Num(float("inf")), note="nothing is predicted positive: the point (0, 0)")
            d.record = hidden
        else:
            first = next(i for i, v in enumerate(s_all) if float(v) == distinct[k - 1])
            d.derive(t, s_syms[first])
        q = qty(f"q{k}", f"ŷ⁺(t{sub})", rf"\hat{{y}}^{{+}}(t_{{{k}}})")
        tp_k, fp_k, tn_k, fn_k = (qty(f"{c.lower()}{k}", f"{c}(t{sub})", rf"\text{{{c}}}(t_{{{k}}})")
                                  for c in ("TP", "FP", "TN", "FN"))
        d.derive(q, Piecewise(((one, Cmp(">=", s, t)),), Num(0)),
                 note="1 where the sample is predicted positive at this threshold" if k == 1 else None)
        d.derive(tp_k, call("sum", hadamard(yp, q)))
        d.derive(fp_k, call("sum", hadamard(one - yp, q)))
        d.derive(tn_k, Nneg - fp_k, note="the negatives not predicted positive" if k == 1 else None)
        d.derive(fn_k, Ppos - tp_k, note="the positives not predicted positive" if k == 1 else None)
        tpr = qty(f"tpr{k}", f"TPR{sub}", rf"\text{{TPR}}_{{{k}}}")
        fpr = qty(f"fpr{k}", f"FPR{sub}", rf"\text{{FPR}}_{{{k}}}")
        d.derive(tpr, tp_k / Ppos)
        d.derive(fpr, fp_k / Nneg)
        d.record = True
        ts.append(t)
        tprs.append(tpr)
        fprs.append(fpr)
        rows.append([k] + [float(d.env[x.key]) for x in (t, tp_k, fp_k, tn_k, fn_k, tpr, fpr)])
    if len(distinct) > 1:
        d.text("Every other threshold is worked the same way; the table gives one row per threshold.")
    d.table(["k", "threshold t", "TP", "FP", "TN", "FN", "TPR", "FPR"], rows,
            title="The ROC points, one row per threshold")
    auc = qty("auc", "AUC")
    # ½·width·(sum of the heights): no stacked fractions, so the long sum breaks cleanly at its +
    terms = [Num(0.5) * (fprs[k] - fprs[k - 1]) * (tprs[k] + tprs[k - 1]) for k in range(1, len(ts))]
    area = d.derive(auc, add_all(terms), note="the trapezoid rule: each step of FPR times the mean of the "
                    "TPRs at its ends (½ their sum); 0.5 is a random ranking, 1 a perfect one")
    points = tuple((float(d.env[f.key]), float(d.env[t.key])) for f, t in zip(fprs, tprs))
    if area is not None:
        d.figure(Roc(points, float(area)),
                 Phrase("The ROC curve (TPR against FPR) and the area under it, AUC = {auc}; the diagonal is a "
                        "random ranking (AUC = 0.5).", auc=float(area)))
    d.answer("roc_fpr", np.array([float(d.env[f.key]) for f in fprs]), "FPR of each ROC point",
             keys=tuple(f.key for f in fprs))
    d.answer("roc_tpr", np.array([float(d.env[t.key]) for t in tprs]), "TPR of each ROC point",
             keys=tuple(t.key for t in tprs))
    d.answer("roc_thresholds", np.array([float(d.env[t.key]) for t in ts]), "thresholds, +∞ first",
             keys=tuple(t.key for t in ts))
    d.answer("auc", float(d.env[auc.key]), "area under the ROC curve", keys=(auc.key,))
