"""Formulas as text: a unicode line for the terminal and LaTeX for documents and JSON.

`print(expr)` shows the formula in symbols; `print(expr, values)` shows the same formula with
each symbol replaced by its number — the substitution line of a worked solution — never by
rewriting the formula, so nothing is reordered. A negative number is parenthesised wherever it
is not the very first thing written: x² with x = −3 reads (−3)², a − b with b = −2 reads a − (−2).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Mapping

import numpy as np

from dlsolve import expr as E
from dlsolve.render import numbers
from dlsolve.visitor import Visitor

if TYPE_CHECKING:  # made only by dlsolve.symbolic, with SymPy loaded
    from dlsolve.symbolic import Foreign

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


class _Printer(Visitor):
    """Shared precedence logic; subclasses supply the tokens of their notation. Each node is
    printed by its `visit_<Class>` method, giving (text, precedence, starts with a minus)."""

    times = "·"
    hadamard = "⊙"
    minus = "−"
    # the tokens each notation supplies
    atomic_fractions: bool      # a fraction binds as an atom (LaTeX's \frac), not as a product (a/b)
    times_sep: str
    hadamard_sep: str
    comparisons: Mapping[str, str]

    def __init__(self, precision: int = 4) -> None:
        self.precision = precision
        self.values: Mapping[str, E.Value] = {}

    def print(self, e: E.Expr, values: Mapping[str, E.Value] | None = None) -> str:
        self.values = values or {}
        return self._p(e, 0, first=True)

    # -- helpers ---------------------------------------------------------------------------
    def _p(self, e: E.Expr, parent: int, first: bool = False) -> str:
        text, prec, negative = self._node(e)
        if prec < parent or (negative and parent > 0 and not first):
            return self.paren(text)
        return text

    def _node(self, e: E.Expr) -> tuple[str, int, bool]:
        node: tuple[str, int, bool] = self.visit(e)
        return node

    def _value(self, e: E.Sym) -> float | None:
        v = self.values.get(e.key)
        if v is None or (isinstance(v, np.ndarray) and v.ndim > 0):
            return None
        return float(v)

    def _names(self, e: Foreign) -> dict[str, str]:
        """How each symbol of a SymPy-printed node is written: its value if bound, else its name."""
        return {a.key: self._p(a, E.PREC_POW + 1) for a in e.args}

    # -- leaves ----------------------------------------------------------------------------
    def visit_Sym(self, e: E.Sym) -> tuple[str, int, bool]:
        v = self._value(e)
        if v is not None:
            text = self.number(v)
            # 1×10²⁰⁰ is a product: under a power it needs its brackets, (1×10²⁰⁰)², not 1×10²⁰⁰²
            prec = E.PREC_MUL if ("×10" in text or r"\times 10" in text) else E.PREC_ATOM
            return text, prec, v < 0 or str(v).startswith("-")
        return self.symbol(e), E.PREC_ATOM, False

    def visit_Num(self, e: E.Num) -> tuple[str, int, bool]:
        v = e.value
        if isinstance(v, (int, Fraction)) and _huge(v):
            return self.huge(v), E.PREC_MUL, v < 0
        if isinstance(v, Fraction) and v.denominator != 1:
            return self.fraction(v), (E.PREC_ATOM if self.atomic_fractions else E.PREC_MUL), v < 0
        if isinstance(v, Fraction):
            v = v.numerator
        if isinstance(v, float) and not np.isfinite(v):
            return self.number(v), E.PREC_ATOM, v < 0
        if isinstance(v, float) and not v.is_integer():
            return self.number(v, exact=True), E.PREC_ATOM, v < 0
        return self.number(float(v)), E.PREC_ATOM, v < 0

    # -- operators -------------------------------------------------------------------------
    def visit_Add(self, e: E.Add) -> tuple[str, int, bool]:
        out = self._p(e.terms[0], E.PREC_ADD, first=True)
        for t in e.terms[1:]:
            if isinstance(t, E.Neg):
                out += f" {self.minus} " + self._p(t.arg, E.PREC_ADD + 1)
            else:
                out += " + " + self._p(t, E.PREC_ADD)
        return out, E.PREC_ADD, self._starts_negative(e.terms[0])

    def _starts_negative(self, e: E.Expr) -> bool:
        return self._node(e)[2]

    def visit_Neg(self, e: E.Neg) -> tuple[str, int, bool]:
        return self.minus + self._p(e.arg, E.PREC_NEG + 1), E.PREC_NEG, True

    def visit_Mul(self, e: E.Mul) -> tuple[str, int, bool]:
        sep = self.hadamard_sep if e.hadamard else self.times_sep
        return sep.join(self._p(f, E.PREC_MUL + 1) for f in e.factors), E.PREC_MUL, False

    def visit_Cmp(self, e: E.Cmp) -> tuple[str, int, bool]:
        op = self.comparisons[e.op]
        return f"{self._p(e.lhs, E.PREC_ADD)} {op} {self._p(e.rhs, E.PREC_ADD)}", E.PREC_ADD - 1, False

    def huge(self, v: int | Fraction) -> str:
        """An exact number beyond float64 (or with parts of hundreds of digits), as m×10^e."""
        f = Fraction(v)
        lg = math.log10(abs(f.numerator)) - math.log10(f.denominator)
        exponent = math.floor(lg)
        mantissa = 10 ** (lg - exponent) * (-1 if f < 0 else 1)
        return self.scaled(self.number(mantissa), exponent)

    def number(self, v: float, exact: bool = False) -> str:
        raise NotImplementedError

    def symbol(self, e: E.Sym) -> str:
        raise NotImplementedError

    def fraction(self, f: Fraction) -> str:
        raise NotImplementedError

    def scaled(self, mantissa: str, exponent: int) -> str:
        raise NotImplementedError

    def paren(self, text: str) -> str:
        raise NotImplementedError


class UnicodePrinter(_Printer):
    """One line of unicode text: z₁^[1] = x₁·w₁₁^[1] + x₂·w₂₁^[1] + b₁^[1]."""

    atomic_fractions = False
    times_sep = "·"
    hadamard_sep = " ⊙ "
    comparisons = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠", "and": "and", "or": "or"}

    def symbol(self, e: E.Sym) -> str:
        return e.uni

    def number(self, v: float, exact: bool = False) -> str:
        if exact:
            return repr(v).replace("-", "−")
        return numbers.unicode(v, self.precision)

    def fraction(self, f: Fraction) -> str:
        return f"{f.numerator}/{f.denominator}".replace("-", "−")

    def scaled(self, mantissa: str, exponent: int) -> str:
        return f"{mantissa}×10{str(exponent).replace('-', '⁻').translate(_SUP)}"

    def paren(self, text: str) -> str:
        return f"({text})"

    def visit_Div(self, e: E.Div) -> tuple[str, int, bool]:
        num = self._p(e.num, E.PREC_MUL)
        den = self._p(e.den, E.PREC_MUL + 1)
        return f"{num}/{den}", E.PREC_MUL, self._starts_negative(e.num)

    def visit_Pow(self, e: E.Pow) -> tuple[str, int, bool]:
        base = self._p(e.base, E.PREC_POW + 1)
        if "^" in base and not base.startswith(("(", r"\left(")):
            base = self.paren(base)
        ex = e.exp
        if isinstance(ex, E.Num) and isinstance(ex.value, (int, Fraction, float)) and float(ex.value).is_integer() and ex.value >= 0:
            return base + str(int(ex.value)).translate(_SUP), E.PREC_POW, False
        return f"{base}^{self._p(ex, E.PREC_ATOM)}", E.PREC_POW, False

    def visit_Call(self, e: E.Call) -> tuple[str, int, bool]:
        fn = e.fn
        args = [self._p(a, 0, first=True) for a in e.args]
        if fn.uni_form is not None:
            return fn.uni_form(*args), (E.PREC_POW if fn.power_form else E.PREC_ATOM), False
        return f"{fn.uni}({', '.join(args)})", E.PREC_ATOM, False

    def visit_Foreign(self, e: Foreign) -> tuple[str, int, bool]:
        return e.text(False, self._names(e)), E.PREC_ATOM, False

    def visit_Piecewise(self, e: E.Piecewise) -> tuple[str, int, bool]:
        parts = [f"{self._p(v, 0, True)} if {self._p(c, 0, True)}" for v, c in e.cases]
        parts.append(f"{self._p(e.otherwise, 0, True)} otherwise")
        return "{" + "; ".join(parts) + "}", E.PREC_ATOM, False

    def visit_MatMul(self, e: E.MatMul) -> tuple[str, int, bool]:
        return f"{self._p(e.left, E.PREC_MUL)}·{self._p(e.right, E.PREC_MUL + 1)}", E.PREC_MUL, False

    def visit_Transpose(self, e: E.Transpose) -> tuple[str, int, bool]:
        inner = self._p(e.arg, E.PREC_ATOM)
        if "^" in inner and not inner.startswith(("(", r"\left(")):
            inner = self.paren(inner)
        return inner + "ᵀ", E.PREC_ATOM, False

    def visit_Outer(self, e: E.Outer) -> tuple[str, int, bool]:
        left, right = self._p(e.left, E.PREC_ATOM), self._p(e.right, E.PREC_ATOM)
        def wrap(s: str) -> str:
            return self.paren(s) if "^" in s and not s.startswith(("(", r"\left(")) else s
        if e.rows:
            return f"{wrap(left)}ᵀ·{right}", E.PREC_MUL, False
        return f"{left}·{wrap(right)}ᵀ", E.PREC_MUL, False


class LatexPrinter(_Printer):
    r"""LaTeX math (no surrounding $): z_{1}^{[1]} = x_{1} w_{11}^{[1]} + \dots"""

    atomic_fractions = True
    times_sep = r" \cdot "
    hadamard_sep = r" \odot "
    minus = "-"
    comparisons = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "==": "=", "!=": r"\ne",
                   "and": r"\wedge", "or": r"\vee"}

    def symbol(self, e: E.Sym) -> str:
        return e.tex

    def number(self, v: float, exact: bool = False) -> str:
        if exact:
            return repr(v)
        return numbers.latex(v, self.precision)

    def scaled(self, mantissa: str, exponent: int) -> str:
        return rf"{mantissa} \times 10^{{{exponent}}}"

    def fraction(self, f: Fraction) -> str:
        sign = "-" if f < 0 else ""
        return rf"{sign}\frac{{{abs(f.numerator)}}}{{{f.denominator}}}"

    def paren(self, text: str) -> str:
        # Around a fraction or a root the brackets grow (\left( … \right)); elsewhere plain
        # parentheses, inside which TeX may still break a long line.
        if r"\frac" in text or r"\sqrt" in text:
            return rf"\left({text}\right)"
        return f"({text})"

    def visit_Div(self, e: E.Div) -> tuple[str, int, bool]:
        return rf"\frac{{{self._p(e.num, 0, True)}}}{{{self._p(e.den, 0, True)}}}", E.PREC_ATOM, False

    def visit_Pow(self, e: E.Pow) -> tuple[str, int, bool]:
        base = self._p(e.base, E.PREC_POW + 1)
        if "^" in base and not base.startswith(("(", r"\left(")):
            base = "{" + self.paren(base) + "}"
        return f"{base}^{{{self._p(e.exp, 0, True)}}}", E.PREC_POW, False

    def visit_Call(self, e: E.Call) -> tuple[str, int, bool]:
        fn = e.fn
        args = [self._p(a, 0, first=True) for a in e.args]
        if fn.tex_form is not None:
            return fn.tex_form(*args), (E.PREC_POW if fn.power_form else E.PREC_ATOM), False
        return rf"{fn.tex}\left({', '.join(args)}\right)", E.PREC_ATOM, False

    def visit_Foreign(self, e: Foreign) -> tuple[str, int, bool]:
        return "{" + e.text(True, self._names(e)) + "}", E.PREC_ATOM, False

    def visit_Piecewise(self, e: E.Piecewise) -> tuple[str, int, bool]:
        rows = [rf"{self._p(v, 0, True)} & \text{{if }} {self._p(c, 0, True)}" for v, c in e.cases]
        rows.append(rf"{self._p(e.otherwise, 0, True)} & \text{{otherwise}}")
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}", E.PREC_ATOM, False

    def visit_MatMul(self, e: E.MatMul) -> tuple[str, int, bool]:
        return f"{self._p(e.left, E.PREC_MUL)} {self._p(e.right, E.PREC_MUL + 1)}", E.PREC_MUL, False

    def visit_Transpose(self, e: E.Transpose) -> tuple[str, int, bool]:
        inner = self._p(e.arg, E.PREC_ATOM)
        if "^" in inner and not inner.startswith(("(", r"\left(")):
            inner = "{" + self.paren(inner) + "}"
        return inner + r"^{\top}", E.PREC_ATOM, False

    def visit_Outer(self, e: E.Outer) -> tuple[str, int, bool]:
        left, right = self._p(e.left, E.PREC_ATOM), self._p(e.right, E.PREC_ATOM)
        def wrap(s: str) -> str:
            return "{" + self.paren(s) + "}" if "^" in s else s
        if e.rows:
            return rf"{wrap(left)}^{{\top}} {right}", E.PREC_MUL, False
        return rf"{left} {wrap(right)}^{{\top}}", E.PREC_MUL, False


def _huge(v: int | Fraction) -> bool:
    f = Fraction(v)
    return max(abs(f.numerator).bit_length(), f.denominator.bit_length()) > 1000


def substitutable(bindings: Mapping[str, object]) -> bool:
    """True when every bound value is a scalar, so a substitution line can be written."""
    return all(not (isinstance(v, np.ndarray) and v.ndim > 0) for v in bindings.values())
