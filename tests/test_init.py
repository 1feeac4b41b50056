"""kind: init — every scheme's formula written out again here (Glorot & Bengio 2010, He et al. 2015,
LeCun 1998, PyTorch's calculate_gain table), fans of dense and conv2d layers, and bad input."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

ALL = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal"]
TORCH_GAIN = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2.0)}


def reference(scheme: str, fan_in: int, fan_out: int, gain: float | None, mode: str = "fan_in") -> dict:
    """The textbook formulas, each written directly in terms of the fans."""
    fan = fan_in if mode == "fan_in" else fan_out
    if scheme.startswith("xavier"):
        g = 1.0 if gain is None else gain
        std = g * math.sqrt(2.0 / (fan_in + fan_out))
        limit = g * math.sqrt(6.0 / (fan_in + fan_out))
    else:
        g = (math.sqrt(2.0) if scheme.startswith("he") else 1.0) if gain is None else gain
        std = g / math.sqrt(fan)
        limit = g * math.sqrt(3.0 / fan)
    if scheme.endswith("uniform"):
        # a uniform on [−a, a] has variance a²/3
        return {"limit": limit, "std": limit / math.sqrt(3.0), "var": limit ** 2 / 3.0}
    return {"std": std, "var": std ** 2}


def check(sol, fan_in, fan_out, gain=None, mode="fan_in", schemes=ALL):
    for s in schemes:
        want = reference(s, fan_in, fan_out, gain, mode)
        for q, v in want.items():
            assert math.isclose(sol.answer(f"{q}[{s}]").value, v, rel_tol=1e-12), (s, q)
    assert verify_solution(sol) == []


def test_mnist_problem():
    sol = solve_file(ROOT / "problems" / "init-mnist-dense.yaml")
    check(sol, 784, 128)
    # the usual hand values: Xavier uniform bound √(6/912), He normal σ = √(2/784)
    assert math.isclose(sol.answer("limit[xavier_uniform]").value, 0.0811107, rel_tol=1e-6)
    assert math.isclose(sol.answer("std[he_normal]").value, 0.0505076, rel_tol=1e-6)
    keras = {s.quantity.key: s.value for s in sol.steps()}["keras_std[he_normal]"]
    assert math.isclose(keras, math.sqrt(2 / 784) / 0.87962566103423978, rel_tol=1e-12)


@given(fi=st.integers(1, 5000), fo=st.integers(1, 5000), gain=st.one_of(st.none(), st.floats(0.01, 10)),
       mode=st.sampled_from(["fan_in", "fan_out"]))
def test_every_scheme_against_its_formula(fi, fo, gain, mode):
    data = {"kind": "init", "scheme": ALL, "fan_in": fi, "fan_out": fo, "mode": mode}
    if gain is not None:
        data["gain"] = gain
    check(solve_data(data), fi, fo, gain, mode)


@pytest.mark.parametrize("nl", sorted(TORCH_GAIN))
def test_nonlinearity_sets_pytorchs_gain(nl):
    sol = solve_data({"kind": "init", "scheme": ALL, "fan_in": 300, "fan_out": 100, "nonlinearity": nl})
    check(sol, 300, 100, TORCH_GAIN[nl])


@pytest.mark.parametrize("slope", [None, 0.2])
def test_leaky_relu_gain(slope):
    data = {"kind": "init", "scheme": "he_normal", "fan_in": 50, "nonlinearity": "leaky_relu"}
    if slope is not None:
        data["negative_slope"] = slope
    a = 0.01 if slope is None else slope
    check(solve_data(data), 50, 1, math.sqrt(2.0 / (1 + a * a)), schemes=["he_normal"])


def test_fans_of_layers():
    sol = solve_data({"kind": "init", "scheme": "xavier_uniform", "layer": {"type": "conv2d", "kernel": 3,
                                                                          "in_channels": 16, "filters": 32}})
    check(sol, 3 * 3 * 16, 3 * 3 * 32, schemes=["xavier_uniform"])
    sol = solve_data({"kind": "init", "scheme": ["he_uniform"], "layer": {"type": "conv2d", "kernel": [5, 3],
                                                                        "in_channels": 2, "filters": 4}})
    check(sol, 30, 60, schemes=["he_uniform"])
    sol = solve_data({"kind": "init", "scheme": "lecun_normal", "layer": {"type": "dense", "inputs": 10, "units": 3}})
    check(sol, 10, 3, schemes=["lecun_normal"])


def test_sampled_weights_have_the_variance():
    """An independent check of the uniform bound: samples from U(−a, a) have variance ≈ σ²."""
    sol = solve_data({"kind": "init", "scheme": ["he_uniform", "he_normal"], "fan_in": 64})
    a = sol.answer("limit[he_uniform]").value
    w = np.random.default_rng(0).uniform(-a, a, size=400_000)
    assert abs(w.var() / sol.answer("var[he_normal]").value - 1) < 0.01


BAD = [
    ("scheme: he_normal\n", "fan_in", "fans"),
    ("scheme: xavier_normal\nfan_in: 3\n", "fan_out", "fan_out"),
    ("scheme: he_normal\nfan_in: 3\nmode: fan_out\n", "fan_out", "fan_out"),
    ("scheme: he_normal\nfan_in: 0\n", "fan_in", "greater than or equal"),
    ("scheme: he_norml\nfan_in: 3\n", "scheme", "he_normal"),
    ("scheme: [he_normal, he_normal]\nfan_in: 3\n", "scheme[1]", "twice"),
    ("scheme: []\nfan_in: 3\n", "scheme", "at least one"),
    ("scheme: he_normal\nfan_in: 3\ngain: 0\n", "gain", "greater than"),
    ("scheme: he_normal\nfan_in: 3\ngain: 1\nnonlinearity: relu\n", "gain", "not both"),
    ("scheme: he_normal\nfan_in: 3\nnonlinearity: rleu\n", "nonlinearity", "relu"),
    ("scheme: he_normal\nfan_in: 3\nnonlinearity: relu\nnegative_slope: 0.1\n", "negative_slope", "leaky_relu"),
    ("scheme: he_normal\nfan_in: 3\nlayer: {type: dense, inputs: 3, units: 2}\n", "layer", "not both"),
    ("scheme: he_normal\nlayer: {type: conv2d, kernel: [3], in_channels: 1, filters: 2}\n", "layer.conv2d.kernel",
     "[height, width]"),
    ("scheme: he_normal\nlayer: {type: lstm, units: 3}\n", "layer", "dense"),
]


@pytest.mark.parametrize("body,path,words", BAD)
def test_bad_input_is_located(body, path, words):
    r = CliRunner().invoke(main, ["solve", "-"], input="kind: init\n" + body)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: " + re.escape(path) + ": ", r.output), r.output
    assert words in r.output, r.output
    assert "Traceback" not in r.output


def test_check_names_the_fan_out_mode(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(f"std[he_normal]: {math.sqrt(2 / 128):.5f}\n", encoding="utf-8")   # n_out instead of n_in
    r = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "init-mnist-dense.yaml"), str(answers)])
    assert r.exit_code == 1
    assert "mode: fan_out" in r.output, r.output


def torch_fans(weight_shape):
    """PyTorch's _calculate_fan_in_and_fan_out: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field."""
    w = np.zeros(weight_shape)
    receptive = int(np.prod(w.shape[2:])) if w.ndim > 2 else 1
    if w.ndim == 2:      # nn.Linear's weight (out, in)
        return w.shape[1], w.shape[0]
    return w.shape[1] * receptive, w.shape[0] * receptive


@pytest.mark.parametrize("input_,layer,weight", [
    ([784], {"dense": {"units": 128}}, (128, 784)),
    ([32, 32, 16], {"conv2d": {"filters": 32, "kernel": 3}}, (32, 16, 3, 3)),
    ([9, 9, 6], {"conv2d": {"filters": 4, "kernel": [5, 3], "groups": 2}}, (4, 3, 5, 3)),
    ([20, 8], {"conv1d": {"filters": 5, "kernel": 3}}, (5, 8, 3)),
    ([7, 7, 6], {"conv2d_transpose": {"filters": 4, "kernel": 2, "groups": 2}}, (6, 2, 2, 2)),
])
def test_fans_of_registry_layers_as_pytorch_reads_the_weight(input_, layer, weight):
    fi, fo = torch_fans(weight)
    sol = solve_data({"kind": "init", "scheme": ALL, "input": input_, "layer": layer})
    check(sol, fi, fo)


@pytest.mark.parametrize("body,path,words", [
    ("scheme: he_normal\nlayer: {dense: {units: 3}}\n", "input", "input shape"),
    ("scheme: he_normal\ninput: [4, 3]\nlayer: {lstm: {units: 3}}\n", "layer.lstm", "no weights whose fans"),
    ("scheme: he_normal\ninput: [4]\nfan_in: 3\n", "input", "conv/params"),
    ("scheme: he_normal\ninput: [4, 4, 3]\nlayer: {dense: {units: 3}}\n", "layer.dense", "flatten"),
])
def test_registry_form_bad_input_is_located(body, path, words):
    r = CliRunner().invoke(main, ["solve", "-"], input="kind: init\n" + body)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: " + re.escape(path) + ": ", r.output), r.output
    assert words in r.output and "Traceback" not in r.output, r.output
