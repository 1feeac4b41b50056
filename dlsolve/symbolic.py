"""The bridge to SymPy: formulas to SymPy for differentiation, and SymPy results back.

Imported only by kinds that need calculus (SymPy takes a noticeable time to import).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import sympy as sp

from dlsolve import expr as E
from dlsolve.errors import SpecInvalid
from dlsolve.function_forms import NoGradient
from dlsolve.functions import FUNCTIONS, by_sympy_head
from dlsolve.visitor import Visitor


class _ToSympy(Visitor):
    def visit_Sym(self, e: E.Sym) -> sp.Expr:
        return sp.Symbol(e.key, real=True)

    def visit_Num(self, e: E.Num) -> sp.Expr:
        v = e.value
        if isinstance(v, Fraction):
            return sp.Rational(v.numerator, v.denominator)
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v)

    def visit_Add(self, e: E.Add) -> sp.Expr:
        return sp.Add(*(self.visit(t) for t in e.terms))

    def visit_Neg(self, e: E.Neg) -> sp.Expr:
        return -self.visit(e.arg)

    def visit_Mul(self, e: E.Mul) -> sp.Expr:
        return sp.Mul(*(self.visit(f) for f in e.factors))

    def visit_Div(self, e: E.Div) -> sp.Expr:
        return self.visit(e.num) / self.visit(e.den)

    def visit_Pow(self, e: E.Pow) -> sp.Expr:
        return self.visit(e.base) ** self.visit(e.exp)

    def visit_Call(self, e: E.Call) -> sp.Expr:
        return e.fn.sympy_form(sp, *(self.visit(a) for a in e.args))

    def visit_Cmp(self, e: E.Cmp) -> sp.Basic:
        ops = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne,
               "and": sp.And, "or": sp.Or}
        return ops[e.op](self.visit(e.lhs), self.visit(e.rhs))

    def visit_Piecewise(self, e: E.Piecewise) -> sp.Expr:
        pieces = [(self.visit(v), self.visit(c)) for v, c in e.cases]
        return sp.Piecewise(*pieces, (self.visit(e.otherwise), True))

    def visit_Foreign(self, e: Foreign) -> sp.Expr:
        return e.form

    def unknown(self, e: E.Expr) -> sp.Expr:
        raise ValueError(f"no SymPy form for {type(e).__name__}")


def to_sympy(e: E.Expr) -> sp.Expr:
    """A SymPy expression equal to `e`; symbols become real SymPy symbols named by key."""
    return _ToSympy().visit(e)


def from_sympy(s: sp.Basic, symbols: Mapping[str, E.Sym], fallback: bool = True) -> E.Expr:
    """Our formula for a SymPy result, terms in SymPy's printing order, a/b as fractions.

    A SymPy node we have no form for (re, im, a special function) is kept as it is — a `Foreign`
    node, shown by SymPy's own printer — unless `fallback` is False (then ValueError)."""
    formula: E.Expr = _FromSympy(symbols, fallback).visit(s)
    return formula


class _FromSympy(Visitor):
    def __init__(self, symbols: Mapping[str, E.Sym], fallback: bool) -> None:
        self.symbols, self.fallback = symbols, fallback
        self.heads = by_sympy_head(sp)

    def visit_Symbol(self, s: sp.Symbol) -> E.Expr:
        return self.symbols[s.name]

    def visit_Exp1(self, s: sp.Basic) -> E.Expr:
        return E.call("exp", E.Num(1))

    def visit_Pi(self, s: sp.Basic) -> E.Expr:
        return E.call("pi", E.Num(1))

    def visit_Infinity(self, s: sp.Basic) -> E.Expr:  # 1/0 in one branch of a piecewise formula
        return E.Num(float("inf"))

    visit_ComplexInfinity = visit_Infinity

    def visit_NegativeInfinity(self, s: sp.Basic) -> E.Expr:
        return E.Neg(E.Num(float("inf")))

    def visit_NaN(self, s: sp.Basic) -> E.Expr:
        return E.Num(float("nan"))

    def visit_Integer(self, s: sp.Integer) -> E.Expr:
        n = int(s)
        return E.Neg(E.Num(-n)) if n < 0 else E.Num(n)

    def visit_Rational(self, s: sp.Rational) -> E.Expr:
        f = Fraction(int(s.p), int(s.q))
        return E.Neg(E.Num(-f)) if f < 0 else E.Num(f)

    def visit_Float(self, s: sp.Float) -> E.Expr:
        v = float(s)
        return E.Neg(E.Num(-v)) if v < 0 else E.Num(v)

    def visit_Add(self, s: sp.Add) -> E.Expr:
        try:
            terms = s.as_ordered_terms()
        except (ArithmeticError, TypeError, ValueError):  # ordering evaluates terms numerically: 9/log(tanh(10¹⁵))
            terms = list(s.args)
        if terms and terms[0].could_extract_minus_sign() and _plain(-terms[0]):  # y − a, not SymPy's −a + y
            first = next((k for k, t in enumerate(terms) if not t.could_extract_minus_sign()), None)
            if first is not None:
                terms.insert(0, terms.pop(first))
        return E.Add.of(*(self.visit(t) for t in terms))

    def visit_Mul(self, s: sp.Mul) -> E.Expr:
        coeff, rest = s.as_coeff_Mul()
        if coeff == -1:
            return E.Neg(self.visit(rest))
        if coeff.is_number and coeff.is_extended_negative:
            return E.Neg(self.visit(-s))
        num, den = [], []
        try:
            factors = s.as_ordered_factors()
        except (ArithmeticError, TypeError, ValueError):
            factors = list(s.args)
        for f in factors:
            base, exp = f.as_base_exp()
            if isinstance(f, sp.Pow) and exp.is_number and exp.is_extended_negative:
                den.append(base ** (-exp))
            elif isinstance(f, sp.Rational) and f.q != 1:
                num.append(sp.Integer(f.p)) if f.p != 1 else None
                den.append(sp.Integer(f.q))
            else:
                num.append(f)
        top = E.Mul.of(*(self.visit(f) for f in num)) if len(num) > 1 else (
            self.visit(num[0]) if num else E.Num(1))
        if not den:
            return top
        bottom = E.Mul.of(*(self.visit(f) for f in den)) if len(den) > 1 else self.visit(den[0])
        return E.Div(top, bottom)

    def visit_Pow(self, s: sp.Pow) -> E.Expr:
        base, exp = s.as_base_exp()
        if exp.is_number and exp.is_extended_negative:
            return E.Div(E.Num(1), self.visit(base ** (-exp)))
        if base == sp.E:
            return E.call("exp", self.visit(exp))
        if exp == sp.Rational(1, 2):
            return E.call("sqrt", self.visit(base))
        return E.Pow(self.visit(base), self.visit(exp))

    def visit_Heaviside(self, s: sp.Basic) -> E.Expr:
        # d/dx max(x, y): 1 where x wins, 0 where y wins, ½ at a tie (SymPy's H(0) = 1/2)
        x = self.visit(s.args[0])
        return E.Piecewise(((E.Num(1), E.Cmp(">", x, E.Num(0))), (E.Num(0), E.Cmp("<", x, E.Num(0)))),
                           E.Num(Fraction(1, 2)))

    def visit_Piecewise(self, s: sp.Piecewise) -> E.Expr:
        cases: list[tuple[E.Expr, E.Expr]] = []
        for value, cond in s.args:
            cond = sp.simplify_logic(cond) if not cond.is_Relational and cond not in (sp.true, sp.false) else cond
            if cond == sp.false:
                continue
            if cond == sp.true:
                return E.Piecewise(tuple(cases), self.visit(value)) if cases else self.visit(value)
            cases.append((self.visit(value), self.visit(cond)))
        return E.Piecewise(tuple(cases[:-1]), cases[-1][0])

    def visit_And(self, s: sp.Basic) -> E.Expr:
        parts: list[E.Expr] = [self.visit(a) for a in s.args]
        out = parts[0]
        for p in parts[1:]:
            out = E.Cmp("and" if isinstance(s, sp.And) else "or", out, p)
        return out

    visit_Or = visit_And

    def visit_Relational(self, s: sp.Basic) -> E.Expr:
        return E.Cmp(s.rel_op, self.visit(s.lhs), self.visit(s.rhs))

    def unknown(self, s: sp.Basic) -> E.Expr:
        for cls in type(s).__mro__:
            if cls in self.heads:  # exp, log, tanh, Abs, Max, … as the registry names them
                return E.call(self.heads[cls], *(self.visit(a) for a in s.args))
        if not self.fallback or not isinstance(s, sp.Expr):
            raise ValueError(f"cannot show SymPy's {s}")
        names = sorted(s.free_symbols, key=lambda x: x.name)
        return Foreign(s, tuple(self.symbols[x.name] for x in names))


# -- Foreign nodes: SymPy's own expressions inside our formulas -------------------------------------
@dataclass(frozen=True, eq=False)
class Foreign(E.Expr):
    """A SymPy result dlsolve has no node for (re(x^c) in the derivative of |x^c|), kept as SymPy's
    own expression over our symbols, shown in SymPy's notation and evaluated through SymPy.

    Lives here, with SymPy: only `from_sympy` makes one, so it exists only where SymPy is loaded."""

    form: Any                      # the SymPy expression, its symbols named by our keys
    args: tuple[E.Sym, ...]        # our symbols of its free symbols

    def children(self) -> tuple[E.Expr, ...]:
        return self.args

    def rebuild(self, *children: E.Expr) -> E.Expr:
        if all(a is b for a, b in zip(children, self.args)):
            return self
        return foreign_rebuild(self, children)

    def text(self, latex: bool, names: Mapping[str, str]) -> str:
        """SymPy's printing, each symbol written as `names` says (by key)."""
        return foreign_text(self, latex, names)

    def compute(self, env: Mapping[str, E.Value]) -> E.Value:
        value: E.Value = foreign_value(self, {a.key: a.compute(env) for a in self.args})
        return value


def foreign_rebuild(e: Foreign, children: tuple[E.Expr, ...]) -> E.Expr:
    """`e` with its symbols replaced by other formulas (a substitution)."""
    form = e.form.xreplace({sp.Symbol(a.key, real=True): to_sympy(c) for a, c in zip(e.args, children)})
    symbols = {s.key: s for c in children for s in c.symbols()}
    return from_sympy(form, symbols)


def foreign_text(e: Foreign, latex: bool, names: Mapping[str, str]) -> str:
    """SymPy's printing of `e` with each symbol written as `names` says (its name, or its value
    in a substitution line). Symbols stand in for the values, so SymPy evaluates nothing."""
    if latex:  # written verbatim (a Symbol's own name would be split at its underscores)
        return str(sp.latex(e.form, symbol_names={sp.Symbol(a.key, real=True): names[a.key] for a in e.args}))
    form = e.form.xreplace({sp.Symbol(a.key, real=True): sp.Symbol(names[a.key]) for a in e.args})
    return str(sp.sstr(form)).replace("**", "^")


def foreign_value(e: Foreign, values: Mapping[str, Any]) -> Any:
    """The value in float64 (NaN where it is not a real number), entry by entry for arrays."""
    symbols = [sp.Symbol(a.key, real=True) for a in e.args]

    def one(*xs: float) -> float:
        try:
            z = complex(sp.N(e.form.xreplace({s: sp.Float(float(x)) for s, x in zip(symbols, xs)})))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):  # no number (an unevaluated d/dx)
            return float("nan")
        return z.real if abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)) else float("nan")

    args = [values[a.key] for a in e.args]
    if any(np.ndim(v) for v in args):
        return np.vectorize(one, otypes=[float])(*args)
    return np.float64(one(*(float(v) for v in args)))


def diff(e: E.Expr, wrt: E.Sym, tidy: bool = True) -> E.Expr:
    """d e / d wrt by `sympy.diff`, returned as our formula over the same symbols.

    With `tidy`, a polynomial result with exact coefficients is factored (−2(y − ŷ) rather than
    2ŷ − 2y), the form a hand derivation arrives at; anything else is shown as SymPy gives it.
    """
    symbols = {s.key: s for s in e.symbols()}
    symbols[wrt.key] = wrt
    d = differentiate(to_sympy(e), sp.Symbol(wrt.key, real=True))
    return from_sympy(tidy_form(d) if tidy else d, symbols)


def differentiate(e: sp.Basic, wrt: sp.Symbol) -> sp.Basic:
    """sympy.diff, with SymPy's own failures on odd formulas (an endless recursion in
    log(tanh(√cos(2^60))), found by fuzzing) turned into a typed error."""
    try:
        return sp.diff(e, wrt)
    except NoGradient as exc:  # argmax, onehot: the record says why
        raise SpecInvalid(str(exc)) from None
    except (RecursionError, TypeError, ValueError) as exc:
        raise SpecInvalid(f"SymPy could not differentiate this formula ({type(exc).__name__})") from None


def simplified(e: E.Expr, symbols: Mapping[str, E.Sym]) -> E.Expr | None:
    """The chain-rule product in a clearly shorter form, where the course simplifies it (sigmoid
    with cross-entropy: ((1 − y)/(1 − a) − y/a)·a·(1 − a)·x is (a − y)·x); None when cancelling
    and factoring save fewer than two operations (a product already as short as it gets stays as
    the chain rule wrote it)."""
    s = to_sympy(e)
    try:
        t = sp.factor(sp.cancel(s))
    except (ArithmeticError, TypeError, ValueError, RecursionError, sp.PolynomialError):
        return None
    if sp.count_ops(t) > sp.count_ops(s) - 2 or t.has(sp.Float) != s.has(sp.Float):
        return None
    return from_sympy(t, symbols)


def tidy_form(e: sp.Basic) -> sp.Basic:
    """A polynomial with exact coefficients, factored (−2(y − ŷ) rather than 2ŷ − 2y), as a hand
    derivation arrives at it; anything else as SymPy gives it."""
    if e.is_polynomial() and not e.is_number and not e.has(sp.Float):
        return sp.factor(e)
    return e


# -- the course's forms ------------------------------------------------------------------------------
def course_derivative(local: sp.Basic, parent: sp.Symbol, child: E.Sym,
                      symbols: Mapping[str, E.Sym]) -> tuple[E.Expr, str] | None:
    """∂child/∂parent in the course's form when the child is a named activation of a formula in
    `parent` — child = f(u) with f's derivative written in f itself (σ′ = σ(1 − σ), tanh′ = 1 −
    tanh², exp′ = exp): f′(u)·∂u/∂parent with f(u) written as the child, so ∂a/∂z = a·(1 − a),
    not e^(−z)/(1 + e^(−z))², and ∂h₃/∂h₂ = W_h·(1 − h₃²). The form comes from the function's
    own record (its `derivative`), the factor ∂u/∂parent from sympy.diff. Returns (the form,
    the function's printed name), or None when the formula is no such activation (then
    sympy.diff's form is shown)."""
    for fn, u in _applied(local, lambda f: f.derivative is not None):
        if not u.has(parent):
            continue
        arg = E.Sym("__course_u__", "u", "u")
        prime = fn.derivative(arg)
        if not _calls(prime, fn.name, arg):
            return None  # f′ not written in f (log′ = 1/x): SymPy's form says the same
        inner = from_sympy(u, symbols)

        def sub(e: E.Expr) -> E.Expr:
            if isinstance(e, E.Call) and _name(e) == fn.name and len(e.args) == 1 and e.args[0] is arg:
                return child
            if e is arg:
                return inner
            kids = e.children()
            return e.rebuild(*(sub(k) for k in kids)) if kids else e

        course = sub(prime)
        du = tidy_form(differentiate(u, parent))
        if du == 1:
            return course, fn.uni
        return E.Mul.of(from_sympy(du, symbols), course), fn.uni
    return None


def _name(e: E.Call) -> str:
    name: str = e.fn.name  # a call node holds its Function record
    return name


def _calls(e: E.Expr, name: str, arg: E.Expr) -> bool:
    if isinstance(e, E.Call) and _name(e) == name and len(e.args) == 1 and e.args[0] is arg:
        return True
    return any(_calls(k, name, arg) for k in e.children())


def course_form(local: sp.Basic, written: str, symbols: Mapping[str, E.Sym]) -> E.Expr | None:
    """A definition shown as written when it is a named function SymPy expands: a = σ(z), not
    a = 1/(1 + e^(−z)) — only for a function whose name the definition writes; else None."""
    for fn, u in _applied(local, lambda f: f.sympy_head is None and
                          any(f"{name}(" in written.replace(" ", "") for name in f.written)):
        return E.call(fn.name, from_sympy(u, symbols))
    return None


def _applied(local: sp.Basic, wanted: Callable[[Any], bool]) -> Iterator[tuple[Any, sp.Basic]]:
    """(function record, its argument u) for each one-argument function of the registry that
    `wanted` picks and whose SymPy form, applied to some u, is `local` (1/(1 + e^(−z)) is σ(z))."""
    u = sp.Wild("u")
    for fn in FUNCTIONS.values():
        if fn.sympy is None or fn.shape != "map" or not wanted(fn):
            continue
        try:
            pattern = fn.sympy_form(sp, u)
        except (TypeError, ValueError, AttributeError):
            continue
        if pattern == u or not isinstance(pattern, sp.Basic):
            continue
        found = _match(local, pattern)
        if found and u in found:
            yield fn, found[u]


def signed_product(factors: list[E.Expr]) -> E.Expr:
    """A product with its factors' minus signs taken to the front: −2·(y − a)·a·(1 − a)·x, not
    (−2·(y − a))·a·(1 − a)·x."""
    negative = False
    plain = []
    for f in factors:
        while isinstance(f, E.Neg):
            negative, f = not negative, f.arg
        if not (isinstance(f, E.Num) and f.value == 1):
            plain.append(f)
    body = E.Mul.of(*plain) if len(plain) > 1 else plain[0] if plain else E.Num(1)
    return E.Neg(body) if negative else body


def _match(e: sp.Basic, pattern: sp.Basic) -> dict[Any, Any] | None:
    """SymPy's match, with its own failures on odd formulas (1/log(tanh(10¹⁵)) divides by zero
    in mpmath, found by fuzzing) taken as no match."""
    try:
        found: dict[Any, Any] | None = e.match(pattern)
        return found
    except (ArithmeticError, TypeError, ValueError, RecursionError, AttributeError):
        return None


def _plain(t: sp.Basic) -> bool:
    """A symbol or a product of symbols and numbers (a, 2·a·y): moved behind a positive term
    it reads as the course writes it; a fraction such as −y/ŷ stays first, as written."""
    return bool(t.is_Symbol or (t.is_Mul and all(a.is_Symbol or a.is_Number for a in t.args)))
