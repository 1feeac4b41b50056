"""The language of graph formulas: an allow-listed walk of Python's syntax tree (dlsolve.parse)
that builds SymPy matrices, entry by entry, with elementwise semantics; functions from the
registry (dlsolve.functions); limits from dlsolve.parse."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np
import sympy as sp

from dlsolve.functions import FUNCTIONS, WRITTEN
from dlsolve.exprlimits import MAX_SYMBOLIC_WORK
from dlsolve.parse import Walker

FUNCS = tuple(w for w, key in WRITTEN.items() if FUNCTIONS[key].sympy is not None)
"""The functions a graph formula may call: every written name with a SymPy form."""


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


def entry_symbols(name: str, shape: tuple[int, int]) -> sp.ImmutableMatrix:
    r, c = shape
    if r == c == 1:
        return sp.ImmutableMatrix([[sp.Symbol(name, real=True)]])
    return sp.ImmutableMatrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i + 1}_{j + 1}", real=True))




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
        try:
            out = self._walk(node, depth)
        except (TypeError, ValueError, ArithmeticError) as exc:  # SymPy refused (relu of a complex number)
            raise self.fail(node, f"this cannot be computed: {str(exc)[:120]}") from None
        if isinstance(out, sp.MatrixBase) and out.shape == (1, 1) and out[0, 0].is_Number \
                and math.isinf(_float(out[0, 0])):
            raise self.fail(node, "this constant is infinite in float64 (beyond 1.8e308, or a division by 0)")
        return out

    def _walk(self, node: ast.AST, depth: int) -> Any:
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
        f: Callable[[Any, Any], Any] = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y,
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
        if f.shape == "join":  # [c; h]
            if not args:
                raise self.fail(node, f"{fn}() takes the vectors or matrices to join")
            try:
                return f.sympy_form(sp, *args)
            except ValueError as exc:
                raise self.fail(node, str(exc)) from None
        if f.shape == "rows":  # of a vector's entries, or of each row of a matrix
            if len(args) != 1:
                raise self.fail(node, f"{fn}() takes one argument")
            return self._rows(f, args[0])
        if f.shape == "pick" and len(args) == 2:
            a, b = self._broadcast(node, fn, *args)
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

    @staticmethod
    def _rows(f: Any, m: Any) -> Any:
        """f of a vector's entries, or of each row of a matrix (a row a sample's scores): one value
        per row (argmax: a number for a vector, a column for a matrix), or one per entry (onehot:
        the argument's shape)."""
        if 1 in m.shape:
            out = f.sympy_form(sp, *m)
            return sp.ImmutableMatrix(m.rows, m.cols, out) if isinstance(out, list) else sp.ImmutableMatrix([[out]])
        outs = [f.sympy_form(sp, *m.row(i)) for i in range(m.rows)]
        if isinstance(outs[0], list):
            return sp.ImmutableMatrix(outs)
        return sp.ImmutableMatrix([[o] for o in outs])

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
    except OverflowError:
        return float("inf")
    except (TypeError, ValueError):  # not a real number
        return float("nan")

