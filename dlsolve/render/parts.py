"""What a step shows, decided once for every format.

A worked line reads: quantity = written forms … = the formula with the numbers substituted =
the exact value (with --exact) ≈ the value. Which of these appear — a form equal to the
quantity is left out, a substitution line only when every bound value is a scalar, the value
only when it says something the last line did not — is the same rule in the terminal, in
JSON and in every document format; each renderer only supplies how to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, Optional, TypeVar, Union

from dlsolve.expr import Expr
from dlsolve.render.mathprint import substitutable
from dlsolve.solution import Given, Step

V = TypeVar("V")
MathPrint = Callable[[Expr, Optional[Mapping[str, Any]]], str]


@dataclass(frozen=True)
class EquationParts(Generic[V]):
    lhs: str
    forms: list[str]            # written forms, then the substitution line, then the exact value
    value: Optional[V]          # the value as the format prints it; None when the last form says it
    approx: bool                # the value is the decimal of the exact value written before it
    substituted: Optional[str]  # the substitution line, when there is one


def equation_parts(block: Union[Given, Step], math: MathPrint, value: Callable[[Any], V],
                   single: Callable[[V], Optional[str]]) -> EquationParts[V]:
    """The parts of a Given or Step. `math(expr, bindings)` prints a formula (with the numbers
    in when bindings are given); `value(v)` prints a value; `single(printed)` is its one-line
    text, or None when it takes several lines (a matrix in the terminal)."""
    lhs = math(block.quantity, None)
    if isinstance(block, Given):
        return EquationParts(lhs, [], value(block.value), False, None)
    forms = [t for t in (math(f, None) for f in block.forms) if t != lhs]
    if not forms and block.value is None:
        forms = [math(block.formula, None)]
    if block.value is None:
        return EquationParts(lhs, forms, None, False, None)
    shown = value(block.value)
    line = single(shown)
    sub = None
    if block.bindings and substitutable(block.bindings):
        sub = math(block.formula, block.bindings)
        if forms[-1:] != [sub] and sub != line:
            forms.append(sub)
    approx = False
    if block.exact is not None:
        exact = math(block.exact, None)
        if exact != line:
            if forms[-1:] != [exact]:
                forms.append(exact)
            approx = True
    if line is not None and forms[-1:] == [line]:
        return EquationParts(lhs, forms, None, False, sub)
    return EquationParts(lhs, forms, shown, approx, sub)


def colophon(precision: int, what: str = "") -> str:
    """The one line a key says about itself (at its end, once per document; never on the exam
    paper): the dlsolve version, and the precision of the numbers shown."""
    from dlsolve import __version__

    return (f"Worked by dlsolve {__version__}{what} · numbers shown to {precision} significant digits, "
            "computed in double precision")
