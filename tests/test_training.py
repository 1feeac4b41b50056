"""Training runs with many updates: the numbers against an independent loop (gradients by
central differences of tests/reference.py's forward pass), and an output that grows with the
parameters plus the updates, not their product."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.render import renderer
from dlsolve.solution import Step, Table
from dlsolve.verify import verify_solution
from tests import reference as ref
from tests.conftest import solve_data

X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.1, 0.9], [1.0, 1.0]]
T = [0.2, 0.9, 0.4, 0.7, 0.1]
W1 = [[0.3, -0.2], [0.1, 0.4]]
W2 = [[0.5], [-0.6]]
ACTS = ["sigmoid", "tanh"]


def problem(epochs: int, batch: int, **extra) -> dict:
    return {"kind": "backprop", "samples": [{"input": x, "target": t} for x, t in zip(X, T)],
            "layers": [{"weights": W1, "bias": [0.05, -0.05], "activation": ACTS[0]},
                       {"weights": W2, "bias": 0.1, "activation": ACTS[1]}],
            "loss": "mse", "learning_rate": 0.5, "epochs": epochs, "batch_size": batch, **extra}


def reference_run(epochs: int, batch: int):
    """Mini-batch gradient descent written here: per-sample gradients by central differences."""
    Ws = [np.array(W1), np.array(W2)]
    bs = [np.array([0.05, -0.05]), np.array([0.1])]
    losses, params = [], []

    def loss_of(x, y, Ws, bs):
        out = ref.forward(np.array(x), Ws, bs, ACTS, [None, None])
        return ref.loss("mse", np.array([y]), out[-1][1])

    h = 1e-6
    for _ in range(epochs):
        for start in range(0, len(X), batch):
            idx = range(start, min(start + batch, len(X)))
            losses.append(float(np.mean([loss_of(X[k], T[k], Ws, bs) for k in idx])))
            gW = [np.zeros_like(W) for W in Ws]
            gb = [np.zeros_like(b) for b in bs]
            for k in idx:
                for l in range(2):
                    for ij in np.ndindex(Ws[l].shape):
                        up = [W.copy() for W in Ws]
                        dn = [W.copy() for W in Ws]
                        up[l][ij] += h
                        dn[l][ij] -= h
                        gW[l][ij] += (loss_of(X[k], T[k], up, bs) - loss_of(X[k], T[k], dn, bs)) / (2 * h) / len(idx)
                    for j in range(len(bs[l])):
                        up = [b.copy() for b in bs]
                        dn = [b.copy() for b in bs]
                        up[l][j] += h
                        dn[l][j] -= h
                        gb[l][j] += (loss_of(X[k], T[k], Ws, up) - loss_of(X[k], T[k], Ws, dn)) / (2 * h) / len(idx)
            Ws = [W - 0.5 * g for W, g in zip(Ws, gW)]
            bs = [b - 0.5 * g for b, g in zip(bs, gb)]
            params.append([np.concatenate([Ws[l].ravel(), bs[l]]) for l in range(2)])
    return losses, params, Ws, bs


def tables(sol) -> list[Table]:
    """The tables after the Given section's table of samples."""
    return [b for s in sol.sections for b in s.blocks if isinstance(b, Table)][1:]


def test_many_updates_match_an_independent_loop():
    s = solve_data(problem(epochs=3, batch=2))          # batches {1, 2}, {3, 4}, {5}: 9 updates
    losses, params, Ws, bs = reference_run(3, 2)
    np.testing.assert_allclose(s.answer("losses").value, losses, rtol=1e-8)
    np.testing.assert_allclose(s.answer("W1_new").value, Ws[0], rtol=1e-8)
    np.testing.assert_allclose(s.answer("W2_new").value, Ws[1], rtol=1e-8)
    np.testing.assert_allclose(s.answer("b1_new").value, bs[0], rtol=1e-8)
    layer1, layer2 = tables(s)[1:3]                       # the parameters after each update
    np.testing.assert_allclose(np.array([r[1:] for r in layer1.rows], dtype=float),
                               [p[0] for p in params], rtol=1e-8)
    np.testing.assert_allclose(np.array([r[1:] for r in layer2.rows], dtype=float),
                               [p[1] for p in params], rtol=1e-8)
    assert verify_solution(s) == []
    made = {b.quantity.key for sec in s.sections for b in sec.blocks if hasattr(b, "quantity")}
    for a in s.answers:
        assert a.keys and set(a.keys) <= made, a.name


def test_only_the_first_and_last_updates_have_sections():
    s = solve_data(problem(epochs=4, batch=1))          # 20 updates
    titles = [sec.title for sec in s.sections]
    assert "Update 20: epoch 4, sample 5" in titles
    assert not any(str(t).startswith(("Update 2:", "Update 19:")) for t in titles)
    assert "Updates 2 to 19" in titles
    full = solve_data(problem(epochs=4, batch=1), detail="full")
    assert sum(str(t).startswith("Update ") for t in [sec.title for sec in full.sections]) >= 19
    np.testing.assert_allclose(full.answer("W1_new").value, s.answer("W1_new").value, rtol=0)


def _size(epochs: int) -> tuple[int, int]:
    s = solve_data(problem(epochs=epochs, batch=1))
    steps = sum(isinstance(b, Step) for sec in s.sections for b in sec.blocks)
    return steps, len(renderer("json")(precision=4).render(s))


def test_output_grows_with_updates_not_updates_times_parameters():
    steps_a, json_a = _size(10)     # 50 updates
    steps_b, json_b = _size(30)     # 150 updates
    assert steps_a == steps_b       # no step is kept for the updates in between
    per_update = (json_b - json_a) / 100
    assert per_update < 600         # a table row of a loss and 9 parameters, not a worked update


def test_past_200_updates_one_row_per_epoch():
    s = solve_data(problem(epochs=41, batch=1))         # 205 updates
    summary = tables(s)[0]
    assert len(summary.rows) == 41 and summary.columns[0] == "epoch"
    losses = s.answer("losses").value
    assert len(losses) == 205
    assert summary.rows[0][2] == pytest.approx(np.mean(losses[:5]), rel=1e-15)
    layer1 = tables(s)[1]
    assert len(layer1.rows) == 41
    np.testing.assert_allclose(layer1.rows[-1][1:5], np.ravel(s.answer("W1_new").value), rtol=1e-15)


def test_past_200_epochs_one_row_per_group_of_epochs():
    s = solve_data(problem(epochs=450, batch=5))         # one update per epoch: 450 updates
    summary, layer1 = tables(s)[0], tables(s)[1]
    assert summary.columns[0] == "epochs" and len(summary.rows) == 150    # 3 epochs a row
    losses = s.answer("losses").value
    assert summary.rows[1][2] == pytest.approx(np.mean(losses[3:6]), rel=1e-15)
    assert len(layer1.rows) == 150 and layer1.rows[-1][0] == "448–450"
    np.testing.assert_allclose(layer1.rows[-1][1:5], np.ravel(s.answer("W1_new").value), rtol=1e-15)
