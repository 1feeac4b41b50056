"""Truth tables through `kind: backprop` (issue 15): with samples and no loss every answer holds
one entry per sample, and the step's value at 0 is a stated, switchable convention.

The expected tables come from plain loops written here (and the catalogue's P17), not from dlsolve."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from tests.conftest import ROOT, solve_data

TABLE = [(0, 0), (0, 1), (1, 0), (1, 1)]


def step(z: float, at_zero: int) -> int:
    if z > 0:
        return 1
    return at_zero if z == 0 else 0


def gate(w, b, at_zero):
    """z and y of a one-unit perceptron over the truth table, by a plain loop."""
    zs, ys = [], []
    for x1, x2 in TABLE:
        z = w[0] * x1 + w[1] * x2 + b
        zs.append(z)
        ys.append(step(z, at_zero))
    return zs, ys


def problem(w, b, at_zero=None):
    act = "step" if at_zero is None else {"name": "step", "at_zero": at_zero}
    return {"kind": "backprop", "samples": [{"input": list(x)} for x in TABLE],
            "layers": [{"weights": [[w[0]], [w[1]]], "bias": b, "activation": act}]}


@pytest.mark.parametrize("name,w,b,at_zero,want", [
    ("OR", (1, 1), -0.5, 0, [0, 1, 1, 1]),
    ("OR on the line", (1, 1), -1, 1, [0, 1, 1, 1]),
    ("AND", (1, 1), -1.5, 1, [0, 0, 0, 1]),
    ("AND on the line", (1, 1), -2, 1, [0, 0, 0, 1]),
    ("NAND", (-1, -1), 1.5, 0, [1, 1, 1, 0]),
    ("P17 NAND, y = 1 if z > 0", (-1, -1), 2, 0, [1, 1, 1, 0]),
])
def test_gate_truth_tables_hold_every_row(name, w, b, at_zero, want):
    zs, ys = gate(w, b, at_zero)
    assert ys == want                     # the loop agrees with the gate's table
    s = solve_data(problem(w, b, at_zero))
    assert s.answer("yhat").value == ys
    assert s.answer("a1").value == ys
    assert s.answer("z1").value == zs


def test_p17_nand_z_values_from_the_catalogue():
    s = solve_data(problem((-1, -1), 2))          # the default: step(0) = 0
    assert s.answer("z1").value == [2, 1, 1, 0]
    assert s.answer("yhat").value == [1, 1, 1, 0]


def test_at_zero_switches_the_rows_on_the_line_and_says_so():
    default = solve_data(problem((1, 1), -1))
    on = solve_data(problem((1, 1), -1, at_zero=1))
    assert default.answer("yhat").value == gate((1, 1), -1, 0)[1] == [0, 0, 0, 1]
    assert on.answer("yhat").value == gate((1, 1), -1, 1)[1] == [0, 1, 1, 1]
    assert any("step(0) = 0" in str(c) and "default 0" in str(c) for c in default.conventions)
    assert any("step(0) = 1" in str(c) for c in on.conventions)
    notes = [str(st.note) for st in on.steps() if st.note]
    notes += [str(b.text) for sec in on.sections for b in sec.blocks if hasattr(b, "text")]
    assert any("= 0 exactly" in n and "at_zero: 0 would give 0" in n for n in notes)


def test_xor_from_relu_units_as_one_table():
    # P17: h1 = relu(x1 + x2), h2 = relu(x1 + x2 − 1), y = h1 − 2·h2
    data = {"kind": "backprop", "samples": [{"input": list(x)} for x in TABLE],
            "layers": [{"weights": [[1, 1], [1, 1]], "bias": [0, -1], "activation": "relu"},
                       {"weights": [[1], [-2]], "activation": "linear"}]}
    s = solve_data(data)
    h = [[max(0, x1 + x2), max(0, x1 + x2 - 1)] for x1, x2 in TABLE]
    y = [h1 - 2 * h2 for h1, h2 in h]
    assert y == [0, 1, 1, 0]
    assert s.answer("a1").value == h          # a vector per sample for a two-unit layer
    assert s.answer("yhat").value == y
    assert s.answer("z2").value == y          # a one-unit layer: a number per sample


def test_answers_name_the_steps_of_every_sample():
    s = solve_data(problem((1, 1), -0.5))
    keys = {st.quantity.key for st in s.steps()}
    for name in ("z1", "a1", "yhat"):
        ans = s.answer(name)
        assert len(ans.keys) == 4 and set(ans.keys) <= keys


def test_at_zero_belongs_to_the_step_only():
    from dlsolve.errors import DlsolveError
    from dlsolve.load import load_text
    data = problem((1, 1), -1)
    data["layers"][0]["activation"] = {"name": "relu", "at_zero": 1}
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(data), "p.yaml")
    assert "relu takes no at_zero (only step does)" in str(err.value)


def test_check_grades_a_whole_right_table(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("yhat: [0, 1, 1, 1]\nz1: [-1, 0, 0, 1]\n")
    res = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "backprop-or-truth-table.yaml"), str(answers)])
    assert res.exit_code == 0, res.output
    assert "✓" in res.output and "✗" not in res.output
    answers.write_text("yhat: [0, 0, 0, 1]\n")     # the table with step(0) = 0
    res = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "backprop-or-truth-table.yaml"), str(answers)])
    assert "✗" in res.output


def test_layer_by_layer_pass_notes_a_z_exactly_at_zero_too():
    s = solve_data(problem((1, 1), -1, at_zero=1), detail="layers")
    assert s.answer("yhat").value == [0, 1, 1, 1]
    notes = [str(b.text) for sec in s.sections for b in sec.blocks if hasattr(b, "text")]
    notes += [str(st.note) for st in s.steps() if st.note]
    assert sum("is 0 exactly: step(0) = 1" in n for n in notes) == 2   # samples 2 and 3
