"""Sizes only a slip asks for are refused at once with a located message naming the limit
(issue 26's reproductions: 100,000 samples, scores or layers, 10,000 finds, 100,000 epochs,
`check` against 10,000,000 epochs, an RNN over 1,000 inputs), and `--exact` stays cheap on long
chains of transcendental steps. Each case is sized so the test takes well under 2 s."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from dlsolve import kinds, limits
from dlsolve.cli import main
from tests.conftest import ROOT

MAZUR = {"input": [0.05, 0.1], "target": [0.01, 0.99], "loss": "mse", "learning_rate": 0.5,
         "layers": [{"weights": [[0.15, 0.25], [0.2, 0.3]], "bias": 0.35, "activation": "sigmoid"},
                    {"weights": [[0.4, 0.5], [0.45, 0.55]], "bias": 0.6, "activation": "sigmoid"}]}
N = 100_000
W, L, T = limits.MAX_WORKED + 1, limits.MAX_LAYERS + 1, limits.MAX_TIME_STEPS + 1  # one past each limit

CASES = {
    "loss": ({"kind": "loss", "loss": "mse", "y_true": [0.5] * W, "y_pred": [0.25] * W}, "y_true", f"{W:,} samples"),
    "softmax": ({"kind": "softmax", "scores": [1.0] * W}, "scores", f"{W:,} scores"),
    "graph": ({"kind": "graph", "given": {"x": 1.5, "w": 2}, "define": {"z": "w*x"}, "find": ["dz/dw"] * 10_000},
              "find", "10,000 things to find"),
    "params": ({"kind": "params", "input": [32], "layers": [{"dense": {"units": 4}}] * L}, "layers", f"{L:,} layers"),
    "conv": ({"kind": "conv", "input": [32], "layers": [{"dense": {"units": 4}}] * L}, "layers", f"{L:,} layers"),
    "backprop-layers": ({"kind": "backprop", "input": [1.0], "target": [1.0], "loss": "mse", "learning_rate": 0.1,
                         "layers": [{"weights": [[1.0]], "bias": 0.0, "activation": "relu"}] * 10_000},
                        "layers", "10,000 layers"),
    "backprop-epochs": ({"kind": "backprop", **MAZUR, "epochs": 100_000}, "epochs", "100,000 epochs"),
    "convolve": ({"kind": "convolve", "input": [[1.0] * 100_000], "kernel": [[1, 2]]}, "input",
                 "100,000 input entries"),
    "metrics": ({"kind": "metrics", "y_true": [1, 0] * 5001, "scores": [0.9, 0.2] * 5001}, "y_true", "10,002 samples"),
    "entropy": ({"kind": "entropy", "p": [1 / W] * W}, "p", f"{W:,} probabilities"),
    "perceptron": ({"kind": "perceptron", "inputs": [[0, 1]] * W, "targets": [1] * W, "weights": [0, 0], "bias": 0},
                   "inputs", f"{W:,} samples"),
    "distillation": ({"kind": "distillation", "teacher_logits": [1.0] * N, "student_logits": [1.0] * N, "label": 1,
                      "temperature": 2}, "teacher_logits", "100,000 class entries"),
    "attention": ({"kind": "attention", "score": "dot", "query": [1, 0.5], "keys": [[0.2, 0.4]] * 501}, "keys",
                  "1,002 key entries"),
    "rnn": ({"kind": "rnn", "cell": "rnn", "activation": "tanh", "inputs": [0.5] * T, "h0": 0.2,
             "weights": {"W": 0.5, "U": 0.8}, "readout": {"V": 1.2, "activation": "sigmoid"}, "target": 1,
             "loss": "bce", "learning_rate": 0.1}, "inputs", f"{T:,} time steps"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_slips_size_is_refused_at_once_with_its_place(tmp_path, name):
    data, key, words = CASES[name]
    path = tmp_path / f"{name}.json"
    text = json.dumps(data)
    path.write_text(text)
    r = CliRunner().invoke(main, ["solve", str(path), "--round", "4", "--explain", "W1[1,1]"]
                           if name.startswith("backprop") else ["solve", str(path)])
    assert r.exit_code == 2, r.output
    column = text.index(json.dumps(data[key])[:20]) + 1   # the place of the value, found independently
    assert r.stderr.strip().startswith(f"{path}:1:{column}: {key}: {words}: at most "), r.stderr
    assert "limit" in r.stderr


def test_check_against_ten_million_epochs_is_refused_before_solving(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text(json.dumps({"kind": "backprop", **MAZUR, "epochs": 10_000_000}))
    answers = tmp_path / "a.yaml"
    answers.write_text("L: 0.3\n")
    r = CliRunner().invoke(main, ["check", str(problem), str(answers)])
    assert r.exit_code == 2, r.output
    assert re.match(rf"{re.escape(str(problem))}:1:\d+: epochs: 10,000,000 epochs", r.stderr), r.output


def test_updates_count_epochs_times_batches(tmp_path):
    """3 samples one at a time for 4,000 epochs are 12,000 updates: past MAX_UPDATES though the epochs are not."""
    data = {"kind": "backprop", **{k: v for k, v in MAZUR.items() if k not in ("input", "target")},
            "samples": [{"input": MAZUR["input"], "target": MAZUR["target"]}] * 3, "epochs": 4000}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    r = CliRunner().invoke(main, ["solve", str(path)])
    assert r.exit_code == 2 and "12,000 updates" in r.stderr and "MAX_UPDATES" in r.stderr, r.output
    assert 4000 * 3 > limits.MAX_UPDATES >= 4000


def test_round_and_exact_work_every_update_so_they_take_fewer(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"kind": "backprop", **MAZUR, "epochs": limits.MAX_ROUNDED_UPDATES + 1}))
    for option in ("--round", "--exact"):
        r = CliRunner().invoke(main, ["solve", str(path), *([option, "4"] if option == "--round" else [option])])
        assert r.exit_code == 2 and r.stderr.startswith(f"{path}:1:") and "MAX_ROUNDED_UPDATES" in r.stderr, r.output
        assert f"{limits.MAX_ROUNDED_UPDATES + 1:,} updates" in r.stderr


def test_every_limit_of_the_table_names_a_key_of_its_kind():
    for kind, keys in limits.WORKED.items():
        fields = kinds.module(kind).Spec.model_fields  # (imports the kind: the slowest test here)
        top = {key.split(".")[0] for key in keys}
        assert top <= set(fields), (kind, top - set(fields))


def test_a_key_inside_a_mapping_is_located_there(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("kind: word2vec\nsubsampling:\n  total: 1000000\n  counts: {" +
                    ", ".join(f"w{i}: {i + 1}" for i in range(W)) + "}\n")
    r = CliRunner().invoke(main, ["solve", str(path)])
    assert r.exit_code == 2 and r.stderr.startswith(f"{path}:4:11: subsampling.counts: {W:,} words: at most"), r.stderr


def test_the_problems_are_far_inside_the_table():
    from dlsolve.load import load_problem

    for path in sorted((ROOT / "problems").glob("*.yaml")):
        load_problem(str(path))  # none refused


def test_exact_keeps_a_transcendental_value_only_while_it_is_short():
    """tanh nested step after step (an RNN's hidden state): SymPy tests each kept value's sign
    numerically, ever deeper; past SHOW_OPS operations the value is no longer kept."""
    import sympy as sp

    from dlsolve.exactness import SHOW_OPS, exact_step
    from dlsolve.parse import parse_formula
    from dlsolve.expr import Sym

    env = {"h": sp.Rational(1, 5), "u": sp.Rational(4, 5), "x": sp.Rational(1, 2)}
    formula = parse_formula("tanh(x + u*h)", {k: Sym(k, k, k) for k in env})
    kept_ops = []
    for _ in range(8):
        kept, _ = exact_step(formula, env)
        if kept is None:
            break
        kept_ops.append(sp.count_ops(kept))
        env["h"] = kept
    assert kept_ops and all(n <= SHOW_OPS for n in kept_ops) and len(kept_ops) < 8


def test_the_schemas_say_the_counted_limits_too():
    """Editors warn where the loader refuses: a list's items as maxItems, a whole number as maximum."""
    from dlsolve.schema import kind_schema

    assert kind_schema("loss")["properties"]["y_true"]["maxItems"] == limits.MAX_WORKED
    assert kind_schema("backprop")["properties"]["epochs"]["maximum"] == limits.MAX_UPDATES
    assert kind_schema("params")["properties"]["layers"]["maxItems"] == limits.MAX_LAYERS
