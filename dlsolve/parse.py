"""A safe parser for the formulas users write in YAML (objectives, definitions).

The text is parsed by Python's `ast` module — which only builds a tree and runs nothing — and
the tree is walked with an allow-list: numbers, the names the problem defines, + − * / **,
unary minus, and calls of a fixed set of functions. Anything else (attributes, subscripts that
were not asked for, lambdas, comprehensions, strings, keywords, dunder names) is refused with
the column where it starts. The result is a formula of dlsolve.expr; nothing is ever passed to
eval, exec or sympify.
"""

from __future__ import annotations

import ast
import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dlsolve.expr import Expr, Num, Sym, call, evaluate
from dlsolve.exprlimits import MAX_DEPTH, MAX_EXPONENT, MAX_INTEGER, MAX_LENGTH
from dlsolve.functions import FUNCTIONS as _REGISTRY
from dlsolve.functions import WRITTEN

FUNCTIONS = {w: key for w, key in WRITTEN.items() if _REGISTRY[key].shape == "map"}
"""The functions an objective may call (one argument, entry by entry), from dlsolve.functions."""


@dataclass
class ParseError(Exception):
    """What is wrong with a formula and where (1-based column inside the text)."""

    message: str
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.message} (column {self.column} of \"{self.text}\")"


def parse_formula(text: str, names: Mapping[str, Sym],
                  functions: Mapping[str, str] = FUNCTIONS,
                  extra: Callable[[ast.AST, "Walker"], Expr | None] | None = None) -> Expr:
    """The formula written in `text`, over the symbols in `names`."""
    walker = Walker(text.strip() if isinstance(text, str) else str(text), names, functions, extra)
    formula: Expr = parse_tree(text, walker)
    return formula


def parse_tree(text: str, walker: "Walker") -> Any:
    """Parse `text` and walk it with `walker` (whose methods build the result)."""
    if not isinstance(text, str):
        raise ParseError("expected a formula written as text", 1, str(text))
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the formula is longer than {MAX_LENGTH} characters", MAX_LENGTH, text[:40] + "…")
    stripped = text.strip()
    if not stripped:
        raise ParseError("the formula is empty", 1, text)
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        raise ParseError(f"not a formula: {exc.msg}", exc.offset or 1, stripped) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParseError("the formula is nested too deeply", 1, stripped[:40]) from None
    walker.text = stripped
    try:
        return walker.walk(tree.body, 0)
    except RecursionError:
        raise ParseError("the formula is nested too deeply", 1, stripped[:40]) from None


def _constant(e: Expr) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(evaluate(e, {}))
        except (OverflowError, TypeError, ValueError):
            return math.inf


class Walker:
    def __init__(self, text: str, names: Mapping[str, Sym], functions: Mapping[str, str],
                 extra: Callable[[ast.AST, "Walker"], Expr | None] | None) -> None:
        self.text, self.names, self.functions, self.extra = text, names, functions, extra

    def fail(self, node: ast.AST, message: str) -> ParseError:
        return ParseError(message, getattr(node, "col_offset", 0) + 1, self.text)

    def constant(self, node: ast.Constant) -> int | float:
        """A number written in the formula, refused when it is not one or is a huge integer."""
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise self.fail(node, f"only numbers may appear as constants, not {node.value!r}")
        if isinstance(node.value, int) and abs(node.value) > MAX_INTEGER:
            raise self.fail(node, f"the integer {str(node.value)[:20]}… is larger than the limit {MAX_INTEGER:.0e}; "
                                  "write it as a decimal (e.g. 1e20) to compute in floating point")
        return node.value

    def check_exponent(self, node: ast.AST, exponent: float | None) -> None:
        """Refuse a constant exponent beyond MAX_EXPONENT (an exact power of it has no end)."""
        if exponent is not None and not abs(exponent) <= MAX_EXPONENT:
            raise self.fail(node, f"the exponent {exponent:.6g} is beyond the limit ±{MAX_EXPONENT}")

    def walk(self, node: ast.AST, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(node, "the formula is nested too deeply")
        if self.extra is not None:
            out = self.extra(node, self)
            if out is not None:
                return out
        if isinstance(node, ast.Constant):
            return Num(self.constant(node))
        if isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise self.fail(node, f"'{node.id}' is not allowed")
            if node.id in self.names:
                return self.names[node.id]
            known = ", ".join(sorted(self.names)) or "none"
            raise self.fail(node, f"unknown name '{node.id}' (known: {known})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.walk(node.operand, depth + 1)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            combined: Expr = self.binop(node, self.walk(node.left, depth + 1), self.walk(node.right, depth + 1))
            return combined
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise self.fail(node, "only calls of the known functions are allowed")
            name = node.func.id
            if name not in self.functions:
                raise self.fail(node, f"unknown function '{name}' (known: {', '.join(sorted(self.functions))})")
            if node.keywords:
                raise self.fail(node, f"{name}() takes no keyword arguments")
            if len(node.args) != 1:
                raise self.fail(node, f"{name}() takes one argument")
            return self.finite(node, call(self.functions[name], self.walk(node.args[0], depth + 1)))
        rest: Expr = self.other(node, depth)  # a subclass's own forms (the graph language)
        return rest

    # -- overridable: how a result is built --------------------------------------------------
    OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}

    def binop(self, node: ast.BinOp, a: Any, b: Any) -> Any:
        op = self.OPS.get(type(node.op))
        funcs = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
                 "**": lambda: a ** b}
        if op == "**" and not b.symbols():
            self.check_exponent(node, _constant(b))
            if not a.symbols():
                self.check_power(node, _constant(a), _constant(b))
        if op not in funcs:
            raise self.fail(node, f"the operator {op or type(node.op).__name__} is not allowed "
                                  "(use + - * / ** and the functions)")
        return self.finite(node, funcs[op]())

    def finite(self, node: ast.AST, e: Expr) -> Expr:
        """Refuse a part without names that is infinite in float64 (1e308 * 100, exp(1000)): SymPy
        would carry it exactly, and e to the power of it has no end."""
        if not e.symbols() and math.isinf(_constant(e)):
            raise self.fail(node, "this constant is infinite in float64 (beyond 1.8e308, or a division by 0)")
        return e

    def check_power(self, node: ast.AST, base: float, exponent: float) -> None:
        """Refuse a power of constants beyond float64 (SymPy would compute it exactly, without end)."""
        try:
            big = abs(base) > 1 and exponent * math.log10(abs(base)) > 308
        except (TypeError, ValueError):
            big = False
        if big:
            raise self.fail(node, f"the power {base:.6g}**{exponent:.6g} is beyond float64 (about 1.8e308)")

    def other(self, node: ast.AST, depth: int) -> Any:
        what = {ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.ListComp: "a comprehension",
                ast.GeneratorExp: "a comprehension", ast.Subscript: "indexing", ast.Compare: "a comparison",
                ast.BoolOp: "and/or", ast.IfExp: "if-else", ast.List: "a list", ast.Tuple: "a tuple",
                ast.Dict: "a mapping", ast.Set: "a set", ast.JoinedStr: "a string"}.get(type(node))
        raise self.fail(node, f"{what or type(node).__name__} is not allowed in a formula")
