"""SELU, GELU (exact and tanh), softplus, swish/SiLU and logit, each against an independent NumPy
(or math/mpmath) implementation written here: values, course-form derivatives by central
differences, the SELU constants from the paper's closed forms, and the kinds that take them."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from dlsolve.activations import ACTIVATIONS
from dlsolve.expr import Sym, evaluate
from dlsolve.function_forms import SELU_ALPHA, SELU_LAMBDA
from dlsolve.functions import FUNCTIONS
from tests.conftest import solve_data

Z, A = Sym("z", "z", "z"), Sym("a", "a", "a")
LAM, ALPHA = 1.0507009873554805, 1.6732632423543772   # Klambauer et al. (2017), as the paper prints them


def phi_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


# independent forms, written from the papers' definitions
REF = {
    "selu": lambda z: LAM * z if z > 0 else LAM * ALPHA * (math.exp(z) - 1.0),
    "gelu": lambda z: z * phi_cdf(z),
    "gelu_tanh": lambda z: 0.5 * z * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z ** 3))),
    "softplus": lambda z: math.log1p(math.exp(z)),
    "swish": lambda z: z / (1.0 + math.exp(-z)),
    "silu": lambda z: z / (1.0 + math.exp(-z)),
}
POINTS = [-3.2, -1.1, -0.35, 0.4, 1.3, 2.7]   # away from SELU's kink at 0


def central(f, z, h=1e-6):
    return (f(z + h) - f(z - h)) / (2 * h)


def test_selu_constants_are_the_papers():
    assert float(SELU_LAMBDA) == LAM and float(SELU_ALPHA) == ALPHA
    # and the paper's closed forms (eq. 14 of Klambauer et al.) give them to 30 digits
    mp.mp.dps = 40
    e, s2 = mp.e, mp.sqrt(2)
    erfc1 = mp.erfc(1 / s2)
    alpha = -mp.sqrt(2 / mp.pi) / (erfc1 * mp.sqrt(e) - 1)
    lam = (1 - erfc1 * mp.sqrt(e)) * mp.sqrt(2 * mp.pi) * (
        2 * mp.erfc(s2) * e ** 2 + mp.pi * erfc1 ** 2 * e - 2 * (2 + mp.pi) * erfc1 * mp.sqrt(e) + mp.pi + 2) ** -0.5
    assert abs(alpha - mp.mpf(SELU_ALPHA)) < mp.mpf("1e-30")
    assert abs(lam - mp.mpf(SELU_LAMBDA)) < mp.mpf("1e-30")


@pytest.mark.parametrize("name", sorted(REF))
def test_values_and_course_derivatives_against_finite_differences(name):
    act = ACTIVATIONS[name]
    for z in POINTS:
        a = REF[name](z)
        got = evaluate(act.forms(Z, {})[-1], {"z": z})
        assert got == pytest.approx(a, rel=1e-13, abs=1e-15)
        assert evaluate(act.forms(Z, {})[0], {"z": z}) == pytest.approx(a, rel=1e-13, abs=1e-15)  # the record
        course = evaluate(act.derivative(Z, A, {}), {"z": z, "a": a})
        assert course == pytest.approx(central(REF[name], z), rel=1e-7, abs=1e-9), (name, z)


@pytest.mark.parametrize("name", ["selu", "gelu", "gelu_tanh", "swish"])
def test_function_records_and_their_derivatives(name):
    f = FUNCTIONS[name]
    for z in POINTS:
        assert float(f.numpy(np.float64(z))) == pytest.approx(REF[name](z), rel=1e-13, abs=1e-15)
        assert float(f.slope(z)) == pytest.approx(central(REF[name], z), rel=1e-7, abs=1e-9)


def test_gelu_exact_uses_erf_and_the_tanh_form_stays_within_its_stated_bound():
    erf = FUNCTIONS["erf"]
    for z in POINTS:
        assert float(erf.numpy(z)) == math.erf(z)
        assert float(erf.slope(z)) == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-z * z), rel=1e-14)
    grid = np.linspace(-8, 8, 4001)
    worst = max(abs(REF["gelu"](z) - REF["gelu_tanh"](z)) for z in grid)
    assert 4e-4 < worst < 5e-4   # the convention note says "at most about 0.0005"
    assert "0.0005" in str(ACTIVATIONS["gelu"].convention_text({}))


def test_selu_at_zero_takes_the_left_derivative_as_pytorch():
    assert evaluate(ACTIVATIONS["selu"].derivative(Z, A, {}), {"z": 0.0, "a": 0.0}) == pytest.approx(LAM * ALPHA)


def test_logit_inverts_the_sigmoid_as_the_notes_ask():
    assert float(FUNCTIONS["logit"].numpy(0.88)) == pytest.approx(math.log(0.88 / 0.12), rel=1e-15)
    # the notes solve 1/(1 + e^(−x)) = 0.88 for x: x = log(0.88/0.12)
    sol = solve_data({"kind": "graph", "given": {"p": 0.88}, "define": {"x": "logit(p)", "s": "sigmoid(x)"},
                      "find": ["x", "s", "dx/dp"]})
    assert sol.answer("x").value == pytest.approx(math.log(0.88 / 0.12), rel=1e-14)
    assert sol.answer("s").value == pytest.approx(0.88, rel=1e-14)
    h = 1e-7
    fd = (math.log((0.88 + h) / (0.12 - h)) - math.log((0.88 - h) / (0.12 + h))) / (2 * h)
    assert sol.answer("dx/dp").value == pytest.approx(fd, rel=1e-7)


def test_logit_at_zero_and_one_is_explained():
    sol = solve_data({"kind": "graph", "given": {"p": 1, "q": 0}, "define": {"x": "logit(p)", "y": "logit(q)"},
                      "find": ["x", "y"]})
    assert sol.answer("x").value == math.inf and sol.answer("y").value == -math.inf
    notes = {s.quantity.key: str(s.note) for s in sol.steps if s.value is not None and not np.isfinite(s.value)}
    assert "logit(1) = log(1/0) = ∞" in notes["x"] and "logit(0) = log 0 = −∞" in notes["y"]


@pytest.mark.parametrize("name", ["gelu", "selu", "swish", "softplus", "gelu_tanh"])
def test_graph_functions_against_finite_differences(name):
    sol = solve_data({"kind": "graph", "given": {"w": 0.8, "x": -1.5}, "define": {"L": f"{name}(w*x)"},
                      "find": ["L", "dL/dw"]})
    assert sol.answer("L").value == pytest.approx(REF[name](-1.2), rel=1e-12)
    fd = central(lambda w: REF[name](w * -1.5), 0.8)
    assert sol.answer("dL/dw").value == pytest.approx(fd, rel=1e-7)


def _rnn_loss(f, W, U, V, xs, h0, y):
    h = h0
    for x in xs:
        h = f(W * x + U * h)
    p = 1 / (1 + math.exp(-(V * h)))
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


@pytest.mark.parametrize("name", ["gelu", "selu", "swish", "softplus", "gelu_tanh"])
def test_rnn_bptt_with_the_new_activations(name):
    xs, h0, W, U, V = [1.0, 0.5, -1.0], 0.2, 0.5, 0.8, 1.2
    sol = solve_data({"kind": "rnn", "cell": "rnn", "activation": name, "inputs": xs, "h0": h0,
                      "weights": {"W": W, "U": U}, "readout": {"V": V, "activation": "sigmoid"},
                      "target": 1, "loss": "bce", "learning_rate": 0.1})
    f = REF[name]
    assert sol.answer("loss").value == pytest.approx(_rnn_loss(f, W, U, V, xs, h0, 1), rel=1e-12)
    for key, g in (("dW", lambda t: _rnn_loss(f, t, U, V, xs, h0, 1)), ("dU", lambda t: _rnn_loss(f, W, t, V, xs, h0, 1)),
                   ("dV", lambda t: _rnn_loss(f, W, U, t, xs, h0, 1))):
        got = float(np.ravel(sol.answer(key).value)[0])
        assert got == pytest.approx(central(g, {"dW": W, "dU": U, "dV": V}[key]), rel=1e-6), key


@pytest.mark.parametrize("name", ["gelu", "selu", "silu", "softplus", "gelu_tanh"])
def test_convolve_applies_them(name):
    x = [[1.0, -2.0, 0.5], [3.0, -0.25, 2.0], [0.0, 1.5, -1.0]]
    k = [[1.0, -1.0], [0.5, 2.0]]
    sol = solve_data({"kind": "convolve", "input": x, "kernel": k, "activation": name})
    X, K = np.array(x), np.array(k)
    Y = np.array([[np.sum(X[i:i + 2, j:j + 2] * K) for j in range(2)] for i in range(2)])
    want = np.vectorize(REF[name])(Y)
    np.testing.assert_allclose(np.array(sol.answer("activated").value), want, rtol=1e-13, atol=1e-15)


def test_backprop_through_a_gelu_layer_against_finite_differences():
    W1 = np.array([[0.5, -0.3], [0.8, 0.2]])
    W2 = np.array([[1.1], [-0.7]])
    x, y = np.array([1.0, -2.0]), 0.3

    def loss(W1, W2):
        h = np.vectorize(REF["gelu"])(x @ W1)
        return 0.5 * float((y - (h @ W2)[0]) ** 2)

    sol = solve_data({"kind": "backprop", "input": x.tolist(), "target": [y], "loss": {"name": "mse", "half": True},
                      "layers": [{"weights": W1.tolist(), "activation": "gelu"},
                                 {"weights": W2.tolist(), "activation": "linear"}]})
    assert sol.answer("loss").value == pytest.approx(loss(W1, W2), rel=1e-12)
    grads = [a for a in sol.answers if a.name.startswith("dW")]
    got = np.array(grads[0].value, dtype=float)
    fd = np.zeros_like(W1)
    for i in range(2):
        for j in range(2):
            e = np.zeros_like(W1)
            e[i, j] = 1e-6
            fd[i, j] = (loss(W1 + e, W2) - loss(W1 - e, W2)) / 2e-6
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_init_takes_selus_gain_from_the_record():
    sol = solve_data({"kind": "init", "scheme": "he_normal", "fan_in": 64, "nonlinearity": "selu"})
    stds = [a for a in sol.answers if "std" in a.name or "σ" in a.label]
    assert stds, [a.name for a in sol.answers]
    assert float(stds[0].value) == pytest.approx(0.75 / math.sqrt(64), rel=1e-14)   # PyTorch: gain('selu') = 3/4


def test_softplus_stays_finite_where_its_definition_overflows():
    # log(1 + e^800) is ∞ in float64; softplus(800) = 800 + log1p(e^−800) = 800
    sol = solve_data({"kind": "backprop", "input": [1.0], "target": [0.3], "loss": "mse",
                      "layers": [{"weights": [[800.0]], "activation": "softplus"}, {"weights": [[1.0]], "activation": "linear"}]})
    assert sol.answer("yhat").value == 800.0
    assert sol.answer("loss").value == pytest.approx((0.3 - 800.0) ** 2, rel=1e-15)
    g = solve_data({"kind": "graph", "given": {"w": 800.0, "x": 1.0}, "define": {"L": "softplus(w*x)"}, "find": ["L", "dL/dw"]})
    assert g.answer("L").value == 800.0 and g.answer("dL/dw").value == 1.0


@pytest.mark.parametrize("name,slope", [("sigmoid", lambda z: 1 / (2 + 2 * math.cosh(z))),     # σ(z)σ(−z)
                                         ("tanh", lambda z: 1 / math.cosh(z) ** 2 if abs(z) < 350 else 0.0)])
def test_saturation_notes_and_variants_follow_one_rule(name, slope):
    """The activation's note and vary's redraw both ask the function record: slope below 1e-4."""
    from dlsolve.vary import ill_posed

    act = ACTIVATIONS[name]
    f = act.forms(Z, {})[0].fn
    for z in [-12.0, -9.5, -9.0, -5.5, -5.2, 0.3, 5.2, 5.5, 9.0, 9.5, 12.0, 40.0]:
        want = slope(z) < 1e-4
        assert f.saturated(z) == want, z
        a = float(f.numpy(z))
        assert (act.saturation_note(z, a) is not None) == (want and (name == "sigmoid" or abs(a) != 1.0)), z
    sat = solve_data({"kind": "backprop", "input": [1.0], "target": [0.3], "loss": "mse",
                      "layers": [{"weights": [[9.5]], "activation": name}, {"weights": [[1.0]], "activation": "linear"}]})
    fine = solve_data({"kind": "backprop", "input": [1.0], "target": [0.3], "loss": "mse",
                       "layers": [{"weights": [[2.0]], "activation": name}, {"weights": [[1.0]], "activation": "linear"}]})
    assert ill_posed(sat) == "a saturated unit" and ill_posed(fine) is None


@pytest.mark.parametrize("kind", ["rnn", "convolve", "backprop"])
def test_every_kind_states_which_gelu_and_selus_constants(kind):
    for name, words in (("gelu_tanh", "tanh approximation"), ("selu", "1.6732632423543772"), ("gelu", "erf")):
        if kind == "rnn":
            data = {"kind": "rnn", "cell": "rnn", "activation": name, "inputs": [1.0, 0.5], "h0": 0.2,
                    "weights": {"W": 0.5, "U": 0.8}}
        elif kind == "convolve":
            data = {"kind": "convolve", "input": [[1, -2], [3, 0.5]], "kernel": [[1]], "activation": name}
        else:
            data = {"kind": "backprop", "input": [1.0], "layers": [{"weights": [[0.5]], "activation": name}]}
        sol = solve_data(data)
        assert any(words in str(c) for c in sol.conventions), (kind, name, sol.conventions)
