"""The JSON format: answers at full float64 precision, and every step for programs to read."""

from __future__ import annotations

import json
import math
from typing import IO, Any

import numpy as np

from dlsolve import __version__
from dlsolve.expr import Expr
from dlsolve.render import numbers
from dlsolve.render.mathprint import LatexPrinter, UnicodePrinter
from dlsolve.render.parts import equation_parts
from dlsolve.solution import Given, Graph, Prose, Series, Solution, Step, Table, Text


def plain_value(value: Any, latex: LatexPrinter) -> Any:
    """Numbers, lists and lists of rows; ±inf and NaN as strings; formulas as LaTeX."""
    if value is None:
        return None
    if isinstance(value, Expr):
        return latex.print(value)
    if isinstance(value, (list, tuple)):
        return [plain_value(v, latex) for v in value]
    if isinstance(value, np.ndarray):
        return [plain_value(v, latex) for v in value.tolist()] if value.ndim else plain_value(float(value), latex)
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.floating, np.integer)):
        x = float(value)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return int(x) if isinstance(value, (int, np.integer)) else x
    return str(value)


class JsonRenderer:
    name = "json"
    suffix = ".json"
    colour = False
    one_document = True
    fragments = False
    structured = True
    tabular = False

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
        self.precision = precision
        self.latex = LatexPrinter(precision)
        self.uni = UnicodePrinter(precision)

    def prose(self, p: Prose | None) -> str | None:
        """Prose as text, its values to the full float64 precision (JSON is for programs)."""
        return None if p is None else numbers.prose(p, 17)

    def document(self, sol: Solution) -> dict[str, Any]:
        steps: list[dict[str, Any]] = []
        notes: list[str] = [self.prose(c) for c in sol.conventions]
        series: list[dict[str, Any]] = []
        graph: list[dict[str, str]] = []
        for section in sol.sections:
            for block in section.blocks:
                if isinstance(block, Step):
                    steps.append(self._step(self.prose(section.title), block))
                elif isinstance(block, Given):
                    steps.append({
                        "section": self.prose(section.title), "quantity": self.latex.print(block.quantity),
                        "quantity_text": self.uni.print(block.quantity), "given": True,
                        "formula": None, "substituted": None,
                        "value": plain_value(block.value, self.latex), "note": self.prose(block.note)})
                elif isinstance(block, Text) and block.role == "note":
                    notes.append(self.prose(block.text))
                elif isinstance(block, Table):
                    pass  # tables repeat values already in steps or answers
                elif isinstance(block, Graph):
                    graph = [{"from": a, "to": b} for a, b in block.edges]
                elif isinstance(block, Series):
                    series.append({"label": block.label, "values": plain_value(list(block.values), self.latex)})
        return {
            "dlsolve_version": __version__,
            "kind": sol.kind,
            "title": sol.title,
            "answers": {a.name: plain_value(a.value, self.latex) for a in sol.answers},
            "steps": steps,
            "notes": notes,
            **({"series": series} if series else {}),
            **({"graph": graph} if graph else {}),
        }

    def _step(self, section: str, s: Step) -> dict[str, Any]:
        sub = equation_parts(s, self.latex.print, lambda v: v, lambda v: None).substituted
        return {
            "section": section,
            "quantity": self.latex.print(s.quantity),
            "quantity_text": self.uni.print(s.quantity),
            "forms": [self.latex.print(f) for f in s.forms],
            "formula": self.latex.print(s.formula),
            "substituted": sub,
            "value": plain_value(s.value, self.latex),
            "note": self.prose(s.note),
            "shown": s.shown,
            **({"exact": self.latex.print(s.exact)} if s.exact is not None else {}),
            **({"rounded_to_decimals": s.rounded} if s.rounded is not None else {}),
        }

    def render_data(self, data: Any) -> str:
        """Any JSON-able data (check's report) in this format's layout."""
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def render(self, sol: Solution) -> str:
        return json.dumps(self.document(sol), indent=2, ensure_ascii=False) + "\n"

    def render_combined(self, sols: list[Solution], title: str = "Answer key") -> str:
        return json.dumps({"dlsolve_version": __version__, "title": title,
                           "problems": [self.document(s) for s in sols]}, indent=2, ensure_ascii=False) + "\n"

    def render_index(self, entries: list[tuple[str, str]], title: str = "Problems") -> str:
        return json.dumps({"dlsolve_version": __version__, "title": title,
                           "problems": [{"title": t, "file": f} for t, f in entries]}, indent=2,
                          ensure_ascii=False) + "\n"

    def write(self, sol: Solution, stream: IO[str], color: bool = False) -> None:
        stream.write(self.render(sol))
