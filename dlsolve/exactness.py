"""--exact: exact values beside the decimals where the inputs are exact.

Inputs are read as the decimals they were written as (0.1 is 1/10); each step is evaluated
by the verifier's SymPy evaluator on those exact values. A result is kept for later steps while
it stays small (SymPy expressions of exp and fractions can grow without end), and shown when
it is short and says more than the decimal does: σ(0) = 1/2, softmax of [0, 0] = [1/2, 1/2],
e/(1 + e).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np
import sympy as sp

from dlsolve.expr import Expr, Num, Pow, Sym
from dlsolve.exprlimits import EXACT_KEEP_BITS, EXACT_MAX_EXPONENT
from dlsolve.symbolic import from_sympy
from dlsolve.verify import exact_value

KEEP_OPS = 40  # a kept value's operations; one holding e^x, tanh, log… at most SHOW_OPS, for SymPy
SHOW_OPS = 12  # tests such a value's sign and zeroness numerically, nested ever deeper step after step
SHOW_DENOMINATOR = 10_000


def exact_input(value: Any) -> Optional[sp.Expr]:
    """A number as the exact decimal it was written as; None for arrays and non-finite values."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return None
    x = float(value)
    if not np.isfinite(x):
        return None
    return sp.Rational(repr(x)) if not x.is_integer() else sp.Integer(int(x))


def exact_step(formula: Expr, env: Mapping[str, Any]) -> tuple[Optional[sp.Expr], Optional[Expr]]:
    """(the exact value to keep for later steps, the form to show) — either may be None."""
    if any(s.key not in env for s in formula.symbols()) or not _tame(formula, env):
        return None, None
    try:
        value = exact_value(formula, env, leaf=lambda v: v)
    except (TypeError, ValueError, ArithmeticError, MemoryError):  # SymPy gave up: no exact value
        return None, None
    if isinstance(value, np.ndarray) or not isinstance(value, sp.Basic) or value.has(sp.Float) \
            or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_real:
        return None, None
    ops = sp.count_ops(value)
    keep = KEEP_OPS if not value.has(sp.Function) else SHOW_OPS
    if ops > keep or any(max(abs(r.p).bit_length(), r.q.bit_length()) > EXACT_KEEP_BITS
                         for r in value.atoms(sp.Rational)):
        return None, None
    show = None
    if not value.is_Integer and ops <= SHOW_OPS:
        if not value.is_Rational or value.q <= SHOW_DENOMINATOR:
            try:
                show = from_sympy(value, {})
            except ValueError:
                show = None
    return value, show


def _tame(formula: Expr, env: Mapping[str, Any]) -> bool:
    """Whether exact arithmetic on `formula` stays small: every power has a whole exponent of at
    most EXACT_MAX_EXPONENT, written or bound (SymPy evaluates (−8.5)^(10¹⁵)^(1/2) digit by digit)."""
    for node in formula.walk():
        if isinstance(node, Pow):
            ex = node.exp
            value = ex.value if isinstance(ex, Num) else env.get(ex.key) if isinstance(ex, Sym) else None
            if not (isinstance(value, (int, sp.Integer)) or (isinstance(value, float) and value.is_integer())) \
                    or abs(int(value)) > EXACT_MAX_EXPONENT:
                return False
    return True
