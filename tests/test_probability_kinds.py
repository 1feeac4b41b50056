"""Kinds loss, softmax, entropy and distillation: catalogue P7–P13, independent NumPy formulas
on random inputs (with extreme logits), and their bad-input messages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import assume, given, strategies as st

from dlsolve.cli import main
from dlsolve.errors import DlsolveError
from dlsolve.load import load_text
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


def close(got, want, tol=2e-6):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


# -- catalogue ---------------------------------------------------------------------------------
def test_p7_softmax_temperature():
    s = solve_file(P / "p7-softmax-temperature.yaml")
    close(s.answer("p[T=1]").value, [0.032059, 0.087144, 0.236883, 0.643914])
    close(s.answer("p[T=2]").value, [0.101536, 0.167405, 0.276004, 0.455054])
    close(s.answer("p[T=5]").value, [0.180657, 0.220655, 0.269509, 0.329179])
    close(s.answer("weighted_sum[T=1]").value, 34.926527)


def test_p8_entropy_in_bits():
    s = solve_file(P / "p8-entropy-kl-bits.yaml")
    close(s.answer("entropy_p").value, 1.846439)
    close(s.answer("entropy_q").value, 1.883383)
    close(s.answer("cross_entropy").value, 2.194279)
    close(s.answer("kl_pq").value, 0.34784)
    close(s.answer("kl_qp").value, 0.330049)
    close(solve_file(P / "p8b-entropy-unnormalised.yaml").answer("entropy_p").value, 1.846439)


def test_p9_p10_p11_cross_entropies():
    s = solve_file(P / "p9-bce-table.yaml")
    close(s.answer("per_sample").value, [0.510826, 0.223144, 0.916291])
    close(s.answer("loss").value, 0.550087)
    s = solve_data({**json.loads(json.dumps({"kind": "loss", "loss": "bce", "y_true": [1, 0, 1],
                                             "y_pred": [0.6, 0.2, 0.4], "reduction": "sum"}))})
    close(s.answer("loss").value, 1.65026)
    s = solve_file(P / "p10-sparse-cce.yaml")
    close(s.answer("per_sample").value, [0.510826, 0.693147])
    close(s.answer("loss").value, 0.601986)
    close(solve_file(P / "p11-doors-cross-entropy.yaml").answer("loss").value, 0.685179)


@pytest.mark.parametrize("loss,extra,want", [("mse", {}, 0.375), ("mae", {}, 0.5), ("huber", {}, 0.1875),
                                              ("huber", {"delta": 0.5}, 0.15625)])
def test_p12_regression_losses(loss, extra, want):
    s = solve_data({"kind": "loss", "loss": loss, "y_true": [3, -0.5, 2, 7], "y_pred": [2.5, 0, 2, 8], **extra})
    close(s.answer("loss").value, want)


def test_p12_file_is_huber():
    close(solve_file(P / "p12-regression-losses.yaml").answer("loss").value, 0.1875)


def test_p13_distillation():
    s = solve_file(P / "p13-distillation.yaml")
    close(s.answer("p_teacher").value, [0.094096, 0.421707, 0.155137, 0.073282, 0.255778])
    close(s.answer("p_student").value, [0.125532, 0.265752, 0.206968, 0.108047, 0.293701])
    close(s.answer("p_student_hard").value, [0.069373, 0.31091, 0.188577, 0.051393, 0.379747])
    close(s.answer("hard_loss").value, 1.168251)
    close(s.answer("soft_loss").value, 0.059067)
    close(s.answer("loss").value, 0.60906)
    values = {st.quantity.key: st.value for st in s.steps()}
    close(values["L_alt_t2"], 0.50274)
    close(values["ce_soft"], 1.474924)


# -- independent formulas on random inputs ---------------------------------------------------
def np_softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def np_log_sigmoid(z):
    return -np.logaddexp(0.0, -z)


probs = st.floats(0.001, 0.999)
reals = st.floats(-50, 50)
logits = st.one_of(st.floats(-30, 30), st.sampled_from([1000.0, -1000.0, 0.0]))


@st.composite
def elementwise_cases(draw):
    loss = draw(st.sampled_from(["mse", "sse", "mae", "huber", "bce", "hinge"]))
    n = draw(st.integers(1, 5))
    if loss == "bce":
        y = draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n))
        logit = draw(st.booleans())
        yhat = draw(st.lists(logits if logit else probs, min_size=n, max_size=n))
    elif loss == "hinge":
        y, logit = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=n, max_size=n)), False
        yhat = draw(st.lists(reals, min_size=n, max_size=n))
    else:
        y, logit = draw(st.lists(reals, min_size=n, max_size=n)), False
        yhat = draw(st.lists(reals, min_size=n, max_size=n))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    return dict(loss=loss, y=np.array(y), yhat=np.array(yhat), logit=logit, reduction=reduction,
                half=draw(st.booleans()) if loss in ("mse", "sse") else False, delta=draw(st.sampled_from([0.5, 1.0, 2.0])))


def np_elementwise(c):
    y, p, e = c["y"], c["yhat"], c["y"] - c["yhat"]
    if c["loss"] in ("mse", "sse"):
        per = e ** 2 * (0.5 if c["half"] else 1)
    elif c["loss"] == "mae":
        per = np.abs(e)
    elif c["loss"] == "huber":
        per = np.where(np.abs(e) <= c["delta"], 0.5 * e ** 2, c["delta"] * (np.abs(e) - 0.5 * c["delta"]))
    elif c["loss"] == "hinge":
        per = np.maximum(0, 1 - y * p)
    elif c["logit"]:
        per = -(y * np_log_sigmoid(p) + (1 - y) * np_log_sigmoid(-p))
    else:
        per = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return per


@given(elementwise_cases())
def test_elementwise_losses_match_numpy(c):
    data = {"kind": "loss", "loss": c["loss"], "y_true": c["y"].tolist(), "y_pred": c["yhat"].tolist(),
            "reduction": c["reduction"], "from_logits": c["logit"]}
    if c["loss"] in ("mse", "sse"):
        data["half"] = c["half"]
    if c["loss"] == "huber":
        data["delta"] = c["delta"]
    s = solve_data(data)
    per = np_elementwise(c)
    assert np.all(np.isfinite(s.answer("per_sample").value))
    close(s.answer("per_sample").value, per, tol=1e-9)
    want = per if c["reduction"] == "none" else per.mean() if c["reduction"] == "mean" else per.sum()
    close(s.answer("loss").value, want, tol=1e-9)
    assert verify_solution(s) == []


@given(st.integers(2, 5), st.integers(1, 3), st.booleans(), st.data())
def test_categorical_losses_match_numpy(k, n, logit, data):
    rows = [np.array(data.draw(st.lists(logits if logit else st.floats(0.01, 1), min_size=k, max_size=k)))
            for _ in range(n)]
    if not logit:
        rows = [r / r.sum() for r in rows]
    labels = [data.draw(st.integers(0, k - 1)) for _ in range(n)]
    sparse = data.draw(st.booleans())
    y_true = labels if sparse else [np.eye(k)[c].tolist() for c in labels]
    s = solve_data({"kind": "loss", "loss": "sparse_cce" if sparse else "cce", "y_true": y_true,
                    "y_pred": [r.tolist() for r in rows], "from_logits": logit})
    per = [-(r[c] - np.max(r) - np.log(np.sum(np.exp(r - np.max(r))))) if logit else -np.log(r[c])
           for r, c in zip(rows, labels)]
    assert np.all(np.isfinite(s.answer("per_sample").value))
    close(s.answer("per_sample").value, per, tol=1e-9)
    if logit:
        close(s.answer("probabilities").value, [np_softmax(r) for r in rows], tol=1e-12)
        if n == 1:
            close(s.answer("dL_dz").value, np_softmax(rows[0]) - np.eye(k)[labels[0]], tol=1e-12)


@given(st.lists(logits, min_size=1, max_size=6), st.lists(st.sampled_from([0.5, 1.0, 2.0, 5.0]), min_size=1, max_size=3, unique=True))
def test_softmax_matches_numpy_even_for_extreme_scores(scores, temps):
    s = solve_data({"kind": "softmax", "scores": scores, "temperature": temps})
    for t in temps:
        name = "p" if len(temps) == 1 else f"p[T={t:g}]"
        p = s.answer(name).value
        assert np.all(np.isfinite(p))
        close(p, np_softmax(np.array(scores) / t), tol=1e-12)
    assert verify_solution(s) == []


@given(st.lists(st.floats(0, 5), min_size=2, max_size=6), st.data(), st.sampled_from([2, "e", 10]))
def test_entropy_matches_numpy(raw, data, base):
    assume(sum(raw) > 0.1)
    q_raw = data.draw(st.lists(st.floats(0.01, 5), min_size=len(raw), max_size=len(raw)))
    s = solve_data({"kind": "entropy", "p": raw, "q": q_raw, "log_base": base})
    p, q = np.array(raw) / sum(raw), np.array(q_raw) / sum(q_raw)
    lg = {2: np.log2, "e": np.log, 10: np.log10}[base]
    nz = p > 0
    close(s.answer("entropy_p").value, -np.sum(p[nz] * lg(p[nz])), tol=1e-9)
    close(s.answer("cross_entropy").value, -np.sum(p[nz] * lg(q[nz])), tol=1e-9)
    close(s.answer("kl_pq").value, np.sum(p[nz] * lg(p[nz] / q[nz])), tol=1e-9)
    assert verify_solution(s) == []


def test_entropy_infinite_kl_is_reported_with_its_reason():
    s = solve_data({"kind": "entropy", "p": [0.5, 0.5, 0], "q": [1, 0, 0]})
    assert s.answer("kl_pq").value == float("inf") and s.answer("cross_entropy").value == float("inf")
    assert np.isfinite(s.answer("kl_qp").value)
    notes = [st.note for st in s.steps() if st.note]
    assert any("infinite" in n for n in notes)


@given(st.integers(2, 5), st.data())
def test_distillation_matches_numpy(k, data):
    t = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=k, max_size=k)))
    z = np.array(data.draw(st.lists(st.floats(-5, 5), min_size=k, max_size=k)))
    c = data.draw(st.integers(0, k - 1))
    T = data.draw(st.sampled_from([1.0, 2.0, 4.0]))
    a = data.draw(st.floats(0, 1))
    soft = data.draw(st.sampled_from(["kl", "cross_entropy"]))
    t2 = data.draw(st.booleans())
    s = solve_data({"kind": "distillation", "teacher_logits": t.tolist(), "student_logits": z.tolist(), "label": c,
                    "temperature": T, "alpha": a, "soft_loss": soft, "t_squared": t2})
    pt, ps, q = np_softmax(t / T), np_softmax(z / T), np_softmax(z)
    hard = -np.log(q[c])
    soft_v = np.sum(pt * np.log(pt / ps)) if soft == "kl" else -np.sum(pt * np.log(ps))
    close(s.answer("loss").value, a * hard + (1 - a) * (T ** 2 if t2 else 1) * soft_v, tol=1e-9)
    assert verify_solution(s) == []


# -- bad input -----------------------------------------------------------------------------
def err(text: str) -> str:
    with pytest.raises(DlsolveError) as info:
        load_text(text, "p.yaml")
    return str(info.value)


def test_bad_inputs_name_the_place():
    assert err("kind: loss\nloss: bce\ny_true: [1, 0]\ny_pred: [0.5, 1.2]\n") == \
        "p.yaml:4:15: y_pred[1]: bce predictions (or set from_logits: true) must lie in [0, 1], got 1.2"
    assert err("kind: loss\nloss: mse\ny_true: [1, 0]\ny_pred: [0.5]\n") == \
        "p.yaml:4:9: y_pred: expected 2 predictions (one per y_true value), got 1"
    assert err("kind: loss\nloss: sparse_cce\nclasses: [a, b]\ny_true: [c]\ny_pred: [[0.5, 0.5]]\n") == \
        "p.yaml:4:10: y_true[0]: label expected one of a, b, got 'c'"
    assert err("kind: loss\nloss: cce\ny_true: [[1, 1]]\ny_pred: [[0.5, 0.5]]\n").startswith(
        "p.yaml:3:10: y_true[0]: row 1 is not one-hot")
    assert err("kind: softmax\nscores: [1, 2]\ntemperature: 0\n") == \
        "p.yaml:3:14: temperature: a temperature must be positive, got 0"
    assert err("kind: distillation\nteacher_logits: [1, 2]\nstudent_logits: [1, 2]\nlabel: 0\nalpha: 1.5\n") == \
        "p.yaml:5:8: alpha: alpha weights the hard term and must lie in [0, 1], got 1.5"
    assert err("kind: entropy\np: []\n") == "p.yaml:2:4: p: expected at least one number, got an empty list"
    assert err("kind: loss\nloss: hing\ny_true: [1]\ny_pred: [1]\n").endswith("did you mean 'hinge'?")


# -- command line --------------------------------------------------------------------------
@pytest.mark.parametrize("kind,path", [("softmax", "p7-softmax-temperature.yaml"), ("entropy", "p8-entropy-kl-bits.yaml"),
                                       ("loss", "p9-bce-table.yaml"), ("distillation", "p13-distillation.yaml")])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_each_kind_has_its_subcommand(kind, path, fmt):
    r = CliRunner().invoke(main, [kind, str(P / path), "--format", fmt])
    assert r.exit_code == 0, r.output
    if fmt == "json":
        assert json.loads(r.output)["kind"] == kind


def test_epsilon_clipping_bites_with_a_note():
    s = solve_data({"kind": "loss", "loss": "bce", "y_true": [1, 0], "y_pred": [0.0, 0.3], "epsilon": 1e-7})
    close(s.answer("per_sample").value, [-np.log(1e-7), -np.log(0.7)], tol=1e-12)
    assert any(st.note and "clipping bites" in st.note for st in s.steps())


def test_log_base_2_gives_bits():
    s = solve_data({"kind": "loss", "loss": "bce", "y_true": [1], "y_pred": [0.5], "log_base": 2})
    close(s.answer("loss").value, 1.0, tol=1e-15)


def test_zero_log_zero_is_left_out_with_a_note():
    s = solve_data({"kind": "entropy", "p": [0.5, 0.5, 0]})
    close(s.answer("entropy_p").value, 1.0, tol=1e-15)
    assert any(st.note and "0·log 0 = 0" in st.note for st in s.steps())


def test_bce_derivative_view_from_logits():
    s = solve_data({"kind": "loss", "loss": "bce", "y_true": [1], "y_pred": [0.3], "from_logits": True})
    p = 1 / (1 + np.exp(-0.3))
    close(s.answer("dL_dyhat").value, -1 / p, tol=1e-12)
    close(s.answer("dL_dz").value, p - 1, tol=1e-12)
