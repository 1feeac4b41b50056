"""CSV for spreadsheets and gradebooks: a solution's answers one per row; check's gradebook one
student per row. Values at full float64 precision; a vector or matrix as its JSON list.

Its record says it writes no working (`working=False`): it walks no blocks, so it has no
`render_<Block>` methods."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Sequence

from dlsolve.render import numbers
from dlsolve.render.base import Renderer
from dlsolve.render.json import plain_value
from dlsolve.render.mathprint import LatexPrinter
from dlsolve.solution import Solution


class CsvRenderer(Renderer[None], format="csv"):
    """The answers as a table (check: the gradebook, not its reports' fields); no question or
    answers-only sheet."""

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4") -> None:
        super().__init__(precision, fragment, mode, paper)
        self.latex = LatexPrinter(precision)

    def _value(self, v: Any) -> Any:
        plain = plain_value(v, self.latex, words=True)
        return json.dumps(plain, ensure_ascii=False) if isinstance(plain, list) else plain

    def _table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if c is None else self._value(c) for c in row])
        return out.getvalue()

    def _rows(self, sol: Solution, problem: bool) -> list[list[Any]]:
        return [([sol.title or sol.kind] if problem else []) + [a.name, numbers.prose(a.label, 17), a.value]
                for a in sol.answers]

    def render(self, sol: Solution) -> str:
        return self._table(["answer", "quantity", "value"], self._rows(sol, False))

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        return self._table(["problem", "answer", "quantity", "value"], [r for s in sols for r in self._rows(s, True)])

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        return self._table(["title", "file"], entries)

    def render_data(self, data: Any) -> str:
        """A table given as {"columns": [...], "rows": [[...], ...]}."""
        return self._table(data["columns"], data["rows"])
