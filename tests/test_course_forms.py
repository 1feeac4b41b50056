"""Course forms in graph output: an activation's derivative written with its output (σ(1 − σ),
1 − tanh²), L = (y − a)² as written, minus signs in front of a product, provenance once a
section. Each displayed form is checked here against finite differences of the definitions,
computed with math (not with the code under test)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import dlsolve
from dlsolve.expr import evaluate

ROOT = Path(__file__).resolve().parents[1]


def _step(sol, uni):
    return next(s for s in sol.steps if s.quantity.uni == uni)


def test_symbolic_answers_in_the_course_form_and_right():
    sol = dlsolve.solve(str(ROOT / "problems" / "graph-symbolic.yaml"))
    text = sol.to("text")
    assert "L = (y − a)²" in text and "(−a + y)" not in text
    assert "a = σ(z)" in text
    assert "∂a/∂z = a·(1 − a)" in text and "e^(−z)" not in text
    assert "−2·(y − a)·a·(1 − a)·x" in text
    assert text.count("from sympy.diff of the local formula") == 2    # once per derivative section
    assert text.count("σ′ written with σ's output") == 1
    # the answer's formula, evaluated with a = σ(wx + b), equals a central difference of (y − σ(wx + b))²
    x, w, b, y, h = 0.7, -1.3, 0.4, 1.0, 1e-6
    L = lambda w_: (y - 1 / (1 + math.exp(-(w_ * x + b)))) ** 2  # noqa: E731
    z = w * x + b
    a = 1 / (1 + math.exp(-z))
    env = {"x": x, "w": w, "b": b, "y": y, "z": z, "a": a}
    form = sol.answers["dL/dw"]
    got = evaluate(form, env)
    assert got == pytest.approx((L(w + h) - L(w - h)) / (2 * h), rel=1e-6)


def test_tanh_derivatives_are_written_with_the_state():
    sol = dlsolve.solve(str(ROOT / "problems" / "graph-rnn-bptt.yaml"))
    text = sol.to("text")
    assert "∂h₃/∂h₂ = W_h·(1 − h₃²)" in text and "tanh(W_h·h₂" not in text.split("Derivative dL/dWh")[1]
    assert "∂ŷ/∂h₃ = W_y·ŷ·(1 − ŷ)" in text
    # ∂h₃/∂h₂ = W_h(1 − tanh²(W_h h₂ + W_x x₃)) by a central difference of tanh, from the givens
    Wx, Wh = 0.5, 0.8
    h1 = math.tanh(Wx * 1.0 + Wh * 0.2)
    h2 = math.tanh(Wx * 0.5 + Wh * h1)
    f = lambda h: math.tanh(Wx * -1.0 + Wh * h)  # noqa: E731
    fd = (f(h2 + 1e-6) - f(h2 - 1e-6)) / 2e-6
    assert _step(sol, "∂h₃/∂h₂").value == pytest.approx(fd, rel=1e-8)
    # the answer against a finite difference of the whole loss in W_h
    def loss(wh):
        h = 0.2
        for x in (1.0, 0.5, -1.0):
            h = math.tanh(Wx * x + wh * h)
        yhat = 1 / (1 + math.exp(-1.2 * h))
        return -math.log(yhat)
    assert sol.answers["dL/dWh"] == pytest.approx((loss(Wh + 1e-6) - loss(Wh - 1e-6)) / 2e-6, rel=1e-7)


def test_sigmoid_with_cross_entropy_simplifies_as_the_course_does():
    """∂L/∂z = a − y and ∂L/∂w = −(y − a)·x, after the chain-rule product; each checked against a
    central difference of the cross-entropy of σ(wx + b) at numbers."""
    sol = dlsolve.solve(str(ROOT / "problems" / "graph-logistic-bce.yaml"))
    text = sol.to("text")
    assert "= a − y" in text and "= −x·(y − a)" in text and text.count("; simplified") == 2
    x, w, b, y, h = 0.7, -1.3, 0.4, 1.0, 1e-6
    L = lambda w_: -(y * math.log(1 / (1 + math.exp(-(w_ * x + b))))  # noqa: E731
                     + (1 - y) * math.log(1 - 1 / (1 + math.exp(-(w_ * x + b)))))
    z = w * x + b
    a = 1 / (1 + math.exp(-z))
    env = {"x": x, "w": w, "b": b, "y": y, "z": z, "a": a}
    assert evaluate(sol.answers["dL/dw"], env) == pytest.approx((L(w + h) - L(w - h)) / (2 * h), rel=1e-6)
    assert evaluate(sol.answers["dL/dz"], env) == pytest.approx(a - y, rel=1e-12)
