"""The terminal format: a worked solution as lines of unicode text.

Plain when piped (no colour, no wrapping: stable for files and golden tests), styled with rich
in a terminal. The same lines either way; styling only adds colour and weight.
"""

from __future__ import annotations

from typing import IO, Any, Callable

import numpy as np

from dlsolve import __version__
from dlsolve.expr import Expr, Sym
from dlsolve.render import layout
from dlsolve.render import numbers
from dlsolve.render.mathprint import UnicodePrinter
from dlsolve.render.parts import equation_parts
from dlsolve.solution import Given, Graph, Prose, Section, Series, Solution, Step, Table, Text

Segment = tuple[str, str]  # (text, rich style or "")
Line = list[Segment]


class TextRenderer:
    name = "text"
    suffix = ".txt"
    colour = True          # styled with rich when writing to a terminal
    one_document = False   # several solutions: one after another
    fragments = False
    structured = False     # True: data for programs (check writes its report's fields)
    tabular = False        # True (with structured): a table, e.g. check's gradebook

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
        self.precision = precision
        self.math = UnicodePrinter(precision)

    # -- entry points ----------------------------------------------------------------------
    def render(self, solution: Solution) -> str:
        return "\n".join("".join(text for text, _ in line) for line in self.lines(solution)) + "\n"

    def render_combined(self, solutions: list[Solution], title: str = "Answer key") -> str:
        head = f"{title}\n{'═' * len(title)}\n" + "".join(
            f"  {k}. {s.title or s.kind}\n" for k, s in enumerate(solutions, 1))
        return head + "\n" + "\n\n".join(self.render(s) for s in solutions)

    def render_index(self, entries: list[tuple[str, str]], title: str = "Problems") -> str:
        return f"{title}\n" + "".join(f"  {f}  {t}\n" for t, f in entries)

    def write(self, solution: Solution, stream: IO[str], color: bool = False) -> None:
        if not color:
            stream.write(self.render(solution))
            return
        from rich.console import Console
        from rich.text import Text as RichText

        console = Console(file=stream, highlight=False, soft_wrap=True)
        for line in self.lines(solution):
            console.print(RichText.assemble(*line))

    # -- numbers ---------------------------------------------------------------------------
    def num(self, x: float) -> str:
        return numbers.unicode(x, self.precision)

    def prose(self, p: Prose | None) -> str:
        return numbers.prose(p, self.precision)

    def value_lines(self, value: Any) -> list[str]:
        if isinstance(value, Expr):
            return [self.math.print(value)]
        arr = np.asarray(value, dtype=float) if not isinstance(value, (list, tuple)) or _numeric(value) else None
        if arr is None:
            return [str(value)]
        if arr.ndim == 0:
            return [self.num(float(arr))]
        if arr.ndim == 1:
            return [layout.vector_line(arr, self.num)]
        return layout.matrix_lines(arr, self.num)

    # -- document --------------------------------------------------------------------------
    def lines(self, sol: Solution) -> list[Line]:
        title = sol.title or f"{sol.kind} problem"
        out: list[Line] = [[(title, "bold")], [("═" * len(title), "bold")]]
        out.append([(f"dlsolve {__version__} · kind: {sol.kind} · numbers to {self.precision} "
                     "significant digits (computed in float64)", "dim")])
        if sol.conventions:
            out += [[("", "")], [("Conventions", "bold cyan")]]
            out += [[("  • " + self.prose(c), "")] for c in sol.conventions]
        for section in sol.sections:
            out += self.section(section)
        if sol.answers:
            out += [[("", "")], [("Answers", "bold cyan")], [("───────", "cyan")]]
            rows = [[a.name, self.prose(a.label), self._answer_text(a.value)] for a in sol.answers]
            out += [[("  " + line, "")] for line in layout.table_lines(("name", "quantity", "value"), rows)]
        return out

    def _answer_text(self, value: Any) -> str:
        """One line: a number, a vector [a, b], a matrix [a, b; c, d], or nested lists."""
        if isinstance(value, Expr):
            return self.math.print(value)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            if all(_is_number(v) for v in value):
                return layout.vector_line(np.asarray(value, dtype=float), self.num)
            if all(isinstance(v, Expr) for v in value):
                return "[" + ", ".join(self.math.print(v) for v in value) + "]"
            rows = [v for v in value if isinstance(v, (list, tuple))]
            if len(rows) == len(value) and rows and all(len(r) == len(rows[0]) for r in rows) and \
                    all(_is_number(x) or isinstance(x, Expr) for r in rows for x in r):
                shown = [self._answer_text(list(r))[1:-1] for r in rows[:layout.MAX_ROWS]]
                return "[" + "; ".join(shown) + ("; …" if len(rows) > layout.MAX_ROWS else "") + "]"
            return "[" + ", ".join(self._answer_text(v) for v in value) + "]"
        if _is_number(value):
            return self.num(float(value))
        return str(value)

    def section(self, section: Section) -> list[Line]:
        rule = "─" if section.level == 1 else "·"
        style = "bold cyan" if section.level == 1 else "bold"
        title = self.prose(section.title)
        out: list[Line] = [[("", "")], [(title, style)], [(rule * len(title), style)]]
        for block in section.blocks:
            out += getattr(self, "_" + type(block).__name__)(block)
        return out

    # -- blocks ----------------------------------------------------------------------------
    def _Given(self, g: Given) -> list[Line]:
        return self._Step(g)

    def _Step(self, s: Given | Step) -> list[Line]:
        if isinstance(s, Step) and not s.shown:
            return []
        parts = equation_parts(s, self.math.print, self.value_lines, lambda v: v[0] if len(v) == 1 else None)
        value = parts.value or []
        if parts.approx and value:
            value = ["≈ " + value[0]] + value[1:]
        return self._equation(parts.lhs, parts.forms, value, s.note)

    def _equation(self, lhs: str, forms: list[str], value: list[str], note: Prose | None) -> list[Line]:
        pad = "  " + " " * len(lhs) + " "
        rhs = forms + ([] if not value else [value[0]])
        out: list[Line] = []
        for k, text in enumerate(rhs):
            lead = f"  {lhs} = " if k == 0 else pad + "= "
            if text.startswith("≈ "):
                lead, text = (f"  {lhs} ≈ " if k == 0 else pad + "≈ "), text[2:]
            style = "bold" if value and k == len(rhs) - 1 else ""
            out.append([(lead, "" if k else "green"), (text, style)])
        indent = pad + "  "
        out += [[(indent + more, "bold")] for more in value[1:]]
        if note:
            out.append([(indent + "↳ " + self.prose(note), "dim italic")])
        return out

    def _Text(self, t: Text) -> list[Line]:
        if t.role == "note":
            return [[("  Note: ", "yellow"), (self.prose(t.text), "")]]
        return [[("  " + self.prose(t.text), "")]]

    def _Series(self, s: Series) -> list[Line]:
        return [[("  " + s.label + "  ", ""), (layout.sparkline(s.values), "magenta"),
                 (f"  {self.num(s.values[0])} → {self.num(s.values[-1])}", "dim")]]

    def _Graph(self, g: Graph) -> list[Line]:
        layers = layout.graph_layers(g.edges)
        out: list[Line] = [[("  " + "   ".join(", ".join(layer) for layer in layers), "bold")]]
        for a, b in g.edges:
            out.append([(f"  {a} → {b}", "")])
        return out

    def _Table(self, t: Table) -> list[Line]:
        cell: Callable[[Any], str] = self._cell
        rows = [[cell(c) for c in row] for row in t.rows]
        out: list[Line] = [[("  " + self.prose(t.title), "bold")]] if t.title else []
        return out + [[("  " + line, "")] for line in layout.table_lines(t.columns, rows)]

    def _cell(self, c: Any) -> str:
        if c is None:
            return ""
        if isinstance(c, Sym):
            return c.uni
        if isinstance(c, Expr):
            return self.math.print(c)
        if isinstance(c, float):
            return self.num(c)
        if isinstance(c, np.ndarray):
            return layout.vector_line(c, self.num) if c.ndim == 1 else self._answer_text(c)
        return str(c)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
        return True
    except (TypeError, ValueError):
        return False
