"""Re-evaluate every step's formula independently and compare with the step's value.

The solver evaluates formulas in float64 with NumPy. This module evaluates the same formulas
with SymPy at 30 significant digits (the bound float64 values taken as exact), so a wrong
evaluator, a wrong binding or a value that does not follow from its formula is caught. It also
checks that every value bound into a step is the value its own step produced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np
import sympy as sp

from dlsolve import expr as E
from dlsolve.exprlimits import POWER_BITS
from dlsolve.solution import Given, Prose, Solution, Step
from dlsolve.visitor import Visitor

if TYPE_CHECKING:
    from dlsolve.symbolic import Foreign

DIGITS = 30


@dataclass(frozen=True)
class Mismatch:
    section: Prose
    quantity: str
    what: str

    def __str__(self) -> str:
        return f"[{self.section}] {self.quantity}: {self.what}"


def _exact(x: float) -> sp.Expr:
    """A float64 value taken as exact, at DIGITS digits; NaN and ±∞ as SymPy's own (what
    sp.Float gives them too), without the float arithmetic that flags an invalid operation."""
    x = float(x)
    if math.isnan(x):
        return sp.nan
    if math.isinf(x):
        return sp.oo if x > 0 else -sp.oo
    return sp.Float(x, DIGITS)


def _map(fn: Any, v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return np.vectorize(fn, otypes=[object])(v)
    return fn(v)


def _divide(a: Any, b: Any) -> Any:
    """a/b on the extended reals: x/0 = ±∞ (NaN for 0/0), as float64 gives."""
    if b.is_zero:
        return sp.nan if a.is_zero or a is sp.nan else (sp.oo if a > 0 else -sp.oo)
    return a / b


def _power(b: Any, ex: Any) -> Any:
    """b**ex, except where the result is far beyond float64 (more than 2^POWER_BITS): then ∞ or 0, as
    float64 says, instead of SymPy computing every digit (2**(1e5000) takes minutes)."""
    if getattr(b, "is_Number", False) and getattr(ex, "is_Number", False) and b.is_extended_real \
            and ex.is_extended_real and not b.is_zero and b.is_finite and ex.is_finite:
        bits = float(abs(ex)) * abs(float(sp.log(abs(b), 2)))
        if bits > POWER_BITS:
            if b < 0:
                return sp.nan
            return sp.oo if (abs(b) > 1) == (ex > 0) else sp.Integer(0)
    return b ** ex


def _float_leaf(v: Any) -> Any:
    return _map(_exact, np.asarray(v, dtype=float)) if np.ndim(v) else _exact(v)


class _Exact(Visitor):
    """SymPy arithmetic over the tree; each function by its exact form in dlsolve.functions."""

    def __init__(self, env: Mapping[str, Any], leaf: Any) -> None:
        self.env, self.leaf = env, leaf

    def visit_Sym(self, e: E.Sym) -> Any:
        return self.leaf(self.env[e.key])

    def visit_Num(self, e: E.Num) -> Any:
        v = e.value
        if isinstance(v, Fraction):
            return sp.Rational(v.numerator, v.denominator)
        return sp.Integer(v) if isinstance(v, int) else _exact(v)

    def visit_Add(self, e: E.Add) -> Any:
        total = self.visit(e.terms[0])
        for t in e.terms[1:]:
            total = total + self.visit(t)
        return total

    def visit_Neg(self, e: E.Neg) -> Any:
        return -self.visit(e.arg)

    def visit_Mul(self, e: E.Mul) -> Any:
        out = self.visit(e.factors[0])
        for f in e.factors[1:]:
            out = out * self.visit(f)
        return out

    def visit_Div(self, e: E.Div) -> Any:
        num, den = self.visit(e.num), self.visit(e.den)
        if isinstance(num, np.ndarray) or isinstance(den, np.ndarray):
            return np.vectorize(_divide, otypes=[object])(num, den)
        return _divide(num, den)

    def visit_Pow(self, e: E.Pow) -> Any:
        base, ex = self.visit(e.base), self.visit(e.exp)
        return _map(lambda b: _power(b, ex), base) if isinstance(base, np.ndarray) else _power(base, ex)

    def visit_Call(self, e: E.Call) -> Any:
        fn = e.fn
        args = [self.visit(a) for a in e.args]
        if fn.shape == "map":
            return _map(lambda x: fn.exact_form(sp, x), args[0])
        if fn.shape == "rows":  # its entries as arguments (onehot's first: the index it tests)
            return fn.exact_form(sp, *args)
        if fn.shape == "join":  # concat: the entries of its arguments, one after another
            return np.concatenate([np.ravel(np.asarray(a, dtype=object)) for a in args])
        if fn.shape == "pick" and len(args) > 1:
            if len(args) > 2 or not any(isinstance(a, np.ndarray) for a in args):
                return fn.exact_form(sp, *args)
            return np.vectorize(lambda p, q: fn.exact_form(sp, p, q), otypes=[object])(*args)
        flat = list(np.ravel(np.asarray(args[0], dtype=object)))
        out = fn.exact_form(sp, *flat)
        if isinstance(out, list):  # the same shape as its argument (softmax)
            return np.array(out, dtype=object).reshape(np.shape(args[0])) if np.ndim(args[0]) else out[0]
        return out

    def visit_Cmp(self, e: E.Cmp) -> Any:
        a, b = self.visit(e.lhs), self.visit(e.rhs)
        op: Callable[[Any, Any], Any] = {"<": lambda p, q: p < q, "<=": lambda p, q: p <= q, ">": lambda p, q: p > q,
                                         ">=": lambda p, q: p >= q, "==": lambda p, q: p == q, "!=": lambda p, q: p != q,
                                         "and": lambda p, q: bool(p) and bool(q),
                                         "or": lambda p, q: bool(p) or bool(q)}[e.op]
        return np.vectorize(lambda p, q: bool(op(p, q)), otypes=[bool])(a, b)

    def visit_Piecewise(self, e: E.Piecewise) -> Any:
        result = self.visit(e.otherwise)
        for value, cond in reversed(e.cases):
            c = self.visit(cond)
            v = self.visit(value)
            result = np.where(c, v, result) if np.ndim(c) else (v if bool(c) else result)
        return result

    def visit_MatMul(self, e: E.MatMul) -> Any:
        return np.matmul(np.asarray(self.visit(e.left), dtype=object),
                         np.asarray(self.visit(e.right), dtype=object))

    def visit_Transpose(self, e: E.Transpose) -> Any:
        return np.transpose(self.visit(e.arg))

    def visit_Outer(self, e: E.Outer) -> Any:
        return np.outer(self.visit(e.left), self.visit(e.right))

    def visit_Foreign(self, e: Foreign) -> Any:
        values = [self.visit(a) for a in e.args]
        syms = [sp.Symbol(a.key, real=True) for a in e.args]

        def one(*xs: Any) -> Any:
            return e.form.xreplace(dict(zip(syms, xs)))
        if any(isinstance(v, np.ndarray) for v in values):
            return np.vectorize(one, otypes=[object])(*values)
        return one(*values)


def exact_value(e: E.Expr, env: Mapping[str, Any], leaf: Any = _float_leaf) -> Any:
    """The value of `e` in SymPy arithmetic: a SymPy number or an object array of them.

    `leaf` turns a bound value into a SymPy one: by default the float64 value taken as exact;
    --exact passes values that are already exact (1/10 for 0.1).
    """
    return _Exact(env, leaf).visit(e)


def _number(x: Any) -> float:
    """A SymPy value as a float, at 30 digits; mpmath may give up on a number whose exponent has
    too many digits (tanh of 10³³ to the 100th), and then 15 digits are tried."""
    if isinstance(x, (bool, np.bool_)):
        return float(x)
    if x is sp.nan:  # float(sp.nan) goes through mpmath arithmetic that flags an invalid operation
        return math.nan
    for digits in (DIGITS, 15):
        try:
            return float(sp.N(x, digits))
        except (ArithmeticError, ValueError, MemoryError):
            continue
    raise ValueError(f"SymPy could not evaluate {str(x)[:60]}")


def _as_float(v: Any) -> np.ndarray:
    if isinstance(v, np.ndarray):
        numbers: np.ndarray = np.vectorize(_number, otypes=[float])(v)
        return numbers
    return np.asarray(_number(v))


def _close(got: Any, want: np.ndarray, scale: float) -> bool:
    got = np.asarray(got, dtype=float)
    if got.shape != want.shape:
        return False
    both_nan = np.isnan(got) & np.isnan(want)
    same_inf = np.isinf(got) & (got == want)
    ok = np.isclose(got, want, rtol=1e-9, atol=1e-12 * scale) | both_nan | same_inf
    return bool(np.all(ok))


def verify_step(step: Step) -> list[str]:
    """Problems with one step: each evaluable form must equal the value."""
    if step.value is None:
        return []
    problems = []
    scale = max([1.0] + [float(np.max(np.abs(np.asarray(v, dtype=float)))) for v in step.bindings.values()
                          if np.all(np.isfinite(np.asarray(v, dtype=float)))])
    for k, form in enumerate(step.forms):
        keys = {s.key for s in form.symbols()}
        if not keys <= set(step.bindings):
            continue
        try:
            want = _as_float(exact_value(form, step.bindings))
        except (ArithmeticError, ValueError, TypeError) as exc:
            problems.append(f"form {k + 1} could not be evaluated exactly: {exc}")
            continue
        if step.rounded is not None:
            ok = np.all(np.abs(np.asarray(step.value, dtype=float) - want) <= 0.5 * 10.0 ** -step.rounded * (1 + 1e-9))
            if not ok:
                problems.append(f"form {k + 1} evaluates to {want!r}, more than rounding from {step.value!r}")
            continue
        if not _close(step.value, want, scale):
            problems.append(f"form {k + 1} evaluates to {want!r}, the step says {step.value!r}")
    return problems


def _same(a: Any, b: Any) -> bool:
    """Equal values; a vector of one equals its number (y = 1 and y = [1])."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == b.size == 1:
        a, b = a.reshape(()), b.reshape(())
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def verify_solution(sol: Solution) -> list[Mismatch]:
    """Every step re-evaluated; every binding equal to the value its own step produced."""
    produced: dict[str, Any] = {}
    out: list[Mismatch] = []
    for section in sol.sections:
        for block in section.blocks:
            if isinstance(block, Given):
                produced[block.quantity.key] = block.value
            if not isinstance(block, Step):
                continue
            for key, value in block.bindings.items():
                if key in produced and not _same(produced[key], value):
                    out.append(Mismatch(section.title, block.quantity.uni,
                                        f"binds {key} = {value!r}, but its step gave {produced[key]!r}"))
            out += [Mismatch(section.title, block.quantity.uni, p) for p in verify_step(block)]
            if block.value is not None:
                produced[block.quantity.key] = block.value
    return out
