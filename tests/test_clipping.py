"""Gradient clipping in kind: optimizer against NumPy written here (PyTorch's clip_grad_norm_ and
clip_grad_value_ formulas), inside SGD, momentum and Adam; and its bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file


def clip_norm(g: np.ndarray, tau: float, eps: float) -> np.ndarray:
    total = np.sqrt(np.sum(g * g))
    coef = tau / (total + eps)
    return g * min(coef, 1.0)


def clip_value(g: np.ndarray, v: float) -> np.ndarray:
    return np.array([min(max(x, -v), v) for x in g])


def test_the_problem_file():
    sol = solve_file(ROOT / "problems" / "opt-clip-norm.yaml")
    got = np.array(sol.answer("clipped_gradients").value)
    np.testing.assert_allclose(got[0], [0.6, 0.8], rtol=1e-6)      # 5 → 1: [3, 4]/5
    np.testing.assert_allclose(got[1], [0.3, -0.4])                  # norm 0.5 ≤ 1: unchanged
    np.testing.assert_allclose(got[2], [-0.6, 0.8], rtol=1e-6)
    assert verify_solution(sol) == []


grads = st.lists(st.lists(st.floats(-20, 20, allow_nan=False).map(lambda x: round(x, 2)), min_size=3, max_size=3),
                 min_size=1, max_size=4)


@given(gs=grads, tau=st.floats(0.1, 10), eps=st.sampled_from([None, 0.0, 1e-3]), lr=st.floats(0.01, 1))
def test_sgd_with_norm_clipping(gs, tau, eps, lr):
    clip = {"norm": tau} if eps is None else {"norm": tau, "eps": eps}
    sol = solve_data({"kind": "optimizer", "optimizer": "sgd", "learning_rate": lr, "gradients": gs,
                      "initial_weight": [0, 0, 0], "clip": clip})
    w = np.zeros(3)
    want = []
    for g in gs:
        c = clip_norm(np.array(g, dtype=float), tau, 1e-6 if eps is None else eps)
        want.append(c)
        w = w - lr * c
    np.testing.assert_allclose(sol.answer("clipped_gradients").value, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sol.answer("weight").value, w, rtol=1e-12, atol=1e-12)


@given(gs=grads, v=st.floats(0.05, 5))
def test_value_clipping_inside_momentum(gs, v):
    sol = solve_data({"kind": "optimizer", "optimizer": "momentum", "learning_rate": 0.1, "beta": 0.9,
                      "gradients": gs, "initial_weight": [1, 2, 3], "clip": {"value": v}, "momentum_form": "sum"})
    w, vel = np.array([1.0, 2.0, 3.0]), np.zeros(3)
    for g in gs:
        vel = 0.9 * vel + clip_value(np.array(g, dtype=float), v)
        w = w - 0.1 * vel
    np.testing.assert_allclose(sol.answer("weight").value, w, rtol=1e-12, atol=1e-12)


def test_one_weight_and_adam_and_the_generic_rule():
    sol = solve_data({"kind": "optimizer", "optimizer": "adam", "learning_rate": 0.01, "gradients": [4, -0.5],
                      "initial_weight": 1, "clip": {"norm": 1, "eps": 0}})
    assert sol.answer("clipped_gradients").value == [1.0, -0.5]
    assert verify_solution(sol) == []
    rule = [s for s in sol.sections if s.title == "The update rule"][0]
    assert any(getattr(b, "quantity", None) is not None and b.quantity.key.startswith("gclip") for b in rule.blocks)


BAD = [
    ("clip: {norm: 0}\n", "clip.norm", "positive"),
    ("clip: {value: -1}\n", "clip.value", "positive"),
    ("clip: {norm: 1, value: 1}\n", "clip.value", "exactly one"),
    ("clip: {}\n", "clip.norm", "exactly one"),
    ("clip: {value: 1, eps: 0}\n", "clip.eps", "norm"),
    ("clip: {norm: 1, eps: -1}\n", "clip.eps", "greater than or equal"),
]


@pytest.mark.parametrize("body,path,words", BAD)
def test_bad_input_is_located(body, path, words):
    text = "kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\ngradients: [1, 2]\n" + body
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: " + re.escape(path) + ": ", r.output), r.output
    assert words in r.output, r.output


def test_clipping_squared_gradients_is_an_error():
    text = ("kind: optimizer\noptimizer: adagrad\nlearning_rate: 0.1\niterations: 2\n"
            "squared_gradients: {first: 1}\nclip: {norm: 1}\n")
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2 and re.match(r"<stdin>:\d+:\d+: clip: ", r.output), r.output
