"""The functions of the expression language: one record each, read by every part that meets one.

A `Function` says everything dlsolve does with, say, `tanh`: the names a formula may write
(`written`), how NumPy evaluates it (the solver's float64 value), its SymPy form (`dlsolve.symbolic`
differentiates through it; `dlsolve.kinds.graph` builds its local formulas with it), the SymPy class
that `from_sympy` turns back into this function (`sympy_head`), its exact form for the 30-digit
evaluator of `dlsolve.verify` and `--exact` (defaults to the SymPy form), its derivative in our
formula language, and how it prints (unicode and LaTeX, by name or by a written form such as |x|).
The parser (`dlsolve.parse`), `dlsolve.expr`, `dlsolve.symbolic`, `dlsolve.verify`, the printers
and the graph kind all read `FUNCTIONS`; adding a function is adding one record here (its longer
forms in dlsolve/function_forms.py, and a test sample point in tests/test_functions.py if the
default ones lie outside its domain).

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from dlsolve import function_forms as forms

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
        E = forms.expr_module()
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


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("exp", "exp", r"\exp", np.exp, forms.exp, sympy_head="exp",
                 derivative=lambda x: forms.call_of("exp", x), written=("exp",),
                 uni_form=lambda a: f"e^({a})", tex_form=lambda a: f"e^{{{a}}}", power_form=True,
                 not_finite=forms.exp_reason),
        Function("log", "log", r"\log", np.log, lambda sp, x: sp.log(x), exact=forms.log_exact, sympy_head="log",
                 derivative=lambda x: 1 / x, written=("log", "ln"), not_finite=forms.log_reason(0.0)),
        Function("log1p", "log", r"\log", np.log1p, lambda sp, x: sp.log(1 + x),
                 exact=lambda sp, x: forms.log_exact(sp, 1 + x), derivative=lambda x: 1 / (1 + x),
                 uni_form=lambda a: f"log(1 + {a})", tex_form=lambda a: rf"\log\left(1 + {a}\right)",
                 not_finite=forms.log_reason(1.0)),
        Function("log2", "log₂", r"\log_{2}", np.log2, lambda sp, x: sp.log(x, 2),
                 exact=lambda sp, x: forms.log_exact(sp, x, 2),
                 derivative=lambda x: 1 / (x * forms.call_of("log", forms.expr_module().Num(2))), written=("log2",),
                 not_finite=forms.log_reason(0.0)),
        Function("log10", "log₁₀", r"\log_{10}", np.log10, lambda sp, x: sp.log(x, 10),
                 exact=lambda sp, x: forms.log_exact(sp, x, 10),
                 derivative=lambda x: 1 / (x * forms.call_of("log", forms.expr_module().Num(10))), written=("log10",),
                 not_finite=forms.log_reason(0.0)),
        Function("sqrt", "√", r"\sqrt", np.sqrt, lambda sp, x: sp.sqrt(x),
                 derivative=lambda x: 1 / (2 * forms.call_of("sqrt", x)), written=("sqrt",),
                 uni_form=lambda a: f"√({a})", tex_form=lambda a: rf"\sqrt{{{a}}}", not_finite=forms.sqrt_reason),
        Function("sigma", "σ", r"\sigma", forms.stable_sigmoid, lambda sp, x: 1 / (1 + forms.exp(sp, -x)),
                 derivative=lambda x: forms.call_of("sigma", x) * (1 - forms.call_of("sigma", x)), written=("sigmoid",),
                 saturates=True),
        Function("tanh", "tanh", r"\tanh", np.tanh, lambda sp, x: sp.tanh(x), sympy_head="tanh",
                 derivative=lambda x: 1 - forms.call_of("tanh", x) ** 2, written=("tanh",), saturates=True),
        Function("sin", "sin", r"\sin", np.sin, forms.periodic("sin"), sympy_head="sin",
                 derivative=lambda x: forms.call_of("cos", x), written=("sin",)),
        Function("cos", "cos", r"\cos", np.cos, forms.periodic("cos"), sympy_head="cos",
                 derivative=lambda x: -forms.call_of("sin", x), written=("cos",)),
        Function("abs", "abs", r"\operatorname{abs}", np.abs, lambda sp, x: sp.Abs(x), sympy_head="Abs",
                 derivative=lambda x: forms.call_of("sign", x), written=("abs",),
                 uni_form=lambda a: f"|{a}|", tex_form=lambda a: rf"\left|{a}\right|"),
        Function("sign", "sign", r"\operatorname{sign}", np.sign, lambda sp, x: sp.sign(x), sympy_head="sign",
                 derivative=lambda x: forms.expr_module().Num(0)),
        Function("relu", "relu", r"\operatorname{relu}", lambda x: np.maximum(x, 0.0),
                 forms.relu,
                 derivative=forms.relu_derivative, written=("relu",)),
        Function("softplus", "softplus", r"\operatorname{softplus}", lambda x: np.logaddexp(0.0, x),
                 lambda sp, x: forms.softplus_class(sp)(x), exact=forms.softplus, sympy_class=forms.softplus_class,
                 derivative=lambda x: forms.call_of("sigma", x), written=("softplus",)),
        Function("erf", "erf", r"\operatorname{erf}", forms.erf, lambda sp, x: sp.erf(x), sympy_head="erf",
                 derivative=lambda x: 2 * forms.call_of("exp", -(x ** 2)) / forms.call_of("sqrt", forms.call_of("pi", forms.expr_module().Num(1))),
                 written=("erf",)),
        # π·x, internal: lets a formula write π (√(2π) in GELU's derivative); pi(1) prints π
        Function("pi", "π", r"\pi", lambda x: np.pi * np.asarray(x, dtype=float), lambda sp, x: sp.pi * x,
                 derivative=lambda x: forms.call_of("pi", forms.expr_module().Num(1)),
                 uni_form=lambda a: "π" if a == "1" else f"π·{a}", tex_form=lambda a: r"\pi" if a == "1" else rf"\pi {a}"),
        Function("gelu", "GELU", r"\operatorname{GELU}", forms.gelu, lambda sp, x: x / 2 * (1 + sp.erf(x / sp.sqrt(2))),
                 derivative=forms.gelu_derivative, written=("gelu",)),
        Function("gelu_tanh", "GELU_tanh", r"\operatorname{GELU}_{\tanh}", forms.gelu_tanh, forms.gelu_tanh_sympy,
                 derivative=forms.gelu_tanh_derivative, written=("gelu_tanh",)),
        Function("selu", "SELU", r"\operatorname{SELU}", forms.selu, forms.selu_sympy, derivative=forms.selu_derivative,
                 written=("selu",)),
        Function("swish", "swish", r"\operatorname{swish}", lambda x: np.asarray(x, dtype=float) * forms.stable_sigmoid(x),
                 lambda sp, x: x / (1 + forms.exp(sp, -x)), derivative=forms.silu_derivative, written=("swish", "silu")),
        Function("logit", "logit", r"\operatorname{logit}", forms.logit, lambda sp, p: forms.logit_class(sp)(p),
                 exact=forms.logit_exact, derivative=lambda p: 1 / (p * (1 - p)), written=("logit",),
                 not_finite=forms.logit_reason, sympy_class=forms.logit_class),
        Function("norm", "norm", r"\operatorname{norm}", lambda x: np.sqrt(np.sum(np.square(x))),
                 lambda sp, *xs: sp.sqrt(sp.Add(*(x ** 2 for x in xs))), shape="whole", written=("norm",),
                 uni_form=lambda a: f"‖{a}‖", tex_form=lambda a: rf"\left\lVert {a} \right\rVert"),
        Function("argmax", "argmax", r"\operatorname{argmax}", forms.argmax_numpy,
                 lambda sp, *xs: forms.argmax_class(sp)(*xs), shape="rows", written=("argmax",),
                 no_gradient=forms.NO_GRADIENT.format(name="argmax"), sympy_class=forms.argmax_class),
        Function("onehot", "onehot", r"\operatorname{onehot}", forms.onehot_numpy,
                 lambda sp, *xs: [forms.onehot_class(sp)(j, *xs) for j in range(1, len(xs) + 1)],
                 exact=lambda sp, j, *xs: forms.onehot_class(sp)(j, *xs), shape="rows",
                 uni_form=lambda j, *xs: f"[argmax({', '.join(xs)}) = {j}]",
                 tex_form=lambda j, *xs: rf"\left[\operatorname{{argmax}}\left({', '.join(xs)}\right) = {j}\right]",
                 written=("onehot",),
                 no_gradient=forms.NO_GRADIENT.format(name="onehot"), sympy_class=forms.onehot_class),
        Function("concat", "concat", r"\operatorname{concat}", forms.concat_numpy, forms.concat_sympy, shape="join",
                 written=("concat",)),
        Function("max", "max", r"\max", forms.pick(np.max, np.maximum), lambda sp, *a: sp.Max(*a),
                 sympy_head="Max", shape="pick", written=("max",)),
        Function("min", "min", r"\min", forms.pick(np.min, np.minimum), lambda sp, *a: sp.Min(*a),
                 sympy_head="Min", shape="pick", written=("min",)),
        Function("sum", "Σ", r"\sum", np.sum, lambda sp, *xs: sp.Add(*xs), shape="whole", written=("sum",)),
        Function("mean", "mean", r"\operatorname{mean}", np.mean, lambda sp, *xs: sp.Add(*xs) / len(xs),
                 shape="whole", written=("mean",)),
        Function("softmax", "softmax", r"\operatorname{softmax}", forms.softmax, forms.softmax_sympy,
                 shape="whole", written=("softmax",)),
        Function("diag", "diag", r"\operatorname{diag}", np.diag, exact=forms.diag_exact, shape="whole"),
        Function("floor", "floor", r"\operatorname{floor}", np.floor, lambda sp, x: sp.floor(x),
                 sympy_head="floor", derivative=lambda x: forms.expr_module().Num(0), rounds=True,
                 uni_form=lambda a: f"⌊{a}⌋", tex_form=lambda a: rf"\left\lfloor {a} \right\rfloor"),
        Function("ceil", "ceil", r"\operatorname{ceil}", np.ceil, lambda sp, x: sp.ceiling(x),
                 sympy_head="ceiling", derivative=lambda x: forms.expr_module().Num(0), rounds=True,
                 uni_form=lambda a: f"⌈{a}⌉", tex_form=lambda a: rf"\left\lceil {a} \right\rceil"),
    )
}

WRITTEN: dict[str, str] = {w: f.name for f in FUNCTIONS.values() for w in f.written}
"""Every name a formula may write → the function's key (ln → log, sigmoid → sigma)."""


def by_sympy_head(sp: Any) -> dict[type, Function]:
    """SymPy classes that `from_sympy` shows as one of our functions (Abs → abs, Max → max)."""
    heads = {getattr(sp, f.sympy_head): f for f in FUNCTIONS.values() if f.sympy_head}
    return heads | {f.sympy_class(sp): f for f in FUNCTIONS.values() if f.sympy_class}
