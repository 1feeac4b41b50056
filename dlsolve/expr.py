"""A small expression tree for the formulas of a worked solution.

Why our own and not SymPy's: a formula here must print exactly as a teaching assistant writes it
(terms in the order written, x·w never reordered to w·x, (−3)² never −3²), evaluate on scalars
and on NumPy arrays alike, and load without SymPy for the kinds that need no calculus. SymPy is
still the calculus engine (`dlsolve.symbolic` converts both ways) and the independent evaluator
that `dlsolve.verify` checks every step against.

A formula is built with Python operators over `Sym` leaves (quantities such as z₁^[1] or ∂L/∂ŷ)
and `Num` constants; `evaluate(expr, env)` computes it from the values bound to its symbols.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator, Mapping, Union

import numpy as np

Value = Union[float, np.ndarray]


class UnboundSymbol(KeyError):
    """A formula was evaluated with a symbol that has no value (symbolic mode)."""


# Precedence levels, shared by the printers in dlsolve.render.mathprint.
PREC_ADD = 10
PREC_NEG = 15
PREC_MUL = 20
PREC_POW = 30
PREC_ATOM = 40


class Expr:
    """Base class: operators build trees; nothing is simplified or reordered."""

    prec = PREC_ATOM

    def __add__(self, other: object) -> Expr:
        return Add.of(self, as_expr(other))

    def __radd__(self, other: object) -> Expr:
        return Add.of(as_expr(other), self)

    def __sub__(self, other: object) -> Expr:
        return Add.of(self, Neg(as_expr(other)))

    def __rsub__(self, other: object) -> Expr:
        return Add.of(as_expr(other), Neg(self))

    def __mul__(self, other: object) -> Expr:
        return Mul.of(self, as_expr(other))

    def __rmul__(self, other: object) -> Expr:
        return Mul.of(as_expr(other), self)

    def __truediv__(self, other: object) -> Expr:
        return Div(self, as_expr(other))

    def __rtruediv__(self, other: object) -> Expr:
        return Div(as_expr(other), self)

    def __pow__(self, other: object) -> Expr:
        return Pow(self, as_expr(other))

    def __neg__(self) -> Expr:
        return Neg(self)

    def __matmul__(self, other: object) -> Expr:
        return MatMul(self, as_expr(other))

    def children(self) -> tuple[Expr, ...]:
        return ()

    def walk(self) -> Iterator[Expr]:
        """Every node, depth first, this one first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def symbols(self) -> list[Sym]:
        """The distinct symbols of the formula in order of first appearance.

        Kept on the node after the first call (a formula never changes, and training evaluates
        the same formula objects thousands of times)."""
        found = self.__dict__.get("_symbols")
        if found is None:
            seen: dict[str, Sym] = {}
            stack: list[Expr] = [self]
            while stack:   # depth first, this node first, children in order (as walk)
                node = stack.pop()
                if isinstance(node, Sym):
                    if node.key not in seen:
                        seen[node.key] = node
                else:
                    stack.extend(reversed(node.children()))
            found = tuple(seen.values())
            object.__setattr__(self, "_symbols", found)
        return list(found)

    def _eval(self, env: Mapping[str, Value]) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError


def as_expr(x: object) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float, Fraction)) and not isinstance(x, bool):
        return Num(x)
    raise TypeError(f"cannot make a formula of {x!r}")


@dataclass(frozen=True, eq=False)
class Sym(Expr):
    """A named quantity. `key` identifies it (and its value); `uni`/`tex` are how it is shown.

    Two Sym objects with the same key are the same quantity shown two ways (δ₁^[2] and ∂L/∂z₁^[2]).
    `kind` is "partial" for ∂a/∂b symbols, so printers can typeset them as fractions.
    """

    key: str
    uni: str
    tex: str
    kind: str = "plain"

    def _eval(self, env: Mapping[str, Value]) -> Value:
        try:
            value = env[self.key]
        except KeyError:
            raise UnboundSymbol(self.key) from None
        return value if isinstance(value, np.ndarray) else np.float64(value)


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A constant written into a formula (2 in 2·x, ½ in ½(y − ŷ)²), printed exactly."""

    value: int | float | Fraction

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return np.float64(float(self.value))


@dataclass(frozen=True, eq=False)
class Add(Expr):
    terms: tuple[Expr, ...]
    prec = PREC_ADD

    @staticmethod
    def of(*terms: Expr) -> Expr:
        flat: list[Expr] = []
        for t in terms:
            flat.extend(t.terms if isinstance(t, Add) else (t,))
        return Add(tuple(flat))

    def children(self) -> tuple[Expr, ...]:
        return self.terms

    def _eval(self, env: Mapping[str, Value]) -> Value:
        total = self.terms[0]._eval(env)
        for t in self.terms[1:]:
            total = total + t._eval(env)
        return total


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    arg: Expr
    prec = PREC_NEG

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return -self.arg._eval(env)


@dataclass(frozen=True, eq=False)
class Mul(Expr):
    """Product; on arrays it is elementwise (printed ⊙ when `hadamard`)."""

    factors: tuple[Expr, ...]
    hadamard: bool = False
    prec = PREC_MUL

    @staticmethod
    def of(*factors: Expr, hadamard: bool = False) -> Expr:
        flat: list[Expr] = []
        for f in factors:
            if isinstance(f, Mul) and f.hadamard == hadamard:
                flat.extend(f.factors)
            else:
                flat.append(f)
        return Mul(tuple(flat), hadamard)

    def children(self) -> tuple[Expr, ...]:
        return self.factors

    def _eval(self, env: Mapping[str, Value]) -> Value:
        result = self.factors[0]._eval(env)
        for f in self.factors[1:]:
            result = result * f._eval(env)
        return result


@dataclass(frozen=True, eq=False)
class Div(Expr):
    num: Expr
    den: Expr
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.num, self.den)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return self.num._eval(env) / self.den._eval(env)


@dataclass(frozen=True, eq=False)
class Pow(Expr):
    base: Expr
    exp: Expr
    prec = PREC_POW

    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exp)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return np.power(self.base._eval(env), self.exp._eval(env))


def _stable_sigmoid(x: Value) -> Value:
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out if out.ndim else float(out)


@dataclass(frozen=True)
class Function:
    """How a named function prints (unicode / LaTeX) and evaluates (NumPy, elementwise)."""

    name: str
    uni: str
    tex: str
    impl: Callable[..., Value]


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("exp", "exp", r"\exp", np.exp),
        Function("log", "log", r"\log", np.log),
        Function("log1p", "log", r"\log", np.log1p),  # log(1 + x), printed so; exact for tiny x
        Function("log2", "log₂", r"\log_{2}", np.log2),
        Function("log10", "log₁₀", r"\log_{10}", np.log10),
        Function("sqrt", "√", r"\sqrt", np.sqrt),
        Function("sigma", "σ", r"\sigma", _stable_sigmoid),
        Function("tanh", "tanh", r"\tanh", np.tanh),
        Function("sin", "sin", r"\sin", np.sin),
        Function("cos", "cos", r"\cos", np.cos),
        Function("abs", "abs", r"\operatorname{abs}", np.abs),
        Function("sign", "sign", r"\operatorname{sign}", np.sign),
        Function("max", "max", r"\max", lambda *a: functools.reduce(np.maximum, a)),
        Function("min", "min", r"\min", lambda *a: functools.reduce(np.minimum, a)),
        Function("sum", "Σ", r"\sum", np.sum),
        Function("mean", "mean", r"\operatorname{mean}", np.mean),
        Function("diag", "diag", r"\operatorname{diag}", np.diag),
        Function("floor", "floor", r"\operatorname{floor}", np.floor),
        Function("ceil", "ceil", r"\operatorname{ceil}", np.ceil),
    )
}


@dataclass(frozen=True, eq=False)
class Call(Expr):
    fn: str
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return FUNCTIONS[self.fn].impl(*(a._eval(env) for a in self.args))


def call(fn: str, *args: object) -> Call:
    if fn not in FUNCTIONS:
        raise KeyError(fn)
    return Call(fn, tuple(as_expr(a) for a in args))


@dataclass(frozen=True, eq=False)
class Cmp(Expr):
    """A comparison, used only as a condition of `Piecewise`."""

    op: str  # one of < <= > >= == !=, or "and" / "or" joining two conditions
    lhs: Expr
    rhs: Expr
    prec = PREC_ADD - 1

    def children(self) -> tuple[Expr, ...]:
        return (self.lhs, self.rhs)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        a, b = self.lhs._eval(env), self.rhs._eval(env)
        return {
            "<": np.less, "<=": np.less_equal, ">": np.greater,
            ">=": np.greater_equal, "==": np.equal, "!=": np.not_equal,
            "and": np.logical_and, "or": np.logical_or,
        }[self.op](a, b)


@dataclass(frozen=True, eq=False)
class Piecewise(Expr):
    """`cases` are (value, condition) pairs tried in order; `otherwise` applies when none holds."""

    cases: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr

    def children(self) -> tuple[Expr, ...]:
        out: list[Expr] = []
        for value, cond in self.cases:
            out += [value, cond]
        return (*out, self.otherwise)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        result = self.otherwise._eval(env)
        for value, cond in reversed(self.cases):
            result = np.where(cond._eval(env), value._eval(env), result)
        return result if np.ndim(result) else float(result)


@dataclass(frozen=True, eq=False)
class MatMul(Expr):
    """Matrix product (vectors are 1-D: a·W for a row vector, W·a for a column)."""

    left: Expr
    right: Expr
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return np.matmul(self.left._eval(env), self.right._eval(env))


@dataclass(frozen=True, eq=False)
class Transpose(Expr):
    arg: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return np.transpose(self.arg._eval(env))


@dataclass(frozen=True, eq=False)
class Outer(Expr):
    """Outer product of two vectors: shown uᵀ·v (row vectors) or u·vᵀ (column vectors)."""

    left: Expr
    right: Expr
    rows: bool = True
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def _eval(self, env: Mapping[str, Value]) -> Value:
        return np.outer(self.left._eval(env), self.right._eval(env))


_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("dlsolve_expr_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Evaluate many formulas under one np.errstate (what `evaluate` sets for each otherwise):
    for loops of thousands of small evaluations, where entering errstate each time costs more
    than the arithmetic."""
    token = _QUIET.set(True)
    try:
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            yield
    finally:
        _QUIET.reset(token)


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """The value of `expr` with the symbols' values from `env` (float for scalars).

    Overflow is allowed to give ±inf (e^1000), as a careful hand computation would say "huge";
    stable forms (σ via two branches) keep the usual activations finite.
    """
    if _QUIET.get():
        value = expr._eval(env)
    else:
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            value = expr._eval(env)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    if isinstance(value, (np.floating, np.integer, np.bool_, int)):
        return float(value)
    return value


def drop_ones(expr: Expr) -> Expr:
    """Light tidying for symbolic answers: drop factors of 1 and terms of 0, pull signs out.

    Used only where a formula is shown without numbers (symbolic mode), so that
    −2(y − ŷ)·1·w₁₁^[2]·1·x₁ reads −2(y − ŷ)·w₁₁^[2]·x₁, as written by hand.
    """
    if isinstance(expr, Mul):
        factors: list[Expr] = []
        negative = False
        for f in (drop_ones(f) for f in expr.factors):
            if isinstance(f, Neg):
                negative = not negative
                f = f.arg
            if isinstance(f, Num) and f.value == 1:
                continue
            if isinstance(f, Num) and f.value == 0:
                return Num(0)
            factors.extend(f.factors if isinstance(f, Mul) and f.hadamard == expr.hadamard else (f,))
        out: Expr = Num(1) if not factors else factors[0] if len(factors) == 1 else Mul(tuple(factors), expr.hadamard)
        return Neg(out) if negative else out
    if isinstance(expr, Add):
        terms = [t for t in (drop_ones(t) for t in expr.terms) if not (isinstance(t, Num) and t.value == 0)]
        if not terms:
            return Num(0)
        return terms[0] if len(terms) == 1 else Add.of(*terms)
    if isinstance(expr, Neg):
        inner = drop_ones(expr.arg)
        return inner.arg if isinstance(inner, Neg) else Neg(inner)
    if isinstance(expr, Div):
        num, den = drop_ones(expr.num), drop_ones(expr.den)
        return num if isinstance(den, Num) and den.value == 1 else Div(num, den)
    return expr


def substitute(expr: Expr, mapping: Mapping[str, Expr]) -> Expr:
    """`expr` with every symbol whose key is in `mapping` replaced by that formula.

    Lets one derivative, taken once for generic y and ŷ, be written for unit k or for a vector.
    """
    if isinstance(expr, Sym):
        return mapping.get(expr.key, expr)
    if isinstance(expr, Num):
        return expr
    if isinstance(expr, Add):
        return Add(tuple(substitute(t, mapping) for t in expr.terms))
    if isinstance(expr, Mul):
        return Mul(tuple(substitute(f, mapping) for f in expr.factors), expr.hadamard)
    if isinstance(expr, Neg):
        return Neg(substitute(expr.arg, mapping))
    if isinstance(expr, Div):
        return Div(substitute(expr.num, mapping), substitute(expr.den, mapping))
    if isinstance(expr, Pow):
        return Pow(substitute(expr.base, mapping), substitute(expr.exp, mapping))
    if isinstance(expr, Call):
        return Call(expr.fn, tuple(substitute(a, mapping) for a in expr.args))
    if isinstance(expr, Cmp):
        return Cmp(expr.op, substitute(expr.lhs, mapping), substitute(expr.rhs, mapping))
    if isinstance(expr, Piecewise):
        return Piecewise(tuple((substitute(v, mapping), substitute(c, mapping)) for v, c in expr.cases),
                         substitute(expr.otherwise, mapping))
    if isinstance(expr, MatMul):
        return MatMul(substitute(expr.left, mapping), substitute(expr.right, mapping))
    if isinstance(expr, Transpose):
        return Transpose(substitute(expr.arg, mapping))
    if isinstance(expr, Outer):
        return Outer(substitute(expr.left, mapping), substitute(expr.right, mapping), expr.rows)
    raise TypeError(type(expr).__name__)


def hadamard(*factors: Expr) -> Expr:
    """Elementwise product of vectors, shown with ⊙."""
    return Mul.of(*factors, hadamard=True)
