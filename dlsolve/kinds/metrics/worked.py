"""The worked lines every part of kind: metrics writes: a ratio (0 for a zero denominator, with a
note), F1/F-beta, the sample table and the given confusion matrix."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import GIVEN
from dlsolve.expr import Cmp, Expr, Num, Piecewise, Sym, evaluate, total
from dlsolve.kinds.metrics.spec import Spec, label_text


def ratio(d: Derivation, sym: Sym, num: Expr, den: Expr, what: str, note: Any = None) -> float:
    """sym = num/den, worked; a zero denominator gives 0 with a note (scikit-learn's default)."""
    if float(evaluate(den, d.env)) == 0:
        return d.scalar(sym, Piecewise(((num / den, Cmp(">", den, Num(0))),), Num(0)),
                        note=f"{what} is 0 here, so the ratio is 0/0: taken as 0 (scikit-learn's zero_division "
                             "default)")
    return d.scalar(sym, num / den, note=note)


BETA = Sym("beta", "β", r"\beta")


def f_score(d: Derivation, sym: Sym, p: Sym, r: Sym, beta: bool = False) -> float:
    """F1 = 2·P·R/(P + R), or (beta) Fβ = (1 + β²)·P·R/(β²·P + R) with β already given."""
    if not beta:
        return ratio(d, sym, Num(2) * p * r, p + r, "precision + recall")
    b2 = BETA ** Num(2)
    return ratio(d, sym, (Num(1) + b2) * p * r, b2 * p + r, "β²·precision + recall")


def qty(key: str, uni: str, tex: Optional[str] = None) -> Sym:
    """A named quantity (precision, TP, …); its LaTeX is its name in \\text unless given."""
    return Sym(key, uni, tex if tex is not None else rf"\text{{{uni}}}")


def avg_sym(what: str, how: str) -> Sym:
    """precision (macro), F₁ (weighted), …"""
    uni, tex = ("F₁", "F_{1}") if what == "f1" else (what, rf"\text{{{what}}}")
    return Sym(f"{what}_{how}", f"{uni} ({how})", rf"{tex}\ (\text{{{how}}})")


def add_all(terms: Sequence[Expr]) -> Expr:
    """t₁ + t₂ + … as written (a single term alone)."""
    return total(terms)


def sample_table(d: Derivation, spec: Spec) -> None:
    """One row per sample: its true class, its score and/or its predicted class."""
    cls = spec.problem.classes
    assert spec.problem.source.true is not None
    cols = ["i", "y (true)"]
    rows: list[list[Any]] = []
    for i, t in enumerate(spec.problem.source.true):
        row: list[Any] = [i + 1, label_text(cls[t])]
        if spec.problem.source.scores is not None:
            row.append(float(spec.problem.source.scores[i]))
        if spec.problem.source.pred is not None:
            row.append(label_text(cls[spec.problem.source.pred[i]]))
        rows.append(row)
    if spec.problem.source.scores is not None:
        cols.append("score")
    if spec.problem.source.pred is not None:
        cols.append("ŷ (predicted)")
    d.table(cols, rows, title="The samples", part=GIVEN)


def given_matrix(d: Derivation, spec: Spec) -> list[list[Sym]]:
    """The confusion matrix as given, and a symbol C_jk bound to each entry."""
    m = spec.problem.source.matrix
    assert m is not None
    k = len(m)
    d.given(qty("C", "C", "C"), m, note="the confusion matrix as given: rows = true class, columns = "
            "predicted, in the order " + ", ".join(map(label_text, spec.problem.classes)))
    syms = [[N.quantity("C", "C", "C", (i + 1, j + 1)) for j in range(k)] for i in range(k)]
    for i in range(k):
        for j in range(k):
            d.bind(syms[i][j], float(m[i, j]))
    return syms


def hidden(_s: Sym) -> bool:
    """Derivation.record for steps computed and kept for checking but not shown."""
    return False
