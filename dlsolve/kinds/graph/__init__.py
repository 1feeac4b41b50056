"""kind: graph — the chain rule through any expression, step by step.

Names are given (numbers, vectors, matrices, or symbols) and defined in order by formulas in a
small language: + − * / ** (elementwise, a 1×1 value broadcasts), @ (matrix product), .T,
1-based indexing W[1,2], W[1,:], W[2:3,1], and the functions of the registry dlsolve.functions
(exp, log, sigmoid, tanh, relu, softplus, softmax, sum, mean, max, …). The text is parsed by
dlsolve.parse (an allow-listed walk of Python's ast, in language.py), never evaluated.

Each defined name is worked entry by entry from its *local* formula — in the entries of the
names it is written with — so the computation graph is explicit. A derivative ∂L/∂w is the sum
over the paths from L down to w of the products of local derivatives, each from sympy.diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, Mapping, Optional

import numpy as np
import sympy as sp
from pydantic import ConfigDict, Field

from dlsolve.errors import SpecInvalid
from dlsolve.functions import by_sympy_head
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.graph.language import FUNCS, GraphWalker, Node, entry_symbols
from dlsolve.kinds.graph.names import display
from dlsolve.kinds.graph.solver import Paths, Solver, squeeze
from dlsolve.kinds.prepared import PreparedSpec
from dlsolve.exprlimits import MAX_NAME_ENTRIES, MAX_PATHS, MAX_SYMBOL_ENTRIES
from dlsolve.parse import ParseError, parse_tree
from dlsolve.solution import Solution
from dlsolve.symbolic import from_sympy
from dlsolve.schema import GraphValue  # field types with a JSON Schema

KIND = "graph"
__all__ = ["FUNCS", "KIND", "Spec", "display", "solve"]


# -- the schema ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Find:
    """One item of `find`: the value of a name, or (with `selected`) the derivative of the scalar
    `name` with respect to the selected entries of `wrt`."""

    text: str
    name: str
    wrt: str = ""
    selected: Optional[sp.ImmutableMatrix] = None   # the entries of wrt (a derivative only)


@dataclass(frozen=True)
class Problem:
    """A graph problem, checked: every name's node in order (given, then defined) and what to find."""

    nodes: Mapping[str, Node]
    finds: tuple[Find, ...]


class Spec(PreparedSpec[Problem]):
    """kind: graph — see the README."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["graph"]
    title: Optional[str] = None
    given: dict[str, GraphValue] = Field(
        description="the inputs by name: a number, a list, a matrix (rows), or `symbol` (`symbol 2x3`)")
    define: dict[str, str] = Field(
        description="the computation, one name per line in order: name: formula of earlier names (e.g. yhat: "
                    "sigmoid(w*x + b))")
    find: list[str] = Field(description="what to compute: names, and derivatives such as dL/dw or dL/dW[1,:]")

    def prepare(self) -> Problem:
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
            nodes[name] = Node(name, local.shape, entry_symbols(name, local.shape), local, text=text.strip(),
                               symbolic=any(nodes[u].symbolic for u in walker.used), parents=walker.used)
        _check_entry_keys(nodes)
        graph = Paths(nodes)
        finds: list[Find] = []
        for k, item in enumerate(self.find):
            find = _parse_find(str(item), nodes, ("find", k))
            finds.append(find)
            if find.selected is not None:
                for target in find.selected:
                    paths = graph.paths(nodes[find.name].symbols[0, 0], target)
                    if len(paths) > MAX_PATHS:
                        raise SpecInvalid(f"more than {MAX_PATHS} paths lead from {find.name} to {target.name}; "
                                          "ask for a derivative nearer the input", ("find", k))
                    for p in paths:
                        why = _no_gradient(graph, p)
                        if why:
                            raise SpecInvalid(why, ("find", k))
        if not finds:
            raise SpecInvalid("expected at least one thing to find", ("find",))
        return Problem(MappingProxyType(nodes), tuple(finds))


def _no_gradient(graph: Paths, path: list[sp.Symbol]) -> Optional[str]:
    """Why no derivative passes along `path` (an argmax or onehot on it: the record says), or None."""
    heads = by_sympy_head(sp)
    for s, parent in zip(path, path[1:]):
        node, i, j = graph.owner[s.name]
        assert node.local is not None   # an entry above another on a path is defined by a formula
        for call in node.local[i, j].atoms(sp.Function):
            record = heads.get(type(call))
            if record is not None and record.no_gradient and parent in call.free_symbols:
                return f"{record.no_gradient} ({node.name} = {node.text})"
    return None


_RESERVED = set(FUNCS) | {"T", "symbol"}


def _check_name(name: str, path: tuple[str, ...]) -> None:
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
        return Node(name, shape, entry_symbols(name, shape), symbolic=True)
    arr = V.tensor(value, path)
    if arr.size > MAX_NAME_ENTRIES:
        raise SpecInvalid(f"{arr.size} entries: graph works entry by entry, and a name may have at most "
                          f"{MAX_NAME_ENTRIES}", path)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1) if isinstance(value, list) else arr.reshape(1, 1)
    shape = (arr.shape[0], arr.shape[1])
    return Node(name, shape, entry_symbols(name, shape), value=arr)


def _check_entry_keys(nodes: dict[str, Node]) -> None:
    """A name such as W_1_1 would be the same quantity as entry (1, 1) of a matrix W."""
    keys: dict[str, str] = {}
    for node in nodes.values():
        for s in node.symbols:
            if s.name in keys:
                raise SpecInvalid(f"the name '{s.name}' is also the name of an entry of '{keys[s.name]}'; "
                                  "choose another", ("define" if node.local is not None else "given", node.name, "<key>"))
            keys[s.name] = node.name


def _parse_find(text: str, nodes: dict[str, Node], path: tuple[str | int, ...]) -> Find:
    m = re.fullmatch(r"\s*d\s*([A-Za-z]\w*)\s*/\s*d\s*([A-Za-z]\w*)\s*(\[.*\])?\s*", text)
    if not m:
        name = text.strip()
        if name not in nodes:
            raise SpecInvalid(f"'{name}' is neither a name nor a derivative like dL/dW[1,:]; names: "
                              + ", ".join(nodes), path)
        return Find(text, name)
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
    return Find(text, top, wrt, selected)




def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    s = Solver(spec, options)
    s.d.convention("indices are 1-based, as the course writes w₁₂; a flat list is a column vector")
    s.d.convention("* / ** and the functions act entry by entry; @ is the matrix product; a 1×1 value is a number")
    s.given()
    s.definitions()
    s.edges()
    for find, text in zip(spec.problem.finds, spec.find):
        if find.selected is None:
            node = spec.problem.nodes[find.name]
            value = s.values[find.name]
            if value is None:
                answer: Any = [from_sympy(e, s.syms) for e in node.local] if node.local is not None else None
                if node.local is not None and node.shape == (1, 1):
                    answer = from_sympy(node.local[0, 0], s.syms)
            else:
                answer = squeeze(np.asarray(value, dtype=float))
            s.d.answer(text, answer, s.shown(find.name)[0], keys=s.value_keys(node))
        else:
            s.d.answer(text, s.derivative(text, find.name, find.wrt, find.selected), text,
                       keys=s.derivative_keys(find.name, find.selected))
    return s.d.solution(KIND, spec.title)
