"""kind: normalize against independent NumPy implementations written here: batch norm (1-D and
NHWC per channel) and layer norm forward, their backward pass against finite differences of the
forward, the running update, standardisation and min-max; the catalogue's P20/P21; bad input."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


def close(got, want, tol=1e-9):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


# -- independent reference: plain NumPy ------------------------------------------------------------
def ref_forward(x, gamma, beta, eps, axes):
    """y = γ(x − μ)/√(σ² + ε) + β with μ, σ² over `axes` (biased variance); γ, β broadcast on the last axis."""
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return mu, var, xhat, gamma * xhat + beta


def numeric_grads(x, gamma, beta, eps, axes, dy, h=1e-6):
    """∂L/∂x, ∂L/∂γ, ∂L/∂β of L = Σ dy ⊙ y by central differences of ref_forward."""
    def loss(x_, g_, b_):
        return float(np.sum(dy * ref_forward(x_, g_, b_, eps, axes)[3]))

    out = []
    for which, arr in enumerate((x, gamma, beta)):
        grad = np.zeros_like(arr)
        for idx in np.ndindex(*arr.shape):
            plus, minus = [a.copy() for a in (x, gamma, beta)], [a.copy() for a in (x, gamma, beta)]
            plus[which][idx] += h
            minus[which][idx] -= h
            grad[idx] = (loss(*plus) - loss(*minus)) / (2 * h)
        out.append(grad)
    return out


def answers(sol):
    return {a.name: a.value for a in sol.answers}


# -- the catalogue ---------------------------------------------------------------------------------
def test_p20_bn_channel_from_the_notes():
    s = solve_file(P / "norm-bn-channel.yaml")
    a = answers(s)
    close(a["mean"], 7.5)
    close(a["var"], 20.25)
    close(a["x_hat"], [-1.444444, -0.555555, 0.333333, 1.222222, -1.222222, -0.333333, 0.555555, 1.444444], tol=1e-6)
    close(a["running_mean"], 0.75)
    close(a["running_var"], 3.214286, tol=1e-6)
    steps = {st.quantity.key: st.value for st in s.steps()}
    close(steps["s2"], 23.142857, tol=1e-6)   # PyTorch's unbiased variance in the running var
    close(steps["rvar'keras"], 0.9 * 1 + 0.1 * 20.25)   # the biased variance, Keras's moving variance
    assert verify_solution(s) == []


def test_p21_standardize():
    a = answers(solve_file(P / "norm-standardize.yaml"))
    close(a["output"], [-1.341641, -0.447214, 0.447214, 1.341641], tol=1e-6)
    close(a["std"], np.sqrt(5))
    a = answers(solve_data({"kind": "normalize", "method": "minmax", "input": [2, 4, 6, 8]}))
    close(a["output"], [0, 1 / 3, 2 / 3, 1])


# -- batch norm and layer norm against NumPy, forward and backward ---------------------------------
@pytest.mark.parametrize("shape,method", [((5, 3), "batchnorm"), ((2, 2, 3, 2), "batchnorm"), ((4,), "batchnorm"),
                                          ((3, 4), "layernorm"), ((5,), "layernorm"), ((1, 3), "batchnorm")])
def test_forward_and_backward_against_numpy_and_finite_differences(shape, method):
    rng = np.random.default_rng(sum(shape) + len(method))
    x = rng.normal(2, 3, size=shape).round(3)
    dy = rng.normal(0, 1, size=shape).round(3)
    feats = 1 if (len(shape) == 1 and method == "batchnorm") else shape[-1]
    gamma = rng.uniform(0.5, 2, size=feats).round(2)
    beta = rng.normal(0, 1, size=feats).round(2)
    eps = 1e-3
    spec = {"kind": "normalize", "method": method, "input": x.tolist(), "gamma": gamma.tolist(),
            "beta": beta.tolist(), "epsilon": eps, "grad_output": dy.tolist()}
    s = solve_data(spec)
    a = answers(s)
    # the reference works on (rows, features) or NHWC
    xr = x[:, None] if (len(shape) == 1 and method == "batchnorm") else (x[None, :] if len(shape) == 1 else x)
    dyr = dy.reshape(xr.shape)
    axes = tuple(range(xr.ndim - 1)) if method == "batchnorm" else (xr.ndim - 1,)
    mu, var, xhat, y = ref_forward(xr, gamma, beta, eps, axes)
    close(np.ravel(a["mean"]), mu.ravel())
    close(np.ravel(a["var"]), var.ravel())
    close(np.ravel(a["std"]), np.sqrt(var + eps).ravel())
    close(np.reshape(a["x_hat"], xr.shape), xhat)
    close(np.reshape(a["output"], xr.shape), y)
    gx, gg, gb = numeric_grads(xr, gamma, beta, eps, axes, dyr)
    close(np.reshape(a["grad_input"], xr.shape), gx, tol=1e-6)
    close(np.ravel(a["grad_gamma"]), gg, tol=1e-6)
    close(np.ravel(a["grad_beta"]), gb, tol=1e-6)
    assert verify_solution(s) == []
    for ans in s.answers:   # every answer names the steps that produce it
        keys = {st.quantity.key for st in s.steps()}
        assert ans.keys and set(ans.keys) <= keys, ans.name


@given(n=st.integers(2, 6), f=st.integers(1, 3), m=st.floats(0, 1), unbiased=st.booleans(),
       seed=st.integers(0, 10**6))
def test_running_update_against_the_formula(n, f, m, unbiased, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, size=(n, f)).round(3)
    rm, rv = rng.normal(size=f).round(2), rng.uniform(0.1, 3, size=f).round(2)
    a = answers(solve_data({"kind": "normalize", "input": x.tolist(),
                            "running": {"mean": rm.tolist(), "var": rv.tolist(), "momentum": m,
                                        "unbiased": unbiased}}))
    close(np.ravel(a["running_mean"]), (1 - m) * rm + m * x.mean(axis=0))
    close(np.ravel(a["running_var"]), (1 - m) * rv + m * x.var(axis=0, ddof=1 if unbiased else 0))


@given(rows=st.integers(2, 7), cols=st.integers(1, 3), ddof=st.sampled_from([0, 1]), seed=st.integers(0, 10**6))
def test_standardize_and_minmax_against_numpy(rows, cols, ddof, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 5, size=(rows, cols)).round(2)
    x[0] += 1  # no constant column
    x[1] -= 1
    a = answers(solve_data({"kind": "normalize", "method": "standardize", "input": x.tolist(), "ddof": ddof}))
    close(a["output"], (x - x.mean(0)) / x.std(0, ddof=ddof))
    close(np.ravel(a["var"]), x.var(0, ddof=ddof))
    a = answers(solve_data({"kind": "normalize", "method": "minmax", "input": x.tolist()}))
    close(a["output"], (x - x.min(0)) / (x.max(0) - x.min(0)))


def test_a_large_batch_is_written_with_sigma_and_elided():
    x = np.arange(40.0).reshape(20, 2)
    s = solve_data({"kind": "normalize", "input": x.tolist()})
    close(answers(s)["mean"], x.mean(0))
    shown = [st for st in s.steps() if st.shown and st.quantity.key.startswith("xhat")]
    assert len(shown) == 16      # 8 per feature written out, all 40 computed
    assert len([st for st in s.steps() if st.quantity.key.startswith("xhat")]) == 40


def test_a_batch_of_one_is_allowed_with_a_note_about_epsilon():
    s = solve_data({"kind": "normalize", "input": [[3, 4]]})
    close(answers(s)["x_hat"], [[0, 0]])
    notes = [st.note for st in s.steps() if st.note]
    assert any("ε" in str(n) for n in notes)


# -- bad input: a typed error with the YAML path, exit 2 -------------------------------------------
BAD = [
    ("input: [[1, 2], [3, 4]]\ngamma: [1, 2, 3]\n", "gamma", "one value per feature"),
    ("input: [[1, 2], [3, 4]]\nbeta: [1, 2, 3]\n", "beta", "one value per feature"),
    ("input: [[1, 2], [3, 4]]\ngrad_output: [[1, 2]]\n", "grad_output", "shape of the input"),
    ("input: [1]\nrunning: {momentum: 0.1}\n", "running", "n − 1"),
    ("input: [1, 2]\nrunning: {momentum: 1.5}\n", "running.momentum", "less than or equal"),
    ("input: [1, 2]\nrunning: {var: [-1]}\n", "running.var", "negative"),
    ("method: standardize\ninput: [3, 3, 3]\n", "input", "constant"),
    ("method: minmax\ninput: [[1, 2], [1, 3]]\n", "input", "constant"),
    ("input: [3, 3]\nepsilon: 0\n", "input", "constant"),
    ("method: layernorm\ninput: [[[[1]]]]\n", "input", "4-D"),
    ("method: minmax\ninput: [1, 2]\ngamma: 2\n", "gamma", "belongs to"),
    ("input: [1, 2]\nddof: 1\n", "ddof", "belongs to standardize"),
    ("method: layernorm\ninput: [1, 2]\nrunning: {}\n", "running", "belong to batchnorm"),
    ("input: [1, 2]\nepsilon: -1\n", "epsilon", "greater than or equal"),
    ("input: [[[1, 2]]]\n", "input", "expected a list"),
    ("input: [[[[1], [2]]], [[[1]]]]\n", "input[1]", "same height"),
    ("method: batchnrom\ninput: [1, 2]\n", "method", "batchnorm"),
]


@pytest.mark.parametrize("body,path,words", BAD)
def test_bad_input_is_located(body, path, words):
    r = CliRunner().invoke(main, ["solve", "-"], input="kind: normalize\n" + body)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: " + re.escape(path) + ": ", r.output), r.output
    assert words in r.output, r.output
    assert "Traceback" not in r.output


def test_check_names_kerass_running_variance(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("running_var: 2.925\n", encoding="utf-8")    # 0.9·1 + 0.1·20.25: the biased σ²
    r = CliRunner().invoke(main, ["check", str(P / "norm-bn-channel.yaml"), str(answers)])
    assert r.exit_code == 1
    assert "running.unbiased: false (Keras)" in r.output, r.output
