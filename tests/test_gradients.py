"""dlsolve's gradients against central finite differences of an independent NumPy forward pass,
on random small networks: every activation and loss, both layouts, with and without biases,
worked unit by unit and layer by layer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from tests import reference as ref
from tests.conftest import solve_data

from dlsolve.activations import ACTIVATIONS  # noqa: E402

# every activation a backward pass goes through elementwise: a new one is tested at once
HIDDEN_ACTS = [n for n, a in ACTIVATIONS.items() if a.derivative is not None and not a.output_only]
LOSSES = ["mse", "sse", "mae", "huber", "bce", "cce"]


@st.composite
def networks(draw):
    n_layers = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 5)) for _ in range(n_layers + 1)]
    loss = draw(st.sampled_from(LOSSES))
    if loss == "cce":
        out_act = "softmax"
    elif loss == "bce":
        out_act = draw(st.sampled_from(["sigmoid", "softmax"]))
    else:
        out_act = draw(st.sampled_from(HIDDEN_ACTS + ["softmax"]))
    if out_act == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    acts = [draw(st.sampled_from(HIDDEN_ACTS)) for _ in range(n_layers - 1)] + [out_act]
    alphas = [draw(st.sampled_from([None, 0.1, 0.5])) if "alpha" in ACTIVATIONS[a].params else None for a in acts]
    floats = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
    Ws = [np.array(draw(st.lists(st.lists(floats, min_size=sizes[i + 1], max_size=sizes[i + 1]),
                                 min_size=sizes[i], max_size=sizes[i]))) for i in range(n_layers)]
    with_bias = draw(st.booleans())
    bs = [np.array(draw(st.lists(floats, min_size=sizes[i + 1], max_size=sizes[i + 1]))) if with_bias
          else np.zeros(sizes[i + 1]) for i in range(n_layers)]
    x = np.array(draw(st.lists(floats, min_size=sizes[0], max_size=sizes[0])))
    n_out = sizes[-1]
    if loss == "cce":
        y = np.eye(n_out)[draw(st.integers(0, n_out - 1))]
    elif loss == "bce":
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 0.3]), min_size=n_out, max_size=n_out)))
    else:
        y = np.array(draw(st.lists(floats, min_size=n_out, max_size=n_out)))
    options = {}
    if loss in ("mse", "sse"):
        options["half"] = draw(st.booleans())
    if loss in ("mse", "mae", "huber", "bce") and n_out > 1:
        options["reduction"] = draw(st.sampled_from(["mean", "sum"]))
    if loss == "huber":
        options["delta"] = draw(st.sampled_from([0.5, 1.0]))
    layout = draw(st.sampled_from(["in_out", "out_in"]))
    return dict(Ws=Ws, bs=bs, acts=acts, alphas=alphas, x=x, y=y, loss=loss, options=options,
                layout=layout, with_bias=with_bias)


def to_problem(net):
    layers = []
    for W, b, a, alpha in zip(net["Ws"], net["bs"], net["acts"], net["alphas"]):
        layer = {"weights": (W if net["layout"] == "in_out" else W.T).tolist(),
                 "activation": a if alpha is None else {"name": a, "alpha": alpha}}
        if net["with_bias"]:
            layer["bias"] = b.tolist()
        layers.append(layer)
    loss = {"name": net["loss"], **net["options"]} if net["options"] else net["loss"]
    return {"kind": "backprop", "input": net["x"].tolist(), "target": net["y"].tolist(),
            "layers": layers, "weights_layout": net["layout"], "loss": loss, "learning_rate": 0.1}


def ref_loss(net, Ws, bs):
    out = ref.forward(net["x"], Ws, bs, net["acts"], net["alphas"])
    o = net["options"]
    return ref.loss(net["loss"], net["y"], out[-1][1], half=o.get("half", False),
                    reduction=o.get("reduction"), delta=o.get("delta", 1.0))


def smooth_here(net) -> bool:
    """No z within 1e-3 of a kink (ReLU family, |e| in MAE/Huber): finite differences are exact
    only away from kinks."""
    out = ref.forward(net["x"], net["Ws"], net["bs"], net["acts"], net["alphas"])
    for (z, _), a in zip(out, net["acts"]):
        if ACTIVATIONS[a].kink_at_zero and np.min(np.abs(z)) < 1e-2:
            return False
    e = np.abs(net["y"] - out[-1][1])
    if net["loss"] == "mae" and np.min(e) < 1e-2:
        return False
    if net["loss"] == "huber" and np.min(np.abs(e - net["options"]["delta"])) < 1e-2:
        return False
    yhat = out[-1][1]
    if net["loss"] in ("bce", "cce") and (np.min(yhat) < 1e-6 or np.max(yhat) > 1 - 1e-6):
        return False
    return True


def _central(f, h):
    """Richardson-extrapolated central difference: truncation error O(h⁴), so steep losses
    (BCE with ŷ near 1) are still differentiated to ~1e-9."""
    d1 = (f(h) - f(-h)) / (2 * h)
    d2 = (f(h / 2) - f(-h / 2)) / h
    return (4 * d2 - d1) / 3


def finite_differences(net, h=1e-4):
    dWs, dbs = [], []
    for l in range(len(net["Ws"])):
        dW = np.zeros_like(net["Ws"][l])
        for idx in np.ndindex(dW.shape):
            def fW(e, idx=idx):
                Ws = [W.copy() for W in net["Ws"]]
                Ws[l][idx] += e
                return ref_loss(net, Ws, net["bs"])
            dW[idx] = _central(fW, h)
        db = np.zeros_like(net["bs"][l])
        for j in range(len(db)):
            def fb(e, j=j):
                bs = [b.copy() for b in net["bs"]]
                bs[l][j] += e
                return ref_loss(net, net["Ws"], bs)
            db[j] = _central(fb, h)
        dWs.append(dW)
        dbs.append(db)
    return dWs, dbs


def check(net, solution):
    assume(smooth_here(net))
    assert np.isclose(solution.answer("loss").value, ref_loss(net, net["Ws"], net["bs"]), rtol=1e-10, atol=1e-12)
    dWs, dbs = finite_differences(net)
    for l, (dW, db) in enumerate(zip(dWs, dbs), 1):
        got = np.array(solution.answer(f"dW{l}").value)
        want = dW if net["layout"] == "in_out" else dW.T
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(solution.answer(f"db{l}").value, db, rtol=1e-5, atol=1e-7)
        eta = 0.1
        np.testing.assert_allclose(solution.answer(f"W{l}_new").value,
                                   (net["Ws"][l - 1] - eta * np.array(solution.answer(f"dW{l}").value
                                    if net["layout"] == "in_out" else np.array(solution.answer(f"dW{l}").value).T))
                                   if net["layout"] == "in_out" else
                                   (net["Ws"][l - 1].T - eta * got), rtol=1e-12, atol=1e-14)


@given(networks())
def test_unit_by_unit_gradients_match_finite_differences(net):
    check(net, solve_data(to_problem(net)))


@given(networks())
def test_layer_by_layer_gradients_match_finite_differences(net):
    check(net, solve_data(to_problem(net), detail="layers"))


@given(networks())
def test_unit_and_layer_modes_agree(net):
    unit = solve_data(to_problem(net), detail="units")
    layer = solve_data(to_problem(net), detail="layers")
    for a in unit.answers:
        np.testing.assert_allclose(np.asarray(layer.answer(a.name).value, dtype=float),
                                   np.asarray(a.value, dtype=float), rtol=1e-12, atol=1e-15)


def test_mini_batch_gradient_is_the_mean_of_the_samples():
    rng = np.random.default_rng(3)
    W1, W2 = rng.normal(size=(2, 3)), rng.normal(size=(3, 1))
    samples = [{"input": rng.normal(size=2).tolist(), "target": [float(rng.normal())]} for _ in range(4)]
    data = {"kind": "backprop", "samples": samples, "batch_size": 2, "epochs": 2,
            "layers": [{"weights": W1.tolist(), "activation": "tanh"},
                       {"weights": W2.tolist(), "activation": "linear"}],
            "loss": "mse", "learning_rate": 0.05}
    s = solve_data(data)
    net = dict(acts=["tanh", "linear"], alphas=[None, None], loss="mse", options={})
    Ws, bs = [W1.copy(), W2.copy()], [np.zeros(3), np.zeros(1)]
    losses = []
    for _ in range(2):
        for start in (0, 2):
            batch = samples[start:start + 2]
            grads_W = [np.zeros_like(W) for W in Ws]
            grads_b = [np.zeros_like(b) for b in bs]
            batch_losses = []
            for smp in batch:
                one = dict(net, x=np.array(smp["input"]), y=np.array(smp["target"]), Ws=Ws, bs=bs)
                batch_losses.append(ref_loss(one, Ws, bs))
                dWs, dbs = finite_differences(one)
                for k in range(2):
                    grads_W[k] += dWs[k] / 2
                    grads_b[k] += dbs[k] / 2
            losses.append(np.mean(batch_losses))
            Ws = [W - 0.05 * g for W, g in zip(Ws, grads_W)]
            bs = [b - 0.05 * g for b, g in zip(bs, grads_b)]
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-8)
    np.testing.assert_allclose(s.answer("W1_new").value, Ws[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(s.answer("b2_new").value, bs[1], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("detail", ["units", "layers"])
def test_update_bias_false_keeps_biases(detail):
    s = solve_data({"kind": "backprop", "input": [1, 2], "target": 1,
                    "layers": [{"weights": [[0.5], [-0.5]], "bias": 0.3, "activation": "sigmoid"}],
                    "loss": "mse", "learning_rate": 1, "update_bias": False}, detail=detail)
    assert s.answer("b1_new").value == [0.3]
    assert s.answer("W1_new").value != [[0.5], [-0.5]]


def test_explain_expands_a_parameter_to_the_matrix_entry():
    rng = np.random.default_rng(7)
    data = {"kind": "backprop", "input": rng.normal(size=6).tolist(), "target": [0.0, 1.0, 0.0],
            "layers": [{"weights": rng.normal(size=(6, 5)).tolist(), "bias": 0.1, "activation": "tanh"},
                       {"weights": rng.normal(size=(3, 5)).tolist(), "activation": "softmax"}],
            "weights_layout": "out_in", "loss": "cce", "learning_rate": 0.1}
    data["layers"][0]["weights"] = rng.normal(size=(5, 6)).tolist()
    s = solve_data(data, explain=("W1[2,3]", "b1[4]", "W2[3,5]"), detail="layers")
    values = {st.quantity.key: st.value for st in s.steps()}
    dW1, db1, dW2 = (np.array(s.answer(n).value) for n in ("dW1", "db1", "dW2"))
    # out_in: W1[2,3] joins input 3 to unit 2
    assert np.isclose(values["d(L)/d(w1_2_3)"], dW1[1, 2], rtol=1e-12)
    assert np.isclose(values["d(L)/d(b1_4)"], db1[3], rtol=1e-12)
    assert np.isclose(values["d(L)/d(w2_3_5)"], dW2[2, 4], rtol=1e-12)


def test_large_network_is_worked_layer_by_layer():
    rng = np.random.default_rng(1)
    data = {"kind": "backprop", "input": rng.random(20).tolist(), "target": 1,
            "layers": [{"weights": (rng.normal(size=(20, 8)) * 0.3).tolist(), "activation": "relu"},
                       {"weights": rng.normal(size=(8, 1)).tolist(), "activation": "sigmoid"}],
            "loss": "bce", "learning_rate": 0.5}
    s = solve_data(data)
    assert not any(st.quantity.key.startswith("z1_") for st in s.steps())   # no unit-level steps
    assert any(st.quantity.key == "zv1" for st in s.steps())
