"""kind: metrics against reference formulas written here (no scikit-learn), identities on random
label vectors (hypothesis), the catalogue's dogs example (P25), and bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dlsolve.cli import main
from dlsolve.solution import Step
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def div(a, b):
    return a / b if b else 0.0


def ref_binary(y_true, y_pred, pos):
    tp = sum(t == pos and p == pos for t, p in zip(y_true, y_pred))
    fp = sum(t != pos and p == pos for t, p in zip(y_true, y_pred))
    fn = sum(t == pos and p != pos for t, p in zip(y_true, y_pred))
    tn = sum(t != pos and p != pos for t, p in zip(y_true, y_pred))
    prec, rec, spec = div(tp, tp + fp), div(tp, tp + fn), div(tn, tn + fp)
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "accuracy": (tp + tn) / len(y_true),
            "precision": prec, "recall": rec, "specificity": spec, "fpr": div(fp, fp + tn),
            "f1": div(2 * prec * rec, prec + rec), "balanced_accuracy": (rec + spec) / 2}


def ref_multiclass(y_true, y_pred, classes):
    k = len(classes)
    cm = np.zeros((k, k))
    for t, p in zip(y_true, y_pred):
        cm[classes.index(t), classes.index(p)] += 1
    prec = [div(cm[c, c], cm[:, c].sum()) for c in range(k)]
    rec = [div(cm[c, c], cm[c, :].sum()) for c in range(k)]
    f1 = [div(2 * p * r, p + r) for p, r in zip(prec, rec)]
    sup = [cm[c, :].sum() for c in range(k)]
    n = cm.sum()
    out = {"confusion_matrix": cm, "precision_per_class": prec, "recall_per_class": rec, "f1_per_class": f1,
           "support": sup, "accuracy": np.trace(cm) / n}
    for name, v in (("precision", prec), ("recall", rec), ("f1", f1)):
        out[f"{name}_macro"] = float(np.mean(v))
        out[f"{name}_weighted"] = float(np.dot(v, sup) / n)
    tp, fp, fn = np.trace(cm), cm.sum() - np.trace(cm), cm.sum() - np.trace(cm)
    pm, rm = div(tp, tp + fp), div(tp, tp + fn)
    out.update(precision_micro=pm, recall_micro=rm, f1_micro=div(2 * pm * rm, pm + rm))
    return out


def ref_auc(y, s):
    """The probability that a random positive outranks a random negative (ties count ½)."""
    pos = [v for v, t in zip(s, y) if t == 1]
    neg = [v for v, t in zip(s, y) if t == 0]
    return sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))


def close(a, b):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12, atol=1e-12)


# -- the course and the problem files ---------------------------------------------------------------

def test_the_dogs_example():
    """P25: TP = 5, FP = 3, FN = 7 → precision 0.625, recall 0.416667, F1 0.5 (the notes' 5/12 is the recall)."""
    sol = solve_file(ROOT / "problems" / "metrics-dogs.yaml")
    a = answers(sol)
    assert a["precision"] == 0.625 and a["recall"] == pytest.approx(5 / 12) and a["f1"] == pytest.approx(0.5)
    assert "accuracy" not in a and "tn" not in a
    prec = next(s for s in sol.steps() if s.quantity.key == "precision")
    assert prec.bindings == {"TP": 5.0, "FP": 3.0}    # the worked line 5/(5 + 3)


@pytest.mark.parametrize("stem", ["metrics-binary-labels", "metrics-roc"])
def test_binary_problem_files_match_the_reference(stem):
    import json

    from dlsolve.load import load_problem
    spec = load_problem(str(ROOT / "problems" / f"{stem}.yaml")).spec
    a = answers(solve_file(ROOT / "problems" / f"{stem}.yaml"))
    y_true = list(spec.y_true)
    y_pred = list(spec.y_pred) if spec.y_pred is not None else [int(s >= spec.threshold) for s in spec.scores]
    ref = ref_binary(y_true, y_pred, 1)
    for name, want in ref.items():
        assert close(a[name], want), (name, a[name], want)
    json.dumps(list(a))


def test_multiclass_problem_file_matches_the_reference():
    from dlsolve.load import load_problem
    spec = load_problem(str(ROOT / "problems" / "metrics-multiclass.yaml")).spec
    a = answers(solve_file(ROOT / "problems" / "metrics-multiclass.yaml"))
    ref = ref_multiclass(spec.y_true, spec.y_pred, spec.labels)
    for name, want in ref.items():
        assert close(a[name], want), (name, a[name], want)


def test_fbeta_matches_its_definition():
    a = answers(solve_file(ROOT / "problems" / "metrics-binary-labels.yaml"))
    p, r = a["precision"], a["recall"]
    assert a["fbeta"] == pytest.approx(5 * p * r / (4 * p + r))
    assert a["fbeta"] > a["f1"]   # recall (0.75) above precision (0.6): F2 leans to recall


def test_roc_problem_file():
    a = answers(solve_file(ROOT / "problems" / "metrics-roc.yaml"))
    y = [1, 0, 1, 1, 0, 1, 0, 0]
    s = [0.9, 0.2, 0.45, 0.8, 0.6, 0.7, 0.1, 0.45]
    assert a["auc"] == pytest.approx(ref_auc(y, s))
    assert a["roc_thresholds"][0] == np.inf and list(a["roc_thresholds"][1:]) == sorted(set(s), reverse=True)
    assert (a["roc_fpr"][0], a["roc_tpr"][0]) == (0, 0) and (a["roc_fpr"][-1], a["roc_tpr"][-1]) == (1, 1)


def numpy_roc(y, s):
    """The ROC table and its area, written here with NumPy: a row per threshold (+∞, then every
    distinct score, largest first) with TP, FP, TN, FN, TPR, FPR; the trapezoid rule over them."""
    y, s = np.asarray(y) == 1, np.asarray(s, dtype=float)
    rows = []
    for t in np.concatenate([[np.inf], np.unique(s)[::-1]]):
        pred = s >= t
        tp, fp = np.sum(pred & y), np.sum(pred & ~y)
        tn, fn = np.sum(~pred & ~y), np.sum(~pred & y)
        rows.append([t, tp, fp, tn, fn, tp / y.sum(), fp / (~y).sum()])
    r = np.array(rows, dtype=float)
    fpr, tpr = r[:, 6], r[:, 5]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    return r, auc


ROC_CASES = [([1, 0, 1, 1, 0, 1, 0, 0], [0.9, 0.2, 0.45, 0.8, 0.6, 0.7, 0.1, 0.45]),
             ([0, 1, 1, 0, 1], [0.3, 0.3, 0.8, 0.9, 0.1]),
             ([1, 1, 0], [0.5, 0.5, 0.5])]


@pytest.mark.parametrize("y,s", ROC_CASES)
def test_roc_table_curve_and_auc_against_numpy(y, s):
    from dlsolve.solution import Figure, Roc, Table

    ref, auc = numpy_roc(y, s)
    sol = solve_data({"kind": "metrics", "y_true": y, "scores": s, "roc": True})
    a = answers(sol)
    assert close(a["roc_thresholds"], ref[:, 0]) and close(a["roc_tpr"], ref[:, 5]) and close(a["roc_fpr"], ref[:, 6])
    assert a["auc"] == pytest.approx(auc, abs=1e-12) and auc == pytest.approx(ref_auc(y, s), abs=1e-12)
    roc = [sec for sec in sol.sections if sec.title == "The ROC curve"][0]
    table = [b for b in roc.blocks if isinstance(b, Table)][0]
    assert table.columns == ("k", "threshold t", "TP", "FP", "TN", "FN", "TPR", "FPR")
    assert [row[0] for row in table.rows] == list(range(len(ref)))
    assert close([row[1:] for row in table.rows], ref)
    pics = [b.picture for b in roc.blocks if isinstance(b, Figure)]
    assert len(pics) == 1 and isinstance(pics[0], Roc)
    assert close(pics[0].points, ref[:, [6, 5]]) and pics[0].auc == pytest.approx(auc, abs=1e-12)


def test_roc_works_the_first_threshold_and_keeps_the_others_hidden():
    """t₁ is worked in full (ŷ⁺, TP, FP, TN, FN, TPR, FPR); the later thresholds' steps are kept
    for checking but not shown, so the sheet has a table instead of pages of steps."""
    sol = solve_file(ROOT / "problems" / "metrics-roc.yaml")
    steps = {st.quantity.key: st for st in sol.steps}
    for key in ("t1", "q1", "tp1", "fp1", "tn1", "fn1", "tpr1", "fpr1", "t0", "auc"):
        assert steps[key].shown, key
    for k in range(2, 8):
        for c in ("t", "q", "tp", "fp", "tn", "fn", "tpr", "fpr"):
            assert not steps[f"{c}{k}"].shown, f"{c}{k}"
    ref, _ = numpy_roc([1, 0, 1, 1, 0, 1, 0, 0], [0.9, 0.2, 0.45, 0.8, 0.6, 0.7, 0.1, 0.45])
    assert [float(steps[f"tn{k}"].value) for k in range(8)] == list(ref[:, 3])
    assert [float(steps[f"fn{k}"].value) for k in range(8)] == list(ref[:, 4])
    assert verify_solution(sol) == []


def test_confusion_matrix_input_and_positive_first():
    cm = [[5, 2, 0], [1, 6, 3], [0, 1, 8]]
    a = answers(solve_data({"kind": "metrics", "confusion": cm, "labels": ["a", "b", "c"]}))
    y_true = [t for t in range(3) for p in range(3) for _ in range(cm[t][p])]
    y_pred = [p for t in range(3) for p in range(3) for _ in range(cm[t][p])]
    ref = ref_multiclass(y_true, y_pred, [0, 1, 2])
    for name, want in ref.items():
        assert close(a[name], want), name
    # a 2×2 matrix whose positive class is the first label
    b = answers(solve_data({"kind": "metrics", "confusion": [[8, 2], [1, 9]], "labels": ["sick", "healthy"],
                            "positive": "sick"}))
    assert (b["tp"], b["fn"], b["fp"], b["tn"]) == (8, 2, 1, 9)
    assert close(b["confusion_matrix"], [[8, 2], [1, 9]])
    c = answers(solve_data({"kind": "metrics", "confusion": {"tp": 8, "fp": 1, "fn": 2, "tn": 9},
                            "labels": ["sick", "healthy"], "positive": "sick"}))
    assert close(c["confusion_matrix"], [[8, 2], [1, 9]]) and c["precision"] == b["precision"] == 8 / 9


def test_zero_denominator_is_zero_with_a_note():
    sol = solve_data({"kind": "metrics", "y_true": [1, 0, 1], "y_pred": [0, 0, 0]})
    a = answers(sol)
    assert a["precision"] == 0 and a["f1"] == 0 and a["recall"] == 0
    step = next(s for s in sol.steps() if s.quantity.key == "precision")
    assert "0/0" in str(step.note) and "taken as 0" in str(step.note)
    assert verify_solution(sol) == []


def test_named_labels_and_default_positive():
    a = answers(solve_data({"kind": "metrics", "y_true": ["ham", "spam", "spam"], "y_pred": ["spam", "spam", "ham"]}))
    assert (a["tp"], a["fp"], a["fn"], a["tn"]) == (1, 1, 1, 0)    # positive = the last label, spam


# -- identities on random label vectors -----------------------------------------------------------

labels3 = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["a", "b", "c"])),
                   min_size=1, max_size=25)


@given(labels3)
def test_multiclass_identities(pairs):
    y_true, y_pred = [p[0] for p in pairs], [p[1] for p in pairs]
    sol = solve_data({"kind": "metrics", "y_true": y_true, "y_pred": y_pred, "labels": ["a", "b", "c"]})
    a = answers(sol)
    acc = np.mean(np.array(y_true) == np.array(y_pred))
    assert a["f1_micro"] == pytest.approx(acc) == a["precision_micro"] == pytest.approx(a["recall_micro"])
    assert a["accuracy"] == pytest.approx(acc)
    assert a["recall_weighted"] == pytest.approx(acc)   # Σ n_c·(TP_c/n_c)/n = ΣTP/n
    ref = ref_multiclass(y_true, y_pred, ["a", "b", "c"])
    for name, want in ref.items():
        assert close(a[name], want), name
    assert verify_solution(sol) == []


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=30))
def test_binary_identities(pairs):
    y_true, y_pred = [p[0] for p in pairs], [p[1] for p in pairs]
    a = answers(solve_data({"kind": "metrics", "y_true": y_true, "y_pred": y_pred}))
    ref = ref_binary(y_true, y_pred, 1)
    for name, want in ref.items():
        assert close(a[name], want), name
    assert a["fpr"] == pytest.approx(1 - a["specificity"]) or a["tn"] + a["fp"] == 0
    assert a["tp"] + a["fp"] + a["fn"] + a["tn"] == len(pairs)


@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.1, 0.25, 0.4, 0.5, 0.7, 0.9, 1.0])),
                min_size=2, max_size=20).filter(lambda ps: len({p[0] for p in ps}) == 2),
       st.sampled_from([0.1, 0.25, 0.5, 0.7]))
def test_roc_identities(pairs, threshold):
    y, s = [p[0] for p in pairs], [p[1] for p in pairs]
    sol = solve_data({"kind": "metrics", "y_true": y, "scores": s, "threshold": threshold, "roc": True})
    a = answers(sol)
    assert a["auc"] == pytest.approx(ref_auc(y, s))
    assert np.all(np.diff(a["roc_fpr"]) >= 0) and np.all(np.diff(a["roc_tpr"]) >= 0)
    assert np.all(np.diff(a["roc_thresholds"]) < 0)
    # recall is the TPR (and FPR the ROC's FPR) at the ROC point of the smallest threshold ≥ θ
    # (s ≥ θ exactly when s ≥ that threshold; +∞ when no score reaches θ)
    k = int(np.nonzero(a["roc_thresholds"] >= threshold)[0][-1])
    assert a["recall"] == pytest.approx(a["roc_tpr"][k]) and a["fpr"] == pytest.approx(a["roc_fpr"][k])
    assert verify_solution(sol) == []


@given(st.integers(1, 6), st.integers(1, 6), st.randoms(use_true_random=False))
def test_auc_of_a_perfect_ranking_is_one(npos, nneg, rnd):
    s = sorted(rnd.random() for _ in range(npos + nneg))
    if len(set(s)) < len(s):
        return
    y = [0] * nneg + [1] * npos        # every positive scores above every negative
    order = list(range(npos + nneg))
    rnd.shuffle(order)
    a = answers(solve_data({"kind": "metrics", "y_true": [y[i] for i in order], "scores": [s[i] for i in order],
                            "roc": True}))
    assert a["auc"] == pytest.approx(1.0)
    b = answers(solve_data({"kind": "metrics", "y_true": [1 - y[i] for i in order],
                            "scores": [s[i] for i in order], "roc": True}))
    assert b["auc"] == pytest.approx(0.0)


def test_every_answer_has_a_producing_step():
    for path in sorted((ROOT / "problems").glob("metrics-*.yaml")) + sorted((ROOT / "problems").glob("perceptron-*.yaml")):
        sol = solve_file(path)
        keys = {b.quantity.key for s in sol.sections for b in s.blocks if hasattr(b, "quantity")}
        steps = {s.quantity.key for s in sol.steps()}
        for a in sol.answers:
            assert a.keys and set(a.keys) <= keys, (path.name, a.name)
            if not (path.stem == "metrics-dogs" and a.name in ("tp", "fp", "fn")):
                assert set(a.keys) <= steps, (path.name, a.name)
        assert all(isinstance(s, Step) for s in sol.steps())


# -- bad input -----------------------------------------------------------------------------------

BAD = {
    "lengths differ": ("kind: metrics\ny_true: [1, 0, 1]\ny_pred: [1, 0]\n",
                       r"<stdin>:3:\d+: y_pred: expected 3 labels \(one per entry of y_true\), got 2"),
    "a predicted label not in labels": ("kind: metrics\ny_true: [cat, dog]\ny_pred: [cat, cow]\nlabels: [cat, dog]\n",
                                        r"<stdin>:3:\d+: y_pred\[1\]: 'cow' is not among the labels cat, dog"),
    "a score above 1": ("kind: metrics\ny_true: [1, 0]\nscores: [0.9, 1.2]\n",
                        r"<stdin>:3:\d+: scores\[1\]: a score must lie in \[0, 1\]"),
    "a confusion matrix that is not square": ("kind: metrics\nconfusion: [[1, 2, 3], [4, 5, 6]]\n",
                                              r"<stdin>:2:\d+: confusion\[0\]: expected a square matrix"),
    "roc without scores": ("kind: metrics\ny_true: [1, 0]\ny_pred: [1, 1]\nroc: true\n",
                           r"<stdin>:4:\d+: roc: the ROC curve needs scores"),
    "positive not a class": ("kind: metrics\ny_true: [1, 0]\ny_pred: [1, 1]\npositive: 2\n",
                             r"<stdin>:4:\d+: positive: '2' is not one of the classes 0, 1"),
    "a negative count": ("kind: metrics\nconfusion: {tp: 5, fp: -3, fn: 7, tn: 1}\n",
                         r"<stdin>:2:\d+: confusion.fp: expected a count"),
    "labels and counts both": ("kind: metrics\ny_true: [1]\nconfusion: {tp: 1, fp: 0, fn: 0, tn: 0}\n",
                               r"<stdin>:2:\d+: y_true: give either the labels"),
    "a boolean label": ("kind: metrics\ny_true: [true, false]\ny_pred: [true, true]\n",
                        r"<stdin>:2:\d+: y_true\[0\]: expected a label"),
    "scores for three classes": ("kind: metrics\ny_true: [a, b, c]\nscores: [0.1, 0.5, 0.9]\n",
                                 r"<stdin>:3:\d+: scores: scores with a threshold are for two classes"),
    "roc with one class": ("kind: metrics\ny_true: [1, 1]\nscores: [0.1, 0.5]\nroc: true\n",
                           r"<stdin>:4:\d+: roc: the ROC curve needs at least one positive and one negative"),
    "nothing to measure": ("kind: metrics\nlabels: [a, b]\n",
                           r"<stdin>:1:1: y_true: give y_true with y_pred or scores"),
    "labels without predictions": ("kind: metrics\ny_true: [1, 0]\n",
                                   r"<stdin>:1:1: y_pred: y_true needs y_pred \(the predicted labels\) or scores"),
    "predictions and scores": ("kind: metrics\ny_true: [1, 0]\ny_pred: [1, 1]\nscores: [0.1, 0.5]\n",
                               r"<stdin>:4:\d+: scores: give y_pred or scores, not both"),
    "predictions with counts": ("kind: metrics\ny_pred: [1]\nconfusion: {tp: 1, fp: 0, fn: 0, tn: 0}\n",
                                r"<stdin>:2:\d+: y_pred: give either the labels"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_a_located_error(case):
    text, pattern = BAD[case]
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2, r.output
    assert re.search(pattern, r.output), r.output
    assert "Traceback" not in r.output


def test_allow_any_scores_accepts_logits():
    a = answers(solve_data({"kind": "metrics", "y_true": [1, 0, 1], "scores": [2.5, -1, 0.3], "threshold": 0,
                            "allow_any_scores": True, "roc": True}))
    assert (a["tp"], a["fp"]) == (2, 0) and a["auc"] == 1
