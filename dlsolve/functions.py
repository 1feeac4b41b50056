"""The functions of the expression language: one record each, read by every part that meets one.

A `Function` says everything dlsolve does with, say, `tanh`: the names a formula may write
(`written`), how NumPy evaluates it (the solver's float64 value), its SymPy form (`dlsolve.symbolic`
differentiates through it; `dlsolve.kinds.graph` builds its local formulas with it), the SymPy class
that `from_sympy` turns back into this function (`sympy_head`), its exact form for the 30-digit
evaluator of `dlsolve.verify` and `--exact` (defaults to the SymPy form), its derivative in our
formula language, and how it prints (unicode and LaTeX, by name or by a written form such as |x|).
The parser (`dlsolve.parse`), `dlsolve.expr`, `dlsolve.symbolic`, `dlsolve.verify`, the printers
and the graph kind all read `FUNCTIONS`; adding a function is adding one record here (and a test
sample point in tests/test_functions.py if the default ones lie outside its domain).

SymPy forms take the `sympy` module as their first argument, so this module (imported by every
kind) does not load SymPy; kinds that need no calculus never call them.

How a function takes its arguments (`shape`):
- "map": one argument, applied entry by entry (exp, tanh, …).
- "pick": max/min — of several arguments entry by entry, or of all the entries of one.
- "whole": a function of all the entries of one argument: a number (sum, mean, norm), the same
  shape (softmax, a list in the SymPy and exact forms), or a matrix (diag).
- "rows": of the entries of a vector, or of each row of a matrix (a row a sample's scores):
  argmax (the 1-based index of the largest, the first on a tie) and onehot (1 at that index).
  In a formula its arguments are the entries (onehot's first is the index it tests).
- "join": of several vectors or matrices, joined into one: concat ([c; h]).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from dlsolve.exprlimits import EXP_LIMIT, PERIODIC_LIMIT

if TYPE_CHECKING:  # pragma: no cover
    from dlsolve.expr import Expr


@dataclass(frozen=True)
class Function:
    """One function of the expression language (see the module docstring for each field)."""

    name: str                                            # the key of Call.fn
    uni: str                                             # printed name, unicode
    tex: str                                             # printed name, LaTeX
    numpy: Callable[..., Any]                            # float64 / array form
    sympy: Optional[Callable[..., Any]] = None           # (sympy, *args) -> SymPy expression
    exact: Optional[Callable[..., Any]] = None           # (sympy, *args) -> exact value; default sympy
    derivative: Optional[Callable[["Expr"], "Expr"]] = None  # d f(x)/dx as a formula in x ("map" only)
    sympy_head: Optional[str] = None                     # SymPy class name from_sympy maps to this
    shape: str = "map"                                   # "map", "pick" or "whole"
    written: tuple[str, ...] = ()                        # names formulas may write (none: internal)
    uni_form: Optional[Callable[..., str]] = None        # printed form of f(a, …) other than name(a, …)
    tex_form: Optional[Callable[..., str]] = None        # (takes the printed arguments)
    power_form: bool = False                             # the written form binds like a power (e^x)
    saturates: bool = False                              # slope → 0 at both ends (σ, tanh): see `saturated`
    rounds: bool = False                                 # a whole number from any number (floor, ceil)
    not_finite: Optional[Callable[[list[Any]], Optional[str]]] = None  # why f(args) is NaN/∞ (float args)
    no_gradient: Optional[str] = None                    # why no derivative passes through it (argmax)
    sympy_class: Optional[Callable[[Any], type]] = None  # (sympy) -> its own SymPy class, if SymPy has none

    def __repr__(self) -> str:
        return f"Function({self.name!r})"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled and copied as a reference to the registry's record (its forms are functions)."""
        return (_record, (self.name,))

    def exact_form(self, sp: Any, *args: Any) -> Any:
        fn = self.exact or self.sympy
        if fn is None:
            raise ValueError(f"no exact evaluation of {self.name}")
        return fn(sp, *args)

    def sympy_form(self, sp: Any, *args: Any) -> Any:
        if self.sympy is None:
            raise ValueError(f"no SymPy form for {self.name}")
        return self.sympy(sp, *args)

    def slope(self, x: Any) -> Any:
        """f'(x) in float64, from the record's derivative formula (a "map" function)."""
        if self.derivative is None:
            raise ValueError(f"no derivative of {self.name}")
        E = _E()
        return E.evaluate(self.derivative(E.Sym("x", "x", "x")), {"x": x})

    def saturated(self, x: Any) -> bool:
        """A saturating function (σ, tanh) at a point where its slope is below SATURATED_SLOPE:
        the gradient through it all but vanishes (σ beyond |x| ≈ 9.2, tanh beyond |x| ≈ 5.3)."""
        if not self.saturates:
            return False
        slope = np.asarray(self.slope(np.asarray(x, dtype=float)), dtype=float)
        return bool(np.any(slope < SATURATED_SLOPE))

    def why_not_finite(self, args: list[Any]) -> Optional[str]:
        """Why this function of these (finite) float arguments is NaN or ±∞, if it knows."""
        return None if self.not_finite is None else self.not_finite(args)


def _record(name: str) -> Function:
    return FUNCTIONS[name]


SATURATED_SLOPE = 1e-4
"""A unit is saturated when its activation's slope is below this (σ' = a(1 − a), tanh' = 1 − a²)."""


# -- forms that need more than one line -----------------------------------------------------------
def _stable_sigmoid(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out if out.ndim else float(out)


def _softmax(x: Any) -> Any:
    """Softmax over all entries, shifted by the largest so that no exponential overflows."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def _pick(reduce: Callable[..., Any], pairwise: Callable[..., Any]) -> Callable[..., Any]:
    def f(*args: Any) -> Any:
        return reduce(args[0]) if len(args) == 1 else functools.reduce(pairwise, args)
    return f


def _log_exact(sp: Any, x: Any, base: Optional[int] = None) -> Any:
    """log on the extended reals: log 0 = −∞ (SymPy alone says complex infinity), and the log of a
    negative number NaN, as float64 says (SymPy would give a complex number)."""
    if x.is_zero:
        return -sp.oo
    if x.is_number and x.is_extended_negative:
        return sp.nan
    return sp.log(x) if base is None else sp.log(x) / sp.log(base)


def _log_reason(shift: float) -> Callable[[list[Any]], Optional[str]]:
    def why(args: list[Any]) -> Optional[str]:
        a = np.asarray(args[0], dtype=float) + shift
        if np.any(a == 0):
            return "it takes the logarithm of 0 (log 0 = −∞)"
        if np.any(a < 0):
            return "it takes the logarithm of a negative number (undefined: NaN)"
        return None
    return why


def _exp_reason(args: list[Any]) -> Optional[str]:
    return "e^x overflows float64 for x above about 709.8"


def _sqrt_reason(args: list[Any]) -> Optional[str]:
    return "it takes the square root of a negative number (undefined: NaN)"


# Past EXP_LIMIT, e^x is 0 or ∞ in float64 many times over, and SymPy would compute e^(2^60·log 8)
# as the exact integer 8^(2^60); past PERIODIC_LIMIT, float64 says NaN for sin and cos, and SymPy
# would reduce the argument modulo 2π with as many digits as it has. The SymPy forms stop there.


def _approx(sp: Any, x: Any) -> Optional[complex]:
    """The value of a SymPy number as a complex float (None for an expression with symbols)."""
    if not x.is_number:
        return None
    try:
        return complex(x) if x.is_Number else complex(sp.N(x, 15))
    except OverflowError:  # an exact integer beyond float64 (2^6000)
        return complex(float("inf") if x.is_extended_positive else float("-inf")) if x.is_extended_real else None
    except (TypeError, ValueError):
        return None


def _exp(sp: Any, x: Any) -> Any:
    v = _approx(sp, x)
    if v is not None and abs(v.real) > EXP_LIMIT:
        return sp.Integer(0) if v.real < 0 else sp.oo if v.imag == 0 else sp.nan
    return sp.exp(x)


def _softplus(sp: Any, x: Any) -> Any:
    v = _approx(sp, x)
    if v is not None and v.imag == 0 and abs(v.real) > EXP_LIMIT:
        return x if v.real > 0 else sp.Integer(0)
    return sp.log(1 + _exp(sp, x))


def _periodic(f: str) -> Callable[..., Any]:
    def form(sp: Any, x: Any) -> Any:
        v = _approx(sp, x)
        if v is not None and not abs(v) <= PERIODIC_LIMIT:
            return sp.nan
        return getattr(sp, f)(x)
    return form


def _relu(sp: Any, x: Any) -> Any:
    if x.is_extended_real is False or (x.is_number and x.is_extended_real is not True):
        return sp.nan  # complex infinity, i: no order, no ReLU
    try:
        return sp.Piecewise((x, x > 0), (0, True))
    except TypeError:  # SymPy found x NaN or not real only on comparing
        return sp.nan


def _softmax_sympy(sp: Any, *xs: Any) -> list[Any]:
    exps = [sp.exp(v) for v in xs]
    total = sp.Add(*exps)
    return [e / total for e in exps]


def _diag_exact(sp: Any, *xs: Any) -> np.ndarray:
    out = np.full((len(xs), len(xs)), sp.Integer(0), dtype=object)
    for i, x in enumerate(xs):
        out[i, i] = x
    return out


# -- the activations of later papers: SELU, GELU (exact and tanh), swish/SiLU, and logit --------
SELU_LAMBDA = "1.0507009873554804934193349852946"   # λ and α of Klambauer et al. (2017), eq. 14
SELU_ALPHA = "1.6732632423543772848170429916717"
GELU_C = 0.044715                                    # the cubic term of GELU's tanh approximation
_erf = np.vectorize(math.erf, otypes=[float])


def _selu(x: Any) -> Any:
    lam, alpha = float(SELU_LAMBDA), float(SELU_ALPHA)
    x = np.asarray(x, dtype=float)
    return lam * np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def _selu_sympy(sp: Any, x: Any) -> Any:
    lam, alpha = sp.Float(SELU_LAMBDA, 32), sp.Float(SELU_ALPHA, 32)
    if x.is_extended_real is False or (x.is_number and x.is_extended_real is not True):
        return sp.nan
    try:
        return sp.Piecewise((lam * x, x > 0), (lam * alpha * (_exp(sp, x) - 1), True))
    except TypeError:
        return sp.nan


def _gelu(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _gelu_tanh(x: Any) -> Any:
    x = np.asarray(x, dtype=float)
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + GELU_C * x ** 3)))


def _gelu_tanh_sympy(sp: Any, x: Any) -> Any:
    return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Float(str(GELU_C), 30) * x ** 3)))


def _logit(p: Any) -> Any:
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def _logit_exact(sp: Any, p: Any) -> Any:
    if p.is_zero:
        return -sp.oo
    if (p - 1).is_zero:
        return sp.oo
    if p.is_number and (p.is_extended_negative or (p - 1).is_extended_positive):
        return sp.nan  # not a probability: NaN, as float64 says
    return sp.log(p / (1 - p))


def _named_class(name: str, value: Callable[[Any, Any], Any], slope: Callable[[Any, Any], Any]) -> Callable[[Any], type]:
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


_logit_class = _named_class("logit", lambda sp, p: _logit_exact(sp, p), lambda sp, p: 1 / (p * (1 - p)))
_softplus_class = _named_class("softplus", lambda sp, x: _softplus(sp, x), lambda sp, x: 1 / (1 + sp.exp(-x)))


def _logit_reason(args: list[Any]) -> Optional[str]:
    p = np.asarray(args[0], dtype=float)
    if np.any((p < 0) | (p > 1)):
        return "the logit takes a probability: log(p/(1 − p)) of p outside [0, 1] is undefined (NaN)"
    if np.any(p == 0):
        return "logit(0) = log 0 = −∞ (no finite score gives probability 0)"
    if np.any(p == 1):
        return "logit(1) = log(1/0) = ∞ (no finite score gives probability 1)"
    return None


def _silu_derivative(x: "Expr") -> "Expr":
    return _c("sigma", x) * (1 + x * (1 - _c("sigma", x)))


def _gelu_derivative(x: "Expr") -> "Expr":
    """Φ(x) + x·φ(x): ½(1 + erf(x/√2)) + x·e^(−x²/2)/√(2π)."""
    E = _E()
    half = E.Num(Fraction(1, 2))
    return (half * (1 + _c("erf", x / _c("sqrt", E.Num(2))))
            + x * _c("exp", -(x ** 2 / 2)) / _c("sqrt", 2 * _c("pi", E.Num(1))))


def _gelu_tanh_derivative(x: "Expr") -> "Expr":
    """½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(√(2/π)(x + 0.044715x³))."""
    E = _E()
    half, k = E.Num(Fraction(1, 2)), _c("sqrt", 2 / _c("pi", E.Num(1)))
    t = _c("tanh", k * (x + E.Num(GELU_C) * x ** 3))
    return half * (1 + t) + half * x * (1 - t ** 2) * k * (1 + E.Num(3 * GELU_C) * x ** 2)


def _selu_derivative(x: "Expr") -> "Expr":
    E = _E()
    lam, alpha = E.Num(float(SELU_LAMBDA)), E.Num(float(SELU_ALPHA))
    return E.Piecewise(((lam, E.Cmp(">", x, E.Num(0))),), lam * alpha * _c("exp", x))


# -- vector functions: argmax, onehot, concat, norm -----------------------------------------------
class NoGradient(ValueError):
    """A derivative was asked through a function that has none (argmax, onehot)."""


_NO_GRADIENT = ("{name} has no gradient: it is piecewise constant in the scores, so its derivative is 0 wherever "
                "it is defined and undefined where two scores tie; no derivative passes through it")


def _argmax_numpy(*xs: Any) -> Any:
    """1-based index of the largest argument (the first on a tie, as NumPy's argmax)."""
    return 1.0 + np.argmax(np.stack(np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in xs])), axis=0)


def _onehot_numpy(j: Any, *xs: Any) -> Any:
    return (_argmax_numpy(*xs) == np.asarray(j, dtype=float)).astype(float)


def _first_largest(sp: Any, xs: tuple[Any, ...]) -> Optional[int]:
    """0-based index of the first largest of numbers (None while any is a symbol)."""
    if not all(x.is_number and x.is_extended_real for x in xs):
        return None
    best = 0
    for i, x in enumerate(xs):
        if bool(x > xs[best]):
            best = i
    return best


@functools.lru_cache(maxsize=None)
def _argmax_class(sp: Any) -> type:
    def eval_(cls: Any, *xs: Any) -> Any:
        k = _first_largest(sp, xs)
        return None if k is None else sp.Integer(k + 1)

    def fdiff(self: Any, argindex: int = 1) -> Any:
        raise NoGradient(_NO_GRADIENT.format(name="argmax"))
    return type("argmax", (sp.Function,), {"eval": classmethod(eval_), "fdiff": fdiff})


@functools.lru_cache(maxsize=None)
def _onehot_class(sp: Any) -> type:
    def eval_(cls: Any, j: Any, *xs: Any) -> Any:
        k = _first_largest(sp, xs)
        return None if k is None else sp.Integer(1 if j == k + 1 else 0)

    def fdiff(self: Any, argindex: int = 1) -> Any:
        raise NoGradient(_NO_GRADIENT.format(name="onehot"))
    return type("onehot", (sp.Function,), {"eval": classmethod(eval_), "fdiff": fdiff})


def _concat_numpy(*xs: Any) -> Any:
    return np.concatenate([np.atleast_1d(np.asarray(x, dtype=float)) for x in xs])


def _concat_sympy(sp: Any, *ms: Any) -> Any:
    """[a; b; …]: column vectors and matrices stacked (equal column counts); rows side by side."""
    if all(m.rows == 1 for m in ms) and any(m.cols > 1 for m in ms):
        return sp.ImmutableMatrix(sp.Matrix.hstack(*ms))
    if len({m.cols for m in ms}) != 1:
        shapes = ", ".join(f"{m.rows}×{m.cols}" for m in ms)
        raise ValueError(f"concat stacks its arguments as [a; b]: they need the same number of columns, got {shapes}")
    return sp.ImmutableMatrix(sp.Matrix.vstack(*ms))


# -- derivatives, as formulas (built lazily: dlsolve.expr imports this module) --------------------
def _E() -> Any:
    from dlsolve import expr

    return expr


def _relu_derivative(x: "Expr") -> "Expr":
    E = _E()
    return E.Piecewise(((E.Num(1), E.Cmp(">", x, E.Num(0))),), E.Num(0))


def _c(name: str, x: "Expr") -> "Expr":
    return _E().call(name, x)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("exp", "exp", r"\exp", np.exp, _exp, sympy_head="exp",
                 derivative=lambda x: _c("exp", x), written=("exp",),
                 uni_form=lambda a: f"e^({a})", tex_form=lambda a: f"e^{{{a}}}", power_form=True,
                 not_finite=_exp_reason),
        Function("log", "log", r"\log", np.log, lambda sp, x: sp.log(x), exact=_log_exact, sympy_head="log",
                 derivative=lambda x: 1 / x, written=("log", "ln"), not_finite=_log_reason(0.0)),
        Function("log1p", "log", r"\log", np.log1p, lambda sp, x: sp.log(1 + x),
                 exact=lambda sp, x: _log_exact(sp, 1 + x), derivative=lambda x: 1 / (1 + x),
                 uni_form=lambda a: f"log(1 + {a})", tex_form=lambda a: rf"\log\left(1 + {a}\right)",
                 not_finite=_log_reason(1.0)),
        Function("log2", "log₂", r"\log_{2}", np.log2, lambda sp, x: sp.log(x, 2),
                 exact=lambda sp, x: _log_exact(sp, x, 2),
                 derivative=lambda x: 1 / (x * _c("log", _E().Num(2))), written=("log2",),
                 not_finite=_log_reason(0.0)),
        Function("log10", "log₁₀", r"\log_{10}", np.log10, lambda sp, x: sp.log(x, 10),
                 exact=lambda sp, x: _log_exact(sp, x, 10),
                 derivative=lambda x: 1 / (x * _c("log", _E().Num(10))), written=("log10",),
                 not_finite=_log_reason(0.0)),
        Function("sqrt", "√", r"\sqrt", np.sqrt, lambda sp, x: sp.sqrt(x),
                 derivative=lambda x: 1 / (2 * _c("sqrt", x)), written=("sqrt",),
                 uni_form=lambda a: f"√({a})", tex_form=lambda a: rf"\sqrt{{{a}}}", not_finite=_sqrt_reason),
        Function("sigma", "σ", r"\sigma", _stable_sigmoid, lambda sp, x: 1 / (1 + _exp(sp, -x)),
                 derivative=lambda x: _c("sigma", x) * (1 - _c("sigma", x)), written=("sigmoid",),
                 saturates=True),
        Function("tanh", "tanh", r"\tanh", np.tanh, lambda sp, x: sp.tanh(x), sympy_head="tanh",
                 derivative=lambda x: 1 - _c("tanh", x) ** 2, written=("tanh",), saturates=True),
        Function("sin", "sin", r"\sin", np.sin, _periodic("sin"), sympy_head="sin",
                 derivative=lambda x: _c("cos", x), written=("sin",)),
        Function("cos", "cos", r"\cos", np.cos, _periodic("cos"), sympy_head="cos",
                 derivative=lambda x: -_c("sin", x), written=("cos",)),
        Function("abs", "abs", r"\operatorname{abs}", np.abs, lambda sp, x: sp.Abs(x), sympy_head="Abs",
                 derivative=lambda x: _c("sign", x), written=("abs",),
                 uni_form=lambda a: f"|{a}|", tex_form=lambda a: rf"\left|{a}\right|"),
        Function("sign", "sign", r"\operatorname{sign}", np.sign, lambda sp, x: sp.sign(x), sympy_head="sign",
                 derivative=lambda x: _E().Num(0)),
        Function("relu", "relu", r"\operatorname{relu}", lambda x: np.maximum(x, 0.0),
                 _relu,
                 derivative=_relu_derivative, written=("relu",)),
        Function("softplus", "softplus", r"\operatorname{softplus}", lambda x: np.logaddexp(0.0, x),
                 lambda sp, x: _softplus_class(sp)(x), exact=_softplus, sympy_class=_softplus_class,
                 derivative=lambda x: _c("sigma", x), written=("softplus",)),
        Function("erf", "erf", r"\operatorname{erf}", _erf, lambda sp, x: sp.erf(x), sympy_head="erf",
                 derivative=lambda x: 2 * _c("exp", -(x ** 2)) / _c("sqrt", _c("pi", _E().Num(1))),
                 written=("erf",)),
        # π·x, internal: lets a formula write π (√(2π) in GELU's derivative); pi(1) prints π
        Function("pi", "π", r"\pi", lambda x: np.pi * np.asarray(x, dtype=float), lambda sp, x: sp.pi * x,
                 derivative=lambda x: _c("pi", _E().Num(1)),
                 uni_form=lambda a: "π" if a == "1" else f"π·{a}", tex_form=lambda a: r"\pi" if a == "1" else rf"\pi {a}"),
        Function("gelu", "GELU", r"\operatorname{GELU}", _gelu, lambda sp, x: x / 2 * (1 + sp.erf(x / sp.sqrt(2))),
                 derivative=_gelu_derivative, written=("gelu",)),
        Function("gelu_tanh", "GELU_tanh", r"\operatorname{GELU}_{\tanh}", _gelu_tanh, _gelu_tanh_sympy,
                 derivative=_gelu_tanh_derivative, written=("gelu_tanh",)),
        Function("selu", "SELU", r"\operatorname{SELU}", _selu, _selu_sympy, derivative=_selu_derivative,
                 written=("selu",)),
        Function("swish", "swish", r"\operatorname{swish}", lambda x: np.asarray(x, dtype=float) * _stable_sigmoid(x),
                 lambda sp, x: x / (1 + _exp(sp, -x)), derivative=_silu_derivative, written=("swish", "silu")),
        Function("logit", "logit", r"\operatorname{logit}", _logit, lambda sp, p: _logit_class(sp)(p),
                 exact=_logit_exact, derivative=lambda p: 1 / (p * (1 - p)), written=("logit",),
                 not_finite=_logit_reason, sympy_class=_logit_class),
        Function("norm", "norm", r"\operatorname{norm}", lambda x: np.sqrt(np.sum(np.square(x))),
                 lambda sp, *xs: sp.sqrt(sp.Add(*(x ** 2 for x in xs))), shape="whole", written=("norm",),
                 uni_form=lambda a: f"‖{a}‖", tex_form=lambda a: rf"\left\lVert {a} \right\rVert"),
        Function("argmax", "argmax", r"\operatorname{argmax}", _argmax_numpy,
                 lambda sp, *xs: _argmax_class(sp)(*xs), shape="rows", written=("argmax",),
                 no_gradient=_NO_GRADIENT.format(name="argmax"), sympy_class=_argmax_class),
        Function("onehot", "onehot", r"\operatorname{onehot}", _onehot_numpy,
                 lambda sp, *xs: [_onehot_class(sp)(j, *xs) for j in range(1, len(xs) + 1)],
                 exact=lambda sp, j, *xs: _onehot_class(sp)(j, *xs), shape="rows",
                 uni_form=lambda j, *xs: f"[argmax({', '.join(xs)}) = {j}]",
                 tex_form=lambda j, *xs: rf"\left[\operatorname{{argmax}}\left({', '.join(xs)}\right) = {j}\right]",
                 written=("onehot",),
                 no_gradient=_NO_GRADIENT.format(name="onehot"), sympy_class=_onehot_class),
        Function("concat", "concat", r"\operatorname{concat}", _concat_numpy, _concat_sympy, shape="join",
                 written=("concat",)),
        Function("max", "max", r"\max", _pick(np.max, np.maximum), lambda sp, *a: sp.Max(*a),
                 sympy_head="Max", shape="pick", written=("max",)),
        Function("min", "min", r"\min", _pick(np.min, np.minimum), lambda sp, *a: sp.Min(*a),
                 sympy_head="Min", shape="pick", written=("min",)),
        Function("sum", "Σ", r"\sum", np.sum, lambda sp, *xs: sp.Add(*xs), shape="whole", written=("sum",)),
        Function("mean", "mean", r"\operatorname{mean}", np.mean, lambda sp, *xs: sp.Add(*xs) / len(xs),
                 shape="whole", written=("mean",)),
        Function("softmax", "softmax", r"\operatorname{softmax}", _softmax, _softmax_sympy,
                 shape="whole", written=("softmax",)),
        Function("diag", "diag", r"\operatorname{diag}", np.diag, exact=_diag_exact, shape="whole"),
        Function("floor", "floor", r"\operatorname{floor}", np.floor, lambda sp, x: sp.floor(x),
                 sympy_head="floor", derivative=lambda x: _E().Num(0), rounds=True,
                 uni_form=lambda a: f"⌊{a}⌋", tex_form=lambda a: rf"\left\lfloor {a} \right\rfloor"),
        Function("ceil", "ceil", r"\operatorname{ceil}", np.ceil, lambda sp, x: sp.ceiling(x),
                 sympy_head="ceiling", derivative=lambda x: _E().Num(0), rounds=True,
                 uni_form=lambda a: f"⌈{a}⌉", tex_form=lambda a: rf"\left\lceil {a} \right\rceil"),
    )
}

WRITTEN: dict[str, str] = {w: f.name for f in FUNCTIONS.values() for w in f.written}
"""Every name a formula may write → the function's key (ln → log, sigmoid → sigma)."""


def by_sympy_head(sp: Any) -> dict[type, Function]:
    """SymPy classes that `from_sympy` shows as one of our functions (Abs → abs, Max → max)."""
    heads = {getattr(sp, f.sympy_head): f for f in FUNCTIONS.values() if f.sympy_head}
    return heads | {f.sympy_class(sp): f for f in FUNCTIONS.values() if f.sympy_class}
