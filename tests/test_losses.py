"""Every loss object against an independent NumPy form written here: its term, its derivative
(central differences), its xlogy pieces, and its stable logit forms (mpmath at 50 digits).

A new loss in dlsolve/losses.py needs its line in REFERENCE below, or
`test_every_loss_has_a_reference` fails.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from dlsolve.expr import Sym, evaluate
from dlsolve.losses import LOSSES, NETWORK_LOSSES
from dlsolve.symbolic import diff

Y, YH, Z = Sym("y", "y", "y"), Sym("yhat", "ŷ", "ŷ"), Sym("z", "z", "z")
OPTIONS = {"half": True, "delta": 0.7, "beta": 0.6, "margin": 1.0}

REFERENCE = {
    "mse": lambda y, p: 0.5 * (y - p) ** 2,          # half: true
    "sse": lambda y, p: 0.5 * (y - p) ** 2,
    "mae": lambda y, p: abs(y - p),
    "huber": lambda y, p: 0.5 * (y - p) ** 2 if abs(y - p) <= 0.7 else 0.7 * (abs(y - p) - 0.35),
    "bce": lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p)),
    "cce": lambda y, p: -y * np.log(p),
    "sparse_cce": lambda y, p: -np.log(p),
    "hinge": lambda y, p: max(0.0, 1 - y * p),
    # PyTorch's SmoothL1Loss as its documentation defines it (β = 0.6)
    "smooth_l1": lambda y, p: 0.5 * (y - p) ** 2 / 0.6 if abs(y - p) < 0.6 else abs(y - p) - 0.3,
    # one class's part of the multiclass SVM loss, given its margin m = s_j − s_y + Δ as ŷ
    # one class's part of the row forms (the rows themselves: tests/test_losses_rows.py)
    "cosine_similarity": lambda y, p: -y * p,
    "kld": lambda y, p: max(y, 1e-7) * np.log(max(y, 1e-7) / max(p, 1e-7)),   # Keras clips into [ε, 1]
    "multiclass_hinge": lambda y, m: max(0.0, m),
    "multiclass_squared_hinge": lambda y, m: max(0.0, m) ** 2,
}
POINTS = [(1.0, 0.3), (0.0, 0.8), (0.4, 0.55), (1.0, 0.95), (-1.0, 0.2)]


def test_every_loss_has_a_reference():
    assert set(LOSSES) == set(REFERENCE)


def _points(loss):
    pts = [(y, p) for y, p in POINTS if not (loss.probabilities and not 0 <= y <= 1)]
    return [(1.0 if y == 0 and loss.signed_targets else y, p) for y, p in pts]


@pytest.mark.parametrize("name", list(LOSSES))
def test_term_matches_the_reference(name):
    loss = LOSSES[name]
    for y, p in _points(loss):
        got = evaluate(loss.term(Y, YH, OPTIONS), {"y": y, "yhat": p})
        assert got == pytest.approx(REFERENCE[name](y, p), rel=1e-14, abs=1e-15), (y, p)
        shown = evaluate(loss.forms(Y, YH, OPTIONS)[0], {"y": y, "yhat": p})
        assert shown == pytest.approx(got, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("name", list(LOSSES))
def test_derivative_matches_central_differences(name):
    loss = LOSSES[name]
    d = diff(loss.term(Y, YH, OPTIONS), YH)
    h = 1e-6
    for y, p in _points(loss):
        if abs(abs(y - p) - 0.7) < 1e-3 or abs(abs(y - p) - 0.6) < 1e-3 or abs(y * p - 1) < 1e-3:
            continue  # a kink
        fd = (REFERENCE[name](y, p + h) - REFERENCE[name](y, p - h)) / (2 * h)
        assert evaluate(d, {"y": y, "yhat": p}) == pytest.approx(fd, rel=1e-6, abs=1e-8), (y, p)


@pytest.mark.parametrize("name", [n for n, l in LOSSES.items() if l.pieces])
def test_xlogy_pieces_make_the_term_and_drop_only_zero_times_log_zero(name):
    loss = LOSSES[name]
    for y, p in _points(loss):
        env = {"y": y, "yhat": p}
        term, dropped = loss.term_at(Y, YH, {}, env)
        assert dropped == 0 and evaluate(term, env) == pytest.approx(REFERENCE[name](y, p), rel=1e-14)
    for y in (0.0, 1.0):
        env = {"y": y, "yhat": y}                          # ŷ exactly on the target: ℓ = 0 (the limit)
        term, dropped = loss.term_at(Y, YH, {}, env)
        assert evaluate(term, env) == 0.0                 # float64's plain form: 0·(−∞) = NaN
        assert dropped >= 1 or y == 1.0                   # y = ŷ = 1 in CE is 1·log 1: nothing to drop


def test_network_losses_are_the_per_unit_ones():
    assert list(NETWORK_LOSSES) == ["mse", "sse", "mae", "huber", "bce", "cce"]
    assert all(l.logit.probabilities for l in LOSSES.values() if l.logit)


@pytest.mark.parametrize("z,y", [(40.0, 1.0), (20.0, 1.0), (-35.0, 0.0), (3.0, 0.25), (-700.0, 1.0), (800.0, 0.0)])
def test_bce_logit_forms_against_mpmath(z, y):
    mp.mp.dps = 50
    bce = LOSSES["bce"]
    zz, yy = mp.mpf(z), mp.mpf(y)
    s = 1 / (1 + mp.e ** -zz)
    want = yy * mp.log(1 + mp.e ** -zz) + (1 - yy) * mp.log(1 + mp.e ** zz)   # −log σ(z), −log σ(−z)
    got = evaluate(bce.logit_term(Y, Z), {"y": y, "z": z})
    assert got == pytest.approx(float(want), rel=1e-14)
    assert evaluate(bce.logit_delta(Y, Z), {"y": y, "z": z}) == pytest.approx(float(s - yy), rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("zs,ys", [([40.0, 0.0, -3.0], [1, 0, 0]), ([1.0, 2.0, 0.5], [0, 1, 0]),
                                   ([-1000.0, -1001.0], [0.3, 0.7]), ([5.0, 60.0], [1, 0])])
def test_ce_logit_row_against_mpmath(zs, ys):
    mp.mp.dps = 50
    cce = LOSSES["cce"]
    lse = mp.log(sum(mp.e ** mp.mpf(v) for v in zs))
    want = -sum(mp.mpf(y) * (mp.mpf(v) - lse) for y, v in zip(ys, zs))
    zsyms = [Sym(f"z{k}", "z", "z") for k in range(len(zs))]
    ysyms = [Sym(f"y{k}", "y", "y") for k in range(len(zs))]
    env = {**{s.key: v for s, v in zip(zsyms, zs)}, **{s.key: float(v) for s, v in zip(ysyms, ys)}}
    top = int(np.argmax(zs))
    got = evaluate(cce.logit_row_term(ysyms, zsyms, top, zsyms[top]), env)
    assert got == pytest.approx(float(want), rel=1e-13)
