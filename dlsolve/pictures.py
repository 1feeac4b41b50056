"""The picture of a fully connected network, read from what a solution states as given.

A backprop Solution gives the weight matrices W^[l] and bias vectors b^[l] of every layer (and
the input x). `with_network` reads them back from those Given blocks and adds the network as the
course draws it — the units in columns, each weight on its arrow — to the section that states
them. It computes nothing: every number drawn is a given value. (Once the backprop kind emits the
Figure itself, this reader is no longer needed.)

The matrices are written either inputs × units (weights_layout in_out) or units × inputs
(out_in); which one is read from how consecutive shapes chain (W^[1] is 4×3 and W^[2] 3×2 only
chain as inputs × units), and only when that is ambiguous (every matrix square) from the
solution's stated convention.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Optional

import numpy as np

from dlsolve.expr import Sym
from dlsolve.solution import Figure, Given, Network, Solution

MAX_UNITS = 8      # a layer wider than this is not drawn unit by unit
MAX_WEIGHTS = 60   # nor a network with more weights than this

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _unit(letter: str, tex: str, j: int, l: Optional[int], n: int) -> Sym:
    """x₂, a₁^[1], ŷ (ŷ₂ when the output has several units)."""
    sub = str(j).translate(_SUB) if n > 1 or letter != "ŷ" else ""
    tsub = f"_{{{j}}}" if sub else ""
    if l is None:
        return Sym(f"pic_{letter}{j}", f"{letter}{sub}", f"{tex}{tsub}")
    return Sym(f"pic_a{l}_{j}", f"a{sub}^[{l}]", f"a{tsub}^{{[{l}]}}")


def _layout(ws: list[np.ndarray], n_in: Optional[int], conventions: tuple) -> Optional[str]:
    """'in_out' or 'out_in', from the chain of shapes (and the input size); None if neither fits."""
    def chains(rows_are_inputs: bool) -> bool:
        ins = [w.shape[0] if rows_are_inputs else w.shape[1] for w in ws]
        outs = [w.shape[1] if rows_are_inputs else w.shape[0] for w in ws]
        return all(o == i for o, i in zip(outs, ins[1:])) and (n_in is None or ins[0] == n_in)
    fits = [name for name, rows in (("in_out", True), ("out_in", False)) if chains(rows)]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        return None
    stated = " ".join(str(c) for c in conventions)
    return "out_in" if "weights_layout out_in" in stated else "in_out"


def network_from_givens(sol: Solution) -> Optional[tuple[int, Network]]:
    """(index of the section that states the weights, the network) or None when the solution
    states no chain of weight matrices, or one too large to draw unit by unit."""
    for k, section in enumerate(sol.sections):
        givens = {b.quantity.key: b.value for b in section.blocks if isinstance(b, Given)}
        ws, bs = [], []
        l = 1
        while f"Wm{l}" in givens:
            try:
                w = np.asarray(givens[f"Wm{l}"], dtype=float)
            except (TypeError, ValueError):  # symbolic weights: no numbers to draw
                return None
            if w.ndim != 2:
                return None
            ws.append(w)
            bs.append(np.asarray(givens.get(f"bv{l}", np.zeros(0)), dtype=float).reshape(-1))
            l += 1
        if not ws:
            continue
        x = givens.get("xv")
        n_in = None if x is None else int(np.asarray(x).size)
        layout = _layout(ws, n_in, sol.conventions)
        if layout is None:
            return None
        mats = [w if layout == "in_out" else w.T for w in ws]   # inputs × units
        sizes = [mats[0].shape[0]] + [m.shape[1] for m in mats]
        if max(sizes) > MAX_UNITS or sum(m.size for m in mats) > MAX_WEIGHTS:
            return None
        last = len(sizes) - 1
        layers = [tuple(_unit("x", "x", j, None, sizes[0]) for j in range(1, sizes[0] + 1))]
        for l in range(1, last + 1):
            layers.append(tuple(_unit("ŷ", r"\hat{y}", j, None, sizes[l]) if l == last else
                                _unit("a", "a", j, l, sizes[l]) for j in range(1, sizes[l] + 1)))
        weights = tuple((l, i, j, float(m[i, j])) for l, m in enumerate(mats, 1)
                        for j in range(m.shape[1]) for i in range(m.shape[0]))
        biases = tuple((l, j, float(b[j])) for l, b in enumerate(bs, 1) if b.size == sizes[l]
                       for j in range(b.size) if b[j] != 0)
        return k, Network(tuple(layers), weights, biases)
    return None


def with_network(sol: Solution) -> Solution:
    """The solution with the picture of its network after the givens that state it (unchanged
    when it states none, or already carries one)."""
    if any(isinstance(b, Figure) and isinstance(b.picture, Network) for s in sol.sections for b in s.blocks):
        return sol
    found = network_from_givens(sol)
    if found is None:
        return sol
    k, net = found
    section = sol.sections[k]
    last_given = max(i for i, b in enumerate(section.blocks) if isinstance(b, Given) and
                     re.fullmatch(r"(Wm|bv)\d+", b.quantity.key))
    figure = Figure(net, "the network as given: each weight on its arrow, a non-zero bias above its unit", given=True)
    blocks = section.blocks[:last_given + 1] + (figure,) + section.blocks[last_given + 1:]
    sections = sol.sections[:k] + (dataclasses.replace(section, blocks=blocks),) + sol.sections[k + 1:]
    return dataclasses.replace(sol, sections=sections)
