"""Solving a graph problem: the values entry by entry, the computation graph, and each
derivative as the sum over paths of products of local derivatives (each from sympy.diff)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

import numpy as np
import sympy as sp

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import DEFINED, GIVEN, WORKED
from dlsolve.expr import Expr, Mul, Num, Sym, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.graph.language import Node
from dlsolve.kinds.graph.names import entry_display, entry_names
from dlsolve.exprlimits import MAX_PATHS
from dlsolve.symbolic import (course_derivative, course_form, differentiate, from_sympy, signed_product, simplified,
                               tidy_form)

if TYPE_CHECKING:  # pragma: no cover
    from dlsolve.kinds.graph import Spec

SHOWN_ENTRIES = 6


# -- the work -----------------------------------------------------------------------------------
class Paths:
    """The entries' computation graph: which entries each entry's local formula is written with,
    and the paths from one entry down to another (the terms of the chain rule)."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.owner: dict[str, tuple[Node, int, int]] = {}
        for node in nodes.values():
            for i in range(node.shape[0]):
                for j in range(node.shape[1]):
                    self.owner[node.symbols[i, j].name] = (node, i, j)

    def parents_of(self, s: sp.Symbol) -> list[sp.Symbol]:
        node, i, j = self.owner[s.name]
        if node.local is None:
            return []
        return sorted((f for f in node.local[i, j].free_symbols if f.name in self.owner), key=lambda f: f.name)

    def paths(self, top: sp.Symbol, target: sp.Symbol) -> list[list[sp.Symbol]]:
        """The paths from `top` down to `target`; stops after MAX_PATHS + 1 (too many to show)."""
        reach: dict[str, bool] = {}

        def reaches(s: sp.Symbol) -> bool:
            if s.name not in reach:
                reach[s.name] = s == target or any(reaches(p) for p in self.parents_of(s))
            return reach[s.name]

        out: list[list[sp.Symbol]] = []

        def walk(s: sp.Symbol, path: list[sp.Symbol]) -> None:
            if len(out) > MAX_PATHS:
                return
            if s == target:
                out.append(path)
                return
            for p in self.parents_of(s):
                if reaches(p):
                    walk(p, path + [p])

        walk(top, [top])
        return out


class Solver(Paths):
    def __init__(self, spec: Spec, options: Optional[SolveOptions]) -> None:
        super().__init__(spec.problem.nodes)
        self.spec, self.nodes = spec, spec.problem.nodes
        self.d = Derivation(options)
        self.names = entry_names(self.nodes)
        self.values: dict[str, Optional[np.ndarray]] = {n.name: n.value for n in self.nodes.values()}
        self.syms: dict[str, Sym] = {}    # SymPy symbol name → our symbol
        for node in self.nodes.values():
            for i in range(node.shape[0]):
                for j in range(node.shape[1]):
                    s = node.symbols[i, j]
                    uni, tex = entry_display(self.names[node.name][1], node.shape, i, j)
                    self.syms[s.name] = Sym(s.name, uni, tex)
        self.partials: dict[tuple[str, str], Sym] = {}
        self.partial_forms: dict[tuple[str, str], Expr] = {}
        self._said: set[Optional[str]] = set()   # where local derivatives come from: said once a section

    def shown(self, name: str) -> tuple[str, str]:
        """How the name itself is shown (Given, section titles, answers)."""
        return self.names[name][0][:2]

    def entry(self, s: sp.Symbol) -> Sym:
        return self.syms[s.name]

    def given(self) -> None:
        d = self.d
        d.section("Given")
        for node in self.nodes.values():
            if node.local is not None:
                continue
            uni, tex = self.shown(node.name)
            if node.symbolic:
                d.text(f"{uni}: a symbol" + (f" ({node.shape[0]}×{node.shape[1]})" if node.shape != (1, 1) else ""),
                       part=GIVEN)
                continue
            value = node.value
            assert value is not None   # a given name that is no symbol has its numbers
            shown = float(value[0, 0]) if node.shape == (1, 1) else value
            d.given(Sym(f"{node.name}#", uni, tex), shown,
                    note=f"{node.shape[0]}×{node.shape[1]}" if node.shape != (1, 1) else None)
            for i in range(node.shape[0]):
                for j in range(node.shape[1]):
                    d.bind(self.entry(node.symbols[i, j]), float(value[i, j]))

    def definitions(self) -> None:
        d = self.d
        for node in self.nodes.values():
            if node.local is None:
                continue
            uni, _ = self.shown(node.name)
            d.section(f"{uni} = {node.text}")
            entries = [(i, j) for i in range(node.shape[0]) for j in range(node.shape[1])]
            values = np.full(node.shape, np.nan)
            for k, (i, j) in enumerate(entries):
                formula = course_form(node.local[i, j], node.text, self.syms) or \
                    from_sympy(node.local[i, j], self.syms)
                d.record = True if k < SHOWN_ENTRIES else (lambda _s: False)
                v = d.derive(self.entry(node.symbols[i, j]), formula, part=DEFINED,  # the problem's formula
                             note=_constant_reason(node.local[i, j]))
                if v is not None:
                    values[i, j] = float(v)
            d.record = True
            if len(entries) > SHOWN_ENTRIES:
                d.text(f"The other {len(entries) - SHOWN_ENTRIES} entries are computed the same way.")
            if len(entries) > 1 and not node.symbolic:
                d.given(Sym(f"{node.name}#", uni, self.shown(node.name)[1]), values,
                        note=f"{node.shape[0]}×{node.shape[1]}, entry by entry above", part=WORKED)
            self.values[node.name] = values if not node.symbolic else None

    def edges(self) -> None:
        rows = [(p, n.name) for n in self.nodes.values() for p in n.parents]
        if rows:
            self.d.section("The computation graph")
            self.d.text("Each name feeds the names written with it:", part=GIVEN)
            self.d.graph((self.shown(a)[0], self.shown(b)[0]) for a, b in rows)

    # -- derivatives ------------------------------------------------------------------------
    def local_partial(self, child: sp.Symbol, parent: sp.Symbol) -> Sym:
        """∂child/∂parent as a step: an activation's in the course's form (a·(1 − a), 1 − h²),
        any other by sympy.diff of the local formula; where each comes from is said once a section."""
        key = (child.name, parent.name)
        if key not in self.partials:
            node, i, j = self.owner[child.name]
            assert node.local is not None   # a child on a path is defined by a formula
            sym = N.partial(self.entry(child), self.entry(parent))
            course = course_derivative(node.local[i, j], parent, self.entry(child), self.syms)
            note: Optional[str]
            if course is not None:
                formula, name = course
                note = f"{name}′ written with {name}'s output, as the course does"
            else:
                formula = from_sympy(tidy_form(differentiate(node.local[i, j], parent)), self.syms)
                note = "from sympy.diff of the local formula"
            note = None if note in self._said else note
            self._said.add(note)
            self.d.derive(sym, formula, note=note)
            self.partials[key] = sym
            self.partial_forms[key] = formula
        return self.partials[key]

    def derivative(self, label: str, top: str, wrt: str, selected: sp.ImmutableMatrix) -> Any:
        d = self.d
        top_sym = self.nodes[top].symbols[0, 0]
        d.section(f"Derivative {label}")
        self._said = set()
        values = []
        entries = list(selected)
        for k, target in enumerate(entries):
            d.record = True if k < SHOWN_ENTRIES else (lambda _s: False)
            paths = self.paths(top_sym, target)
            q = N.partial(self.entry(top_sym), self.entry(target))
            if not paths:
                v = d.derive(q, Num(0), note=f"{self.entry(top_sym).uni} does not depend on {self.entry(target).uni}")
                values.append(v)
                continue
            products = []
            chains = []
            for path in paths:
                factors = [self.local_partial(a, b) for a, b in zip(path, path[1:])]
                products.append(Mul.of(*factors) if len(factors) > 1 else factors[0])
                chains.append(" ← ".join(self.entry(s).uni for s in path))
            formula = total(products)
            note = (f"the sum over the {len(paths)} paths: " + "; ".join(chains)) if len(paths) > 1 else \
                f"the path {chains[0]}"
            extra = [self._formula_of(top_sym, target)] if any(
                d.env.get(f.key) is None for f in formula.symbols()) else []
            shorter = simplified(extra[-1], self.syms) if extra else None
            if shorter is not None:  # sigmoid with cross-entropy: (a − y)·x, as the course writes it
                extra.append(shorter)
                note += "; simplified"
            values.append(d.derive(q, formula, *extra, note=note))
        d.record = True
        if len(entries) > SHOWN_ENTRIES:
            d.text(f"The other {len(entries) - SHOWN_ENTRIES} entries are computed the same way.")
        if any(v is None for v in values):
            return [self._formula_of(top_sym, t) for t in entries] if len(entries) > 1 else \
                self._formula_of(top_sym, entries[0])
        arr = np.array(values, dtype=float).reshape(selected.shape)
        if arr.size > 1:
            (top_u, top_t), (wrt_u, wrt_t) = self.shown(top), self.shown(wrt)
            index = label[label.index("[", label.rindex("/")):] if "[" in label[label.rindex("/"):] else ""
            d.given(Sym(f"grad#{label}", f"∂{top_u}/∂{wrt_u}{index}",
                        rf"\frac{{\partial {top_t}}}{{\partial {wrt_t}}}{index}"), arr,
                    note="the entries above, as a matrix", part=WORKED)
        return squeeze(arr)

    def derivative_keys(self, top: str, selected: sp.ImmutableMatrix) -> list[str]:
        """The steps that produce a derivative: ∂top/∂entry for each selected entry."""
        top_entry = self.entry(self.nodes[top].symbols[0, 0])
        return [N.partial(top_entry, self.entry(t)).key for t in selected]

    def value_keys(self, node: Node) -> list[str]:
        """The steps that produce a name's value: its entries' steps, or its Given line."""
        if node.local is not None:
            return [s.name for s in node.symbols]
        return [] if node.symbolic else [f"{node.name}#"]

    def _formula_of(self, top: sp.Symbol, target: sp.Symbol) -> Expr:
        """In symbolic mode: the derivative as one formula (substituting the local derivatives)."""
        products = []
        for path in self.paths(top, target):
            factors = []
            for a, b in zip(path, path[1:]):
                self.local_partial(a, b)
                factors.append(self.partial_forms[(a.name, b.name)])
            products.append(signed_product(factors))
        return total(products)


def squeeze(arr: np.ndarray) -> Any:
    if arr.size == 1:
        return float(arr.reshape(-1)[0])
    if 1 in arr.shape:
        return arr.reshape(-1).tolist()
    return arr.tolist()


def _constant_reason(local: sp.Expr) -> str | None:
    """Why a formula SymPy reduced to ∞ or NaN before any value was put in (1/(h0 − h0), 0**-1):
    the step shows only the ∞, so the reason is said here (every NaN or ∞ carries its reason)."""
    if not isinstance(local, sp.Basic):
        return None
    if local.has(sp.nan):
        return "NaN: the formula is undefined whatever the values (0/0, ∞ − ∞ or 0·∞ once simplified)"
    if local.has(sp.zoo):
        return "∞: the formula divides by 0 whatever the values (once simplified it is 1/0, or 0 to a negative power)"
    if local.has(sp.oo, -sp.oo):
        return "∞: the formula exceeds float64 (about 1.8·10³⁰⁸) whatever the values"
    return None
