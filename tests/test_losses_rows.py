"""Losses of a whole row (the multiclass SVM, …) through `kind: loss`, against independent NumPy
loops and central finite differences written here, and PyTorch's definitions re-implemented in
plain NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def svm_row(s, y, delta, power):
    """CS231n: Σ_{j≠y} max(0, s_j − s_y + Δ)^power, with a loop."""
    total = 0.0
    for j in range(len(s)):
        if j != y:
            total += max(0.0, s[j] - s[y] + delta) ** power
    return total


SCORES = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]


def test_cs231n_example_values():
    sol = solve_data({"kind": "loss", "loss": "multiclass_hinge", "y_true": [0, 1, 2], "y_pred": SCORES})
    a = answers(sol)
    assert a["per_sample"] == pytest.approx([2.9, 0.0, 12.9], abs=1e-12)   # the notes' numbers
    assert a["loss"] == pytest.approx(15.8 / 3, abs=1e-12)
    assert verify_solution(sol) == []


@pytest.mark.parametrize("name,power", [("multiclass_hinge", 1), ("multiclass_squared_hinge", 2)])
@pytest.mark.parametrize("seed", range(6))
def test_svm_rows_and_gradients_against_loops_and_finite_differences(name, power, seed):
    rng = np.random.default_rng(seed)
    n, k = 3, 4
    s = np.round(rng.normal(0, 2, (n, k)), 2)
    y = [int(v) for v in rng.integers(0, k, n)]
    delta = float(rng.choice([0.5, 1.0, 2.0]))
    sol = solve_data({"kind": "loss", "loss": name, "margin": delta, "y_true": y, "y_pred": s.tolist(),
                      "reduction": "sum"})
    a = answers(sol)
    want = [svm_row(s[i], y[i], delta, power) for i in range(n)]
    assert a["per_sample"] == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert a["loss"] == pytest.approx(sum(want), rel=1e-12, abs=1e-12)
    h = 1e-6
    for i in range(n):
        for j in range(k):
            margins = [s[i, c] - s[i, y[i]] + delta for c in range(k) if c != y[i]]
            if any(abs(m) < 1e-3 for m in margins):
                continue  # a kink: no two-sided difference
            up, dn = s[i].copy(), s[i].copy()
            up[j] += h
            dn[j] -= h
            fd = (svm_row(up, y[i], delta, power) - svm_row(dn, y[i], delta, power)) / (2 * h)
            assert a["dl_ds"][i][j] == pytest.approx(fd, abs=1e-6), (i, j)
    assert verify_solution(sol) == []


def test_pytorch_multi_margin_is_the_sum_over_the_number_of_classes():
    """PyTorch's MultiMarginLoss (its documentation: Σ_{j≠y} max(0, margin − x[y] + x[j])^p / C)
    is dlsolve's sum divided by C; the convention says so."""
    s, y = np.array(SCORES[0]), 0
    torch_like = sum(max(0.0, 1.0 - s[y] + s[j]) for j in range(3) if j != y) / 3
    sol = solve_data({"kind": "loss", "loss": "multiclass_hinge", "y_true": [0], "y_pred": [SCORES[0]]})
    assert answers(sol)["loss"] / 3 == pytest.approx(torch_like, rel=1e-14)
    assert any("divides this sum by the number of classes" in str(c) for c in sol.conventions)


@pytest.mark.parametrize("key,value,takers", [("delta", 0.5, "huber"), ("beta", 0.5, "smooth_l1"),
                                              ("label_smoothing", 0.1, "bce and cce")])
def test_an_option_of_another_loss_is_refused_not_ignored(key, value, takers):
    with pytest.raises(Exception) as e:
        solve_data({"kind": "loss", "loss": "mae", key: value, "y_true": [1], "y_pred": [0.5]})
    assert f"{key} applies to {takers}, not mae" in str(e.value)


def test_margin_only_for_the_svm_losses():
    with pytest.raises(Exception) as e:
        solve_data({"kind": "loss", "loss": "mse", "margin": 2, "y_true": [1], "y_pred": [0.5]})
    assert "margin applies to multiclass_hinge and multiclass_squared_hinge" in str(e.value)


def torch_smooth_l1(y, p, beta):
    """PyTorch's SmoothL1Loss per element, as its documentation writes it."""
    d = abs(y - p)
    return 0.5 * d * d / beta if d < beta else d - 0.5 * beta


def torch_huber(y, p, delta):
    """PyTorch's HuberLoss per element, as its documentation writes it."""
    d = abs(y - p)
    return 0.5 * d * d if d < delta else delta * (d - 0.5 * delta)


@pytest.mark.parametrize("beta", [0.25, 0.5, 1.0, 2.0])
def test_smooth_l1_is_huber_over_beta(beta):
    y, p = [3.0, -0.5, 2.0, 7.0, 1.0], [2.5, 0.0, 2.0, 8.0, 1.3]
    sl1 = answers(solve_data({"kind": "loss", "loss": "smooth_l1", "beta": beta, "y_true": y, "y_pred": p,
                              "reduction": "none"}))["per_sample"]
    hub = answers(solve_data({"kind": "loss", "loss": "huber", "delta": beta, "y_true": y, "y_pred": p,
                              "reduction": "none"}))["per_sample"]
    assert sl1 == pytest.approx([torch_smooth_l1(a, b, beta) for a, b in zip(y, p)], rel=1e-14, abs=1e-15)
    assert hub == pytest.approx([torch_huber(a, b, beta) for a, b in zip(y, p)], rel=1e-14, abs=1e-15)
    assert np.array(hub) == pytest.approx(beta * np.array(sl1), rel=1e-14, abs=1e-15)   # the stated factor


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.3])
def test_cce_label_smoothing_as_keras_and_pytorch_define_it(alpha):
    y = np.array([[0, 1, 0], [1, 0, 0]], float)
    p = np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]])
    a = answers(solve_data({"kind": "loss", "loss": "cce", "label_smoothing": alpha, "y_true": y.tolist(),
                            "y_pred": p.tolist()}))
    ys = y * (1 - alpha) + alpha / 3                     # ỹ = y(1 − α) + α/K
    per = [-sum(ys[i, k] * np.log(p[i, k]) for k in range(3)) for i in range(2)]
    assert a["per_sample"] == pytest.approx(per, rel=1e-13)
    assert a["loss"] == pytest.approx(np.mean(per), rel=1e-13)
    assert np.allclose(a["y_smooth"], ys, rtol=1e-15)


def test_cce_label_smoothing_from_logits_against_log_softmax():
    z = np.array([2.0, -1.0, 0.5, 0.0])
    alpha = 0.2
    y = np.array([0, 0, 1, 0], float)
    ys = y * (1 - alpha) + alpha / 4
    logp = z - np.log(np.sum(np.exp(z)))                # PyTorch: −Σ ỹ_k·log_softmax(z)_k
    a = answers(solve_data({"kind": "loss", "loss": "cce", "from_logits": True, "label_smoothing": alpha,
                            "y_true": y.tolist(), "y_pred": z.tolist()}))
    assert a["loss"] == pytest.approx(-np.sum(ys * logp), rel=1e-13)
    assert a["dL_dz"] == pytest.approx(softmax(z) - ys, abs=1e-14)   # ŷ − ỹ


def test_bce_label_smoothing_moves_toward_one_half():
    y, p, alpha = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.4]), 0.2
    ys = y * (1 - alpha) + 0.5 * alpha                   # Keras's binary_crossentropy
    want = np.mean(-(ys * np.log(p) + (1 - ys) * np.log(1 - p)))
    a = answers(solve_data({"kind": "loss", "loss": "bce", "label_smoothing": alpha, "y_true": y.tolist(),
                            "y_pred": p.tolist()}))
    assert a["loss"] == pytest.approx(want, rel=1e-13)


def test_cosine_similarity_loss_as_keras_computes_it():
    y = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 0.0], [3.0, -1.0, 0.5]])
    p = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0], [-3.0, 1.0, -0.5]])
    a = answers(solve_data({"kind": "loss", "loss": "cosine_similarity", "y_true": y.tolist(), "y_pred": p.tolist()}))
    per = []
    for i in range(3):   # l2-normalise each row, then −Σ (Keras's cosine_similarity)
        yn, pn = y[i] / np.sqrt(np.sum(y[i] ** 2)), p[i] / np.sqrt(np.sum(p[i] ** 2))
        per.append(-float(np.sum(yn * pn)))
    assert a["per_sample"] == pytest.approx(per, rel=1e-13)
    assert a["per_sample"][1] == pytest.approx(-1.0) and a["per_sample"][2] == pytest.approx(1.0)
    assert a["loss"] == pytest.approx(np.mean(per), rel=1e-13)


def test_kl_divergence_clipped_not_renormalised_as_keras():
    y = np.array([[0.0, 1.0, 0.0], [0.2, 0.5, 0.3]])
    p = np.array([[0.2, 0.8, 0.0], [0.3, 0.3, 0.4]])
    a = answers(solve_data({"kind": "loss", "loss": "kld", "y_true": y.tolist(), "y_pred": p.tolist()}))
    eps = 1e-7                                            # keras.backend.epsilon()
    yc, pc = np.clip(y, eps, 1), np.clip(p, eps, 1)
    per = np.sum(yc * np.log(yc / pc), axis=1)
    assert a["per_sample"] == pytest.approx(per.tolist(), rel=1e-12)
    # not renormalised: the clipped 0 of row 1 adds ε·log(ε/ŷ) ≠ 0, and a 0 in ŷ costs log(1/ε)
    assert per[0] != pytest.approx(np.log(1 / 0.8), rel=1e-9)


def test_sample_weights_divide_by_n_as_keras():
    y, p, w = [1.0, 0.0, 2.0, 3.0], [0.5, 0.5, 1.0, 3.5], [1.0, 2.0, 0.0, 0.5]
    a = answers(solve_data({"kind": "loss", "loss": "mse", "y_true": y, "y_pred": p, "sample_weight": w}))
    ell = [(yi - pi) ** 2 for yi, pi in zip(y, p)]
    assert a["per_sample"] == pytest.approx(ell, rel=1e-15)
    assert a["loss"] == pytest.approx(sum(wi * li for wi, li in zip(w, ell)) / 4, rel=1e-15)
    a = answers(solve_data({"kind": "loss", "loss": "mse", "y_true": y, "y_pred": p, "sample_weight": w,
                            "reduction": "none"}))
    assert a["loss"] == pytest.approx([wi * li for wi, li in zip(w, ell)], rel=1e-15)


def test_squared_error_over_rows_of_several_outputs():
    """½ Σ_μ Σ_j (y_j^μ − ŷ_j^μ)², the notes' sum over patterns and output units."""
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    P = np.array([[0.8, 0.1], [0.3, 0.6], [0.9, 0.7]])
    total = 0.0
    for mu in range(3):
        for j in range(2):
            total += 0.5 * (Y[mu, j] - P[mu, j]) ** 2
    sol = solve_data({"kind": "loss", "loss": "sse", "half": True, "y_true": Y.tolist(), "y_pred": P.tolist()})
    assert answers(sol)["loss"] == pytest.approx(total, rel=1e-14)
    assert verify_solution(sol) == []
    a = answers(solve_data({"kind": "loss", "loss": "mse", "y_true": Y.tolist(), "y_pred": P.tolist()}))
    assert a["loss"] == pytest.approx(float(np.mean((Y - P) ** 2)), rel=1e-14)   # Keras: mean of the row means


@pytest.mark.parametrize("name", ["multiclass_hinge", "cosine_similarity", "kld", "smooth_l1"])
def test_rnn_refuses_a_loss_that_is_not_of_its_units(name):
    """A row loss summed unit by unit would be a wrong loss, and smooth_l1's β is not read there
    (it was an exit 3: KeyError 'beta')."""
    with pytest.raises(Exception) as e:
        solve_data({"kind": "rnn", "cell": "rnn", "activation": "tanh", "inputs": [1.0, 0.5], "h0": 0.2,
                    "weights": {"W": 0.5, "U": 0.8}, "readout": {"V": 1.2, "activation": "sigmoid"},
                    "target": 1, "loss": name})
    assert f"{name} is not a loss of the read-out's units" in str(e.value)


def test_svm_takes_one_hot_rows_as_well_as_labels():
    labels = answers(solve_data({"kind": "loss", "loss": "multiclass_hinge", "y_true": [0, 1, 2], "y_pred": SCORES}))
    onehot = answers(solve_data({"kind": "loss", "loss": "multiclass_hinge", "y_true": np.eye(3).tolist(),
                                 "y_pred": SCORES}))
    assert onehot["per_sample"] == labels["per_sample"]
    assert np.array_equal(onehot["dl_ds"], labels["dl_ds"])


# An option each loss takes, written out by hand from the README (not read from the Loss records):
# (loss, option, value, y_true, y_pred) — a problem dlsolve solves.
TAKEN = [
    ("mse", "half", True, [1], [0.5]),
    ("huber", "delta", 0.5, [1], [0.5]),
    ("smooth_l1", "beta", 0.5, [1], [0.5]),
    ("bce", "label_smoothing", 0.1, [1], [0.5]),
    ("bce", "from_logits", True, [1], [0.5]),
    ("bce", "log_base", 2, [1], [0.5]),
    ("multiclass_hinge", "margin", 2, [0], [[1, 2, 3]]),
]


@pytest.mark.parametrize("loss,key,value,y_true,y_pred", TAKEN, ids=[f"{t[0]}-{t[1]}" for t in TAKEN])
def test_the_schema_takes_an_option_where_dlsolve_does(loss, key, value, y_true, y_pred):
    """A loss's option is accepted by both with its loss and refused by both with mae (which takes
    none of them): the JSON Schema states the Loss records' rule, as the validator applies it."""
    jsonschema = pytest.importorskip("jsonschema")
    from dlsolve.schema import kind_schema

    validator = jsonschema.Draft202012Validator(kind_schema("loss"))
    good = {"kind": "loss", "loss": loss, key: value, "y_true": y_true, "y_pred": y_pred}
    solve_data(good)
    assert validator.is_valid(good)
    bad = {"kind": "loss", "loss": "mae", key: value, "y_true": [1], "y_pred": [0.5]}
    with pytest.raises(Exception, match=f"{key} applies to"):
        solve_data(bad)
    assert not validator.is_valid(bad)
    assert validator.is_valid({**bad, key: None} if key not in ("half", "from_logits", "log_base") else
                              {**bad, key: {"half": False, "from_logits": False, "log_base": "e"}[key]})


def test_a_class_name_needs_classes_in_the_schema_too():
    jsonschema = pytest.importorskip("jsonschema")
    from dlsolve.schema import kind_schema

    validator = jsonschema.Draft202012Validator(kind_schema("loss"))
    named = {"kind": "loss", "loss": "sparse_cce", "y_true": ["cat"], "y_pred": [[0.7, 0.3]]}
    with pytest.raises(Exception, match="is a class name: add classes:"):
        solve_data(named)
    assert not validator.is_valid(named)
    solve_data({**named, "classes": ["cat", "dog"]})
    assert validator.is_valid({**named, "classes": ["cat", "dog"]})
    assert validator.is_valid({**named, "y_true": [0]})
