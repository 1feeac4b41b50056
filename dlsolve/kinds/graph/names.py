"""How the names of a graph problem are shown: yhat → ŷ, x1 → x₁, Wx → W_x, and the names of
their entries (w₁₂, (W_x)₁₁), chosen so that no two quantities of a problem print alike."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping

from dlsolve import notation as N

if TYPE_CHECKING:  # pragma: no cover
    from dlsolve.kinds.graph.language import Node

_GREEK = {"alpha": ("α", r"\alpha"), "beta": ("β", r"\beta"), "gamma": ("γ", r"\gamma"), "delta": ("δ", r"\delta"),
          "eta": ("η", r"\eta"), "lambda_": ("λ", r"\lambda"), "mu": ("μ", r"\mu"), "sigma": ("σ", r"\sigma"),
          "theta": ("θ", r"\theta")}


def display(name: str) -> tuple[str, str]:
    """How a name is shown: yhat → ŷ, x1 → x₁, Wh → W_h, alpha → α."""
    uni, tex, _ = _display(name)
    return uni, tex


def _display(name: str) -> tuple[str, str, bool]:
    """(unicode, LaTeX, whether the LaTeX ends in a subscript). Every name the language accepts
    gives valid LaTeX: a subscripted base takes its entry indices as (W_{x})_{11} (see `_entry`)."""
    if name == "yhat":
        return "ŷ", r"\hat{y}", False
    if name.endswith("hat") and len(name) > 3:
        base_u, base_t, _ = _display(name[:-3])
        return base_u + "\u0302", rf"\hat{{{base_t}}}", False
    if name in _GREEK:
        return (*_GREEK[name], False)
    m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name) or re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", name)
    if m:
        base_u, base_t, sub = _display(m.group(1))
        if not sub:
            index_u = N.subscript(m.group(2)) if m.group(2).isdigit() else f"_{m.group(2)}"
            return base_u + index_u, f"{base_t}_{{{m.group(2)}}}", True
    m = re.fullmatch(r"([A-Z])([a-z]{1,2})", name)
    if m:
        return f"{m.group(1)}_{m.group(2)}", f"{m.group(1)}_{{{m.group(2)}}}", True
    if len(name) == 1:
        return name, name, False
    return name, r"\mathrm{" + name.replace("_", r"\_") + "}", False




def entry_display(base: tuple[str, str, bool], shape: tuple[int, int], i: int, j: int) -> tuple[str, str]:
    """Entry (i, j) of a name shown with `base`: w₁₂, a₃; (W_x)₁₁ where the base is subscripted."""
    uni, tex, subscripted = base
    r, c = shape
    if r == c == 1:
        return uni, tex
    if subscripted:
        uni, tex = f"({uni})", f"({tex})"
    if r == 1 or c == 1:
        k = str(j + 1 if r == 1 else i + 1)
    else:
        k = f"{i + 1}{',' if max(r, c) > 9 else ''}{j + 1}"
    return uni + N.subscript(k), f"{tex}_{{{k}}}"


Shown = tuple[str, str, bool]


def entry_names(nodes: Mapping[str, Node]) -> dict[str, tuple[Shown, Shown]]:
    """For each name: how it is shown, and the base its entries are shown with, such that no two
    quantities of the problem print alike.

    The course writes the entries of W as w₁₂, so a one-letter capital is lowercased — unless
    that would print like another quantity of the problem (a vector a, a scalar a1): then the
    capital stays (A₁₂), and failing that the base is bracketed ((A)₁₂). Two names that would
    print alike themselves (x1 and x_1) keep the later one as written."""
    taken: set[str] = set()
    own: dict[str, Shown] = {}
    for node in nodes.values():
        shown = _display(node.name)
        if shown[0] in taken:
            shown = (node.name, r"\mathrm{" + node.name.replace("_", r"\_") + "}", False)
        own[node.name] = shown
        taken.add(shown[0])
    out = {name: (shown, shown) for name, shown in own.items()}
    later = sorted((n for n in nodes.values() if n.shape != (1, 1)),
                   key=lambda n: bool(re.fullmatch(r"[A-Z]", n.name)))  # lowercase names first
    for node in later:
        mine = own[node.name]
        candidates = [(mine[0].lower(), mine[1].lower(), False)] if re.fullmatch(r"[A-Z]", node.name) else []
        candidates += [mine, (f"({mine[0]})", f"({mine[1]})", False)]
        for base in candidates:
            shown_entries = {entry_display(base, node.shape, i, j)[0]
                             for i in range(node.shape[0]) for j in range(node.shape[1])}
            if not shown_entries & taken:
                break
        out[node.name] = (mine, base)
        taken |= shown_entries
    return out


