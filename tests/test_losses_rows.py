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
