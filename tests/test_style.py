"""kind: style — Gram matrices, content and style losses and their gradients, against NumPy loops
and central finite differences written here (Gatys, Ecker & Bethge 2016)."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def gram(F):
    n, m = F.shape
    G = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            for k in range(m):
                G[i, j] += F[i, k] * F[j, k]
    return G


def style_E(F, A):
    n, m = F.shape
    return float(np.sum((gram(F) - A) ** 2)) / (4 * n * n * m * m)


def content_L(F, P):
    return 0.5 * float(np.sum((F - P) ** 2))


def fd(fun, F, h=1e-6):
    out = np.zeros_like(F)
    for idx in np.ndindex(F.shape):
        up, dn = F.copy(), F.copy()
        up[idx] += h
        dn[idx] -= h
        out[idx] = (fun(up) - fun(dn)) / (2 * h)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_losses_and_gradients_against_loops_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n, h, w = 3, 2, 2
    Fc, Pc = rng.normal(size=(n, h, w)), rng.normal(size=(n, h, w))
    Fs, Ss = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    Fs2, A2 = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    A2 = A2 @ A2.T
    alpha, beta, w1, w2 = 0.7, 50.0, 0.3, 0.7
    sol = solve_data({"kind": "style", "alpha": alpha, "beta": beta,
                      "content": {"F": Fc.tolist(), "P": Pc.tolist()},
                      "style": [{"F": Fs.tolist(), "S": Ss.tolist(), "weight": w1},
                                {"F": Fs2.tolist(), "A": A2.tolist(), "weight": w2}]})
    a = answers(sol)
    F, P = Fc.reshape(n, h * w), Pc.reshape(n, h * w)          # each map flattened row by row
    assert a["content_loss"] == pytest.approx(content_L(F, P), rel=1e-13)
    assert np.allclose(a["content_gradient"], fd(lambda X: content_L(X, P), F), atol=1e-7)
    A1 = gram(Ss)
    E1, E2 = style_E(Fs, A1), style_E(Fs2, A2)
    assert a["layer_losses"] == pytest.approx([E1, E2], rel=1e-12)
    assert np.allclose(a["gram[1]"], gram(Fs), rtol=1e-14)
    assert np.allclose(a["gram[2]"], gram(Fs2), rtol=1e-14)
    assert np.allclose(a["style_gradient[1]"], fd(lambda X: style_E(X, A1), Fs), atol=1e-7)
    assert np.allclose(a["style_gradient[2]"], fd(lambda X: style_E(X, A2), Fs2), atol=1e-7)
    assert a["style_loss"] == pytest.approx(w1 * E1 + w2 * E2, rel=1e-12)
    assert a["total_loss"] == pytest.approx(alpha * content_L(F, P) + beta * (w1 * E1 + w2 * E2), rel=1e-12)
    assert verify_solution(sol) == []


def test_the_example_problem_by_hand():
    sol = solve_data({"kind": "style", "style": [{"F": [[1, 0, 2, 1], [0, 1, 1, 0]], "S": [[0, 1, 1, 2], [1, 1, 0, 0]]}]})
    a = answers(sol)
    # G = [[6, 2], [2, 2]], A = [[6, 1], [1, 2]]: Σ(G − A)² = 2, N = 2, M = 4 → 2/(4·4·16) = 1/128
    assert a["style_loss"] == pytest.approx(1 / 128, rel=1e-15)
    assert "total_loss" not in a


@pytest.mark.parametrize("data,words", [
    ({}, "nothing to compute: give content, style"),
    ({"content": {"F": [[1, 2]], "P": [[1, 2, 3]]}}, "expected 1×2 maps like F"),
    ({"style": [{"F": [[1, 2]], "S": [[1, 2]], "A": [[1]]}]}, "exactly one of S"),
    ({"style": [{"F": [[1, 2], [3, 4]], "A": [[1]]}]}, "expected a 2×2 Gram matrix"),
    ({"content": {"F": [[[1, 2]], [[1, 2, 3]]], "P": [[1]]}}, "expected every map to be 1×2"),
])
def test_bad_input_is_refused_with_a_reason(data, words):
    with pytest.raises(Exception) as e:
        solve_data({"kind": "style", **data})
    assert words in str(e.value)
