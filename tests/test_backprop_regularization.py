"""L1/L2 regularisation in `kind: backprop` (issue 16): L_total = L + Ω, and every regularised
parameter's gradient against central finite differences of an independent NumPy L_total written
here (tests/reference.py's forward pass and losses; no dlsolve code)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlsolve.errors import DlsolveError
from dlsolve.load import load_text
from tests import reference as R
from tests.conftest import solve_data

X = [1.0, 2.0]
W1 = [[0.5, -0.3], [0.0, 0.4]]      # a weight exactly 0: L1's sign(0) = 0
B1 = [0.1, -0.1]
W2 = [[0.6], [-0.2]]
B2 = [0.05]
Y = [1.0]


def penalty(params, reg):
    """Ω from the definitions: λ₂Σw² (λ₂/2·Σw² with half) + λ₁Σ|w|, biases only with include_bias."""
    counted = [p for k, p in enumerate(params) if k % 2 == 0 or reg.get("include_bias")]
    l2 = reg.get("l2", 0.0) * sum(float(np.sum(p ** 2)) for p in counted) * (0.5 if reg.get("half") else 1.0)
    l1 = reg.get("l1", 0.0) * sum(float(np.sum(np.abs(p))) for p in counted)
    return l2 + l1


def total(params, reg, x=X, y=Y):
    W1_, b1_, W2_, b2_ = params
    a1 = R.act("sigmoid", np.asarray(x) @ W1_ + b1_, None)
    yhat = R.act("sigmoid", a1 @ W2_ + b2_, None)
    return R.loss("mse", np.asarray(y), yhat) + penalty(params, reg)


def grad(params, i, reg, **kw):
    h, g = 1e-6, np.zeros_like(params[i])
    for idx in np.ndindex(params[i].shape):
        up = [p.copy() for p in params]
        dn = [p.copy() for p in params]
        up[i][idx] += h
        dn[i][idx] -= h
        g[idx] = (total(up, reg, **kw) - total(dn, reg, **kw)) / (2 * h)
    return g


def start():
    return [np.array(W1), np.array(B1), np.array(W2), np.array(B2)]


def problem(reg, **extra):
    return {"kind": "backprop", "input": X, "target": Y, "loss": "mse", "learning_rate": 0.5,
            "regularization": reg, **extra,
            "layers": [{"weights": W1, "bias": B1, "activation": "sigmoid"},
                       {"weights": W2, "bias": B2, "activation": "sigmoid"}]}


REGS = [{"l2": 0.01}, {"l2": 0.1, "half": True}, {"l1": 0.05}, {"l2": 0.02, "l1": 0.03},
        {"l2": 0.05, "include_bias": True}, {"l1": 0.05, "include_bias": True}, {"l2": 0.0}]


@pytest.mark.parametrize("detail", ["units", "layers"])
@pytest.mark.parametrize("reg", REGS, ids=[json.dumps(r) for r in REGS])
def test_gradients_and_loss_match_finite_differences(reg, detail):
    s = solve_data(problem(reg), detail=detail)
    params = start()
    assert np.isclose(s.answer("loss").value, total(params, reg), rtol=1e-12)
    assert np.isclose(s.answer("penalty").value, penalty(params, reg), rtol=1e-12, atol=1e-15)
    assert np.isclose(s.answer("loss_data").value, total(params, reg) - penalty(params, reg), rtol=1e-12)
    for name, i in (("dW1", 0), ("db1", 1), ("dW2", 2), ("db2", 3)):
        np.testing.assert_allclose(s.answer(name).value, grad(params, i, reg), rtol=1e-6, atol=1e-9, err_msg=name)
    eta = 0.5
    np.testing.assert_allclose(s.answer("W1_new").value, params[0] - eta * grad(params, 0, reg), rtol=1e-7)


def test_l1_takes_sign_0_as_0_and_the_l2_half_choice_halves_the_penalty_term():
    plain = solve_data(problem({"l1": 0.05}))
    none = solve_data({k: v for k, v in problem({}).items() if k != "regularization"})
    # w₂₁^[1] = 0: its L1 gradient is the data gradient alone
    assert plain.answer("dW1").value[1][0] == none.answer("dW1").value[1][0]
    full, half = solve_data(problem({"l2": 0.1})), solve_data(problem({"l2": 0.1, "half": True}))
    d_full = np.array(full.answer("dW2").value) - np.array(none.answer("dW2").value)
    d_half = np.array(half.answer("dW2").value) - np.array(none.answer("dW2").value)
    np.testing.assert_allclose(d_full, 2 * 0.1 * np.array(W2), rtol=1e-12)
    np.testing.assert_allclose(d_half, 0.1 * np.array(W2), rtol=1e-12)
    assert any("half: true would halve" in str(c) for c in full.conventions)


def test_several_updates_use_the_regularised_gradient():
    samples = [([1.0, 2.0], [1.0]), ([-1.0, 0.5], [0.0])]
    reg = {"l2": 0.05}
    data = {**problem(reg), "epochs": 2}
    del data["input"], data["target"]
    data["samples"] = [{"input": x, "target": y} for x, y in samples]
    s = solve_data(data)
    params, losses = start(), []
    for _ in range(2):
        for x, y in samples:   # SGD in the given order, each step from FD gradients of L_total
            losses.append(total(params, reg, x=x, y=y))
            g = [grad(params, i, reg, x=x, y=y) for i in range(4)]
            params = [p - 0.5 * gi for p, gi in zip(params, g)]
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-9)
    np.testing.assert_allclose(s.answer("W1_new").value, params[0], rtol=1e-6)
    np.testing.assert_allclose(s.answer("b2_new").value, params[3], rtol=1e-6)


@pytest.mark.parametrize("reg,where,message", [
    ({"l2": -0.01}, "regularization.l2", "λ ≥ 0"),
    ({"l1": -1}, "regularization.l1", "λ ≥ 0"),
    ({"half": True}, "regularization", "give l2"),
    ({"l1": 0.1, "half": True}, "regularization.half", "half applies to l2"),
    ({"l2": 0.1, "l3": 0.1}, "regularization", ""),
])
def test_bad_regularisation_is_a_typed_error_at_its_key(reg, where, message):
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(problem(reg)), "p.yaml")
    assert where in str(err.value) and message in str(err.value), str(err.value)


def test_regularisation_needs_a_loss():
    data = problem({"l2": 0.1})
    del data["loss"], data["target"], data["learning_rate"]
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(data), "p.yaml")
    assert "regularization" in str(err.value) and "loss" in str(err.value)


def test_check_names_the_half_convention(tmp_path):
    """A student who used λ/2·Σw² is told which convention their value follows."""
    from click.testing import CliRunner

    from dlsolve.cli import main
    from tests.conftest import ROOT

    params = start()
    reg = {"l2": 0.01, "half": True}
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"loss: {total(params, reg):.8f}\n")
    res = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "backprop-l2-update.yaml"), str(answers)])
    assert "regularization.half: true" in res.output, res.output
