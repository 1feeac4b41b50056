"""Behaviours of the backprop kind that the catalogue problems do not reach."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from dlsolve.render import renderer
from dlsolve.solution import Text
from tests.conftest import solve_data

BASE = {"kind": "backprop", "learning_rate": 0.1}


def notes(solution) -> list[str]:
    out = [b.text for sec in solution.sections for b in sec.blocks if isinstance(b, Text)]
    out += [st.note for st in solution.steps() if st.note] + list(solution.conventions)
    return [str(n) for n in out]


@pytest.mark.parametrize("act,expected", [("relu", "f'(0) = 0"), ("leaky_relu", "f'(0) = α")])
def test_a_unit_exactly_at_zero_states_the_convention(act, expected):
    s = solve_data({**BASE, "input": [1, 1], "target": 1, "loss": "mse",
                    "layers": [{"weights": [[1], [-1]], "activation": act},
                               {"weights": [[2]], "activation": "linear"}]})
    assert any(expected in n for n in notes(s))
    assert s.answer("z1").value == [0.0]


def test_label_by_class_name_is_a_one_hot_target():
    data = {**BASE, "input": [1.0, -1.0], "loss": "cce", "classes": ["cat", "dog", "bird"], "label": "dog",
            "layers": [{"weights": [[0.2, -0.1, 0.4], [0.5, 0.3, -0.2]], "activation": "softmax"}]}
    s = solve_data(data)
    yhat = np.array(s.answer("yhat").value)
    np.testing.assert_allclose(s.answer("delta1").value, yhat - np.array([0, 1, 0]), rtol=1e-12)
    assert np.isclose(s.answer("loss").value, -np.log(yhat[1]))
    assert any("ŷ_k − y_k" in n for n in notes(s))


def test_reduction_note_says_how_the_other_choice_changes_the_numbers():
    s = solve_data({**BASE, "input": [1.0], "target": [1.0, 0.0], "loss": "mse",
                    "layers": [{"weights": [[0.3, 0.2]], "activation": "sigmoid"}]})
    assert any("reduction: sum would make L and every gradient 2× larger" in n for n in notes(s))


def test_forward_only_problem_with_the_step_perceptron():
    # catalogue P17: NAND with w = (−1, −1), b = 2 and y = 1 if z > 0
    for x, want in [((0, 0), 1), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]:
        s = solve_data({"kind": "backprop", "input": list(x),
                        "layers": [{"weights": [[-1], [-1]], "bias": 2, "activation": "step"}]})
        assert s.answer("yhat").value == want


def test_xor_from_relu_units_forward_only():
    # catalogue P17: h1 = relu(x1 + x2), h2 = relu(x1 + x2 − 1), y = h1 − 2·h2
    for x, want in [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]:
        s = solve_data({"kind": "backprop", "input": list(x),
                        "layers": [{"weights": [[1, 1], [1, 1]], "bias": [0, -1], "activation": "relu"},
                                   {"weights": [[1], [-2]], "activation": "linear"}]})
        assert s.answer("yhat").value == want


def test_colour_output_has_the_same_text():
    s = solve_data({**BASE, "input": [1.0], "target": 1.0, "loss": "mse",
                    "layers": [{"weights": [[0.5]], "activation": "tanh"}]})
    rend = renderer("text")(precision=4)
    buf = io.StringIO()
    rend.write(s, buf, color=True)
    coloured = buf.getvalue()
    assert "\x1b[" in coloured  # colour asked for is given, even to a stream that is not a terminal
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).split() == rend.render(s).split()


def test_saturated_sigmoid_note_and_cancellation_note():
    s = solve_data({**BASE, "input": [35.0], "target": 1, "loss": "bce",
                    "layers": [{"weights": [[1.0]], "activation": "sigmoid"},
                               {"weights": [[1.0]], "activation": "sigmoid"}]})
    text = renderer("text")(precision=2).render(s)   # the notes' values at the sheet's precision
    assert "σ(35) = 1 − 6.3×10⁻¹⁶" in text
    assert "the exact value is 6.3×10⁻¹⁶" in text   # float64 a(1 − a) gives 6.7e−16


RULED = {"kind": "backprop", "input": [1, 2], "target": 1, "loss": "mse", "learning_rate": 0.1,
         "layers": [{"weights": [[1], [2]], "activation": "sigmoid"}]}


@pytest.mark.parametrize("change, where, words", [
    ({"input": None}, "input", "give exactly one of input"),
    ({"samples": [{"input": [1, 2], "target": 1}]}, "samples", "give exactly one of input"),
    ({"input_units": 2}, "input_units", "give exactly one of input"),
    ({"loss": None, "learning_rate": None}, "target", "a target needs a loss"),
    ({"loss": None, "target": None}, "learning_rate", "a learning rate needs a loss"),
    ({"input": None, "samples": [{"input": [1, 2], "target": 1}]}, "target", "target is the expected output for input"),
    ({"layers": [{"activation": "sigmoid"}]}, "layers[0].weights", "missing weights (or give units"),
    ({"regularization": {"half": True}}, "regularization.l2", "give l2"),
])
def test_a_rule_between_keys_is_refused_by_the_loader_and_the_schema_alike(change, where, words):
    refused_alike(RULED, change, where, words)


def refused_alike(good: dict, change: dict, where: str, words: str) -> None:
    """A rule between keys is a record (RULES): with `change` made to the `good` problem (None
    drops a key) the loader refuses the file at `where` with the rule's words, and the kind's JSON
    Schema refuses the same file (and takes the good one)."""
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from dlsolve import schema
    from dlsolve.errors import DlsolveError
    from dlsolve.load import load_text

    data = {k: v for k, v in {**good, **change}.items() if v is not None}
    load_text(json.dumps(good), "p.yaml")   # the file before the change is fine
    with pytest.raises(DlsolveError) as err:
        load_text(json.dumps(data), "p.yaml")
    assert f" {where}: " in str(err.value) and words in str(err.value), str(err.value)
    validator = jsonschema.Draft202012Validator(schema.kind_schema(good["kind"]))
    assert not validator.is_valid(data) and validator.is_valid(good)
