"""Numbers at the edges of float64 in the backprop and loss kinds, each against an independent
computation: mpmath at 50 digits, or a closed form written here.

- a sigmoid output with BCE and a softmax output with CE are computed from the logits where ŷ
  rounds to (or near) 1: the loss, δ, every gradient and the new weights stay finite and exact;
- xlogy's 0·log 0 = 0 (a zero target on a zero prediction);
- log1p where e^(−|z|) is tiny (BCE from logits);
- a softmax output far below 0 (z ≈ −1000) is shifted like kind: softmax shifts it;
- every value that is NaN or ∞ carries a note saying why.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data

mp.mp.dps = 50


def sig(z) -> mp.mpf:
    return 1 / (1 + mp.e ** (-mp.mpf(z)))


def rel(got: float, want) -> float:
    want = float(want)
    return abs(got - want) / abs(want)


def assert_verified(s) -> None:
    assert verify_solution(s) == []


def sigmoid_bce(z_in: float, y: float, detail: str):
    """One sigmoid unit, w = 1, b = 0, input z_in: z = z_in."""
    return solve_data({"kind": "backprop", "input": [z_in], "target": y, "loss": "bce", "learning_rate": 0.5,
                       "layers": [{"weights": [[1.0]], "activation": "sigmoid"}]}, detail=detail)


@pytest.mark.parametrize("detail", ["units", "layers"])
@pytest.mark.parametrize("z,y", [(40.0, 1.0), (37.0, 1.0), (-40.0, 0.0), (40.0, 0.3), (20.0, 1.0)])
def test_sigmoid_bce_from_the_logits_is_finite_and_exact(z, y, detail):
    s = sigmoid_bce(z, y, detail)
    zz, yy = mp.mpf(z), mp.mpf(y)
    loss = -(yy * mp.log(sig(zz)) + (1 - yy) * mp.log(1 - sig(zz)))     # at 50 digits
    delta = sig(zz) - yy
    assert rel(s.answer("loss").value, loss) < 1e-12
    got_delta = np.ravel(s.answer("delta1").value)[0]
    assert rel(got_delta, delta) < 1e-12
    assert rel(np.ravel(s.answer("dW1").value)[0], delta * zz) < 1e-12          # ∂L/∂w = δ·x
    assert np.ravel(s.answer("W1_new").value)[0] == pytest.approx(float(1 - mp.mpf("0.5") * delta * zz), rel=1e-15)
    for a in s.answers:
        assert np.all(np.isfinite(np.asarray(a.value, dtype=float))), a.name
    assert_verified(s)


def test_sigmoid_bce_below_the_margin_keeps_the_course_form():
    # ŷ = σ(2) is far from 0 and 1: the loss is the plain ℓ(y, ŷ) and δ = ∂L/∂ŷ·∂ŷ/∂z as before
    s = sigmoid_bce(2.0, 1.0, "units")
    assert not any("from the logits" in (st.note or "") for st in s.steps())
    assert rel(s.answer("loss").value, -mp.log(sig(2))) < 1e-13


def test_hidden_layer_gradients_through_a_saturated_bce_output():
    # 1-1-1: tanh hidden unit, sigmoid output with z = 45·tanh(1) ≈ 34.3, y = 1
    s = solve_data({"kind": "backprop", "input": [1.0], "target": 1, "loss": "bce", "learning_rate": 0.1,
                    "layers": [{"weights": [[1.0]], "activation": "tanh"},
                               {"weights": [[45.0]], "activation": "sigmoid"}]})
    h = mp.tanh(1)
    z2 = 45 * h
    delta2 = sig(z2) - 1
    assert rel(s.answer("delta2").value[0], delta2) < 1e-12
    assert rel(s.answer("dW2").value[0][0], delta2 * h) < 1e-12
    delta1 = delta2 * 45 * (1 - h ** 2)
    assert rel(s.answer("dW1").value[0][0], delta1) < 1e-12
    assert_verified(s)


@pytest.mark.parametrize("detail", ["units", "layers"])
def test_softmax_cce_from_the_logits_when_yhat_rounds_to_1(detail):
    s = solve_data({"kind": "backprop", "input": [1.0], "target": [1, 0, 0], "loss": "cce", "learning_rate": 0.1,
                    "layers": [{"weights": [[40.0, 0.0, -3.0]], "activation": "softmax"}]}, detail=detail)
    z = [mp.mpf(40), mp.mpf(0), mp.mpf(-3)]
    lse = mp.log(sum(mp.e ** v for v in z))
    assert rel(s.answer("loss").value, lse - z[0]) < 1e-12        # −log softmax(z)₁, about 4.25e−18
    assert s.answer("loss").value > 0
    assert_verified(s)


@pytest.mark.parametrize("detail", ["units", "layers"])
def test_softmax_output_far_below_zero_is_shifted(detail):
    # e^(−1000) underflows to 0 for every unit: without the shift ŷ would be 0/0 = NaN
    s = solve_data({"kind": "backprop", "input": [1.0], "target": [0, 1], "loss": "cce", "learning_rate": 0.1,
                    "layers": [{"weights": [[-1000.0, -1001.0]], "activation": "softmax"}]}, detail=detail)
    p1 = 1 / (1 + mp.e ** -1)                                       # softmax(−1000, −1001)₁ in closed form
    np.testing.assert_allclose(s.answer("yhat").value, [float(p1), float(1 - p1)], rtol=1e-14)
    assert rel(s.answer("loss").value, -mp.log(1 - p1)) < 1e-13
    assert_verified(s)
    # the same rule as kind: softmax
    k = solve_data({"kind": "softmax", "scores": [-1000.0, -1001.0]})
    np.testing.assert_allclose(k.answer("p").value, s.answer("yhat").value, rtol=1e-15)


def test_cce_zero_target_on_zero_prediction_is_zero_not_nan():
    s = solve_data({"kind": "loss", "loss": "cce", "y_true": [[0, 1, 0]], "y_pred": [[0.05, 0.95, 0]]})
    assert s.answer("loss").value == pytest.approx(-np.log(0.95), rel=1e-15)
    assert s.answer("dL_dyhat").value == [0.0, pytest.approx(-1 / 0.95), 0.0]
    assert any("0·log 0 = 0" in (st.note or "") for st in s.steps())
    assert_verified(s)


def test_bce_prediction_equal_to_a_hard_target_is_zero_loss():
    s = solve_data({"kind": "loss", "loss": "bce", "y_true": [1, 0, 1], "y_pred": [1, 0, 0.5]})
    assert s.answer("per_sample").value == [0.0, 0.0, pytest.approx(np.log(2), rel=1e-15)]
    assert_verified(s)


@pytest.mark.parametrize("z,y", [(40.0, 1.0), (20.0, 1.0), (-30.0, 0.0), (20.0, 0.0), (0.5, 1.0)])
def test_bce_from_logits_uses_log1p(z, y):
    # the course's σ(10 + 10) = σ(20): log(1 + e^(−20)) lost 3.4e−8 of its digits before
    s = solve_data({"kind": "loss", "loss": "bce", "y_true": [y], "y_pred": [z], "from_logits": True})
    zz, yy = mp.mpf(z), mp.mpf(y)
    want = -(yy * mp.log(sig(zz)) + (1 - yy) * mp.log(1 - sig(zz)))
    assert rel(s.answer("loss").value, want) < 1e-14
    assert rel(s.answer("dL_dz").value, sig(zz) - yy) < 1e-12
    assert_verified(s)


def test_cce_from_logits_is_exact_when_yhat_rounds_to_1():
    s = solve_data({"kind": "loss", "loss": "cce", "y_true": [[1, 0]], "y_pred": [[40, 0]], "from_logits": True})
    assert rel(s.answer("loss").value, mp.log(1 + mp.e ** -40)) < 1e-14
    assert_verified(s)


@pytest.mark.parametrize("data", [
    {"kind": "loss", "loss": "cce", "y_true": [[0, 1, 0]], "y_pred": [[0.05, 0, 0.95]]},
    {"kind": "loss", "loss": "bce", "y_true": [1, 0], "y_pred": [0, 0.5]},
    {"kind": "backprop", "input": [1.0], "target": [1, 0], "loss": "bce", "learning_rate": 0.1,
     "layers": [{"weights": [[50.0, -50]], "activation": "softmax"}]},
    {"kind": "backprop", "input": [1e200], "target": [1], "loss": "mse", "learning_rate": 0.1,
     "layers": [{"weights": [[1e200]], "activation": "linear"}]},
])
def test_every_nan_or_infinity_carries_a_note(data):
    s = solve_data(data)
    bad = [st for st in s.steps() if st.value is not None
           and not np.all(np.isfinite(np.asarray(st.value, dtype=float)))]
    assert bad, "the case is meant to reach a non-finite value"
    for st in bad:
        assert st.note and any(w in st.note for w in ("∞", "NaN")), (st.quantity.uni, st.note)


def test_the_note_names_log_of_zero():
    s = solve_data({"kind": "loss", "loss": "cce", "y_true": [[0, 1, 0]], "y_pred": [[0.05, 0, 0.95]]})
    ell = next(st for st in s.steps() if st.quantity.uni == "ℓ₁")
    assert "logarithm of 0" in ell.note


def test_check_names_the_convention_a_loss_value_follows(tmp_path):
    """kind: loss with reduction: sum where the problem says mean: check says so."""
    from click.testing import CliRunner

    from dlsolve.cli import main

    problem = tmp_path / "p.yaml"
    problem.write_text("kind: loss\nloss: mse\ny_true: [1, 2]\ny_pred: [1.5, 1.0]\n")
    answers = tmp_path / "a.yaml"
    answers.write_text("loss: 1.25\n")          # (0.25 + 1)/1: the sum, not the mean 0.625
    r = CliRunner().invoke(main, ["check", str(problem), str(answers)])
    assert r.exit_code == 1
    assert "your value is what the `reduction: sum` convention gives" in r.output


# "error": the verifier once met ∂L/∂ŷ₁ = 0/0 = NaN here (ŷ₁ rounds to 1) and NumPy warned
# "invalid value encountered in _number (vectorized)" from SymPy's float(nan); a non-finite value
# is legitimate there and must pass through without a warning.
@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("detail", ["units", "layers"])
def test_bce_on_a_softmax_output_met_exactly_is_zero_not_nan(detail):
    # softmax(60, −60)₁ rounds to 1 in float64 and its target is 1: (1 − y)·log(1 − ŷ) is 0·log 0
    s = solve_data({"kind": "backprop", "input": [1.0], "target": [1, 0], "loss": "bce",
                    "layers": [{"weights": [[60.0, -60.0]], "activation": "softmax"}]}, detail=detail)
    assert s.answer("yhat").value[0] == 1.0
    assert s.answer("loss").value == pytest.approx(0.0, abs=1e-50)   # the exact loss is 1.5e−52
    assert any("0·log 0 = 0" in str(st.note) for st in s.steps())
    assert_verified(s)
