"""Re-evaluate every step's formula independently and compare with the step's value.

The solver evaluates formulas in float64 with NumPy. This module evaluates the same formulas
with SymPy at 30 significant digits (the bound float64 values taken as exact), so a wrong
evaluator, a wrong binding or a value that does not follow from its formula is caught. It also
checks that every value bound into a step is the value its own step produced.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import numpy as np
import sympy as sp

from dlsolve import expr as E
from dlsolve.solution import Given, Solution, Step

DIGITS = 30


@dataclass(frozen=True)
class Mismatch:
    section: str
    quantity: str
    what: str

    def __str__(self) -> str:
        return f"[{self.section}] {self.quantity}: {self.what}"


def _exact(x: float) -> sp.Float:
    return sp.Float(float(x), DIGITS)


def _map(fn: Any, v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return np.vectorize(fn, otypes=[object])(v)
    return fn(v)


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + sp.exp(-x))


def _log(x: Any, base: int | None = None) -> Any:
    """log on the extended reals: log 0 = −∞ (SymPy alone says complex infinity)."""
    if x.is_zero:
        return -sp.oo
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def _divide(a: Any, b: Any) -> Any:
    """a/b on the extended reals: x/0 = ±∞ (NaN for 0/0), as float64 gives."""
    if b.is_zero:
        return sp.nan if a.is_zero or a is sp.nan else (sp.oo if a > 0 else -sp.oo)
    return a / b


_FUNCS = {
    "exp": sp.exp, "log": _log, "sqrt": sp.sqrt, "tanh": sp.tanh, "abs": sp.Abs,
    "sign": sp.sign, "sigma": _sigmoid, "sin": sp.sin, "cos": sp.cos,
    "floor": sp.floor, "ceil": sp.ceiling,
    "log1p": lambda x: _log(1 + x), "log2": lambda x: _log(x, 2), "log10": lambda x: _log(x, 10),
}


def _float_leaf(v: Any) -> Any:
    return _map(_exact, np.asarray(v, dtype=float)) if np.ndim(v) else _exact(v)


def exact_value(e: E.Expr, env: Mapping[str, Any], leaf: Any = _float_leaf) -> Any:
    """The value of `e` in SymPy arithmetic: a SymPy number or an object array of them.

    `leaf` turns a bound value into a SymPy one: by default the float64 value taken as exact;
    --exact passes values that are already exact (1/10 for 0.1).
    """
    if isinstance(e, E.Sym):
        return leaf(env[e.key])
    if isinstance(e, E.Num):
        v = e.value
        if isinstance(v, Fraction):
            return sp.Rational(v.numerator, v.denominator)
        return sp.Integer(v) if isinstance(v, int) else _exact(v)
    if isinstance(e, E.Add):
        total = exact_value(e.terms[0], env, leaf)
        for t in e.terms[1:]:
            total = total + exact_value(t, env, leaf)
        return total
    if isinstance(e, E.Neg):
        return -exact_value(e.arg, env, leaf)
    if isinstance(e, E.Mul):
        out = exact_value(e.factors[0], env, leaf)
        for f in e.factors[1:]:
            out = out * exact_value(f, env, leaf)
        return out
    if isinstance(e, E.Div):
        num, den = exact_value(e.num, env, leaf), exact_value(e.den, env, leaf)
        if isinstance(num, np.ndarray) or isinstance(den, np.ndarray):
            return np.vectorize(_divide, otypes=[object])(num, den)
        return _divide(num, den)
    if isinstance(e, E.Pow):
        base, ex = exact_value(e.base, env, leaf), exact_value(e.exp, env, leaf)
        return _map(lambda b: b ** ex, base) if isinstance(base, np.ndarray) else base ** ex
    if isinstance(e, E.Call):
        args = [exact_value(a, env, leaf) for a in e.args]
        if e.fn in _FUNCS:
            return _map(_FUNCS[e.fn], args[0])
        if e.fn in ("max", "min"):
            pick = sp.Max if e.fn == "max" else sp.Min
            if len(args) > 2 or not (isinstance(args[0], np.ndarray) or isinstance(args[-1], np.ndarray)):
                return pick(*args)
            a, b = args
            return np.vectorize(lambda p, q: pick(p, q), otypes=[object])(a, b)
        if e.fn == "sum":
            return sum(np.ravel(args[0]), sp.Integer(0))
        if e.fn == "mean":
            flat = np.ravel(args[0])
            return sum(flat, sp.Integer(0)) / len(flat)
        if e.fn == "diag":
            v = np.ravel(args[0])
            out = np.full((len(v), len(v)), sp.Integer(0), dtype=object)
            for i, x in enumerate(v):
                out[i, i] = x
            return out
        raise ValueError(f"no exact evaluation of {e.fn}")
    if isinstance(e, E.Cmp):
        a, b = exact_value(e.lhs, env, leaf), exact_value(e.rhs, env, leaf)
        op = {"<": lambda p, q: p < q, "<=": lambda p, q: p <= q, ">": lambda p, q: p > q,
              ">=": lambda p, q: p >= q, "==": lambda p, q: p == q, "!=": lambda p, q: p != q,
              "and": lambda p, q: bool(p) and bool(q), "or": lambda p, q: bool(p) or bool(q)}[e.op]
        return np.vectorize(lambda p, q: bool(op(p, q)), otypes=[bool])(a, b)
    if isinstance(e, E.Piecewise):
        result = exact_value(e.otherwise, env, leaf)
        for value, cond in reversed(e.cases):
            c = exact_value(cond, env, leaf)
            v = exact_value(value, env, leaf)
            result = np.where(c, v, result) if np.ndim(c) else (v if bool(c) else result)
        return result
    if isinstance(e, E.MatMul):
        return np.matmul(np.asarray(exact_value(e.left, env, leaf), dtype=object),
                         np.asarray(exact_value(e.right, env, leaf), dtype=object))
    if isinstance(e, E.Transpose):
        return np.transpose(exact_value(e.arg, env, leaf))
    if isinstance(e, E.Outer):
        return np.outer(exact_value(e.left, env, leaf), exact_value(e.right, env, leaf))
    raise TypeError(type(e).__name__)


def _as_float(v: Any) -> np.ndarray:
    if isinstance(v, np.ndarray):
        return np.vectorize(lambda x: float(sp.N(x, DIGITS)) if not isinstance(x, (bool, np.bool_)) else float(x),
                            otypes=[float])(v)
    return np.asarray(float(sp.N(v, DIGITS)))


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
        except (ZeroDivisionError, ValueError, TypeError) as exc:
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
