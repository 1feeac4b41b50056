"""Vector functions of the graph language — concat, norm, max, argmax, onehot — against NumPy
written here: values, gradients by central differences, and the derivatives refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlsolve.errors import DlsolveError
from dlsolve.verify import verify_solution
from tests.conftest import solve_data, solve_text

RNG = np.random.default_rng(3)


def fd_grad(f, X, h=1e-6):
    X = np.array(X, dtype=float)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        e = np.zeros_like(X)
        e[idx] = h
        g[idx] = (f(X + e) - f(X - e)) / (2 * h)
    return g


def test_luong_concat_attention_vector_and_its_gradients():
    # h̃ = tanh(W_c[c; h]) (Luong et al., 2015), L = sum of h̃'s entries squared
    c, h = RNG.normal(size=2), RNG.normal(size=3)
    Wc = RNG.normal(size=(2, 5))

    def L(Wc, c, h):
        ht = np.tanh(Wc @ np.concatenate([c, h]))
        return float(np.sum(ht ** 2))

    sol = solve_data({"kind": "graph", "given": {"c": c.tolist(), "h": h.tolist(), "Wc": Wc.tolist()},
                      "define": {"z": "concat(c, h)", "ht": "tanh(Wc @ z)", "L": "sum(ht**2)"},
                      "find": ["z", "ht", "L", "dL/dWc", "dL/dc", "dL/dh"]})
    assert verify_solution(sol) == []
    np.testing.assert_allclose(np.ravel(sol.answer("z").value), np.concatenate([c, h]), rtol=0, atol=0)
    np.testing.assert_allclose(np.ravel(sol.answer("ht").value), np.tanh(Wc @ np.concatenate([c, h])), rtol=1e-13)
    assert sol.answer("L").value == pytest.approx(L(Wc, c, h), rel=1e-13)
    np.testing.assert_allclose(sol.answer("dL/dWc").value, fd_grad(lambda W: L(W, c, h), Wc), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.ravel(sol.answer("dL/dc").value), fd_grad(lambda v: L(Wc, v, h), c), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(np.ravel(sol.answer("dL/dh").value), fd_grad(lambda v: L(Wc, c, v), h), rtol=1e-6, atol=1e-9)


def test_concat_joins_rows_side_by_side_and_refuses_unequal_columns():
    sol = solve_data({"kind": "graph", "given": {"a": [[1, 2]], "b": [[3, 4, 5]]}, "define": {"r": "concat(a, b)"},
                      "find": ["r"]})
    assert np.ravel(sol.answer("r").value).tolist() == [1, 2, 3, 4, 5]
    text = json.dumps({"kind": "graph", "given": {"A": [[1, 2], [3, 4]], "b": [1, 2, 3]},
                       "define": {"r": "concat(A, b)"}, "find": ["r"]})
    with pytest.raises(DlsolveError, match="same number of columns, got 2×2, 3×1"):
        solve_text(text)


def test_norm_and_max_with_their_gradients():
    x = np.array([2.0, -1.0, 0.5, -3.5])

    def L(v):
        return float(np.sqrt(np.sum(v ** 2)) + np.max(v) * 2)

    sol = solve_data({"kind": "graph", "given": {"x": x.tolist()}, "define": {"n": "norm(x)", "m": "max(x)", "L": "n + 2*m"},
                      "find": ["n", "m", "L", "dL/dx"]})
    assert verify_solution(sol) == []
    assert sol.answer("n").value == pytest.approx(np.linalg.norm(x), rel=1e-14)
    assert sol.answer("m").value == 2.0
    np.testing.assert_allclose(np.ravel(sol.answer("dL/dx").value), fd_grad(L, x), rtol=1e-6, atol=1e-9)


def test_argmax_onehot_and_accuracy_from_scores():
    S = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.4, 3.0], [0.9, 1.1, 0.2], [0.7, 0.7, 0.1]])
    labels = np.array([0, 1, 0, 1, 0])
    Y = np.eye(3)[labels]
    sol = solve_data({"kind": "graph", "given": {"S": S.tolist(), "Y": Y.tolist(), "s": S[2].tolist()},
                      "define": {"k": "argmax(S)", "P": "onehot(S)", "acc": "sum(P*Y)/5", "j": "argmax(s)"},
                      "find": ["k", "P", "acc", "j"]})
    assert verify_solution(sol) == []
    pred = np.array([int(np.argmax(row)) for row in S])        # NumPy: the first on a tie (row 5)
    assert np.ravel(sol.answer("k").value).tolist() == (pred + 1).tolist()
    np.testing.assert_array_equal(np.array(sol.answer("P").value), np.eye(3)[pred])
    assert sol.answer("acc").value == pytest.approx(np.mean(pred == labels))
    assert sol.answer("j").value == 3


@pytest.mark.parametrize("fn", ["argmax", "onehot"])
def test_no_derivative_through_argmax_or_onehot(fn):
    text = json.dumps({"kind": "graph", "given": {"s": [0.3, 1.2, -0.5]},
                       "define": {"k": f"sum({fn}(s))", "L": "k * 2 + sum(s)"}, "find": ["L", "dL/ds"]})
    with pytest.raises(DlsolveError, match=f"{fn} has no gradient: it is piecewise constant"):
        solve_text(text)


def test_the_norms_gradient_at_zero_is_nan_with_its_reason():
    sol = solve_data({"kind": "graph", "given": {"x": [0, 0]}, "define": {"n": "norm(x)"}, "find": ["n", "dn/dx"]})
    assert sol.answer("n").value == 0.0
    assert np.all(np.isnan(np.array(sol.answer("dn/dx").value, dtype=float)))
    notes = [str(s.note) for s in sol.steps if s.quantity.uni == "∂n/∂x₁"]
    assert any("NaN" in n and "divides" in n for n in notes)  # 0/0 at the kink, with its reason


def test_vector_functions_as_formula_nodes_evaluate_and_verify():
    from dlsolve import expr as E
    from dlsolve.verify import exact_value

    v, w = E.Sym("v", "v", "v"), E.Sym("w", "w", "w")
    env = {"v": np.array([0.5, -2.0]), "w": np.array([3.0])}
    cat = E.call("concat", v, w)
    np.testing.assert_array_equal(E.evaluate(cat, env), [0.5, -2.0, 3.0])
    assert [float(t) for t in exact_value(cat, env)] == [0.5, -2.0, 3.0]
    s = [E.Sym(f"s{k}", f"s{k}", f"s{k}") for k in range(3)]
    senv = {"s0": 0.2, "s1": 1.5, "s2": 1.5}
    assert E.evaluate(E.call("argmax", *s), senv) == 2.0                      # the first on a tie
    assert [E.evaluate(E.call("onehot", j, *s), senv) for j in (1, 2, 3)] == [0.0, 1.0, 0.0]
    assert int(exact_value(E.call("argmax", *s), senv)) == 2
    assert E.evaluate(E.call("norm", v), env) == pytest.approx(np.hypot(0.5, 2.0), rel=1e-15)
