"""Activation functions: one object each, carrying everything a kind asks of an activation.

An `Activation` knows its definition as a formula, its derivative the way the course writes it
(σ' = a(1 − a), tanh' = 1 − a²), how its name is written (σ(z)), what is special about it
(a kink at 0, saturation, a derivative that loses digits in float64), whether its outputs are
probabilities, and — for softmax — that its units are coupled: its forms, its Jacobian and its
vector forms over the whole layer. Kinds ask the object; none compares an activation's name.

`tests/test_activations.py` proves every course derivative equal to `sympy.diff` of the
definition, and each solution shows the `sympy.diff` result beside it once. To add an
activation, add one `Activation(...)` to ACTIVATIONS below and its independent NumPy form to
`act()` in `tests/reference.py` (README: "How to add an activation").

One function written in several forms (GELU exact and its tanh approximation) is one record per
form; FORMS pairs them, and `form_conventions` turns each pair into a `Convention` of a kind's
activation key, so `dlsolve check` names an answer computed with the other form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from fractions import Fraction

from dlsolve.conventions import Convention
from dlsolve.expr import Add, Cmp, Expr, Num, Outer, Piecewise, call
from dlsolve.function_forms import GELU_C, SELU_ALPHA, SELU_LAMBDA
from dlsolve.functions import FUNCTIONS

_SIGMA, _TANH = FUNCTIONS["sigma"], FUNCTIONS["tanh"]  # the records whose saturation the notes report
from dlsolve.solution import Phrase

Params = dict[str, Any]


@dataclass(frozen=True)
class Activation:
    name: str
    title: str
    definition: Callable[[Expr, Params], Expr]               # f(z) written out
    derivative: Callable[[Expr, Expr, Params], Expr] | None  # f'(z) from z and a = f(z)
    short: Callable[[Expr, Params], Expr] | None = None      # σ(z), max(0, z): the name applied
    params: Params = field(default_factory=dict)             # parameter → default
    kink_at_zero: str | Callable[[Params], str] | None = None  # what holds at z = 0 exactly, if special
    convention: Callable[[Params], Phrase | str] | None = None  # a choice that changes numbers, stated once
    label: str | None = None                                 # how "f(z)" is written in prose
    definition_in_forms: bool = True     # a = σ(z) = 1/(1 + e^(−z)); False when it adds nothing
    definition_in_rules: bool = True     # "a = tanh(z)" says nothing the rule's label does not
    identity: bool = False               # a = z: nothing to compute elementwise
    probabilities: bool = False          # outputs lie in (0, 1): can feed BCE / CE
    coupled: bool = False                # each output depends on every z of the layer (softmax)
    output_only: bool = False            # belongs to the output layer only
    # the course-form derivative in float64 can lose digits; this gives the exact value at z
    exact_derivative: Callable[[float], float] | None = None
    exact_derivative_form: str | None = None                 # how that exact value is written
    saturation: Callable[[float, float], Phrase | None] | None = None  # note at (z, a), if any
    limits: tuple[str, str] = ("", "")   # the values a tends to as z → −∞ and z → +∞
    # PyTorch's calculate_gain(name): g from the negative slope (leaky ReLU's alpha), None if PyTorch has none
    gain: Callable[[Expr], Expr] | None = None
    aliases: tuple[str, ...] = ()        # other names a problem may write (silu for swish)

    # -- prose ------------------------------------------------------------------------------
    def label_with(self, params: Params) -> str:
        """σ(z), ReLU(z), leaky_relu(z) with alpha = 0.1."""
        text = self.label or f"{self.name}(z)"
        extra = ", ".join(f"{k} = {v:g}" for k, v in params.items())
        return text + (f" with {extra}" if extra else "")

    def kink_note(self, params: Params) -> str | None:
        """What is used at z = 0 exactly (ReLU's f'(0), the step's value at 0), or None."""
        k = self.kink_at_zero
        return k(params) if callable(k) else k

    def convention_text(self, params: Params) -> Phrase | str | None:
        """The convention this activation follows with these parameters (step(0)), or None."""
        return None if self.convention is None else self.convention(params)

    @property
    def trainable(self) -> bool:
        """A backward pass can go through it (a derivative, or softmax's Jacobian)."""
        return self.derivative is not None or self.coupled

    def slope(self, z: Expr, a: Expr, params: Params) -> Expr:
        """f'(z) in the course's form (from z and a = f(z)) for a backward pass's step: the kinds
        admit there only activations that have one, so its absence is a bug, said at once."""
        if self.derivative is None:
            raise TypeError(f"{self.name} has no elementwise derivative")
        return self.derivative(z, a, params)

    # -- one unit -----------------------------------------------------------------------------
    def forms(self, z: Expr, params: Params) -> list[Expr]:
        """How a = f(z) is written: the name applied (σ(z), max(0, z)), then the definition where it
        says more (1/(1 + e^(−z)); ReLU's piecewise form adds nothing to max(0, z))."""
        forms = [self.short(z, params)] if self.short else []
        if self.definition_in_forms or not forms:
            forms.append(self.definition(z, params))
        return forms

    def label_phrase(self, params: Params) -> Phrase | str:
        """The label for prose: σ(z), or leaky_relu(z) with alpha = {alpha} as a value."""
        text = self.label or f"{self.name}(z)"
        if not params:
            return text
        extra = ", ".join(f"{k} = {{{k}:given}}" for k in params)
        return Phrase(text + " with " + extra, **params)

    @property
    def gain_uses_slope(self) -> bool:
        """Its gain depends on its negative slope (leaky ReLU's alpha, PyTorch's negative_slope)."""
        return self.gain is not None and "alpha" in self.params

    def saturation_note(self, z: float, a: float) -> Phrase | None:
        return None if self.saturation is None else self.saturation(z, a)

    def precision_note(self, z: float, value: float) -> Phrase | None:
        """When float64 f'(z) in the course's form (a(1 − a), 1 − a²) lost digits to cancellation,
        say so and give the exact value from the stable closed form."""
        if self.exact_derivative is None:
            return None
        exact = self.exact_derivative(z)
        if not (math.isfinite(exact) and math.isfinite(value)):
            return None   # far out (z ≈ 1e300) the closed form overflows too: it has nothing to add
        if exact == 0.0 or abs(value - exact) <= 1e-6 * abs(exact):
            return None
        near = self.limits[1] if z > 0 else self.limits[0]
        return Phrase(f"float64 cancellation: 1 − a keeps few digits when a is this close to {near}; "
                      f"the exact value is {{exact}} (from {self.exact_derivative_form}), a relative difference "
                      "of {pct:int}% — frameworks computing in float64 get the float64 value too",
                      exact=exact, pct=round(100 * abs(value - exact) / abs(exact)))

    # -- a coupled layer (softmax) ------------------------------------------------------------
    def layer_forms(self, zs: Sequence[Expr], j: int, shift: Optional[Expr] = None) -> list[Expr]:
        """a_j over the whole layer: e^(z_j)/Σ_k e^(z_k), and with the largest z subtracted
        (`shift`) when e^z would overflow or underflow."""
        forms: list[Expr] = [call("exp", zs[j]) / Add.of(*(call("exp", z) for z in zs))]
        if shift is not None:
            forms.append(call("exp", zs[j] - shift) / Add.of(*(call("exp", z - shift) for z in zs)))
        return forms

    def vector_form(self, z: Expr, shift: Optional[Expr] = None) -> Expr:
        """The whole layer at once: e^z / Σ e^z (elementwise e^z)."""
        ez = call("exp", z if shift is None else z - shift)
        return ez / call("sum", ez)

    def jacobian(self, a_j: Expr, a_k: Expr, same: bool) -> Expr:
        """∂a_j/∂z_k of a coupled layer: a_j(1 − a_k) for j = k, −a_j·a_k otherwise."""
        return a_j * (Num(1) - a_k) if same else -(a_j * a_k)

    def vector_jacobian(self, a: Expr) -> Expr:
        """∂a/∂z of a coupled layer: diag(a) − a·aᵀ."""
        return call("diag", a) - Outer(a, a, rows=False)

    jacobian_note = "softmax: ∂ŷ_j/∂z_k = ŷ_j(1 − ŷ_k) for j = k and −ŷ_j·ŷ_k for j ≠ k"
    vector_jacobian_note = "the softmax Jacobian, diag(ŷ) − ŷŷᵀ (symmetric)"


def _alpha(p: Params) -> Expr:
    return Num(p["alpha"])


def sigmoid_gap(z: float) -> float:
    """min(σ(z), 1 − σ(z)) = σ(−|z|), computed without the cancellation of 1 − σ(z)."""
    e = math.exp(-abs(z))
    return e / (1.0 + e)


def _sigmoid_saturation(z: float, a: float) -> Phrase | None:
    if a in (0.0, 1.0):
        return Phrase("σ({z:given}) is {a:int} in float64 (saturated): "
                      "its derivative a(1 − a) is 0 here, so no gradient flows through this unit", z=z, a=a)
    if _SIGMA.saturated(z):  # the record's rule: σ'(z) below SATURATED_SLOPE, as vary reads it
        near = "1 − " if a > 0.5 else ""
        return Phrase("σ({z:given}) = " + near + "{gap}, which rounds to {r:int}; "
                      "its derivative a(1 − a) ≈ {gap} is small but not 0", z=z, gap=sigmoid_gap(z), r=round(a))
    return None


def _tanh_saturation(z: float, a: float) -> Phrase | None:
    if a not in (-1.0, 1.0) and _TANH.saturated(z):  # tanh'(z) below SATURATED_SLOPE
        sign = "+1" if a > 0 else "−1"
        return Phrase("tanh({z:given}) = " + sign + " ∓ {gap}: saturated, derivative ≈ {d}",
                      z=z, gap=1 - abs(a), d=1 - a * a)
    return None


def _sigmoid_prime(z: float) -> float:
    g = sigmoid_gap(z)
    return g * (1.0 - g)


def _tanh_prime(z: float) -> float:
    return 1.0 / math.cosh(z) ** 2 if abs(z) < 350 else 0.0


LINEAR = Activation("linear", "linear (identity)", lambda z, p: z, lambda z, a, p: Num(1),
                    label="z", definition_in_forms=False, identity=True, gain=lambda slope: Num(1))
SIGMOID = Activation(
    "sigmoid", "sigmoid", lambda z, p: Num(1) / (Num(1) + call("exp", -z)),
    lambda z, a, p: a * (Num(1) - a), short=lambda z, p: call("sigma", z), label="σ(z)",
    probabilities=True, exact_derivative=_sigmoid_prime, exact_derivative_form="σ(z)·σ(−z)",
    saturation=_sigmoid_saturation, limits=("0", "1"), gain=lambda slope: Num(1))
TANH = Activation(
    "tanh", "hyperbolic tangent", lambda z, p: call("tanh", z), lambda z, a, p: Num(1) - a ** Num(2),
    label="tanh(z)", definition_in_rules=False, exact_derivative=_tanh_prime,
    exact_derivative_form="1/cosh²(z)", saturation=_tanh_saturation, limits=("−1", "1"),
    gain=lambda slope: Num(Fraction(5, 3)))
RELU = Activation(
    "relu", "ReLU", lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), Num(0)),
    lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), Num(0)),
    short=lambda z, p: call("max", Num(0), z), label="ReLU(z)", definition_in_forms=False,
    kink_at_zero="ReLU has no derivative at z = 0; f'(0) = 0 is used (as PyTorch and TensorFlow do)",
    gain=lambda slope: call("sqrt", Num(2)))
LEAKY_RELU = Activation(
    "leaky_relu", "leaky ReLU",
    lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), _alpha(p) * z),
    lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), _alpha(p)),
    params={"alpha": 0.01},
    kink_at_zero="leaky ReLU has no derivative at z = 0; f'(0) = α is used (as PyTorch does)",
    gain=lambda slope: call("sqrt", Num(2) / (Num(1) + slope ** Num(2))))
ELU = Activation(
    "elu", "ELU",
    lambda z, p: Piecewise(((z, Cmp(">", z, Num(0))),), _alpha(p) * (call("exp", z) - Num(1))),
    lambda z, a, p: Piecewise(((Num(1), Cmp(">", z, Num(0))),), _alpha(p) * call("exp", z)),
    params={"alpha": 1.0},
    kink_at_zero="ELU's derivative at z = 0 is taken from the left, f'(0) = α (as PyTorch does)")
SOFTMAX = Activation(
    "softmax", "softmax (over the layer's units)", lambda z, p: z, None,
    probabilities=True, coupled=True, output_only=True)
def _step_rule(p: Params) -> str:
    return ("step(0) = 1: y = 1 if z ≥ 0, else 0" if p.get("at_zero", 0) == 1 else
            "step(0) = 0: y = 1 if z > 0, else 0")


STEP = Activation(
    "step", "unit step",
    lambda z, p: Piecewise(((Num(1), Cmp(">=" if p.get("at_zero", 0) == 1 else ">", z, Num(0))),), Num(0)),
    None, params={"at_zero": 0}, label="step(z)",
    kink_at_zero=lambda p: _step_rule(p) + " (at_zero: " + ("0" if p.get("at_zero", 0) == 1 else "1")
    + " would give " + ("0" if p.get("at_zero", 0) == 1 else "1") + " here)",
    convention=lambda p: _step_rule(p) + " (at_zero: 0 or 1 in the layer's activation; default 0; "
    "the course's notes use both z > 0 and z ≥ 0)")

_LAMBDA, _SELU_ALPHA = Num(float(SELU_LAMBDA)), Num(float(SELU_ALPHA))
SELU = Activation(
    "selu", "SELU (scaled ELU)",
    lambda z, p: Piecewise(((_LAMBDA * z, Cmp(">", z, Num(0))),), _LAMBDA * _SELU_ALPHA * (call("exp", z) - Num(1))),
    lambda z, a, p: Piecewise(((_LAMBDA, Cmp(">", z, Num(0))),), _LAMBDA * _SELU_ALPHA * call("exp", z)),
    short=lambda z, p: call("selu", z), label="SELU(z)",
    kink_at_zero="SELU's derivative at z = 0 is taken from the left, f'(0) = λα (as PyTorch does)",
    convention=lambda p: Phrase("SELU: λ = {lam:given} and α = {alpha:given} (Klambauer et al., 2017)",
                                lam=float(SELU_LAMBDA), alpha=float(SELU_ALPHA)),
    gain=lambda slope: Num(Fraction(3, 4)))


GELU_TANH_GAP = 0.0005  # max |GELU(z) − GELU_tanh(z)| ≈ 0.000473 (at z ≈ ±2.70), rounded up; tested


def _gelu_tanh_inner(z: Expr) -> Expr:
    return call("sqrt", Num(2) / call("pi", Num(1))) * (z + Num(GELU_C) * z ** Num(3))


GELU = Activation(
    "gelu", "GELU (exact, with erf)",
    lambda z, p: Num(Fraction(1, 2)) * z * (Num(1) + call("erf", z / call("sqrt", Num(2)))),
    # Φ(z) + z·φ(z): the normal CDF and density
    lambda z, a, p: (Num(Fraction(1, 2)) * (Num(1) + call("erf", z / call("sqrt", Num(2))))
                     + z * call("exp", -(z ** Num(2) / Num(2))) / call("sqrt", Num(2) * call("pi", Num(1)))),
    short=lambda z, p: call("gelu", z), label="GELU(z)",
    convention=lambda p: Phrase("GELU exact: z·Φ(z) = ½z(1 + erf(z/√2)) (PyTorch's default, approximate='none'); "
                                "gelu_tanh is the tanh approximation, which differs by at most about {bound:given}",
                                bound=GELU_TANH_GAP))
GELU_TANH = Activation(
    "gelu_tanh", "GELU (tanh approximation)",
    lambda z, p: Num(Fraction(1, 2)) * z * (Num(1) + call("tanh", _gelu_tanh_inner(z))),
    lambda z, a, p: (Num(Fraction(1, 2)) * (Num(1) + call("tanh", _gelu_tanh_inner(z)))
                     + Num(Fraction(1, 2)) * z * (Num(1) - call("tanh", _gelu_tanh_inner(z)) ** Num(2))
                     * call("sqrt", Num(2) / call("pi", Num(1))) * (Num(1) + Num(3 * GELU_C) * z ** Num(2))),
    short=lambda z, p: call("gelu_tanh", z), label="GELU_tanh(z)",
    convention=lambda p: Phrase("GELU's tanh approximation ½z(1 + tanh(√(2/π)(z + {c:given}z³))) (PyTorch's "
                                "approximate='tanh', BERT and GPT-2); the exact GELU (gelu) uses erf", c=GELU_C))
SOFTPLUS = Activation(
    "softplus", "softplus", lambda z, p: call("log", Num(1) + call("exp", z)),
    lambda z, a, p: call("sigma", z), short=lambda z, p: call("softplus", z), label="softplus(z)",
    definition_in_forms=False)  # log(1 + e^z) overflows past z ≈ 710; the record's form does not
SWISH = Activation(
    "swish", "swish (SiLU)", lambda z, p: z / (Num(1) + call("exp", -z)),
    lambda z, a, p: a + call("sigma", z) * (Num(1) - a), short=lambda z, p: call("swish", z),
    label="swish(z)", aliases=("silu",),
    convention=lambda p: "swish(z) = z·σ(z), also called SiLU (swish with β = 1)")

# One function written two ways, each form its own record and name: a layer's activation picks
# one, and `dlsolve check` (with `vary`'s and the exports' slips) tries the others — a student
# who computes GELU's tanh approximation where the problem uses the exact form is told so. Each
# form comes with how a diagnosis names it; the first is PyTorch's default.
FORMS: tuple[tuple[tuple[Activation, str], ...], ...] = (
    ((GELU, "GELU exact, z·Φ(z)"), (GELU_TANH, "GELU's tanh approximation")),
)


def form_conventions(path: tuple[Any, ...], used: Callable[[Any], Sequence[Optional[Activation]]],
                     name: str = "activation") -> tuple[Convention, ...]:
    """A convention for each activation written in several forms (FORMS), for a kind whose
    activation is named by the key at `path` (…, "name" where the key may also be a mapping
    {name, …}: `activation: gelu` is read as {name: gelu}) and whose validated spec uses the
    activations `used(spec)`: it applies only where one of the forms is used, and changes only the
    keys that hold one of them (a sigmoid layer stays). `name` is how a diagnosis names the key."""
    def uses(records: tuple[Activation, ...]) -> Callable[[Any], bool]:
        return lambda spec: any(a is r for a in used(spec) for r in records)

    return tuple(
        Convention(path, tuple(a.name for a, _ in forms), forms[0][0].name,
                   {a.name: remark for a, remark in forms}, name=name,
                   when=uses(tuple(a for a, _ in forms)), among=True)
        for forms in FORMS)


ACTIVATIONS: dict[str, Activation] = {
    name: a for a in (LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTMAX, STEP,
                      SELU, GELU, GELU_TANH, SOFTPLUS, SWISH)
    for name in (a.name, *a.aliases)
}
