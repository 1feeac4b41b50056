"""A small expression tree for the formulas of a worked solution.

Why our own and not SymPy's: a formula here must print exactly as a teaching assistant writes it
(terms in the order written, x·w never reordered to w·x, (−3)² never −3²), evaluate on scalars
and on NumPy arrays alike, and load without SymPy for the kinds that need no calculus. SymPy is
still the calculus engine (`dlsolve.symbolic` converts both ways) and the independent evaluator
that `dlsolve.verify` checks every step against.

A formula is built with Python operators over `Sym` leaves (quantities such as z₁^[1] or ∂L/∂ŷ)
and `Num` constants; `evaluate(expr, env)` computes it from the values bound to its symbols
(each node's `compute`, under one NumPy error state). Every node gives `children()` and
`rebuild(*children)`, so rewriting walks (`substitute`, `drop_ones`) are written once; what
differs per node elsewhere (SymPy forms, exact values, the printers) is a `dlsolve.visitor.Visitor`.
The functions a `Call` may name are the records of `dlsolve.functions`.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Iterator, Mapping, Union

import numpy as np

from dlsolve import function_forms as _forms
from dlsolve.functions import FUNCTIONS as _FUNCTIONS
from dlsolve.functions import Function

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
        """The sub-formulas, in the order `rebuild` takes them (none for a leaf)."""
        return ()

    def rebuild(self, *children: Expr) -> Expr:
        """The same kind of node over new children: `e.rebuild(*e.children())` is e again
        (SymPy's `e.func(*e.args) == e`), so walks that rewrite a tree need no per-node code."""
        return self

    def walk(self) -> Iterator[Expr]:
        """Every node, depth first, this one first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def symbols(self) -> list[Sym]:
        """The distinct symbols of the formula in order of first appearance (kept on the node: a
        formula never changes, and training evaluates the same ones thousands of times)."""
        if "_symbols" not in self.__dict__:
            seen: dict[str, Sym] = {}
            for node in self.walk():
                if isinstance(node, Sym):
                    seen.setdefault(node.key, node)
            object.__setattr__(self, "_symbols", tuple(seen.values()))
        return list(self.__dict__["_symbols"])

    def compute(self, env: Mapping[str, Value]) -> Value:  # pragma: no cover - abstract
        """This node's value from its children's, as NumPy gives it (NumPy scalars, warnings as the
        current error state says). Call `evaluate`, which sets that state and gives floats."""
        raise NotImplementedError


def as_expr(x: object) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float, Fraction)) and not isinstance(x, bool):
        return Num(x)
    raise TypeError(f"cannot make a formula of {x!r}")


_QUIET = contextvars.ContextVar("dlsolve_expr_quiet", default=False)
_ALREADY = contextlib.nullcontext()   # inside quiet(): its errstate holds


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """One np.errstate for many evaluations (entering it per call costs more than tiny arithmetic)."""
    token = _QUIET.set(True)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _QUIET.reset(token)


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """The value of `expr` with the symbols' values from `env` (float for scalars).

    Overflow is allowed to give ±inf (e^1000), as a careful hand computation would say "huge";
    stable forms (σ via two branches) keep the usual activations finite.
    """
    with _ALREADY if _QUIET.get() else np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        value = expr.compute(env)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    if isinstance(value, (np.floating, np.integer, np.bool_, int)):
        return float(value)
    return value


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

    def compute(self, env: Mapping[str, Value]) -> Value:
        try:
            value = env[self.key]
        except KeyError:
            raise UnboundSymbol(self.key) from None
        return value if isinstance(value, np.ndarray) else np.float64(value)


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A constant written into a formula (2 in 2·x, ½ in ½(y − ŷ)²), printed exactly."""

    value: int | float | Fraction

    def compute(self, env: Mapping[str, Value]) -> Value:
        value: Value
        try:
            value = np.float64(float(self.value))
        except OverflowError:  # an exact integer beyond float64 (from SymPy): as float64 would say
            value = np.float64(np.inf if self.value > 0 else -np.inf)
        return value


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

    def rebuild(self, *children: Expr) -> Expr:
        return Add(children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        total = self.terms[0].compute(env)
        for t in self.terms[1:]:
            total = total + t.compute(env)
        return total


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    arg: Expr
    prec = PREC_NEG

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, *children: Expr) -> Expr:
        return Neg(*children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        return -self.arg.compute(env)


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

    def rebuild(self, *children: Expr) -> Expr:
        return Mul(children, self.hadamard)

    def compute(self, env: Mapping[str, Value]) -> Value:
        result = self.factors[0].compute(env)
        for f in self.factors[1:]:
            result = result * f.compute(env)
        return result


@dataclass(frozen=True, eq=False)
class Div(Expr):
    num: Expr
    den: Expr
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.num, self.den)

    def rebuild(self, *children: Expr) -> Expr:
        return Div(*children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        return self.num.compute(env) / self.den.compute(env)


@dataclass(frozen=True, eq=False)
class Pow(Expr):
    base: Expr
    exp: Expr
    prec = PREC_POW

    def children(self) -> tuple[Expr, ...]:
        return (self.base, self.exp)

    def rebuild(self, *children: Expr) -> Expr:
        return Pow(*children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        return np.power(self.base.compute(env), self.exp.compute(env))


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """A function applied to its arguments. `fn` is the function's record (not its name), so the
    printers, the evaluators, the NaN notes and the variant checks ask the record what it is."""

    fn: Function
    args: tuple[Expr, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args

    def rebuild(self, *children: Expr) -> Expr:
        return Call(self.fn, children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        value: Value = self.fn.numpy(*(a.compute(env) for a in self.args))
        return value


def call(fn: str | Function, *args: object) -> Call:
    """`fn` applied to `args`: a record, or the key of one in the registry (KeyError if none)."""
    record = fn if isinstance(fn, Function) else _FUNCTIONS[fn]
    return Call(record, tuple(as_expr(a) for a in args))


@dataclass(frozen=True, eq=False)
class Cmp(Expr):
    """A comparison, used only as a condition of `Piecewise`."""

    op: str  # one of < <= > >= == !=, or "and" / "or" joining two conditions
    lhs: Expr
    rhs: Expr
    prec = PREC_ADD - 1

    def children(self) -> tuple[Expr, ...]:
        return (self.lhs, self.rhs)

    def rebuild(self, *children: Expr) -> Expr:
        return Cmp(self.op, *children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        a, b = self.lhs.compute(env), self.rhs.compute(env)
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

    def rebuild(self, *children: Expr) -> Expr:
        pairs = children[:-1]
        return Piecewise(tuple((pairs[k], pairs[k + 1]) for k in range(0, len(pairs), 2)), children[-1])

    def compute(self, env: Mapping[str, Value]) -> Value:
        result = self.otherwise.compute(env)
        for value, cond in reversed(self.cases):
            result = np.where(cond.compute(env), value.compute(env), result)
        return result if np.ndim(result) else float(result)


@dataclass(frozen=True, eq=False)
class MatMul(Expr):
    """Matrix product (vectors are 1-D: a·W for a row vector, W·a for a column)."""

    left: Expr
    right: Expr
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def rebuild(self, *children: Expr) -> Expr:
        return MatMul(*children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        value: Value = np.matmul(self.left.compute(env), self.right.compute(env))
        return value


@dataclass(frozen=True, eq=False)
class Transpose(Expr):
    arg: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def rebuild(self, *children: Expr) -> Expr:
        return Transpose(*children)

    def compute(self, env: Mapping[str, Value]) -> Value:
        return np.transpose(self.arg.compute(env))


@dataclass(frozen=True, eq=False)
class Outer(Expr):
    """Outer product of two vectors: shown uᵀ·v (row vectors) or u·vᵀ (column vectors)."""

    left: Expr
    right: Expr
    rows: bool = True
    prec = PREC_MUL

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    def rebuild(self, *children: Expr) -> Expr:
        left, right = children
        return Outer(left, right, rows=self.rows)

    def compute(self, env: Mapping[str, Value]) -> Value:
        return np.outer(self.left.compute(env), self.right.compute(env))


def drop_ones(expr: Expr) -> Expr:
    """Light tidying for symbolic answers: drop factors of 1 and terms of 0, pull signs out.

    Used only where a formula is shown without numbers (symbolic mode), so that
    −2(y − ŷ)·1·w₁₁^[2]·1·x₁ reads −2(y − ŷ)·w₁₁^[2]·x₁, as written by hand.
    """
    expr = expr.rebuild(*(drop_ones(c) for c in expr.children()))
    if isinstance(expr, Mul):
        factors: list[Expr] = []
        negative = False
        for f in expr.factors:
            if isinstance(f, Neg):
                negative = not negative
                f = f.arg
            if _is(f, 1):
                continue
            if _is(f, 0):
                return Num(0)
            factors.extend(f.factors if isinstance(f, Mul) and f.hadamard == expr.hadamard else (f,))
        out: Expr = Num(1) if not factors else factors[0] if len(factors) == 1 else Mul(tuple(factors), expr.hadamard)
        return Neg(out) if negative else out
    if isinstance(expr, Add):
        return total(t for t in expr.terms if not _is(t, 0))
    if isinstance(expr, Neg):
        return expr.arg.arg if isinstance(expr.arg, Neg) else expr
    if isinstance(expr, Div):
        return expr.num if _is(expr.den, 1) else expr
    return expr


def _is(e: Expr, n: int) -> bool:
    return isinstance(e, Num) and e.value == n


def substitute(expr: Expr, mapping: Mapping[str, Expr]) -> Expr:
    """`expr` with every symbol whose key is in `mapping` replaced by that formula.

    Lets one derivative, taken once for generic y and ŷ, be written for unit k or for a vector.
    """
    if isinstance(expr, Sym):
        return mapping.get(expr.key, expr)
    return expr.rebuild(*(substitute(c, mapping) for c in expr.children()))


def total(terms: Iterable[Expr]) -> Expr:
    """t₁ + t₂ + … as written: the one term itself when there is one (never an Add of one term),
    0 when there are none. The one home of that rule for every kind that sums a list of terms."""
    terms = tuple(terms)
    if not terms:
        return Num(0)
    return terms[0] if len(terms) == 1 else Add.of(*terms)


def hadamard(*factors: Expr) -> Expr:
    """Elementwise product of vectors, shown with ⊙."""
    return Mul.of(*factors, hadamard=True)


# The derivative formulas of the function records (dlsolve/function_forms.py) are written over
# these nodes: installed here, where the nodes are made, so that module need not import this one.
_forms.use_nodes(sys.modules[__name__])


__all__ = ["Add", "Call", "Cmp", "Div", "Expr", "MatMul", "Mul", "Neg", "Num", "Outer",
           "PREC_ADD", "PREC_ATOM", "PREC_MUL", "PREC_NEG", "PREC_POW", "Piecewise", "Pow", "Sym", "Transpose",
           "UnboundSymbol", "Value", "as_expr", "call", "drop_ones", "evaluate", "hadamard", "quiet",
           "substitute", "total"]
