"""kind: optimizer — objectives of several weights (the gradient vector from the formula) and
Adagrad's lr_decay, against closed forms, central finite differences, and PyTorch's Adagrad and
Adam re-implemented in plain NumPy from their documentation."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def f(w):
    return 0.1 * w[0] ** 2 + 2 * w[1] ** 2


def grad_fd(fun, w, h=1e-6):
    out = np.zeros(len(w))
    for k in range(len(w)):
        up, dn = np.array(w, float), np.array(w, float)
        up[k] += h
        dn[k] -= h
        out[k] = (fun(up) - fun(dn)) / (2 * h)
    return out


def test_sgd_on_two_weights_against_the_closed_form():
    sol = solve_data({"kind": "optimizer", "optimizer": "sgd", "learning_rate": 0.1, "iterations": 4,
                      "objective": "0.1*w1**2 + 2*w2**2", "initial_weight": [1, 1]})
    a = answers(sol)
    # w ← w − α·∇f with ∇f = (0.2·w₁, 4·w₂): each weight shrinks by its own factor
    want = [[(1 - 0.1 * 0.2) ** t, (1 - 0.1 * 4) ** t] for t in range(1, 5)]
    assert np.allclose(a["weights"], want, rtol=1e-14)
    assert verify_solution(sol) == []


def test_gradient_vector_matches_finite_differences_at_every_iterate():
    obj = "(w1 - 1)**2 * w2 + exp(0.3*w3) - w1*w3"

    def fun(w):
        return (w[0] - 1) ** 2 * w[1] + np.exp(0.3 * w[2]) - w[0] * w[2]

    w0 = [0.5, 2.0, -1.0]
    sol = solve_data({"kind": "optimizer", "optimizer": "momentum", "learning_rate": 0.05, "iterations": 3,
                      "objective": obj, "initial_weight": w0})
    a = answers(sol)
    ws = [np.array(w0)] + [np.array(w) for w in a["weights"]]
    # each iteration's gradient by central differences of f at the previous weights
    m = np.zeros(3)
    w = np.array(w0)
    for t in range(3):
        g = grad_fd(fun, w)
        m = 0.9 * m + 0.1 * g              # the course's momentum as an average
        w = w - 0.05 * m
        assert np.allclose(ws[t + 1], w, rtol=1e-8, atol=1e-10), t
    assert verify_solution(sol) == []


def torch_adagrad(grads, lr, lr_decay, eps, w0, init=0.0):
    """torch.optim.Adagrad as documented: clr = lr/(1 + (t − 1)·lr_decay); G += g²; w −= clr·g/(√G + ε)."""
    w, G, out, lrs = w0, init, [], []
    for t, g in enumerate(grads, 1):
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g * g
        lrs.append(clr / (np.sqrt(G) + eps))
        w = w - clr * g / (np.sqrt(G) + eps)
        out.append(w)
    return np.array(out), np.array(lrs)


@pytest.mark.parametrize("decay", [0.0, 0.1, 0.5])
def test_adagrad_lr_decay_as_pytorch(decay):
    grads = [1.0, 2.0, -1.0, 0.5, 3.0]
    sol = solve_data({"kind": "optimizer", "optimizer": "adagrad", "learning_rate": 0.1, "lr_decay": decay,
                      "epsilon": 1e-10, "epsilon_placement": "outside", "gradients": grads, "initial_weight": 1.0})
    a = answers(sol)
    w, lrs = torch_adagrad(grads, 0.1, decay, 1e-10, 1.0)
    assert np.allclose(a["weights"], w, rtol=1e-13)
    assert np.allclose(a["learning_rates"], lrs, rtol=1e-13)
    assert verify_solution(sol) == []


def test_adam_on_two_weights_as_pytorch():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    sol = solve_data({"kind": "optimizer", "optimizer": "adam", "learning_rate": lr, "iterations": 5,
                      "objective": "0.1*w1**2 + 2*w2**2", "initial_weight": [1, 1], "epsilon_placement": "outside"})
    w, m, v = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
    for t in range(1, 6):
        g = np.array([0.2 * w[0], 4 * w[1]])
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    assert np.allclose(answers(sol)["weight"], w, rtol=1e-12)


def test_lr_decay_is_adagrads_only_and_weights_are_named():
    with pytest.raises(Exception) as e:
        solve_data({"kind": "optimizer", "optimizer": "sgd", "learning_rate": 0.1, "lr_decay": 0.1,
                    "gradients": [1.0]})
    assert "lr_decay is Adagrad's" in str(e.value)
    with pytest.raises(Exception) as e:
        solve_data({"kind": "optimizer", "optimizer": "sgd", "learning_rate": 0.1, "iterations": 2,
                    "objective": "w**2 + w2", "initial_weight": [1, 2]})
    assert "the weights are w1, w2" in str(e.value)
