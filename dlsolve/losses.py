"""Loss functions as formulas of one output unit, ℓ(y, ŷ), and how they are reduced.

L = (1/n)·Σ ℓ_k (mean) or Σ ℓ_k (sum) over the n output units; ∂L/∂ŷ_k comes from
`sympy.diff` of ℓ (times 1/n for the mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from dlsolve.expr import Cmp, Expr, Num, Piecewise, call


@dataclass(frozen=True)
class Loss:
    name: str
    title: str
    term: Callable[[Expr, Expr, dict], Expr]   # ℓ(y, ŷ; options)
    default_reduction: str                      # "mean" | "sum"
    reductions: tuple[str, ...] = ("mean", "sum")
    options: tuple[str, ...] = ()
    probabilities: bool = False                 # ŷ must lie in (0, 1)


def _sq(y: Expr, yhat: Expr, o: dict) -> Expr:
    body = (y - yhat) ** Num(2)
    return Num(Fraction(1, 2)) * body if o.get("half") else body


def _huber(y: Expr, yhat: Expr, o: dict) -> Expr:
    d = Num(o["delta"])
    e = call("abs", y - yhat)
    return Piecewise(((Num(Fraction(1, 2)) * (y - yhat) ** Num(2), Cmp("<=", e, d)),),
                     d * (e - Num(Fraction(1, 2)) * d))


def _log(o: dict) -> str:
    """The logarithm in use: natural unless the problem asks for base 2 or 10."""
    return o.get("log", "log")


def hinge_term(y: Expr, yhat: Expr, o: dict) -> Expr:
    """max(0, 1 − y·ŷ), written piecewise so that its derivative is exact where it exists."""
    margin = y * yhat
    return Piecewise(((Num(1) - margin, Cmp("<", margin, Num(1))),), Num(0))


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in (
        Loss("mse", "mean squared error", _sq, "mean", options=("half",)),
        Loss("sse", "sum of squared errors", _sq, "sum", options=("half",)),
        Loss("mae", "mean absolute error", lambda y, yh, o: call("abs", y - yh), "mean"),
        Loss("huber", "Huber loss", _huber, "mean", options=("delta",)),
        Loss("bce", "binary cross-entropy",
             lambda y, yh, o: -(y * call(_log(o), yh) + (Num(1) - y) * call(_log(o), Num(1) - yh)),
             "mean", probabilities=True),
        Loss("cce", "categorical cross-entropy", lambda y, yh, o: -(y * call(_log(o), yh)), "sum",
             reductions=("sum",), probabilities=True),
    )
}
