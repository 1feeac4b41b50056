"""CSV for spreadsheets and gradebooks: a solution's answers one per row; check's gradebook one
student per row. Values at full float64 precision; a vector or matrix as its JSON list."""

from __future__ import annotations

import csv
import io
import json
from typing import IO, Any, Sequence

from dlsolve.render import numbers
from dlsolve.render.json import plain_value
from dlsolve.render.mathprint import LatexPrinter
from dlsolve.solution import Solution


class CsvRenderer:
    name = "csv"
    suffix = ".csv"
    colour = False
    one_document = True
    fragments = False
    structured = True
    tabular = True   # check writes a gradebook table, not its reports' fields
    sheets = False   # no question or answers-only sheet: a table of answers

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
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

    def render_combined(self, sols: list[Solution], title: str = "Answer key") -> str:
        return self._table(["problem", "answer", "quantity", "value"], [r for s in sols for r in self._rows(s, True)])

    def render_index(self, entries: list[tuple[str, str]], title: str = "Problems") -> str:
        return self._table(["title", "file"], entries)

    def render_data(self, data: Any) -> str:
        """A table given as {"columns": [...], "rows": [[...], ...]}."""
        return self._table(data["columns"], data["rows"])

    def write(self, sol: Solution, stream: IO[str], color: bool = False) -> None:
        stream.write(self.render(sol))
