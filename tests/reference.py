"""An independent NumPy implementation of an MLP's forward pass and loss, for the tests.

Written from the textbook definitions, sharing no code with dlsolve, so that central finite
differences of `loss(...)` check dlsolve's gradients.
"""

from __future__ import annotations

import math

import numpy as np


def act(name: str, z: np.ndarray, alpha: float | None) -> np.ndarray:
    if name == "linear":
        return z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, (0.01 if alpha is None else alpha) * z)
    if name == "elu":
        a = 1.0 if alpha is None else alpha
        return np.where(z > 0, z, a * (np.exp(z) - 1.0))
    if name == "softmax":
        e = np.exp(z - z.max())
        return e / e.sum()
    if name == "step":
        return np.where(z > 0, 1.0, 0.0)
    if name == "selu":  # Klambauer et al. (2017): λ and α as the paper gives them
        lam, a = 1.0507009873554805, 1.6732632423543772
        return lam * np.where(z > 0, z, a * (np.exp(np.minimum(z, 0.0)) - 1.0))
    if name == "gelu":  # z·Φ(z), Φ the standard normal CDF
        return np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in np.ravel(z)]).reshape(np.shape(z))
    if name == "gelu_tanh":
        return 0.5 * z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z ** 3)))
    if name == "softplus":
        return np.log(1.0 + np.exp(z))
    if name in ("swish", "silu"):
        return z / (1.0 + np.exp(-z))
    raise ValueError(name)


def loss(name: str, y: np.ndarray, yhat: np.ndarray, half: bool = False, reduction: str | None = None,
         delta: float = 1.0) -> float:
    e = y - yhat
    if name in ("mse", "sse"):
        per = e ** 2 * (0.5 if half else 1.0)
    elif name == "mae":
        per = np.abs(e)
    elif name == "huber":
        per = np.where(np.abs(e) <= delta, 0.5 * e ** 2, delta * (np.abs(e) - 0.5 * delta))
    elif name == "bce":
        per = -(y * np.log(yhat) + (1 - y) * np.log(1 - yhat))
    elif name == "cce":
        return float(-np.sum(y * np.log(yhat)))
    else:
        raise ValueError(name)
    red = reduction or ("sum" if name == "sse" else "mean")
    return float(per.mean() if red == "mean" else per.sum())


def forward(x, Ws, bs, acts, alphas):
    """Ws in in_out layout (n_in × n_out). Returns the list of (z, a) per layer."""
    a = np.asarray(x, dtype=float)
    out = []
    for W, b, name, alpha in zip(Ws, bs, acts, alphas):
        z = a @ W + b
        a = act(name, z, alpha)
        out.append((z, a))
    return out
