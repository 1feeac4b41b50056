"""Several classes: the confusion matrix, per-class precision/recall/F1 and support, and the
macro, micro and weighted averages."""

from __future__ import annotations

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import GIVEN, WORKED
from dlsolve.expr import MatMul, Num, Sym, Transpose
from dlsolve.kinds.metrics.spec import Spec, label_text, tex_text
from dlsolve.kinds.metrics.worked import add_all, avg_sym, f_score, given_matrix, qty, ratio, sample_table


def solve_multiclass(d: Derivation, spec: Spec) -> None:
    cls = spec.problem.classes
    k = len(cls)
    names = [label_text(c) for c in cls]
    d.section("The confusion matrix")
    if spec.problem.source.matrix is None:
        sample_table(d, spec)
        assert spec.problem.source.true is not None and spec.problem.source.pred is not None
        eye = np.eye(k)
        Y = qty("Yonehot", "Y", "Y")
        Yh = qty("Yhatonehot", "Ŷ", r"\hat{Y}")
        d.given(Y, eye[spec.problem.source.true], note="y_true one-hot: row i has a 1 in the column of its class ("
                + ", ".join(names) + ")")
        d.given(Yh, eye[spec.problem.source.pred], note="y_pred one-hot, the same way")
        C = qty("C", "C", "C")
        d.derive(C, MatMul(Transpose(Y), Yh),
                 note="C_jk = Σ_i Y_ij·Ŷ_ik counts the samples of true class j predicted as k")
        m = np.asarray(d.env[C.key])
        c = [[N.quantity("C", "C", "C", (i + 1, j + 1)) for j in range(k)] for i in range(k)]
        for i in range(k):
            for j in range(k):
                d.bind(c[i][j], float(m[i, j]))
        cm_keys: tuple[str, ...] = (C.key,)
    else:
        c = given_matrix(d, spec)
        m = spec.problem.source.matrix
        cm_keys = ("C",)
    d.table(["true \\ predicted"] + names, [[names[i]] + [float(m[i, j]) for j in range(k)] for i in range(k)],
            title="Rows = true class, columns = predicted",
            part=WORKED if spec.problem.source.matrix is None else GIVEN)
    d.answer("confusion_matrix", np.array(m, dtype=float), "confusion matrix (rows: true)",
             keys=cm_keys)
    d.convention("per class c: TP_c = C_cc, FP_c = the rest of column c (predicted c, another class), "
                 "FN_c = the rest of row c (class c, predicted another), support = the row's sum")

    P: list[Sym] = []
    R: list[Sym] = []
    F: list[Sym] = []
    S: list[Sym] = []
    FPs: list[Sym] = []
    FNs: list[Sym] = []
    for a in range(k):
        name = names[a]
        tname = tex_text(name)
        d.section(f"Class {name}", level=2)
        fp = qty(f"FP[{a}]", f"FP({name})", rf"FP_{{\text{{{tname}}}}}")
        fn = qty(f"FN[{a}]", f"FN({name})", rf"FN_{{\text{{{tname}}}}}")
        d.derive(fp, add_all([c[i][a] for i in range(k) if i != a]))
        d.derive(fn, add_all([c[a][j] for j in range(k) if j != a]))
        sup = qty(f"support[{a}]", f"support({name})", rf"n_{{\text{{{tname}}}}}")
        d.derive(sup, c[a][a] + fn, note="the number of samples whose true class is " + name)
        p = qty(f"precision[{a}]", f"precision({name})", rf"P_{{\text{{{tname}}}}}")
        r = qty(f"recall[{a}]", f"recall({name})", rf"R_{{\text{{{tname}}}}}")
        f = qty(f"f1[{a}]", f"F₁({name})", rf"F_{{1,\text{{{tname}}}}}")
        ratio(d, p, c[a][a], c[a][a] + fp, f"TP + FP of {name} (nothing is predicted {name})")
        ratio(d, r, c[a][a], c[a][a] + fn, f"TP + FN of {name} (no sample is {name})")
        f_score(d, f, p, r)
        for syms, sym in ((P, p), (R, r), (F, f), (S, sup), (FPs, fp), (FNs, fn)):
            syms.append(sym)

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
    total = qty("total", "n")
    d.derive(total, add_all(S), note="all samples")
    tps = qty("sumTP", "ΣTP", r"\sum TP")
    d.derive(tps, add_all([c[a][a] for a in range(k)]), note="the diagonal: the samples classified right")
    acc = qty("accuracy", "accuracy")
    ratio(d, acc, tps, total, "n")
    kk = Num(k)
    out: list[tuple[str, Sym, str]] = [("accuracy", acc, "ΣTP / n")]
    d.text("Macro: the plain mean over the classes, each class counting the same.")
    for what, syms in (("precision", P), ("recall", R), ("f1", F)):
        sym = avg_sym(what, "macro")
        d.derive(sym, add_all(list(syms)) / kk)
        out.append((f"{what}_macro", sym, f"{what}, mean over classes"))
    d.text("Micro: the counts summed over the classes first, then one ratio.")
    fps, fns = qty("sumFP", "ΣFP", r"\sum FP"), qty("sumFN", "ΣFN", r"\sum FN")
    d.derive(fps, add_all(FPs))
    d.derive(fns, add_all(FNs))
    pm, rm, fm = (avg_sym(w, "micro") for w in ("precision", "recall", "f1"))
    ratio(d, pm, tps, tps + fps, "ΣTP + ΣFP")
    ratio(d, rm, tps, tps + fns, "ΣTP + ΣFN")
    f_score(d, fm, pm, rm)
    d.note("Every wrong prediction is one FP (of the predicted class) and one FN (of the true class), so "
           "ΣFP = ΣFN and micro precision = micro recall = micro F₁ = accuracy for single-label problems.")
    out += [("precision_micro", pm, "ΣTP/(ΣTP + ΣFP)"), ("recall_micro", rm, "ΣTP/(ΣTP + ΣFN)"),
            ("f1_micro", fm, "F1 from summed counts")]
    d.text("Weighted: the mean over the classes weighted by their support.")
    for what, syms in (("precision", P), ("recall", R), ("f1", F)):
        sym = avg_sym(what, "weighted")
        d.derive(sym, add_all([n_ * x for n_, x in zip(S, syms)]) / total)
        out.append((f"{what}_weighted", sym, f"{what}, support-weighted"))
    d.note("Which average an exam means: 'the precision' of a multi-class model, unqualified, is most often "
           "the macro average (the plain mean of the per-class values); micro averages add nothing beyond "
           "the accuracy here, and weighted averages follow the class sizes. Macro F₁ is the mean of the "
           "per-class F₁, not the F₁ of macro precision and macro recall (scikit-learn's definition).")
    for name, sym, label in out:
        d.answer(name, float(d.env[sym.key]), label, keys=(sym.key,))
