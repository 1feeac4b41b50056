"""The JSON format: answers at full float64 precision, and every step for programs to read."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from dlsolve import __version__
from dlsolve.expr import Expr
from dlsolve.render import numbers
from dlsolve.render.base import Renderer
from dlsolve.render.mathprint import LatexPrinter, UnicodePrinter
from dlsolve.render.parts import equation_parts
from dlsolve.solution import Figure, Given, Graph, Prose, Series, Solution, Step, Table, Text


@dataclass(frozen=True)
class Entry:
    """What a block adds to the document: a step (given or worked), a note, a series or the graph."""

    step: dict[str, Any] | None = None
    note: str | None = None
    series: dict[str, Any] | None = None
    graph: list[dict[str, str]] | None = None


NOTHING = Entry()  # a block that holds no data for programs


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


class JsonRenderer(Renderer[Entry], format="json"):
    """A solution as data: its answers, every step (given or worked) with its section, the notes,
    the series and the graph."""

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4") -> None:
        super().__init__(precision, fragment, mode, paper)
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
                entry = self.block(block)
                if entry.step is not None:
                    steps.append({"section": self.words(section.title), **entry.step})
                if entry.note is not None:
                    notes.append(entry.note)
                if entry.series is not None:
                    series.append(entry.series)
                if entry.graph is not None:
                    graph = entry.graph
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

    # -- blocks ----------------------------------------------------------------------------
    def render_Step(self, s: Step) -> Entry:
        sub = equation_parts(s, self.latex.print, lambda v: v, lambda v: None).substituted
        return Entry(step=with_reason({
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
        }, s.value, self.prose(s.note)))

    def render_Given(self, block: Given) -> Entry:
        return Entry(step=with_reason({
            "quantity": self.latex.print(block.quantity), "quantity_text": self.uni.print(block.quantity),
            "given": True, "formula": None, "substituted": None,
            "value": plain_value(block.value, self.latex), "note": self.prose(block.note)},
            block.value, self.prose(block.note)))

    def render_Text(self, block: Text) -> Entry:
        """A note (a convention, a warning) joins the notes; a paragraph of explanation is prose for readers."""
        return Entry(note=self.words(block.text)) if block.role == "note" else NOTHING

    def render_Table(self, block: Table) -> Entry:
        return NOTHING  # tables repeat values already in steps or answers

    def render_Graph(self, block: Graph) -> Entry:
        return Entry(graph=[{"from": a, "to": b} for a, b in block.edges])

    def render_Series(self, block: Series) -> Entry:
        return Entry(series={"label": block.label, "values": plain_value(list(block.values), self.latex),
                             "start": block.start})

    def render_Figure(self, block: Figure) -> Entry:
        return NOTHING  # a picture shows values the steps hold

    def render_data(self, data: Any) -> str:
        """Any JSON-able data (check's report) in this format's layout."""
        return dumps(data)

    def render(self, sol: Solution) -> str:
        return dumps(self.document(sol))

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        return dumps({"dlsolve_version": __version__, "title": title, "problems": [self.document(s) for s in sols]})

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        return json.dumps({"dlsolve_version": __version__, "title": title,
                           "problems": [{"title": t, "file": f} for t, f in entries]}, indent=2,
                          ensure_ascii=False) + "\n"
