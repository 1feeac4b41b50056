"""Additive (Bahdanau) attention for several queries at once — the alignment matrix — and Luong's
concat score, against NumPy written here."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def bahdanau(Q, K, Vv, Wq, Wk, v):
    """e_ij = vᵀ·tanh(W_q·q_i + W_k·k_j), α_i = softmax(e_i), c_i = Σ_j α_ij·v_j — with loops."""
    S = np.zeros((len(Q), len(K)))
    for i in range(len(Q)):
        for j in range(len(K)):
            S[i, j] = v @ np.tanh(Wq @ Q[i] + Wk @ K[j])
    A = np.array([softmax(r) for r in S])
    return S, A, A @ Vv


@pytest.mark.parametrize("seed", range(4))
def test_additive_alignment_matrix_for_several_queries(seed):
    rng = np.random.default_rng(seed)
    m, n, dq, dk, da, dv = 3, 4, 2, 3, 2, 2
    Q, K, Vv = rng.normal(size=(m, dq)), rng.normal(size=(n, dk)), rng.normal(size=(n, dv))
    Wq, Wk, v = rng.normal(size=(da, dq)), rng.normal(size=(da, dk)), rng.normal(size=da)
    sol = solve_data({"kind": "attention", "score": "additive", "query": Q.tolist(), "keys": K.tolist(),
                      "values": Vv.tolist(), "additive": {"W_q": Wq.tolist(), "W_k": Wk.tolist(), "v": v.tolist()}})
    a = answers(sol)
    S, A, C = bahdanau(Q, K, Vv, Wq, Wk, v)
    assert np.allclose(a["scores"], S, rtol=1e-13, atol=1e-15)
    assert np.allclose(a["weights"], A, rtol=1e-13, atol=1e-15)
    assert np.allclose(a["context"], C, rtol=1e-13, atol=1e-15)
    assert verify_solution(sol) == []


def test_additive_several_queries_with_a_causal_mask():
    Q = np.array([[0.5, -1.0], [1.0, 0.0], [0.2, 0.3]])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    Wq, Wk, v = np.array([[1, 0.5], [0, 1.0]]), np.array([[0.5, -1], [1, 1.0]]), np.array([1, 0.5])
    a = answers(solve_data({"kind": "attention", "score": "additive", "query": Q.tolist(), "keys": K.tolist(),
                            "mask": "causal",
                            "additive": {"W_q": Wq.tolist(), "W_k": Wk.tolist(), "v": v.tolist()}}))
    S, _, _ = bahdanau(Q, K, K, Wq, Wk, v)
    for i in range(3):
        w = softmax(S[i, :i + 1])
        assert np.allclose(a["weights"][i][:i + 1], w, rtol=1e-13)
        assert np.all(np.array(a["weights"][i][i + 1:]) == 0)
        assert np.allclose(a["context"][i], w @ K[:i + 1], rtol=1e-13)


def test_luong_concat_score():
    q = np.array([0.5, -1.0, 2.0])
    K = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    W = np.array([[1, 0.5, -0.3, 0.5, -1], [0, 1, 0.2, 1, 1.0]])
    v = np.array([1.0, 0.5])
    sol = solve_data({"kind": "attention", "score": "concat", "query": q.tolist(), "keys": K.tolist(),
                      "concat": {"W": W.tolist(), "v": v.tolist()}})
    a = answers(sol)
    s = np.array([v @ np.tanh(W @ np.concatenate([q, k])) for k in K])     # v_aᵀ·tanh(W_a·[h_t; h̄_s])
    assert np.allclose(a["scores"], s, rtol=1e-13)
    assert np.allclose(a["weights"], softmax(s), rtol=1e-13)
    assert np.allclose(a["context"], softmax(s) @ K, rtol=1e-13)
    assert verify_solution(sol) == []


def test_concat_equals_additive_with_w_split_by_columns():
    q, K = [0.5, -1.0], [[1, 0], [0, 1], [1, 1]]
    Wq, Wk, v = [[1, 0.5], [0, 1]], [[0.5, -1], [1, 1]], [1, 0.5]
    W = [a + b for a, b in zip(Wq, Wk)]
    add = answers(solve_data({"kind": "attention", "score": "additive", "query": q, "keys": K,
                              "additive": {"W_q": Wq, "W_k": Wk, "v": v}}))
    cat = answers(solve_data({"kind": "attention", "score": "concat", "query": q, "keys": K,
                              "concat": {"W": W, "v": v}}))
    assert np.allclose(add["scores"], cat["scores"], rtol=1e-15)


@pytest.mark.parametrize("extra,words", [
    ({"concat": {"W": [[1, 0, 1]], "v": [1]}}, "expected 4 columns"),
    ({"concat": {"W": [[1, 0, 1, 0]], "v": [1, 2]}}, "expected 1 entries"),
    ({}, "score: concat needs concat"),
])
def test_concat_bad_shapes_are_located(extra, words):
    with pytest.raises(Exception) as e:
        solve_data({"kind": "attention", "score": "concat", "query": [1, 0], "keys": [[1, 0]], **extra})
    assert words in str(e.value)
