"""kind: attention against independent NumPy formulas written here (PyTorch when installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def softmax_rows(S: np.ndarray) -> np.ndarray:
    out = np.zeros_like(S, dtype=float)
    for i in range(S.shape[0]):
        row = [np.exp(x) for x in S[i]]
        total = sum(row)
        out[i] = [x / total for x in row]
    return out


def reference(score, Q, K, Vv, T=1.0, W=None, add=None, visible=None):
    """Loops over queries and keys, one formula per score, written independently of the solver."""
    m, n = Q.shape[0], K.shape[0]
    S = np.zeros((m, n))
    for i in range(m):
        for j in range(n):
            q, k = Q[i], K[j]
            if score == "dot":
                S[i, j] = sum(q[a] * k[a] for a in range(len(q)))
            elif score == "scaled_dot":
                S[i, j] = sum(q[a] * k[a] for a in range(len(q))) / np.sqrt(len(k))
            elif score == "general":
                S[i, j] = sum(q[a] * W[a, b] * k[b] for a in range(len(q)) for b in range(len(k)))
            elif score == "cosine":
                S[i, j] = float(q @ k) / (np.sqrt(float(q @ q)) * np.sqrt(float(k @ k)))
            else:
                Wq, Wk, v = add
                S[i, j] = sum(v[a] * np.tanh(sum(Wq[a, b] * q[b] for b in range(len(q))) +
                                             sum(Wk[a, b] * k[b] for b in range(len(k)))) for a in range(len(v)))
    Z = S / T
    if visible is not None:
        Z = np.where(visible, Z, -np.inf)
    A = softmax_rows(Z)
    C = np.array([[sum(A[i, j] * Vv[j, c] for j in range(n)) for c in range(Vv.shape[1])] for i in range(m)])
    return S, A, C


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def test_catalogue_p23_luong_dot():
    sol = solve_data({"kind": "attention", "query": [1, 0.5], "keys": [[0.2, 0.4], [1.0, -0.5], [0.3, 0.9]]})
    a = answers(sol)
    assert np.allclose(a["scores"], [0.4, 0.75, 0.75])
    assert np.allclose(a["weights"], [0.260543, 0.369728, 0.369728], atol=5e-7)
    assert np.allclose(a["context"], [0.532756, 0.252109], atol=5e-7)
    assert verify_solution(sol) == []


def test_notes_transformer_temperature_sum_of_V_times_R():
    # V_i = e^(Q_i/T)/Σ_j e^(Q_j/T), Σ V_i·R_i: scores 1..4 as one-dimensional dot products, T = 2
    sol = solve_data({"kind": "attention", "query": [1], "keys": [[1], [2], [3], [4]],
                      "values": [[10], [20], [30], [40]], "temperature": 2})
    a = answers(sol)
    e = np.exp(np.array([1, 2, 3, 4]) / 2)
    p = e / e.sum()
    assert np.allclose(a["weights"], [0.101536, 0.167405, 0.276004, 0.455054], atol=5e-7)
    assert np.allclose(a["weights"], p)
    assert np.isclose(a["context"][0], float(p @ [10, 20, 30, 40]))


rng = np.random.default_rng(7)


@pytest.mark.parametrize("score", ["dot", "scaled_dot", "general", "cosine", "additive"])
def test_one_query_every_score(score):
    q, K, Vv = rng.normal(size=3), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    data = {"kind": "attention", "score": score, "query": q.tolist(), "keys": K.tolist(), "values": Vv.tolist(),
            "temperature": 0.7}
    W = add = None
    if score == "general":
        W = rng.normal(size=(3, 3))
        data["W"] = W.tolist()
    if score == "additive":
        add = (rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), rng.normal(size=2))
        data["additive"] = {"W_q": add[0].tolist(), "W_k": add[1].tolist(), "v": add[2].tolist()}
    sol = solve_data(data)
    S, A, C = reference(score, q[None, :], K, Vv, T=0.7, W=W, add=add)
    a = answers(sol)
    assert np.allclose(a["scores"], S[0]) and np.allclose(a["weights"], A[0]) and np.allclose(a["context"], C[0])
    assert verify_solution(sol) == []


def test_general_and_additive_join_different_lengths():
    q, K = rng.normal(size=2), rng.normal(size=(3, 4))
    W = rng.normal(size=(2, 4))
    sol = solve_data({"kind": "attention", "score": "general", "query": q.tolist(), "keys": K.tolist(), "W": W.tolist()})
    S, A, C = reference("general", q[None, :], K, K, W=W)
    assert np.allclose(answers(sol)["context"], C[0])
    add = (rng.normal(size=(3, 2)), rng.normal(size=(3, 4)), rng.normal(size=3))
    sol = solve_data({"kind": "attention", "score": "additive", "query": q.tolist(), "keys": K.tolist(),
                      "additive": {"W_q": add[0].tolist(), "W_k": add[1].tolist(), "v": add[2].tolist()}})
    S, A, C = reference("additive", q[None, :], K, K, add=add)
    assert np.allclose(answers(sol)["scores"], S[0]) and np.allclose(answers(sol)["context"], C[0])


@pytest.mark.parametrize("score", ["dot", "scaled_dot", "general", "cosine"])
@pytest.mark.parametrize("mask", [None, "causal", [[1, 0, 1], [0, 1, 1], [1, 1, 1]]])
def test_matrix_of_queries(score, mask):
    Q, K, Vv = rng.normal(size=(3, 2)), rng.normal(size=(3, 2)), rng.normal(size=(3, 4))
    data = {"kind": "attention", "score": score, "query": Q.tolist(), "keys": K.tolist(), "values": Vv.tolist()}
    W = None
    if score == "general":
        W = rng.normal(size=(2, 2))
        data["W"] = W.tolist()
    visible = None
    if mask is not None:
        data["mask"] = mask
        visible = np.tril(np.ones((3, 3), bool)) if mask == "causal" else np.array(mask) == 1
    sol = solve_data(data)
    S, A, C = reference(score, Q, K, Vv, W=W, visible=visible)
    a = answers(sol)
    assert np.allclose(a["scores"], S) and np.allclose(a["weights"], A) and np.allclose(a["context"], C)
    assert verify_solution(sol) == []
    # the worked row agrees with the matrix
    r = int(np.argmax((visible if visible is not None else np.ones((3, 3), bool)).sum(axis=1)))
    worked = {s.quantity.key: s.value for s in sol.steps()}
    assert np.allclose([worked[f"ctxr_{c}"] for c in range(1, 5)], C[r])


def test_self_attention_heads_and_output_projection():
    X = rng.normal(size=(3, 4))
    WQ, WK, WV = rng.normal(size=(4, 4)), rng.normal(size=(4, 4)), rng.normal(size=(4, 6))
    WO = rng.normal(size=(6, 5))
    sol = solve_data({"kind": "attention", "score": "scaled_dot", "X": X.tolist(), "W_Q": WQ.tolist(),
                      "W_K": WK.tolist(), "W_V": WV.tolist(), "heads": 2, "W_O": WO.tolist(), "mask": "causal"})
    a = answers(sol)
    Q, K, Vv = X @ WQ, X @ WK, X @ WV
    assert np.allclose(a["Q"], Q) and np.allclose(a["K"], K) and np.allclose(a["V"], Vv)
    vis = np.tril(np.ones((3, 3), bool))
    heads = [reference("scaled_dot", Q[:, 2 * h:2 * h + 2], K[:, 2 * h:2 * h + 2], Vv[:, 3 * h:3 * h + 3],
                       visible=vis) for h in range(2)]
    assert np.shape(a["scores"]) == (2, 3, 3)
    for h in range(2):
        assert np.allclose(a["scores"][h], heads[h][0])
        assert np.allclose(a["weights"][h], heads[h][1])
        assert np.allclose(a["context"][h], heads[h][2])
    concat = np.hstack([heads[0][2], heads[1][2]])
    assert np.allclose(a["output"], concat @ WO)
    assert verify_solution(sol) == []


def test_against_pytorchs_documented_scaled_dot_product():
    """torch.nn.functional.scaled_dot_product_attention's documented formula, softmax(QKᵀ/√d)V,
    written in NumPy here (no torch needed)."""
    Q, K, Vv = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    sol = solve_data({"kind": "attention", "score": "scaled_dot", "query": Q.tolist(), "keys": K.tolist(),
                      "values": Vv.tolist()})
    S = Q @ K.T / math.sqrt(Q.shape[1])
    P = np.exp(S - S.max(axis=1, keepdims=True))
    want = (P / P.sum(axis=1, keepdims=True)) @ Vv
    assert np.allclose(answers(sol)["context"], want)


def test_every_answer_names_real_steps():
    sol = solve_data({"kind": "attention", "score": "dot", "query": [[1, 0], [0, 1]], "keys": [[1, 2], [3, 4]],
                      "W_O": [[1], [1]]})
    keys = {s.quantity.key for s in sol.steps()}
    for ans in sol.answers:
        assert ans.keys and set(ans.keys) <= keys, ans.name


def test_notes_name_the_paper_and_the_softmax_over_keys():
    papers = {"dot": "Luong", "general": "Luong", "scaled_dot": "Vaswani", "additive": "Bahdanau", "cosine": "Graves"}
    for score, who in papers.items():
        data = {"kind": "attention", "score": score, "query": [1, 2], "keys": [[1, 0], [0, 1]]}
        if score == "general":
            data["W"] = [[1, 0], [0, 1]]
        if score == "additive":
            data["additive"] = {"W_q": [[1, 0]], "W_k": [[0, 1]], "v": [1]}
        conv = " ".join(map(str, solve_data(data).conventions))
        assert who in conv and "over the keys" in conv


finite = st.floats(-5, 5, allow_nan=False)


@given(st.lists(finite, min_size=2, max_size=2), st.lists(st.lists(finite, min_size=2, max_size=2), min_size=1,
                                                           max_size=5),
       st.sampled_from(["dot", "scaled_dot"]), st.floats(0.2, 5))
def test_weights_sum_to_one(q, keys, score, T):
    sol = solve_data({"kind": "attention", "score": score, "query": q, "keys": keys, "temperature": T})
    w = answers(sol)["weights"]
    assert abs(sum(w) - 1) < 1e-12 and min(w) >= 0


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3),
       st.sampled_from(["dot", "scaled_dot", "cosine", "general"]), st.booleans(), st.integers(1, 3),
       st.sampled_from([None, "causal", "ones", "bad"]), st.integers(0, 2 ** 31))
def test_any_attention_spec_solves_and_verifies_or_is_a_located_error(m, n, d, dv, score, many, heads, mask, seed):
    from dlsolve.errors import DlsolveError

    r = np.random.default_rng(seed)
    data = {"kind": "attention", "score": score, "keys": r.integers(-2, 3, size=(n, d)).tolist(),
            "values": r.integers(-2, 3, size=(n, dv)).tolist(), "heads": heads,
            "query": (r.integers(-2, 3, size=(m, d)) if many else r.integers(-2, 3, size=d)).tolist()}
    if score == "general":
        data["W"] = r.integers(-2, 3, size=(d, d)).tolist()
    if mask == "causal":
        data["mask"] = "causal"
    elif mask == "ones":
        data["mask"] = np.ones((m, n), int).tolist()
    elif mask == "bad":
        data["mask"] = np.ones((m + 1, n), int).tolist()
    try:
        sol = solve_data(data)
    except DlsolveError:
        return
    assert verify_solution(sol) == []
    w = np.asarray(answers(sol)["weights"])
    assert np.allclose(w.sum(axis=-1), 1)
