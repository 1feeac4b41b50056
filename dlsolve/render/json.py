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


def plain_value(value: Any, latex: LatexPrinter | None = None, words: bool = False) -> Any:
    """Numbers, lists and lists of rows; formulas as LaTeX. NaN and ±∞ become null (JSON has no
    such numbers; `non_finite` names them and the document gives the reason), or with `words`
    (CSV) the words NaN, Infinity, -Infinity; −0.0 becomes 0.0."""
    if value is None:
        return None
    if isinstance(value, Expr):
        return latex.print(value) if latex is not None else str(value)
    if isinstance(value, (list, tuple)):
        return [plain_value(v, latex, words) for v in value]
    if isinstance(value, np.ndarray):
        return ([plain_value(v, latex, words) for v in value.tolist()] if value.ndim
                else plain_value(value.item(), latex, words))
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, np.floating, np.integer)):
        if isinstance(value, (int, np.integer)):
            return int(value)
        x = float(value)
        if not math.isfinite(x):
            return None if not words else "NaN" if math.isnan(x) else "Infinity" if x > 0 else "-Infinity"
        return 0.0 if x == 0 else x
    return str(value)


def non_finite(value: Any) -> list[str]:
    """Which of NaN, Infinity, -Infinity occur in a number or array ([] for none, or for formulas)."""
    if value is None or isinstance(value, (str, bool)):
        return []
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        if isinstance(value, (list, tuple)):
            return sorted({t for v in value for t in non_finite(v)})
        return []
    found = []
    if np.isnan(arr).any():
        found.append("NaN")
    if np.isposinf(arr).any():
        found.append("Infinity")
    if np.isneginf(arr).any():
        found.append("-Infinity")
    return found


NON_FINITE_REASON = ("the value is not a finite float64 number (an overflow, or an undefined operation "
                     "such as 0/0 or log 0); JSON writes it as null")


def with_reason(fields: dict[str, Any], value: Any, note: str | None) -> dict[str, Any]:
    """`fields` plus, when `value` holds NaN or ±∞, `non_finite` (which) and `reason` (why)."""
    found = non_finite(value)
    if found:
        fields["non_finite"] = found
        fields["reason"] = note or NON_FINITE_REASON
    return fields


def dumps(data: Any) -> str:
    """Strict JSON (a bare NaN or Infinity would be a bug, not output)."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class JsonRenderer:
    name = "json"
    suffix = ".json"
    colour = False
    one_document = True
    fragments = False
    structured = True
    tabular = False
    sheets = False

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
        self.precision = precision
        self.latex = LatexPrinter(precision)
        self.uni = UnicodePrinter(precision)

    def prose(self, p: Prose | None) -> str | None:
        """Prose as text, its values to the full float64 precision (JSON is for programs)."""
        return None if p is None else self.words(p)

    def words(self, p: Prose) -> str:
        """Prose that is always there (a section's title, a convention), as `prose` writes it."""
        return numbers.prose(p, 17)

    def document(self, sol: Solution) -> dict[str, Any]:
        steps: list[dict[str, Any]] = []
        notes: list[str] = [self.words(c) for c in sol.conventions]
        series: list[dict[str, Any]] = []
        graph: list[dict[str, str]] = []
        for section in sol.sections:
            for block in section.blocks:
                if isinstance(block, Step):
                    steps.append(self._step(self.words(section.title), block))
                elif isinstance(block, Given):
                    steps.append(with_reason({
                        "section": self.prose(section.title), "quantity": self.latex.print(block.quantity),
                        "quantity_text": self.uni.print(block.quantity), "given": True,
                        "formula": None, "substituted": None,
                        "value": plain_value(block.value, self.latex), "note": self.prose(block.note)},
                        block.value, self.prose(block.note)))
                elif isinstance(block, Text) and block.role == "note":
                    notes.append(self.words(block.text))
                elif isinstance(block, Table):
                    pass  # tables repeat values already in steps or answers
                elif isinstance(block, Graph):
                    graph = [{"from": a, "to": b} for a, b in block.edges]
                elif isinstance(block, Series):
                    series.append({"label": block.label, "values": plain_value(list(block.values), self.latex),
                                   "start": block.start})
        return {
            "dlsolve_version": __version__,
            "kind": sol.kind,
            "title": sol.title,
            "answers": {a.name: plain_value(a.value, self.latex) for a in sol.answers},
            **({"non_finite_answers": odd} if (odd := self._non_finite_answers(sol)) else {}),
            "steps": steps,
            "notes": notes,
            **({"series": series} if series else {}),
            **({"graph": graph} if graph else {}),
        }

    def _non_finite_answers(self, sol: Solution) -> dict[str, Any]:
        """name → which non-finite values the answer holds and why (the note of its step)."""
        out = {}
        steps = None
        for a in sol.answers:
            found = non_finite(a.value)
            if not found:
                continue
            if steps is None:
                steps = {st.quantity.key: st for st in sol.steps()}
            notes = [self.prose(steps[k].note) for k in a.keys if k in steps and steps[k].note is not None]
            out[a.name] = {"non_finite": found, "reason": notes[0] if notes else NON_FINITE_REASON}
        return out

    def _step(self, section: str, s: Step) -> dict[str, Any]:
        sub = equation_parts(s, self.latex.print, lambda v: v, lambda v: None).substituted
        return with_reason({
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
        }, s.value, self.prose(s.note))

    def render_data(self, data: Any) -> str:
        """Any JSON-able data (check's report) in this format's layout."""
        return dumps(data)

    def render(self, sol: Solution) -> str:
        return dumps(self.document(sol))

    def render_combined(self, sols: list[Solution], title: str = "Answer key") -> str:
        return dumps({"dlsolve_version": __version__, "title": title, "problems": [self.document(s) for s in sols]})

    def render_index(self, entries: list[tuple[str, str]], title: str = "Problems") -> str:
        return json.dumps({"dlsolve_version": __version__, "title": title,
                           "problems": [{"title": t, "file": f} for t, f in entries]}, indent=2,
                          ensure_ascii=False) + "\n"

    def write(self, sol: Solution, stream: IO[str], color: bool = False) -> None:
        stream.write(self.render(sol))
