"""Activation functions: their definitions as formulas and their derivatives.

Each derivative shown per unit is written the way the course writes it (σ' = a(1 − a),
tanh' = 1 − a²); `tests/test_activations.py` proves every one equal to `sympy.diff` of the
definition, and each solution shows the `sympy.diff` result beside it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from dlsolve.expr import Cmp, Expr, Num, Piecewise, call

Params = dict


@dataclass(frozen=True)
class Activation:
    name: str
    title: str
    definition: Callable[[Expr, Params], Expr]          # f(z) written out
    derivative: Callable[[Expr, Expr, Params], Expr] | None  # f'(z) from z and a = f(z)
    short: Callable[[Expr, Params], Expr] | None = None  # σ(z), tanh(z): the name applied
    params: dict = field(default_factory=dict)           # parameter → default
    kink_at_zero: str | None = None                       # the convention for f'(0), if any

    def forms(self, z: Expr, params: Params) -> list[Expr]:
        """How a = f(z) is written: the name applied (σ(z), max(0, z)), then the definition where it
        says more (1/(1 + e^(−z)); ReLU's piecewise form adds nothing to max(0, z))."""
        forms = [self.short(z, params)] if self.short else []
        if self.name not in ("linear", "relu") or not forms:
            forms.append(self.definition(z, params))
        return forms


def _alpha(p: Params) -> Expr:
    return Num(p["alpha"])


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("linear", "linear (identity)", lambda z, p: z, lambda z, a, p: Num(1)),
        Activation(
            "sigmoid", "sigmoid", lambda z, p: Num(1) / (Num(1) + call("exp", -z)),
            lambda z, a, p: a * (Num(1) - a), short=lambda z, p: call("sigma", z)),
        Activation(
            "tanh", "hyperbolic tangent", lambda z, p: call("tanh", z),
            lambda z, a, p: Num(1) - a ** Num(2)),
        Activation(
            "relu", "ReLU", lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), Num(0)),
            lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), Num(0)),
            short=lambda z, p: call("max", Num(0), z),
            kink_at_zero="ReLU has no derivative at z = 0; f'(0) = 0 is used (as PyTorch and TensorFlow do)"),
        Activation(
            "leaky_relu", "leaky ReLU",
            lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), _alpha(p) * z),
            lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), _alpha(p)),
            params={"alpha": 0.01},
            kink_at_zero="leaky ReLU has no derivative at z = 0; f'(0) = α is used (as PyTorch does)"),
        Activation(
            "elu", "ELU",
            lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), _alpha(p) * (call("exp", z) - Num(1))),
            lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), _alpha(p) * call("exp", z)),
            params={"alpha": 1.0},
            kink_at_zero="ELU's derivative at z = 0 is taken from the left, f'(0) = α (as PyTorch does)"),
        Activation(
            "softmax", "softmax (over the layer's units)", lambda z, p: z, None),
        Activation(
            "step", "unit step", lambda z, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), Num(0)), None,
            kink_at_zero="the step is 1 for z > 0 and 0 for z ≤ 0 (the course's perceptron)"),
    )
}
