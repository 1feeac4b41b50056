"""Dropout in `kind: backprop` (issue 16): the mask in the forward pass and the same mask in the
backward pass, checked against central finite differences of an independent NumPy forward pass
written here (tests/reference.py's activations and losses; no dlsolve code)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlsolve.errors import DlsolveError
from dlsolve.load import load_text
from tests import reference as R
from tests.conftest import solve_data

X = [0.5, -1.0]
W1 = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6]]
B1 = [0.1, 0.0, -0.1]
W2 = [[0.3, -0.2], [0.2, 0.1], [-0.4, 0.5]]
B2 = [0.05, -0.05]
Y = [1.0, 0.0]


def factor(rate, mask, scaling):
    """r with ã = r·a, from the definitions: inverted scales kept units by 1/(1 − p) in training;
    classic does not scale in training and multiplies by 1 − p at test time (no mask)."""
    if mask is None:
        return np.ones(3) if scaling == "inverted" else np.full(3, 1 - rate)
    m = np.asarray(mask, dtype=float)
    return m / (1 - rate) if scaling == "inverted" else m


def numpy_loss(W1_, b1_, W2_, b2_, r, act1="tanh"):
    a1 = R.act(act1, np.asarray(X) @ W1_ + b1_, None) * r
    yhat = R.act("sigmoid", a1 @ W2_ + b2_, None)
    return R.loss("mse", np.asarray(Y), yhat)


def finite_diff(params, i, r):
    """∂L/∂params[i] by central differences, entry by entry."""
    h, grads = 1e-6, np.zeros_like(params[i])
    for idx in np.ndindex(params[i].shape):
        up = [p.copy() for p in params]
        dn = [p.copy() for p in params]
        up[i][idx] += h
        dn[i][idx] -= h
        grads[idx] = (numpy_loss(*up, r) - numpy_loss(*dn, r)) / (2 * h)
    return grads


def problem(dropout, act1="tanh"):
    return {"kind": "backprop", "input": X, "target": Y, "loss": "mse", "learning_rate": 0.1,
            "layers": [{"weights": W1, "bias": B1, "activation": act1, **({"dropout": dropout} if dropout else {})},
                       {"weights": W2, "bias": B2, "activation": "sigmoid"}]}


CASES = [({"rate": 0.5, "mask": [1, 0, 1]}, "inverted"),
         ({"rate": 0.25, "mask": [0, 1, 1], "scaling": "inverted"}, "inverted"),
         ({"rate": 0.5, "mask": [1, 0, 1], "scaling": "classic"}, "classic"),
         ({"rate": 0.2, "scaling": "classic"}, "classic"),
         ({"rate": 0.2}, "inverted")]


@pytest.mark.parametrize("detail", ["units", "layers"])
@pytest.mark.parametrize("dropout,scaling", CASES)
def test_forward_and_backward_match_finite_differences(dropout, scaling, detail):
    r = factor(dropout["rate"], dropout.get("mask"), scaling)
    params = [np.array(W1), np.array(B1), np.array(W2), np.array(B2)]
    s = solve_data(problem(dropout), detail=detail)
    assert np.isclose(s.answer("loss").value, numpy_loss(*params, r), rtol=1e-12)
    for name, i in (("dW1", 0), ("db1", 1), ("dW2", 2), ("db2", 3)):
        np.testing.assert_allclose(s.answer(name).value, finite_diff(params, i, r), rtol=1e-6, atol=1e-9,
                                   err_msg=name)
    a1 = np.tanh(np.asarray(X) @ np.array(W1) + np.array(B1))
    np.testing.assert_allclose(s.answer("a1").value, a1, rtol=1e-12)
    if "mask" in dropout or scaling == "classic":
        np.testing.assert_allclose(s.answer("a1_dropout").value, a1 * r, rtol=1e-12)
    else:   # inverted without a mask: the test-time pass leaves a^[1] as it is
        with pytest.raises(KeyError):
            s.answer("a1_dropout")


def test_a_dropped_unit_passes_no_gradient_back():
    s = solve_data(problem({"rate": 0.5, "mask": [1, 0, 1]}))
    assert s.answer("delta1").value[1] == 0.0
    assert [row[1] for row in s.answer("dW1").value] == [0.0, 0.0]
    assert s.answer("dW2").value[1] == [0.0, 0.0]


def test_notes_say_what_the_scaling_does_at_test_time():
    classic = solve_data(problem({"rate": 0.5, "mask": [1, 0, 1], "scaling": "classic"}))
    notes = [str(b.text) for sec in classic.sections for b in sec.blocks if hasattr(b, "text")]
    assert any("at test time every unit is kept" in n for n in notes)
    assert any("dropout scaling classic" in str(c) for c in classic.conventions)
    inverted = solve_data(problem({"rate": 0.5, "mask": [1, 0, 1]}))
    assert any("dropout scaling inverted" in str(c) for c in inverted.conventions)


@pytest.mark.parametrize("dropout,where,message", [
    ({"rate": 0.5, "mask": [1, 0]}, "layers[0].dropout.mask", "expected 3 mask values"),
    ({"rate": 0.5, "mask": [1, 0.5, 1]}, "layers[0].dropout.mask", "0 (dropped) or 1 (kept), got 0.5"),
    ({"rate": 1.0, "mask": [1, 0, 1]}, "layers[0].dropout.rate", "in [0, 1)"),
    ({"rate": -0.1}, "layers[0].dropout.rate", "in [0, 1)"),
    ({"rate": 0.5, "scaling": "half"}, "layers[0].dropout.scaling", ""),
])
def test_bad_dropout_is_a_typed_error_at_its_key(dropout, where, message):
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(problem(dropout)), "p.yaml")
    text = str(err.value)
    assert where in text and message in text, text


def test_dropout_on_the_output_layer_is_refused():
    data = problem(None)
    data["layers"][1]["dropout"] = {"rate": 0.5, "mask": [1, 0]}
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(data), "p.yaml")
    assert "layers[1].dropout" in str(err.value) and "hidden layer" in str(err.value)


def test_dropout_with_l2_regularisation_matches_finite_differences():
    lam, r = 0.03, factor(0.5, [1, 0, 1], "inverted")
    params = [np.array(W1), np.array(B1), np.array(W2), np.array(B2)]

    def with_penalty(*ps):
        return numpy_loss(*ps, r) + lam * (np.sum(ps[0] ** 2) + np.sum(ps[2] ** 2))

    s = solve_data({**problem({"rate": 0.5, "mask": [1, 0, 1]}), "regularization": {"l2": lam}})
    assert np.isclose(s.answer("loss").value, with_penalty(*params), rtol=1e-12)
    h = 1e-6
    for name, i in (("dW1", 0), ("dW2", 2)):
        g = np.zeros_like(params[i])
        for idx in np.ndindex(g.shape):
            up, dn = [p.copy() for p in params], [p.copy() for p in params]
            up[i][idx] += h
            dn[i][idx] -= h
            g[idx] = (with_penalty(*up) - with_penalty(*dn)) / (2 * h)
        np.testing.assert_allclose(s.answer(name).value, g, rtol=1e-6, atol=1e-9, err_msg=name)
