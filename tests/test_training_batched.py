"""The updates a training run does not show are worked a batch at a time (kinds/backprop/batched.py).

Each case is checked against mini-batch gradient descent written here (gradients by central
differences of tests/reference.py's forward pass and loss), over the layouts, losses, reductions,
activations and batch splits that change the batch form's formulas; and the batch form is shown
to be the one used (or not, where it must fall back to the sample-by-sample pass)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlsolve.kinds import SolveOptions
from dlsolve.kinds.backprop import batched, training
from dlsolve.load import load_text
from tests import reference as ref

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.1, 0.9], [1.0, 1.0], [-0.3, -0.6], [0.8, -0.2]]
W1 = [[0.3, -0.2, 0.15], [0.1, 0.4, -0.35]]          # in_out: 2 inputs × 3 units
B1 = [0.05, -0.05, 0.02]


def targets(n_out: int, kind: str) -> list:
    rng = np.random.default_rng(7)
    if kind == "onehot":
        return [np.eye(n_out)[k % n_out].tolist() for k in range(len(X))]
    t = rng.uniform(0.1, 0.9, size=(len(X), n_out)).round(2)
    return [float(r[0]) if n_out == 1 else r.tolist() for r in t]


CASES = {
    #  name: (activations, n_out, loss, extra problem fields, target kind)
    "sigmoid-mse": (("sigmoid", "sigmoid"), 1, "mse", {}, "soft"),
    "tanh-linear-sse-2out": (("tanh", "linear"), 2, "sse", {}, "soft"),
    "relu-sigmoid-bce": (("relu", "sigmoid"), 1, "bce", {}, "soft"),
    "mean-over-3-outputs": (("leaky_relu", "sigmoid"), 3, {"name": "mse", "half": True}, {}, "soft"),
    "sum-over-2-outputs": (("sigmoid", "tanh"), 2, {"name": "mse", "reduction": "sum"}, {}, "soft"),
    "out_in-layout": (("tanh", "sigmoid"), 2, "mse", {"weights_layout": "out_in"}, "soft"),
    "biases-not-updated": (("sigmoid", "sigmoid"), 1, "mse", {"update_bias": False}, "soft"),
    "softmax-cce": (("sigmoid", "softmax"), 3, "cce", {}, "onehot"),
    "softmax-mse (sample by sample)": (("tanh", "softmax"), 3, "mse", {}, "onehot"),
}


def build(case: str, epochs: int, batch: int):
    acts, n_out, loss, extra, tkind = CASES[case]
    rng = np.random.default_rng(3)
    W2 = (rng.normal(size=(3, n_out)) * 0.5).round(2)
    b2 = (rng.normal(size=n_out) * 0.1).round(2)
    out_in = extra.get("weights_layout") == "out_in"
    layers = [{"weights": (np.array(W1).T if out_in else np.array(W1)).tolist(), "bias": B1, "activation": acts[0]},
              {"weights": (W2.T if out_in else W2).tolist(), "bias": b2.tolist(), "activation": acts[1]}]
    problem = {"kind": "backprop", "samples": [{"input": x, "target": t} for x, t in zip(X, targets(n_out, tkind))],
               "layers": layers, "loss": loss, "learning_rate": 0.3, "epochs": epochs, "batch_size": batch, **extra}
    return problem, [np.array(W1), W2], [np.array(B1), b2]


def reference_run(problem: dict, Ws: list, bs: list):
    """Mini-batch gradient descent written here, gradients by central differences."""
    acts = [layer["activation"] for layer in problem["layers"]]
    loss = problem["loss"] if isinstance(problem["loss"], dict) else {"name": problem["loss"]}
    samples = [(np.array(s["input"], dtype=float), np.atleast_1d(np.array(s["target"], dtype=float)))
               for s in problem["samples"]]
    eta, m, update_bias = problem["learning_rate"], problem["batch_size"], problem.get("update_bias", True)

    def loss_of(x, y, Ws, bs):
        out = ref.forward(x, Ws, bs, acts, [None, None])[-1][1]
        return ref.loss(loss["name"], y, out, half=loss.get("half", False), reduction=loss.get("reduction"))

    def grad(f, arrays, l, h=1e-6):
        g = np.zeros_like(arrays[l])
        for ij in np.ndindex(arrays[l].shape):
            up = [a.copy() for a in arrays]
            dn = [a.copy() for a in arrays]
            up[l][ij] += h
            dn[l][ij] -= h
            g[ij] = (f(up) - f(dn)) / (2 * h)
        return g

    losses = []
    for _ in range(problem["epochs"]):
        for start in range(0, len(samples), m):
            part = samples[start:start + m]
            losses.append(float(np.mean([loss_of(x, y, Ws, bs) for x, y in part])))
            cost_W = lambda Ws_: np.mean([loss_of(x, y, Ws_, bs) for x, y in part])   # noqa: E731
            cost_b = lambda bs_: np.mean([loss_of(x, y, Ws, bs_) for x, y in part])   # noqa: E731
            gW = [grad(cost_W, Ws, l) for l in range(2)]
            gb = [grad(cost_b, bs, l) for l in range(2)]
            Ws = [W - eta * g for W, g in zip(Ws, gW)]
            if update_bias:
                bs = [b - eta * g for b, g in zip(bs, gb)]
    return losses, Ws, bs


def solve(problem: dict, **options):
    p = load_text(json.dumps(problem), "problem.yaml")
    return p.module.solve(p.spec, SolveOptions(**options))


@pytest.fixture
def counted(monkeypatch):
    """How many unshown updates went sample by sample, and how many in the batch form."""
    calls = {"samples": 0, "batch": 0}
    sample_update, hidden_update = training.Training.sample_update, batched.BatchedUpdates.hidden_update

    def by_samples(self, batch):
        calls["samples"] += 1
        return sample_update(self, batch)

    def by_batch(self, batch):
        result = hidden_update(self, batch)
        calls["batch"] += result is not None
        return result

    monkeypatch.setattr(training.Training, "sample_update", by_samples)
    monkeypatch.setattr(batched.BatchedUpdates, "hidden_update", by_batch)
    return calls


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("epochs,batch", [(2, 3), (3, 7), (10, 1)])   # batches 3, 3, 1; the whole set; one sample
def test_batch_form_matches_an_independent_loop(case, epochs, batch, counted):
    problem, Ws, bs = build(case, epochs, batch)
    s = solve(problem)
    losses, Ws, bs = reference_run(problem, Ws, bs)
    out_in = problem.get("weights_layout") == "out_in"
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-7)
    for l in range(2):
        np.testing.assert_allclose(s.answer(f"W{l + 1}_new").value, Ws[l].T if out_in else Ws[l], rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(s.answer(f"b{l + 1}_new").value, bs[l], rtol=1e-7, atol=1e-12)
    hidden = len(losses) - 2
    if "sample by sample" in case:     # softmax with another loss: its Jacobian, sample by sample
        assert counted == {"samples": hidden, "batch": 0}
    else:                     # the batch form, checked once against the sample-by-sample pass
        assert counted["samples"] == 1 and counted["batch"] == hidden


def test_a_batch_form_that_disagrees_sends_the_run_sample_by_sample(monkeypatch, counted):
    """If the batch form ever computed something else than the layer pass (a feature it does not
    know), the check on its first use catches it and the numbers still come from the layer pass."""
    problem, Ws, bs = build("sigmoid-mse", 3, 2)
    wrong = batched.BatchedUpdates.hidden_update

    def off_by_a_little(self, batch):
        result = wrong(self, batch)
        self.W[0] = self.W[0] + 1e-6
        return result

    monkeypatch.setattr(batched.BatchedUpdates, "hidden_update", off_by_a_little)
    s = solve(problem)
    losses, Ws, bs = reference_run(problem, Ws, bs)
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-7)
    np.testing.assert_allclose(s.answer("W1_new").value, Ws[0], rtol=1e-7)
    hidden = len(losses) - 2
    assert counted["samples"] == hidden      # the first check, then every one after it


def test_round_works_every_update_sample_by_sample(counted):
    """--round rounds each sample's values: the batch form would round other numbers."""
    problem, _, _ = build("sigmoid-mse", 2, 2)
    rounded = solve(problem, round=4)
    assert counted["batch"] == 0 and counted["samples"] == 6
    assert all(v == round(v, 4) for v in np.ravel(rounded.answer("W1_new").value))


def test_saturated_sigmoid_bce_falls_back_where_the_logits_are_needed(counted):
    """ŷ within the logit margin of 0 or 1: that update is worked sample by sample (the loss from
    the logits, as the layer pass does), and the run's numbers match the independent loop."""
    problem, Ws, bs = build("relu-sigmoid-bce", 3, 7)
    problem["layers"][1]["bias"] = [14.0]
    bs[1] = np.array([14.0])
    s = solve(problem)
    losses, Ws, bs = reference_run(problem, Ws, bs)
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-6)
    assert counted["batch"] == 0 and counted["samples"] == 1


def test_softmax_rows_whose_e_to_the_z_underflows_are_shifted(counted):
    """Every z of the output near −800: e^z is 0 for all, so (as the layer pass does) each such row
    has its largest z subtracted first; the batch form then still matches the independent loop."""
    problem, Ws, bs = build("softmax-cce", 2, 3)
    problem["layers"][1]["bias"] = [-800.0, -800.5, -799.5]
    bs[1] = np.array([-800.0, -800.5, -799.5])
    s = solve(problem)
    losses, Ws, bs = reference_run(problem, Ws, bs)
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-7)
    # z ≈ −800 keeps only ~13 digits in the reference's central differences: an absolute tolerance
    np.testing.assert_allclose(s.answer("W2_new").value, Ws[1], rtol=1e-7, atol=1e-8)
    assert counted["batch"] == len(losses) - 2      # without the shift: 0/0, and sample by sample


def test_regularisation_goes_sample_by_sample_with_the_penalty_in_every_loss(counted):
    """L2 on the weights: the batch form does not know Ω, so the unshown updates are worked sample
    by sample; their losses are L_total = L + λΣw² (against the independent loop, penalty added)."""
    problem, Ws, bs = build("sigmoid-mse", 3, 3)
    problem["regularization"] = {"l2": 0.01}
    s = solve(problem)
    assert counted["batch"] == 0 and counted["samples"] == 7
    plain, Ws_after, _ = reference_run({**problem, "epochs": 1, "batch_size": 3}, Ws, bs)
    first = plain[0] + 0.01 * sum(float(np.sum(W ** 2)) for W in Ws)
    assert s.answer("losses").value[0] == pytest.approx(first, rel=1e-12)
    # the unshown updates' losses are the ones each update shows when every update is shown
    full = solve(problem, detail="full")
    np.testing.assert_allclose(s.answer("losses").value, full.answer("losses").value, rtol=1e-12)
