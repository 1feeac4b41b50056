"""The bridge to SymPy: formulas to SymPy for differentiation, and SymPy results back.

Imported only by kinds that need calculus (SymPy takes a noticeable time to import).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping

import sympy as sp

from dlsolve import expr as E


def to_sympy(e: E.Expr) -> sp.Expr:
    """A SymPy expression equal to `e`; symbols become real SymPy symbols named by key."""
    if isinstance(e, E.Sym):
        return sp.Symbol(e.key, real=True)
    if isinstance(e, E.Num):
        v = e.value
        return sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.nsimplify(v) if isinstance(v, int) else sp.Float(v)
    if isinstance(e, E.Add):
        return sp.Add(*(to_sympy(t) for t in e.terms))
    if isinstance(e, E.Neg):
        return -to_sympy(e.arg)
    if isinstance(e, E.Mul):
        return sp.Mul(*(to_sympy(f) for f in e.factors))
    if isinstance(e, E.Div):
        return to_sympy(e.num) / to_sympy(e.den)
    if isinstance(e, E.Pow):
        return to_sympy(e.base) ** to_sympy(e.exp)
    if isinstance(e, E.Call):
        args = [to_sympy(a) for a in e.args]
        fn = {
            "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh, "abs": sp.Abs,
            "sin": sp.sin, "cos": sp.cos, "floor": sp.floor, "ceil": sp.ceiling,
            "sign": sp.sign, "max": sp.Max, "min": sp.Min, "sigma": lambda x: 1 / (1 + sp.exp(-x)),
            "log1p": lambda x: sp.log(1 + x), "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10),
        }.get(e.fn)
        if fn is None:
            raise ValueError(f"no SymPy form for {e.fn}")
        return fn(*args)
    if isinstance(e, E.Cmp):
        ops = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne,
               "and": sp.And, "or": sp.Or}
        return ops[e.op](to_sympy(e.lhs), to_sympy(e.rhs))
    if isinstance(e, E.Piecewise):
        pieces = [(to_sympy(v), to_sympy(c)) for v, c in e.cases]
        return sp.Piecewise(*pieces, (to_sympy(e.otherwise), True))
    raise ValueError(f"no SymPy form for {type(e).__name__}")


def from_sympy(s: sp.Basic, symbols: Mapping[str, E.Sym]) -> E.Expr:
    """Our formula for a SymPy result, terms in SymPy's printing order, a/b as fractions."""
    if isinstance(s, sp.Symbol):
        return symbols[s.name]
    if s == sp.E:
        return E.call("exp", E.Num(1))
    if s in (sp.oo, sp.zoo):  # a division by zero in one branch of a piecewise formula
        return E.Num(float("inf"))
    if s == -sp.oo:
        return E.Neg(E.Num(float("inf")))
    if s is sp.nan:
        return E.Num(float("nan"))
    if isinstance(s, sp.Integer):
        n = int(s)
        return E.Neg(E.Num(-n)) if n < 0 else E.Num(n)
    if isinstance(s, sp.Rational):
        f = Fraction(int(s.p), int(s.q))
        return E.Neg(E.Num(-f)) if f < 0 else E.Num(f)
    if isinstance(s, sp.Float):
        v = float(s)
        return E.Neg(E.Num(-v)) if v < 0 else E.Num(v)
    if isinstance(s, sp.Add):
        terms = [from_sympy(t, symbols) for t in s.as_ordered_terms()]
        return E.Add.of(*terms)
    if isinstance(s, sp.Mul):
        coeff, rest = s.as_coeff_Mul()
        if coeff == -1:
            return E.Neg(from_sympy(rest, symbols))
        if coeff.is_number and coeff < 0:
            return E.Neg(from_sympy(-s, symbols))
        num, den = [], []
        for f in s.as_ordered_factors():
            base, exp = f.as_base_exp()
            if isinstance(f, sp.Pow) and exp.is_number and exp < 0:
                den.append(base ** (-exp))
            elif isinstance(f, sp.Rational) and f.q != 1:
                num.append(sp.Integer(f.p)) if f.p != 1 else None
                den.append(sp.Integer(f.q))
            else:
                num.append(f)
        top = E.Mul.of(*(from_sympy(f, symbols) for f in num)) if len(num) > 1 else (
            from_sympy(num[0], symbols) if num else E.Num(1))
        if not den:
            return top
        bottom = E.Mul.of(*(from_sympy(f, symbols) for f in den)) if len(den) > 1 else from_sympy(den[0], symbols)
        return E.Div(top, bottom)
    if isinstance(s, sp.Pow):
        base, exp = s.as_base_exp()
        if exp.is_number and exp < 0:
            return E.Div(E.Num(1), from_sympy(base ** (-exp), symbols))
        if base == sp.E:
            return E.call("exp", from_sympy(exp, symbols))
        if exp == sp.Rational(1, 2):
            return E.call("sqrt", from_sympy(base, symbols))
        return E.Pow(from_sympy(base, symbols), from_sympy(exp, symbols))
    if isinstance(s, sp.exp):
        return E.call("exp", from_sympy(s.args[0], symbols))
    simple = {sp.log: "log", sp.tanh: "tanh", sp.Abs: "abs", sp.sign: "sign", sp.sin: "sin", sp.cos: "cos"}
    for cls, name in simple.items():
        if isinstance(s, cls):
            return E.call(name, from_sympy(s.args[0], symbols))
    if isinstance(s, (sp.Max, sp.Min)):
        return E.call("max" if isinstance(s, sp.Max) else "min", *(from_sympy(a, symbols) for a in s.args))
    if isinstance(s, sp.Heaviside):
        # d/dx max(x, y): 1 where x wins, 0 where y wins, ½ at a tie (SymPy's H(0) = 1/2)
        x = from_sympy(s.args[0], symbols)
        return E.Piecewise(((E.Num(1), E.Cmp(">", x, E.Num(0))), (E.Num(0), E.Cmp("<", x, E.Num(0)))),
                           E.Num(Fraction(1, 2)))
    if isinstance(s, sp.Piecewise):
        cases = []
        for value, cond in s.args:
            cond = sp.simplify_logic(cond) if not cond.is_Relational and cond not in (sp.true, sp.false) else cond
            if cond == sp.false:
                continue
            if cond == sp.true:
                return E.Piecewise(tuple(cases), from_sympy(value, symbols)) if cases else from_sympy(value, symbols)
            cases.append((from_sympy(value, symbols), from_sympy(cond, symbols)))
        return E.Piecewise(tuple(cases[:-1]), cases[-1][0])
    if isinstance(s, (sp.And, sp.Or)):
        parts = [from_sympy(a, symbols) for a in s.args]
        out = parts[0]
        for p in parts[1:]:
            out = E.Cmp("and" if isinstance(s, sp.And) else "or", out, p)
        return out
    if isinstance(s, sp.core.relational.Relational):
        return E.Cmp(s.rel_op, from_sympy(s.lhs, symbols), from_sympy(s.rhs, symbols))
    raise ValueError(f"cannot show SymPy's {s}")


def diff(e: E.Expr, wrt: E.Sym, tidy: bool = True) -> E.Expr:
    """d e / d wrt by `sympy.diff`, returned as our formula over the same symbols.

    With `tidy`, a polynomial result with exact coefficients is factored (−2(y − ŷ) rather than
    2ŷ − 2y), the form a hand derivation arrives at; anything else is shown as SymPy gives it.
    """
    symbols = {s.key: s for s in e.symbols()}
    symbols[wrt.key] = wrt
    d = sp.diff(to_sympy(e), sp.Symbol(wrt.key, real=True))
    return from_sympy(tidy_form(d) if tidy else d, symbols)


def tidy_form(e: sp.Basic) -> sp.Basic:
    """A polynomial with exact coefficients, factored (−2(y − ŷ) rather than 2ŷ − 2y), as a hand
    derivation arrives at it; anything else as SymPy gives it."""
    if e.is_polynomial() and not e.is_number and not e.has(sp.Float):
        return sp.factor(e)
    return e
