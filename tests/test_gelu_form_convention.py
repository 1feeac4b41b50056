"""GELU's two forms as a convention: `dlsolve check` names the form a student's values follow.

The network is problems/backprop-gelu.yaml (2-2-1, GELU hidden units, linear output, ½(y − ŷ)²,
one update). Its every answer is computed here independently in NumPy — the exact GELU with
math.erf, the tanh approximation with its own formula — never by dlsolve, so a wrong number in
either form fails these tests.
"""

from __future__ import annotations

import math

import numpy as np
from click.testing import CliRunner

from dlsolve.cli import main
from tests.conftest import ROOT

PROBLEM = ROOT / "problems" / "backprop-gelu.yaml"
X, Y, ETA = np.array([1.0, -2.0]), 0.3, 0.1
W1, B1 = np.array([[0.5, -0.3], [0.8, 0.2]]), np.array([0.1, -0.1])   # in_out: row i = input i
W2, B2 = np.array([[1.1], [-0.7]]), np.array([0.0])
K, C = math.sqrt(2 / math.pi), 0.044715
EXACT_SAYS = "your value is what the `activation: gelu (GELU exact, z·Φ(z))` convention gives"
TANH_SAYS = "your value is what the `activation: gelu_tanh (GELU's tanh approximation)` convention gives"


def gelu_exact(z: float) -> float:
    return 0.5 * z * (1 + math.erf(z / math.sqrt(2)))


def gelu_exact_slope(z: float) -> float:  # Φ(z) + z·φ(z)
    return 0.5 * (1 + math.erf(z / math.sqrt(2))) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def gelu_tanh(z: float) -> float:
    return 0.5 * z * (1 + math.tanh(K * (z + C * z ** 3)))


def gelu_tanh_slope(z: float) -> float:
    t = math.tanh(K * (z + C * z ** 3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * K * (1 + 3 * C * z * z)


def answers(form: str) -> dict[str, np.ndarray]:
    """Every answer of the problem with its hidden layer in this GELU form."""
    f, df = (gelu_exact, gelu_exact_slope) if form == "exact" else (gelu_tanh, gelu_tanh_slope)
    z1 = X @ W1 + B1
    a1 = np.array([f(z) for z in z1])
    z2 = a1 @ W2 + B2
    yhat = z2[0]
    delta2 = np.array([yhat - Y])                                   # ½(y − ŷ)², linear output
    delta1 = (W2 @ delta2) * np.array([df(z) for z in z1])
    dW1, dW2 = np.outer(X, delta1), np.outer(a1, delta2)
    return {"z1": z1, "a1": a1, "z2": z2, "yhat": np.array(yhat), "loss": np.array(0.5 * (Y - yhat) ** 2),
            "delta2": delta2, "delta1": delta1, "dW1": dW1, "db1": delta1, "dW2": dW2, "db2": delta2,
            "W1_new": W1 - ETA * dW1, "b1_new": B1 - ETA * delta1, "W2_new": W2 - ETA * dW2,
            "b2_new": B2 - ETA * delta2}


def fmt(v: np.ndarray) -> str:
    v = np.asarray(v, dtype=float)
    return f"{float(v):.7f}" if v.ndim == 0 else "[" + ", ".join(fmt(x) for x in v) + "]"


def check(tmp_path, problem, values: dict[str, np.ndarray]):
    path = tmp_path / "answers.yaml"
    path.write_text("".join(f"{k}: {fmt(v)}\n" for k, v in values.items()), encoding="utf-8")
    return CliRunner().invoke(main, ["check", str(problem), str(path)])


def test_the_two_forms_differ_in_this_problem_at_the_written_decimals():
    """Otherwise the diagnosis below could not be told from a right answer (and the test would
    prove nothing): a1 and ŷ move by about 1e−4 between the forms."""
    exact, approx = answers("exact"), answers("tanh")
    assert abs(exact["a1"][0] - approx["a1"][0]) > 1e-4
    assert abs(exact["yhat"] - approx["yhat"]) > 1e-5


def test_values_of_the_tanh_approximation_are_named_where_the_problem_uses_the_exact_gelu(tmp_path):
    r = check(tmp_path, PROBLEM, {k: answers("tanh")[k] for k in ("a1", "yhat", "delta1", "dW1")})
    assert r.exit_code == 1, r.output
    explained = " ".join(r.output.split("What explains a wrong value", 1)[1].split("Where it went wrong")[0].split())
    assert TANH_SAYS in explained, r.output
    assert explained.count("your value is") == 1, r.output       # one explanation, of all four
    for name in ("a1", "yhat", "delta1", "dW1"):
        assert name in explained.split(TANH_SAYS)[0], (name, r.output)


def test_right_values_get_no_gelu_diagnosis(tmp_path):
    r = check(tmp_path, PROBLEM, answers("exact"))
    assert r.exit_code == 0, r.output
    assert "gelu_tanh" not in r.output


def test_exact_values_are_named_where_the_problem_uses_the_tanh_approximation(tmp_path):
    """The other way round, with the activation written as a mapping: {name: gelu_tanh}."""
    text = PROBLEM.read_text(encoding="utf-8")
    assert "activation: gelu\n" in text
    problem = tmp_path / "tanh.yaml"
    problem.write_text(text.replace("activation: gelu\n", "activation: {name: gelu_tanh}\n"), encoding="utf-8")
    right = check(tmp_path, problem, answers("tanh"))
    assert right.exit_code == 0, right.output
    r = check(tmp_path, problem, {k: answers("exact")[k] for k in ("a1", "W1_new")})
    assert r.exit_code == 1 and EXACT_SAYS in " ".join(r.output.split()), r.output
    assert "gelu_tanh (GELU's tanh" not in " ".join(r.output.split()), r.output


def test_the_convention_changes_only_gelu_layers_and_applies_only_where_one_is_used():
    from dlsolve.kinds import module
    from dlsolve.load import load_problem
    from dlsolve.marking.diagnose import Alternatives

    backprop = module("backprop")
    (gelu,) = [c for c in backprop.CONVENTIONS if c.key == "activation"]
    data = {"layers": [{"activation": "sigmoid"}, {"activation": {"name": "gelu"}}, {"activation": "gelu"},
                       {"activation": "linear"}]}
    assert gelu.current(data) == "gelu"
    (label, changed), = gelu.alternatives(data)
    assert label == "activation: gelu_tanh (GELU's tanh approximation)"
    names = [a if isinstance(a, str) else a["name"] for a in (layer["activation"] for layer in changed["layers"])]
    assert names == ["sigmoid", "gelu_tanh", "gelu_tanh", "linear"]
    assert data["layers"][1]["activation"] == {"name": "gelu"}          # the problem itself is not touched

    with_gelu = load_problem(str(PROBLEM))
    assert gelu in Alternatives.of(with_gelu).conventions
    without = load_problem(str(ROOT / "problems" / "p3-delta-rule.yaml"))
    assert gelu not in Alternatives.of(without).conventions          # no GELU layer: nothing to solve again


def test_slips_offer_the_other_gelu_form_with_checks_sentence():
    """`vary` and the exports read the same alternatives: the tanh form is a slip of a1."""
    from dlsolve.load import load_problem
    from dlsolve.marking.diagnose import Alternatives
    from dlsolve.slips import slips

    problem = load_problem(str(PROBLEM))
    solution = problem.module.solve(problem.spec)
    found = {s.label: s for s in slips(solution, Alternatives.of(problem), "a1", 6)}
    slip = found["activation: gelu_tanh (GELU's tanh approximation)"]
    np.testing.assert_allclose(slip.value, answers("tanh")["a1"], rtol=0, atol=1e-12)
    assert slip.sentence == TANH_SAYS


def _other_form_notes(problem_path):
    from dlsolve.load import load_problem
    from dlsolve.solution import Text

    problem = load_problem(str(problem_path))
    solution = problem.module.solve(problem.spec)
    return [b.text for s in solution.sections if s.title == "Other conventions" for b in s.blocks
            if isinstance(b, Text) and b.role == "note"]


def test_the_solution_notes_what_the_other_form_gives_where_it_changes_the_numbers():
    """The sheet states the form used (the GELU record's convention); the worked solution adds
    ŷ and L under the other form, solved again — checked here against the tanh formula."""
    (note,) = _other_form_notes(PROBLEM)
    assert note.template.startswith("with activation: gelu_tanh (GELU's tanh approximation): ŷ = ")
    values = dict(note.values)
    tanh = answers("tanh")
    np.testing.assert_allclose([values["v0"], values["v1"]], [tanh["yhat"], tanh["loss"]], rtol=1e-12)


def test_no_note_where_the_forms_agree_or_no_gelu_is_used(tmp_path):
    """At z = 0 both forms give 0 with slope ½: nothing changes, so nothing is noted."""
    text = PROBLEM.read_text(encoding="utf-8")
    zero = tmp_path / "zero.yaml"
    zero.write_text(text.replace("input: [1.0, -2.0]", "input: [0.0, 0.0]")
                    .replace("bias: [0.1, -0.1]", "bias: [0, 0]"), encoding="utf-8")
    assert "input: [0.0, 0.0]" in zero.read_text(encoding="utf-8")
    assert gelu_exact(0.0) == gelu_tanh(0.0) == 0.0 and gelu_exact_slope(0.0) == gelu_tanh_slope(0.0) == 0.5
    assert _other_form_notes(zero) == []
    assert _other_form_notes(ROOT / "problems" / "p3-delta-rule.yaml") == []


# -- rnn: the simple RNN's activation and the read-out's ------------------------------------

RNN = ROOT / "problems" / "rnn-bptt-three-steps.yaml"   # h_t = g(0.5·x_t + 0.8·h_(t−1)), ŷ_t = r(1.2·h_t)


def rnn_answers(cell, readout) -> dict[str, np.ndarray]:
    h, hs = 0.2, []
    for x in (1.0, 0.5, -1.0):
        h = cell(0.5 * x + 0.8 * h)
        hs.append([h])
    y = [[readout(1.2 * row[0])] for row in hs]
    return {"h": np.array(hs), "y": np.array(y)}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_rnn_values_of_the_other_gelu_form_are_named_for_the_cell_and_the_readout(tmp_path):
    text = RNN.read_text(encoding="utf-8")
    assert "activation: tanh\n" in text and "activation: sigmoid}" in text
    cell = tmp_path / "cell.yaml"
    cell.write_text(text.replace("activation: tanh\n", "activation: gelu\n"), encoding="utf-8")
    right = rnn_answers(gelu_exact, _sigmoid)
    r = check(tmp_path, cell, {**right, "loss": np.array(-math.log(right["y"][-1][0]))})
    assert r.exit_code == 0, r.output
    other = rnn_answers(gelu_tanh, _sigmoid)
    assert abs(other["h"][0][0] - right["h"][0][0]) > 1e-5   # far past the 7 decimals written
    r = check(tmp_path, cell, other)
    assert r.exit_code == 1 and TANH_SAYS in " ".join(r.output.split()), r.output

    out = tmp_path / "readout.yaml"   # read-out GELU with MSE (BCE needs probabilities)
    out.write_text(text.replace("activation: sigmoid}", "activation: gelu_tanh}").replace("loss: bce", "loss: mse"),
                   encoding="utf-8")
    right, other = rnn_answers(math.tanh, gelu_tanh), rnn_answers(math.tanh, gelu_exact)
    assert check(tmp_path, out, {"y": right["y"]}).exit_code == 0
    r = check(tmp_path, out, {"y": other["y"], "h": other["h"]})
    said = " ".join(r.output.split())
    assert r.exit_code == 1, r.output
    assert "your value is what the `readout.activation: gelu (GELU exact, z·Φ(z))` convention gives" in said, r.output
    verdicts = {line.split()[0]: line.split()[1] for line in r.output.splitlines()
                if line.strip().startswith(("h ", "y ")) and len(line.split()) > 1}
    assert verdicts == {"h": "✓", "y": "✗"}, r.output        # h does not go through the read-out


def test_convolve_values_of_the_tanh_approximation_are_named(tmp_path):
    problem = tmp_path / "conv.yaml"
    problem.write_text("kind: convolve\ntitle: GELU after a convolution\n"
                       "input: [[0.5, -1.0, 1.5], [2.0, 0.0, -0.5], [1.0, 1.0, -2.0]]\n"
                       "kernel: [[1, -1], [0.5, 0]]\nactivation: gelu\n", encoding="utf-8")
    x, k = np.array([[0.5, -1.0, 1.5], [2.0, 0.0, -0.5], [1.0, 1.0, -2.0]]), np.array([[1, -1], [0.5, 0]])
    y = np.array([[np.sum(x[i:i + 2, j:j + 2] * k) for j in range(2)] for i in range(2)])   # cross-correlation
    exact, approx = np.vectorize(gelu_exact)(y), np.vectorize(gelu_tanh)(y)
    assert np.max(np.abs(exact - approx)) > 1e-5
    assert check(tmp_path, problem, {"output": y, "activated": exact}).exit_code == 0
    r = check(tmp_path, problem, {"output": y, "activated": approx})
    assert r.exit_code == 1 and TANH_SAYS in " ".join(r.output.split()), r.output


def test_a_problem_without_gelu_offers_no_gelu_form_and_gains_no_key():
    from dlsolve.kinds import module

    for kind, data in (("backprop", {"layers": [{"activation": "sigmoid"}, {"activation": {"name": "relu"}}]}),
                       ("rnn", {"cell": "rnn", "activation": "tanh"})):
        for conv in module(kind).CONVENTIONS:
            if conv.among:
                assert list(conv.alternatives(data)) == [], (kind, conv.key)
                assert conv.with_choice(data, "gelu_tanh").get("readout") is None   # no read-out made up
