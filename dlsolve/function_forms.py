"""The forms of the functions of dlsolve.functions that take more than one line: the NumPy,
SymPy and exact forms, the reasons a value is NaN or ∞, the derivatives written as formulas, and
SymPy classes of our own (argmax, onehot, logit, softplus).

Split from dlsolve/functions.py, which keeps the `Function` record and the registry that names
these forms, one record per function. SymPy forms take the `sympy` module as their first
argument, so importing this module does not load SymPy.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from dlsolve.exprlimits import EXP_LIMIT, PERIODIC_LIMIT

if TYPE_CHECKING:  # pragma: no cover
    from dlsolve.expr import Expr


# -- forms that need more than one line -----------------------------------------------------------
def stable_sigmoid(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out if out.ndim else float(out)


def softmax(x: Any) -> Any:
    """Softmax over all entries, shifted by the largest so that no exponential overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def pick(reduce: Callable[..., Any], pairwise: Callable[..., Any]) -> Callable[..., Any]:
    def f(*args: Any) -> Any:
        return reduce(args[0]) if len(args) == 1 else functools.reduce(pairwise, args)
    return f


def log_exact(sp: Any, x: Any, base: Optional[int] = None) -> Any:
    """log on the extended reals: log 0 = −∞ (SymPy alone says complex infinity), and the log of a
    negative number NaN, as float64 says (SymPy would give a complex number)."""
    if x.is_zero:
        return -sp.oo
    if x.is_number and x.is_extended_negative:
        return sp.nan
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def log_reason(shift: float) -> Callable[[list[Any]], Optional[str]]:
    def why(args: list[Any]) -> Optional[str]:
        a = np.asarray(args[0], dtype=float) + shift
        if np.any(a == 0):
            return "it takes the logarithm of 0 (log 0 = −∞)"
        if np.any(a < 0):
            return "it takes the logarithm of a negative number (undefined: NaN)"
        return None
    return why


def exp_reason(args: list[Any]) -> Optional[str]:
    return "e^x overflows float64 for x above about 709.8"


def sqrt_reason(args: list[Any]) -> Optional[str]:
    return "it takes the square root of a negative number (undefined: NaN)"


# Past EXP_LIMIT, e^x is 0 or ∞ in float64 many times over, and SymPy would compute e^(2^60·log 8)
# as the exact integer 8^(2^60); past PERIODIC_LIMIT, float64 says NaN for sin and cos, and SymPy
# would reduce the argument modulo 2π with as many digits as it has. The SymPy forms stop there.


def approx(sp: Any, x: Any) -> Optional[complex]:
    """The value of a SymPy number as a complex float (None for an expression with symbols)."""
    if not x.is_number:
        return None
    try:
        return complex(x) if x.is_Number else complex(sp.N(x, 15))
    except OverflowError:  # an exact integer beyond float64 (2^6000)
        return complex(float("inf") if x.is_extended_positive else float("-inf")) if x.is_extended_real else None
    except (TypeError, ValueError):
        return None


def exp(sp: Any, x: Any) -> Any:
    v = approx(sp, x)
    if v is not None and abs(v.real) > EXP_LIMIT:
        return sp.Integer(0) if v.real < 0 else sp.oo if v.imag == 0 else sp.nan
    return sp.exp(x)


def softplus(sp: Any, x: Any) -> Any:
    v = approx(sp, x)
    if v is not None and v.imag == 0 and abs(v.real) > EXP_LIMIT:
        return x if v.real > 0 else sp.Integer(0)
    return sp.log(1 + exp(sp, x))


def periodic(f: str) -> Callable[..., Any]:
    def form(sp: Any, x: Any) -> Any:
        v = approx(sp, x)
        if v is not None and not abs(v) <= PERIODIC_LIMIT:
            return sp.nan
        return getattr(sp, f)(x)
    return form


def relu(sp: Any, x: Any) -> Any:
    if x.is_extended_real is False or (x.is_number and x.is_extended_real is not True):
        return sp.nan  # complex infinity, i: no order, no ReLU
    try:
        return sp.Piecewise((x, x > 0), (0, True))
    except TypeError:  # SymPy found x NaN or not real only on comparing
        return sp.nan


def softmax_sympy(sp: Any, *xs: Any) -> list[Any]:
    exps = [sp.exp(v) for v in xs]
    total = sp.Add(*exps)
    return [e / total for e in exps]


def diag_exact(sp: Any, *xs: Any) -> np.ndarray:
    out = np.full((len(xs), len(xs)), sp.Integer(0), dtype=object)
    for i, x in enumerate(xs):
        out[i, i] = x
    return out


# -- the activations of later papers: SELU, GELU (exact and tanh), swish/SiLU, and logit --------
SELU_LAMBDA = "1.0507009873554804934193349852946"   # λ and α of Klambauer et al. (2017), eq. 14
SELU_ALPHA = "1.6732632423543772848170429916717"
GELU_C = 0.044715                                    # the cubic term of GELU's tanh approximation
erf = np.vectorize(math.erf, otypes=[float])


def selu(x: Any) -> Any:
    lam, alpha = float(SELU_LAMBDA), float(SELU_ALPHA)
    x = np.asarray(x, dtype=float)
    return lam * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def selu_sympy(sp: Any, x: Any) -> Any:
    lam, alpha = sp.Float(SELU_LAMBDA, 32), sp.Float(SELU_ALPHA, 32)
    if x.is_extended_real is False or (x.is_number and x.is_extended_real is not True):
        return sp.nan
    try:
        return sp.Piecewise((lam * x, x > 0), (lam * alpha * (exp(sp, x) - 1), True))
    except TypeError:
        return sp.nan


def gelu(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + GELU_C * x ** 3)))


def gelu_tanh_sympy(sp: Any, x: Any) -> Any:
    return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Float(str(GELU_C), 30) * x ** 3)))


def logit(p: Any) -> Any:
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def logit_exact(sp: Any, p: Any) -> Any:
    if p.is_zero:
        return -sp.oo
    if (p - 1).is_zero:
        return sp.oo
    if p.is_number and (p.is_extended_negative or (p - 1).is_extended_positive):
        return sp.nan  # not a probability: NaN, as float64 says
    return sp.log(p / (1 - p))


def named_class(name: str, value: Callable[[Any, Any], Any], slope: Callable[[Any, Any], Any]) -> Callable[[Any], type]:
    """A factory of SymPy's own function `name` (one per SymPy module): a number's value from
    `value(sp, x)`, its derivative `slope(sp, x)`. A graph then keeps the function by name, shows
    its derivative as the course writes it, and evaluates it with the record's stable NumPy form
    (SymPy would rewrite logit(p) as log(p/(1 − p)), softplus(z) as log(1 + e^z), which overflows)."""
    @functools.lru_cache(maxsize=None)
    def make(sp: Any) -> type:
        def eval_(cls: Any, x: Any) -> Any:
            return value(sp, x) if x.is_number else None

        def fdiff(self: Any, argindex: int = 1) -> Any:
            return slope(sp, self.args[0])
        return type(name, (sp.Function,), {"eval": classmethod(eval_), "fdiff": fdiff})
    return make


logit_class = named_class("logit", lambda sp, p: logit_exact(sp, p), lambda sp, p: 1 / (p * (1 - p)))
softplus_class = named_class("softplus", lambda sp, x: softplus(sp, x), lambda sp, x: 1 / (1 + sp.exp(-x)))


def logit_reason(args: list[Any]) -> Optional[str]:
    p = np.asarray(args[0], dtype=float)
    if np.any((p < 0) | (p > 1)):
        return "the logit takes a probability: log(p/(1 − p)) of p outside [0, 1] is undefined (NaN)"
    if np.any(p == 0):
        return "logit(0) = log 0 = −∞ (no finite score gives probability 0)"
    if np.any(p == 1):
        return "logit(1) = log(1/0) = ∞ (no finite score gives probability 1)"
    return None


def silu_derivative(x: "Expr") -> "Expr":
    return call_of("sigma", x) * (1 + x * (1 - call_of("sigma", x)))


def gelu_derivative(x: "Expr") -> "Expr":
    """Φ(x) + x·φ(x): ½(1 + erf(x/√2)) + x·e^(−x²/2)/√(2π)."""
    E = expr_module()
    half = E.Num(Fraction(1, 2))
    d: Expr = (half * (1 + call_of("erf", x / call_of("sqrt", E.Num(2))))
               + x * call_of("exp", -(x ** 2 / 2)) / call_of("sqrt", 2 * call_of("pi", E.Num(1))))
    return d


def gelu_tanh_derivative(x: "Expr") -> "Expr":
    """½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(√(2/π)(x + 0.044715x³))."""
    E = expr_module()
    half, k = E.Num(Fraction(1, 2)), call_of("sqrt", 2 / call_of("pi", E.Num(1)))
    t = call_of("tanh", k * (x + E.Num(GELU_C) * x ** 3))
    d: Expr = half * (1 + t) + half * x * (1 - t ** 2) * k * (1 + E.Num(3 * GELU_C) * x ** 2)
    return d


def selu_derivative(x: "Expr") -> "Expr":
    E = expr_module()
    lam, alpha = E.Num(float(SELU_LAMBDA)), E.Num(float(SELU_ALPHA))
    d: Expr = E.Piecewise(((lam, E.Cmp(">", x, E.Num(0))),), lam * alpha * call_of("exp", x))
    return d


# -- vector functions: argmax, onehot, concat, norm -----------------------------------------------
class NoGradient(ValueError):
    """A derivative was asked through a function that has none (argmax, onehot)."""


NO_GRADIENT = ("{name} has no gradient: it is piecewise constant in the scores, so its derivative is 0 wherever "
                "it is defined and undefined where two scores tie; no derivative passes through it")


def argmax_numpy(*xs: Any) -> Any:
    """1-based index of the largest argument (the first on a tie, as NumPy's argmax)."""
    return 1.0 + np.argmax(np.stack(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])), axis=0)


def onehot_numpy(j: Any, *xs: Any) -> Any:
    return (argmax_numpy(*xs) == np.asarray(j, dtype=float)).astype(float)


def first_largest(sp: Any, xs: tuple[Any, ...]) -> Optional[int]:
    """0-based index of the first largest of numbers (None while any is a symbol)."""
    if not all(x.is_number and x.is_extended_real for x in xs):
        return None
    best = 0
    for i, x in enumerate(xs):
        if bool(x > xs[best]):
            best = i
    return best


@functools.lru_cache(maxsize=None)
def argmax_class(sp: Any) -> type:
    def eval_(cls: Any, *xs: Any) -> Any:
        k = first_largest(sp, xs)
        return None if k is None else sp.Integer(k + 1)

    def fdiff(self: Any, argindex: int = 1) -> Any:
        raise NoGradient(NO_GRADIENT.format(name="argmax"))
    return type("argmax", (sp.Function,), {"eval": classmethod(eval_), "fdiff": fdiff})


@functools.lru_cache(maxsize=None)
def onehot_class(sp: Any) -> type:
    def eval_(cls: Any, j: Any, *xs: Any) -> Any:
        k = first_largest(sp, xs)
        return None if k is None else sp.Integer(1 if j == k + 1 else 0)

    def fdiff(self: Any, argindex: int = 1) -> Any:
        raise NoGradient(NO_GRADIENT.format(name="onehot"))
    return type("onehot", (sp.Function,), {"eval": classmethod(eval_), "fdiff": fdiff})


def concat_numpy(*xs: Any) -> Any:
    return np.concatenate([np.atleast_1d(np.asarray(x, dtype=float)) for x in xs])


def concat_sympy(sp: Any, *ms: Any) -> Any:
    """[a; b; …]: column vectors and matrices stacked (equal column counts); rows side by side."""
    if all(m.rows == 1 for m in ms) and any(m.cols > 1 for m in ms):
        return sp.ImmutableMatrix(sp.Matrix.hstack(*ms))
    if len({m.cols for m in ms}) != 1:
        shapes = ", ".join(f"{m.rows}×{m.cols}" for m in ms)
        raise ValueError(f"concat stacks its arguments as [a; b]: they need the same number of columns, got {shapes}")
    return sp.ImmutableMatrix(sp.Matrix.vstack(*ms))


# -- derivatives, as formulas over dlsolve.expr's nodes --------------------------------------------
# dlsolve.expr imports the registry (a Call holds its Function record), so the nodes reach the
# formulas the other way: dlsolve.expr hands its module over when it loads (`use_nodes`). A
# derivative is only ever asked of a formula, so the nodes are always installed by then.
_NODES: ModuleType | None = None


def use_nodes(module: ModuleType) -> None:
    """Called once by dlsolve.expr: the module whose nodes (Num, Sym, Piecewise, Cmp, call) the
    derivative formulas build."""
    global _NODES
    _NODES = module


def expr_module() -> Any:
    if _NODES is None:
        raise RuntimeError("dlsolve.expr is not loaded: a derivative formula is built over its nodes")
    return _NODES


def relu_derivative(x: "Expr") -> "Expr":
    E = expr_module()
    d: Expr = E.Piecewise(((E.Num(1), E.Cmp(">", x, E.Num(0))),), E.Num(0))
    return d


def call_of(name: str, x: "Expr") -> "Expr":
    applied: Expr = expr_module().call(name, x)
    return applied
