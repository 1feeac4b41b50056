"""The value of a step on the decimals as written, where float64 only approximates it.

0.5 − 0.6 + 0.1 is 2.8×10⁻¹⁷ in float64 and 0 by hand; 1 − 0.999 is 0.0010000000000000009 and
0.001 by hand, and dividing by it carries the error on (v̂ = 0.00025/(1 − 0.999) comes out
0.24999999999999978). A scalar step whose formula is rational (+, −, ×, ÷, whole powers) and
whose every value is a short decimal (render/numbers.snap: within a few ulps of a decimal of at
most 12 digits) is evaluated once more in exact fractions of those decimals, and the float of
that result is the step's value — the number a careful hand computation gets, correctly rounded.
Anything else (a function such as exp or σ, an array, a value that is no short decimal such as
log(1 + e⁻⁴⁰) = 4.25×10⁻¹⁸) keeps its float64 value, so a tiny true value is never cleaned away.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from dlsolve import expr as E
from dlsolve.visitor import Visitor

MAX_POWER = 64      # a whole power evaluated exactly (β₂ᵗ for t up to 64)
MAX_BITS = 4096     # numerator or denominator beyond this: give up (stays the float value)


class _NotRational(Exception):
    pass


class _Exact(Visitor):
    def __init__(self, env: Mapping[str, Any]) -> None:
        from dlsolve.render.numbers import snap

        self.env, self.snap = env, snap

    def _short(self, x: Any) -> Fraction:
        if isinstance(x, Fraction):
            return x
        if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
            return Fraction(int(x))
        if isinstance(x, np.ndarray) or isinstance(x, (bool, np.bool_)):
            raise _NotRational
        f = float(x)
        d = self.snap(f) if math.isfinite(f) else None
        if d is None:
            raise _NotRational
        return Fraction(d)

    @staticmethod
    def _small(f: Fraction) -> Fraction:
        if max(f.numerator.bit_length(), f.denominator.bit_length()) > MAX_BITS:
            raise _NotRational
        return f

    def visit_Num(self, e: E.Num) -> Fraction:
        return self._short(e.value)

    def visit_Sym(self, e: E.Sym) -> Fraction:
        if e.key not in self.env:
            raise _NotRational
        return self._short(self.env[e.key])

    def visit_Add(self, e: E.Add) -> Fraction:
        total: Fraction = sum((self.visit(t) for t in e.terms), Fraction(0))
        return self._small(total)

    def visit_Neg(self, e: E.Neg) -> Fraction:
        value: Fraction = self.visit(e.arg)
        return -value

    def visit_Mul(self, e: E.Mul) -> Fraction:
        out = Fraction(1)
        for f in e.factors:
            out = self._small(out * self.visit(f))
        return out

    def visit_Div(self, e: E.Div) -> Fraction:
        den = self.visit(e.den)
        if den == 0:
            raise _NotRational
        return self._small(self.visit(e.num) / den)

    def visit_Pow(self, e: E.Pow) -> Fraction:
        n = self.visit(e.exp)
        if n.denominator != 1 or abs(n.numerator) > MAX_POWER:
            raise _NotRational
        base = self.visit(e.base)
        if base == 0 and n < 0:
            raise _NotRational
        return self._small(base ** int(n))

    def unknown(self, e: Any, *extra: Any) -> Fraction:
        raise _NotRational


def as_written(value: Any, formula: E.Expr, env: Mapping[str, Any]) -> Any:
    """`value` (the float64 result of `formula` with `env`) replaced by the float of the exact
    result on the decimals as written, when there is one and it agrees with `value` to the
    verifier's tolerance (relative 10⁻⁹, or 10⁻¹² of the largest input when the result
    cancels to about 0); otherwise `value` unchanged."""
    if isinstance(value, np.ndarray) or isinstance(value, (bool, np.bool_)) or \
            not isinstance(value, (float, np.floating)) or not math.isfinite(value):
        return value
    try:
        exact = _Exact(env).visit(formula)
        result = float(exact)
    except (_NotRational, OverflowError, ZeroDivisionError, TypeError, ValueError):
        return value
    scale = max([abs(float(v)) for v in env.values() if isinstance(v, (int, float, np.floating, np.integer))] or [1.0])
    if result == value or not math.isclose(result, float(value), rel_tol=1e-9, abs_tol=1e-12 * scale):
        return value
    return result
