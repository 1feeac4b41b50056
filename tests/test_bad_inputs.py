"""Malformed problems of every kind: exit code 2 and one located message, never a traceback."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dlsolve.cli import main

CASES = [
 "kind: backprop\nlayers: abc\ninput: [1]\n",
 "kind: backprop\nlayers: [1, 2]\ninput: [1]\n",
 "kind: backprop\ninput: {a: 1}\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\ninput: [1]\ntarget: 1\nloss: {name: mse, foo: 1}\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\nsamples: [1]\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\ninput: [1]\nlayers: [{weights: [[1]], activation: {name: relu, alpha: 2}}]\n",
 "kind: backprop\ninput: []\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\ninput: [1]\nlayers: []\n",
 "kind: backprop\ninput: [1e400]\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\ninput: [1]\ntarget: [1]\nloss: cce\nlayers: [{weights: [[1, 2]], activation: softmax}]\n",
 "kind: backprop\ninput: [1]\ntarget: 1\nloss: mse\nlearning_rate: -1\nlayers: [{weights: [[1]], activation: linear}]\n",
 "kind: backprop\ninput_units: 2\nlayers: [{units: 2, activation: linear}, {weights: [[1],[2]], activation: linear}]\nloss: mse\n",
 "kind: loss\nloss: cce\ny_true: [1, 0]\ny_pred: [[0.5, 0.5]]\n",
 "kind: loss\nloss: sparse_cce\ny_true: [5]\ny_pred: [[0.5, 0.5]]\n",
 "kind: loss\nloss: mse\ny_true: []\ny_pred: []\n",
 "kind: loss\nloss: mse\ny_true: 1\ny_pred: x\n",
 "kind: softmax\nscores: 3\n",
 "kind: softmax\nscores: [1, 2]\ntemperature: [1, -2]\n",
 "kind: entropy\np: [-1, 2]\n",
 "kind: entropy\np: [0.5, 0.5]\nq: [1]\nlog_base: 3\n",
 "kind: distillation\nteacher_logits: [1]\nstudent_logits: [1, 2]\nlabel: 0\nalpha: 0.5\n",
 "kind: distillation\nteacher_probs: [0.5, 0.6]\nstudent_logits: [1, 2]\nlabel: x\nalpha: 0.5\n",
 "kind: optimizer\noptimizer: adam\nlearning_rate: 0.1\nsquared_gradients: {first: 1}\niterations: 3\n",
 "kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\ngradients: 5\n",
 "kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\nobjective: 'w**'\niterations: 2\ninitial_weight: 1\n",
 "kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\nobjective: 'log(w)'\niterations: 3\ninitial_weight: -1\n",
 "kind: conv\ninput: [28, 28]\nlayers: [conv2d]\n",
 "kind: conv\ninput: [28, 28, 1]\nlayers: [{conv2d: {filters: 2, kernel: [3]}}]\n",
 "kind: conv\ninput: [28, 28, 1]\nlayers: [{maxpool2d: {size: 2, padding: [1]}}]\n",
 "kind: conv\ninput: [28, 28, 1]\nlayers: [{lstm: {units: 3}}]\n",
 "kind: conv\ninput: 0\nlayers: [flatten]\n",
 "kind: conv\ninput: [8, 8, 4]\nlayers: [{conv2d: {filters: 3, kernel: 3, groups: 2}}]\n",
 "kind: convolve\ninput: [[1, 2], [3]]\nkernel: [[1]]\n",
 "kind: convolve\ninput: [1, 2, 3]\nkernel: [[1]]\n",
 "kind: convolve\ninput: [[1, 2], [3, 4]]\nkernel: [[1]]\npool: {size: 5}\n",
 "kind: graph\ngiven: [1, 2]\ndefine: {}\nfind: []\n",
 "kind: graph\ngiven: {x: 1}\ndefine: {y: 5}\nfind: [y]\n",
 "kind: graph\ngiven: {x: 1}\ndefine: {y: 'x'}\nfind: ['dy/dz']\n",
 "kind: graph\ngiven: {x: [[1, 2]]}\ndefine: {y: 'sum(x[1, 3])'}\nfind: [y]\n",
 "kind: graph\ngiven: {x: 0}\ndefine: {y: 'log(x)'}\nfind: [y, dy/dx]\n",
 "kind: graph\ngiven: {x: 1}\ndefine: {y: 'x ** x'}\nfind: [dy/dx]\n",
 "- just a list\n", "kind: [backprop]\n", "kind: backprop\nkind: loss\n", "\t\tkind: x", "kind: backprop\n  bad indent: 1\n",
]

SOLVABLE = {12, 25, 39, 40}   # well-formed after all: an exact cce, log of a negative weight (NaN), log 0, x**x


@pytest.mark.parametrize("k", range(len(CASES)))
def test_bad_input_is_located_never_a_traceback(k):
    r = CliRunner().invoke(main, ["solve", "-"], input=CASES[k])
    if k in SOLVABLE:
        assert r.exit_code == 0, r.output
        return
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: ", r.output), r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
