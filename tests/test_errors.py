"""Bad input gives one clear line — file:line:col, the key path, what was expected and got —
and never a traceback."""

from __future__ import annotations

import pytest

from dlsolve.errors import DlsolveError, InputErrors, SpecError
from dlsolve.load import load_text

GOOD = """\
kind: backprop
input: [1, 2, 3]
target: 1
layers:
  - weights: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    activation: sigmoid
  - weights: [[1], [2], [3]]
    activation: sigmoid
loss: bce
learning_rate: 0.1
"""


def error_of(text: str, kind: str | None = None) -> str:
    with pytest.raises(DlsolveError) as info:
        load_text(text, "problem.yaml", kind)
    return str(info.value)


def test_good_problem_loads():
    assert load_text(GOOD, "problem.yaml").spec.problem.n_params == 16


def test_weights_that_do_not_chain():
    text = GOOD.replace("[[1], [2], [3]]", "[[1], [2]]")
    assert error_of(text) == ("problem.yaml:7:14: layers[1].weights: expected 3 rows "
                              "(layers[0] has 3 units), got 2")


def test_weights_that_do_not_match_the_input():
    text = GOOD.replace("[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", "[[1, 2, 3], [4, 5, 6]]")
    assert error_of(text) == "problem.yaml:5:14: layers[0].weights: expected 3 rows (the input has 3 values), got 2"


def test_ragged_rows():
    text = GOOD.replace("[4, 5, 6]", "[4, 5]")
    assert error_of(text) == "problem.yaml:5:26: layers[0].weights[1]: ragged matrix: row 2 has 2 entries, row 1 has 3"


def test_a_non_number():
    text = GOOD.replace("[7, 8, 9]", "[7, x, 9]")
    assert error_of(text) == "problem.yaml:5:41: layers[0].weights[2][1]: expected a number, got 'x' (text)"


def test_yaml_1_2_no_is_not_false():
    text = GOOD.replace("target: 1", "target: no")
    assert error_of(text) == "problem.yaml:3:9: target: expected a list or a number, got 'no' (text)"


def test_unknown_activation_suggests_the_closest():
    text = GOOD.replace("activation: sigmoid\n  - weights: [[1]", "activation: sigmod\n  - weights: [[1]")
    assert error_of(text) == ("problem.yaml:6:17: layers[0].activation: unknown activation: expected one of "
                              "linear, sigmoid, tanh, relu, leaky_relu, elu, softmax, step, selu, gelu, "
                              "gelu_tanh, softplus, swish, silu, got 'sigmod'; "
                              "did you mean 'sigmoid'?")


def test_unknown_loss_suggests_the_closest():
    assert error_of(GOOD.replace("loss: bce", "loss: bse")).startswith(
        "problem.yaml:9:7: loss: unknown loss: expected one of mse, sse, mae, huber, bce, cce, got 'bse'; "
        "did you mean ")


def test_missing_target():
    assert error_of(GOOD.replace("target: 1\n", "")) == "problem.yaml:1:1: target: missing target (the expected output y)"


def test_kind_mismatch_with_the_subcommand():
    assert error_of(GOOD, "loss") == ("problem.yaml:1:7: kind: this file is kind 'backprop', but the command is "
                                      "`dlsolve loss`; use `dlsolve backprop` or `dlsolve solve`")


def test_yaml_syntax_error():
    assert error_of("kind: backprop\ninput: [1, 2\n").startswith("problem.yaml:3:1: YAML syntax error:")


def test_empty_file():
    assert error_of("") == "problem.yaml: the file is empty; start from `dlsolve new backprop`"
    assert error_of("# only a comment\n") == "problem.yaml: the file holds no YAML document (only comments?)"


def test_misspelt_key_suggests_the_right_one():
    text = GOOD.replace("learning_rate", "learnig_rate")
    assert error_of(text) == ("problem.yaml:10:1: learnig_rate: unknown key 'learnig_rate'; expected one of "
                              + error_of(text).split("expected one of ")[1])
    assert "did you mean 'learning_rate'?" in error_of(text)


def test_backward_through_step_is_refused():
    text = GOOD.replace("activation: sigmoid\n  - weights: [[1]", "activation: step\n  - weights: [[1]")
    assert error_of(text).startswith("problem.yaml:6:17: layers[0].activation: step has no useful derivative")


def test_step_forward_only_is_fine():
    text = GOOD.replace("activation: sigmoid\n  - weights: [[1]", "activation: step\n  - weights: [[1]")
    text = text.replace("target: 1\n", "").replace("loss: bce\nlearning_rate: 0.1\n", "")
    assert load_text(text, "p.yaml").spec.problem.loss is None


def test_bias_of_the_wrong_length():
    text = GOOD.replace("    activation: sigmoid\n  - weights: [[1]", "    bias: [1, 2]\n    activation: sigmoid\n  - weights: [[1]")
    assert error_of(text) == "problem.yaml:6:11: layers[0].bias: expected 3 biases (one per unit) or one number, got 2"


def test_several_errors_are_all_reported():
    text = GOOD.replace("kind: backprop", "kind: backprop\ncolour: red\nshade: blue")
    with pytest.raises(InputErrors) as info:
        load_text(text, "problem.yaml")
    assert len(info.value.errors) == 2


def test_unknown_kind():
    assert error_of("kind: backprob\n") == ("problem.yaml:1:7: kind: expected one of "
                                            + error_of("kind: backprob\n").split("expected one of ")[1])
    assert "did you mean 'backprop'" in error_of("kind: backprob\n")


def test_spec_error_formats_with_path():
    assert str(SpecError(("layers", 1, "weights"), "bad", "p.yaml", 7, 15)) == "p.yaml:7:15: layers[1].weights: bad"
