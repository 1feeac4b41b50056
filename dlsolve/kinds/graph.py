"""kind: graph — the chain rule through any expression, step by step.

Names are given (numbers, vectors, matrices, or symbols) and defined in order by formulas in a
small language: + − * / ** (elementwise, a 1×1 value broadcasts), @ (matrix product), .T,
1-based indexing W[1,2], W[1,:], W[2:3,1], and the functions exp log sqrt abs sigmoid tanh relu
softmax sum mean max min. The text is parsed by dlsolve.parse (an allow-listed walk of Python's
ast), never evaluated.

Each defined name is worked entry by entry from its *local* formula — in the entries of the
names it is written with — so the computation graph is explicit. A derivative ∂L/∂w is the sum
over the paths from L down to w of the products of local derivatives, each from sympy.diff.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

import numpy as np
import sympy as sp
from pydantic import BaseModel, ConfigDict, model_validator

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Expr, Mul, Sym
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.functions import FUNCTIONS, WRITTEN
from dlsolve.parse import MAX_PATHS, MAX_SYMBOL_ENTRIES, MAX_SYMBOLIC_WORK, ParseError, Walker, parse_tree
from dlsolve.solution import Solution
from dlsolve.symbolic import from_sympy, tidy_form

KIND = "graph"
FUNCS = tuple(w for w, key in WRITTEN.items() if FUNCTIONS[key].sympy is not None)
SHOWN_ENTRIES = 6
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


@dataclass
class Node:
    """A given or defined name: its shape, its entries' symbols, its local formula (if defined)."""

    name: str
    shape: tuple[int, int]
    symbols: sp.ImmutableMatrix
    local: Optional[sp.ImmutableMatrix] = None       # defined: in the entries of its operands
    value: Optional[np.ndarray] = None
    text: str = ""
    symbolic: bool = False
    parents: list[str] = field(default_factory=list)

    def entry_symbols(self) -> list[sp.Symbol]:
        return list(self.symbols)


def _entry_syms(name: str, shape: tuple[int, int]) -> sp.ImmutableMatrix:
    r, c = shape
    if r == c == 1:
        return sp.ImmutableMatrix([[sp.Symbol(name, real=True)]])
    return sp.ImmutableMatrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i + 1}_{j + 1}", real=True))


def _entry(base: tuple[str, str, bool], shape: tuple[int, int], i: int, j: int) -> tuple[str, str]:
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


def entry_names(nodes: dict[str, "Node"]) -> dict[str, tuple[Shown, Shown]]:
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
            shown_entries = {_entry(base, node.shape, i, j)[0]
                             for i in range(node.shape[0]) for j in range(node.shape[1])}
            if not shown_entries & taken:
                break
        out[node.name] = (mine, base)
        taken |= shown_entries
    return out


# -- the language -----------------------------------------------------------------------------
class GraphWalker(Walker):
    """Builds SymPy matrices with elementwise semantics from the allow-listed syntax tree."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        super().__init__("", {}, {}, None)
        self.nodes = nodes
        self.used: list[str] = []

    def shape_text(self, m: sp.ImmutableMatrix) -> str:
        return f"{m.rows}×{m.cols}"

    def walk(self, node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise self.fail(node, f"'{node.id}' is not allowed")
            if node.id not in self.nodes:
                known = ", ".join(self.nodes) or "none"
                raise self.fail(node, f"unknown name '{node.id}' (known so far: {known})")
            if node.id not in self.used:
                self.used.append(node.id)
            return self.nodes[node.id].symbols
        if isinstance(node, ast.Constant):
            value = self.constant(node)
            v = sp.Integer(value) if isinstance(value, int) else sp.Float(value, 30)
            return sp.ImmutableMatrix([[v]])
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.walk(node.operand, depth + 1)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Call):
            if depth > 40:
                raise self.fail(node, "the formula is nested too deeply")
            return self._call(node, depth)
        return super().walk(node, depth)

    def binop(self, node: ast.BinOp, a: Any, b: Any) -> Any:
        op = self.OPS.get(type(node.op))
        if op == "@":
            if a.cols != b.rows:
                raise self.fail(node, f"shape mismatch in @: {self._src(node.left)} is {self.shape_text(a)}, "
                                      f"{self._src(node.right)} is {self.shape_text(b)}")
            mean = (_size(a) / len(a) + _size(b) / len(b)) if len(a) and len(b) else 0
            self._work(node, a.rows * b.cols * a.cols * (mean + 1))
            return sp.ImmutableMatrix(a * b)
        if op not in ("+", "-", "*", "/", "**"):
            raise self.fail(node, f"the operator {type(node.op).__name__} is not allowed")
        if op == "**" and b.shape != (1, 1):
            raise self.fail(node, "the exponent must be a single number")
        if op == "**" and b[0, 0].is_number:
            self.check_exponent(node, _float(b[0, 0]))
            for x in a:
                if x.is_number:
                    self.check_power(node, _float(x), _float(b[0, 0]))
        a, b = self._broadcast(node, op, a, b)
        f = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
             "/": lambda x, y: x / y, "**": lambda x, y: x ** y}[op]
        return sp.ImmutableMatrix(a.rows, a.cols, lambda i, j: f(a[i, j], b[i, j]))

    def _work(self, node: ast.AST, terms: float) -> None:
        if terms > MAX_SYMBOLIC_WORK:
            raise self.fail(node, f"this would build about {terms:,.0f} symbolic terms, beyond the limit "
                                  f"{MAX_SYMBOLIC_WORK:,}; name the intermediate results (one definition each)")

    def _src(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or "?"

    def _broadcast(self, node: ast.AST, op: str, a: Any, b: Any) -> tuple[Any, Any]:
        if a.shape == b.shape:
            return a, b
        if a.shape == (1, 1):
            return sp.ImmutableMatrix(b.rows, b.cols, lambda i, j: a[0, 0]), b
        if b.shape == (1, 1):
            return a, sp.ImmutableMatrix(a.rows, a.cols, lambda i, j: b[0, 0])
        left, right = (node.left, node.right) if isinstance(node, ast.BinOp) else node.args[:2]  # type: ignore[attr-defined]
        raise self.fail(node, f"shape mismatch in {op}: {self._src(left)} is {self.shape_text(a)}, "
                              f"{self._src(right)} is {self.shape_text(b)} (elementwise needs equal shapes)")

    def other(self, node: ast.AST, depth: int) -> Any:
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.fail(node, f"attribute access '.{node.attr}' is not allowed (only .T)")
            return sp.ImmutableMatrix(self.walk(node.value, depth + 1).T)
        if isinstance(node, ast.Subscript):
            return self._index(node, self.walk(node.value, depth + 1))
        return super().other(node, depth)

    def _call(self, node: ast.Call, depth: int) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node, "only calls of the known functions are allowed")
        fn = node.func.id
        if fn not in FUNCS:
            raise self.fail(node, f"unknown function '{fn}' (known: {', '.join(FUNCS)})")
        if node.keywords:
            raise self.fail(node, f"{fn}() takes no keyword arguments")
        f = FUNCTIONS[WRITTEN[fn]]
        args = [self.walk(a, depth + 1) for a in node.args]
        if f.shape == "pick" and len(args) == 2:
            a, b = self._broadcast(node, fn, *args)  # type: ignore[arg-type]
            return sp.ImmutableMatrix(a.rows, a.cols, lambda i, j: f.sympy_form(sp, a[i, j], b[i, j]))
        if len(args) != 1:
            raise self.fail(node, f"{fn}() takes one argument")
        m = args[0]
        if f.shape == "map":  # entry by entry
            return sp.ImmutableMatrix(m.rows, m.cols, lambda i, j: f.sympy_form(sp, m[i, j]))
        self._work(node, len(m) * (_size(m) + 1))
        out = f.sympy_form(sp, *m)  # of all the entries: a number, or one per entry (softmax)
        if isinstance(out, list):
            return sp.ImmutableMatrix(m.rows, m.cols, out)
        return sp.ImmutableMatrix([[out]])

    def _index(self, node: ast.Subscript, m: Any) -> Any:
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if len(parts) == 1 and 1 in m.shape:
            rows, cols = ([0], self._range(parts[0], m.cols, node)) if m.rows == 1 else \
                (self._range(parts[0], m.rows, node), [0])
        elif len(parts) == 2:
            rows, cols = self._range(parts[0], m.rows, node), self._range(parts[1], m.cols, node)
        else:
            raise self.fail(node, f"index a {self.shape_text(m)} matrix with [row, column] (1-based)")
        return sp.ImmutableMatrix([[m[i, j] for j in cols] for i in rows])

    def _range(self, part: ast.AST, n: int, node: ast.AST) -> list[int]:
        def one(p: Optional[ast.AST], default: int) -> int:
            if p is None:
                return default
            if isinstance(p, ast.Constant) and isinstance(p.value, int) and not isinstance(p.value, bool):
                k = p.value
            elif isinstance(p, ast.UnaryOp) and isinstance(p.op, ast.USub):
                raise self.fail(node, "indices are 1-based and positive")
            else:
                raise self.fail(node, "an index must be a whole number (1-based), ':' or a range i:j")
            if not 1 <= k <= n:
                raise self.fail(node, f"index {k} is out of range 1..{n}")
            return k
        if isinstance(part, ast.Slice):
            if part.step is not None:
                raise self.fail(node, "ranges take no step")
            lo, hi = one(part.lower, 1), one(part.upper, n)
            if lo > hi:
                raise self.fail(node, f"empty range {lo}:{hi}")
            return list(range(lo - 1, hi))
        return [one(part, 1) - 1]


def _size(m: Any) -> int:
    """How many SymPy nodes the entries of `m` hold (the measure of MAX_SYMBOLIC_WORK)."""
    return sum(1 for e in m for _ in sp.preorder_traversal(e))


def _float(x: sp.Basic) -> float:
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        return float("inf")


# -- the schema ---------------------------------------------------------------------------------
class Spec(BaseModel):
    """kind: graph — see the README."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["graph"]
    title: Optional[str] = None
    given: dict[str, Any]
    define: dict[str, str]
    find: list[str]

    _nodes: dict[str, Node]
    _finds: list[tuple[str, Any]]

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        nodes: dict[str, Node] = {}
        for name, value in self.given.items():
            _check_name(name, ("given", name))
            nodes[name] = _given_node(name, value)
        for name, text in self.define.items():
            path = ("define", name)
            _check_name(name, path)
            if name in nodes:
                raise SpecInvalid(f"'{name}' is defined twice (it is already given)", path + ("<key>",))
            walker = GraphWalker(nodes)
            try:
                local = parse_tree(text, walker)
            except ParseError as exc:
                later = [n for n in self.define if n not in nodes and n != name]
                hint = ""
                if "unknown name" in exc.message and any(f"'{n}'" in exc.message for n in later + [name]):
                    hint = "; definitions are evaluated in order, so a name may only use earlier ones (a cycle?)"
                raise SpecInvalid(f"{exc}{hint}", path) from None
            nodes[name] = Node(name, local.shape, _entry_syms(name, local.shape), local, text=text.strip(),
                               symbolic=any(nodes[u].symbolic for u in walker.used), parents=walker.used)
        _check_entry_keys(nodes)
        graph = Paths(nodes)
        finds = []
        for k, item in enumerate(self.find):
            finds.append(_parse_find(str(item), nodes, ("find", k)))
            if finds[-1][0] == "derivative":
                top, _, selected = finds[-1][1]
                for target in selected:
                    if len(graph.paths(nodes[top].symbols[0, 0], target)) > MAX_PATHS:
                        raise SpecInvalid(f"more than {MAX_PATHS} paths lead from {top} to {target.name}; "
                                          "ask for a derivative nearer the input", ("find", k))
        if not finds:
            raise SpecInvalid("expected at least one thing to find", ("find",))
        self._nodes, self._finds = nodes, finds
        return self


_RESERVED = set(FUNCS) | {"T", "symbol"}


def _check_name(name: str, path: tuple) -> None:
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name.startswith("__"):
        raise SpecInvalid(f"'{name}' is not a name (letters, digits and _, starting with a letter)", path + ("<key>",))
    if name in _RESERVED:
        raise SpecInvalid(f"'{name}' is a function of the language; choose another name", path + ("<key>",))


def _given_node(name: str, value: Any) -> Node:
    path = ("given", name)
    if isinstance(value, str):
        m = re.fullmatch(r"\s*symbol\s*(?:(\d+)\s*[x×]\s*(\d+))?\s*", value)
        if not m:
            raise SpecInvalid(f"expected a number, a list, a list of rows, or `symbol` (or `symbol 2x3`), "
                              f"got '{value}'", path)
        shape = (int(m.group(1)), int(m.group(2))) if m.group(1) else (1, 1)
        if shape[0] * shape[1] > MAX_SYMBOL_ENTRIES:
            raise SpecInvalid(f"a symbol matrix may have at most {MAX_SYMBOL_ENTRIES} entries "
                              f"({shape[0]}×{shape[1]} has {shape[0] * shape[1]})", path)
        return Node(name, shape, _entry_syms(name, shape), symbolic=True)
    arr = V.tensor(value, path)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1) if isinstance(value, list) else arr.reshape(1, 1)
    shape = (arr.shape[0], arr.shape[1])
    return Node(name, shape, _entry_syms(name, shape), value=arr)


def _check_entry_keys(nodes: dict[str, Node]) -> None:
    """A name such as W_1_1 would be the same quantity as entry (1, 1) of a matrix W."""
    keys: dict[str, str] = {}
    for node in nodes.values():
        for s in node.symbols:
            if s.name in keys:
                raise SpecInvalid(f"the name '{s.name}' is also the name of an entry of '{keys[s.name]}'; "
                                  "choose another", ("define" if node.local is not None else "given", node.name, "<key>"))
            keys[s.name] = node.name


def _parse_find(text: str, nodes: dict[str, Node], path: tuple) -> tuple[str, Any]:
    m = re.fullmatch(r"\s*d\s*([A-Za-z]\w*)\s*/\s*d\s*([A-Za-z]\w*)\s*(\[.*\])?\s*", text)
    if not m:
        name = text.strip()
        if name not in nodes:
            raise SpecInvalid(f"'{name}' is neither a name nor a derivative like dL/dW[1,:]; names: "
                              + ", ".join(nodes), path)
        return ("value", name)
    top, wrt, index = m.group(1), m.group(2), m.group(3)
    for n in (top, wrt):
        if n not in nodes:
            raise SpecInvalid(f"unknown name '{n}' in '{text.strip()}'; names: {', '.join(nodes)}", path)
    if nodes[top].shape != (1, 1):
        raise SpecInvalid(f"'{top}' is {nodes[top].shape[0]}×{nodes[top].shape[1]}: only a scalar can be "
                          "differentiated (take sum(...) or an entry)", path)
    walker = GraphWalker(nodes)
    try:
        selected = parse_tree(f"{wrt}{index or ''}", walker)
    except ParseError as exc:
        raise SpecInvalid(f"{exc}", path) from None
    return ("derivative", (top, wrt, selected))


# -- the work -----------------------------------------------------------------------------------
class Paths:
    """The entries' computation graph: which entries each entry's local formula is written with,
    and the paths from one entry down to another (the terms of the chain rule)."""

    def __init__(self, nodes: dict[str, Node]) -> None:
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
        super().__init__(spec._nodes)
        self.spec, self.nodes = spec, spec._nodes
        self.d = Derivation(options)
        self.names = entry_names(self.nodes)
        self.values: dict[str, Optional[np.ndarray]] = {n.name: n.value for n in self.nodes.values()}
        self.syms: dict[str, Sym] = {}    # SymPy symbol name → our symbol
        for node in self.nodes.values():
            for i in range(node.shape[0]):
                for j in range(node.shape[1]):
                    s = node.symbols[i, j]
                    uni, tex = _entry(self.names[node.name][1], node.shape, i, j)
                    self.syms[s.name] = Sym(s.name, uni, tex)
        self.partials: dict[tuple[str, str], Sym] = {}

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
                d.text(f"{uni}: a symbol" + (f" ({node.shape[0]}×{node.shape[1]})" if node.shape != (1, 1) else ""))
                continue
            value = node.value
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
                formula = from_sympy(node.local[i, j], self.syms)
                d.record = True if k < SHOWN_ENTRIES else (lambda _s: False)
                v = d.derive(self.entry(node.symbols[i, j]), formula)
                if v is not None:
                    values[i, j] = float(v)
            d.record = True
            if len(entries) > SHOWN_ENTRIES:
                d.text(f"The other {len(entries) - SHOWN_ENTRIES} entries are computed the same way.")
            if len(entries) > 1 and not node.symbolic:
                d.given(Sym(f"{node.name}#", uni, self.shown(node.name)[1]), values,
                        note=f"{node.shape[0]}×{node.shape[1]}, entry by entry above")
            self.values[node.name] = values if not node.symbolic else None

    def edges(self) -> None:
        rows = [(p, n.name) for n in self.nodes.values() for p in n.parents]
        if rows:
            self.d.section("The computation graph")
            self.d.text("Each name feeds the names written with it:")
            self.d.graph((self.shown(a)[0], self.shown(b)[0]) for a, b in rows)

    # -- derivatives ------------------------------------------------------------------------
    def local_partial(self, child: sp.Symbol, parent: sp.Symbol) -> Sym:
        key = (child.name, parent.name)
        if key not in self.partials:
            node, i, j = self.owner[child.name]
            sym = N.partial(self.entry(child), self.entry(parent))
            formula = from_sympy(tidy_form(sp.diff(node.local[i, j], parent)), self.syms)
            self.d.derive(sym, formula, note="from sympy.diff of the local formula")
            self.partials[key] = sym
        return self.partials[key]

    def derivative(self, label: str, top: str, wrt: str, selected: sp.ImmutableMatrix) -> Any:
        d = self.d
        top_sym = self.nodes[top].symbols[0, 0]
        d.section(f"Derivative {label}")
        values = []
        entries = list(selected)
        for k, target in enumerate(entries):
            d.record = True if k < SHOWN_ENTRIES else (lambda _s: False)
            paths = self.paths(top_sym, target)
            q = N.partial(self.entry(top_sym), self.entry(target))
            if not paths:
                v = d.derive(q, _zero(), note=f"{self.entry(top_sym).uni} does not depend on {self.entry(target).uni}")
                values.append(v)
                continue
            products = []
            chains = []
            for path in paths:
                factors = [self.local_partial(a, b) for a, b in zip(path, path[1:])]
                products.append(Mul.of(*factors) if len(factors) > 1 else factors[0])
                chains.append(" ← ".join(self.entry(s).uni for s in path))
            formula = products[0] if len(products) == 1 else Add.of(*products)
            note = (f"the sum over the {len(paths)} paths: " + "; ".join(chains)) if len(paths) > 1 else \
                f"the path {chains[0]}"
            extra = [self._formula_of(top_sym, target)] if any(
                d.env.get(f.key) is None for f in formula.symbols()) else []
            values.append(d.derive(q, formula, *extra, note=note))
        d.record = True
        if len(entries) > SHOWN_ENTRIES:
            d.text(f"The other {len(entries) - SHOWN_ENTRIES} entries are computed the same way.")
        if any(v is None for v in values):
            return [self._formula_of(top_sym, t) for t in entries] if len(entries) > 1 else \
                self._formula_of(top_sym, entries[0])
        arr = np.array(values, dtype=float).reshape(selected.shape)
        if arr.size > 1:
            d.given(Sym(f"grad#{label}", label.replace("d", "∂", 1).replace("/d", "/∂"), label), arr,
                    note="the entries above, as a matrix")
        return _squeeze(arr)

    def value_keys(self, node: Node) -> list[str]:
        """The steps that produce a name's value: its entries' steps, or its Given line."""
        if node.local is not None:
            return [s.name for s in node.symbols]
        return [] if node.symbolic else [f"{node.name}#"]

    def _formula_of(self, top: sp.Symbol, target: sp.Symbol) -> Expr:
        """In symbolic mode: the derivative as one formula (substituting the local derivatives)."""
        total = sp.Integer(0)
        for path in self.paths(top, target):
            prod = sp.Integer(1)
            for a, b in zip(path, path[1:]):
                node, i, j = self.owner[a.name]
                prod *= sp.diff(node.local[i, j], b)
            total += prod
        return from_sympy(tidy_form(total), self.syms)


def _zero() -> Expr:
    from dlsolve.expr import Num

    return Num(0)


def _squeeze(arr: np.ndarray) -> Any:
    if arr.size == 1:
        return float(arr.reshape(-1)[0])
    if 1 in arr.shape:
        return arr.reshape(-1).tolist()
    return arr.tolist()


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    s = Solver(spec, options)
    s.d.convention("indices are 1-based, as the course writes w₁₂; a flat list is a column vector")
    s.d.convention("* / ** and the functions act entry by entry; @ is the matrix product; a 1×1 value is a number")
    s.given()
    s.definitions()
    s.edges()
    for (what, item), text in zip(spec._finds, spec.find):
        if what == "value":
            node = spec._nodes[item]
            value = s.values[item]
            if value is None:
                answer: Any = [from_sympy(e, s.syms) for e in node.local] if node.local is not None else None
                if node.local is not None and node.shape == (1, 1):
                    answer = from_sympy(node.local[0, 0], s.syms)
            else:
                answer = _squeeze(np.asarray(value, dtype=float))
            s.d.answer(text, answer, s.shown(item)[0], keys=s.value_keys(node))
        else:
            top, wrt, selected = item
            top_entry = s.entry(spec._nodes[top].symbols[0, 0])
            s.d.answer(text, s.derivative(text, top, wrt, selected), text,
                       keys=[N.partial(top_entry, s.entry(t)).key for t in selected])
    return s.d.solution(KIND, spec.title)
