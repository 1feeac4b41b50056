"""What the document formats (Markdown, LaTeX, HTML) share: the walk over a Solution.

A subclass supplies the primitives of its format — headings, paragraphs, notes, a displayed
equation from lines of LaTeX math, tables — and the walk is the same for all, so every kind
gets every format. All mathematics comes from the one LaTeX printer.
"""

from __future__ import annotations

from typing import IO, Any, Sequence

import numpy as np

from dlsolve import __version__
from dlsolve.expr import Expr, Sym
from dlsolve.render import layout, numbers
from dlsolve.render.mathprint import LatexPrinter
from dlsolve.render.parts import equation_parts
from dlsolve.solution import Given, Graph, Prose, Section, Series, Solution, Step, Table, Text

Cell = tuple[str, str]  # ("math", latex) or ("text", plain text)


class DocumentRenderer:
    name = "document"
    suffix = ".txt"
    colour = False
    one_document = False   # True: several solutions make one document (a contents page, one file)
    fragments = False
    structured = False     # True: data for programs (check writes its report's fields)
    tabular = False        # True (with structured): a table, e.g. check's gradebook      # True: --fragment gives the body alone, to paste into a sheet

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
        self.precision = precision
        self.fragment = fragment
        self.latex = LatexPrinter(precision)

    # -- values as LaTeX ------------------------------------------------------------------
    def num(self, x: float) -> str:
        return numbers.latex(float(x), self.precision)

    def value_tex(self, v: Any) -> str:
        if isinstance(v, Expr):
            return self.latex.print(v)
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, Expr) for x in v):
            return r"\begin{bmatrix} " + " & ".join(self.latex.print(x) for x in v) + r" \end{bmatrix}"
        if isinstance(v, (list, tuple)) and v and isinstance(v[0], (list, tuple)) and v[0] and \
                isinstance(v[0][0], Expr):
            rows = [" & ".join(self.latex.print(x) for x in r) for r in v]
            return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            return r"\left[" + r",\ ".join(self.value_tex(x) for x in v) + r"\right]"
        if arr.ndim == 0:
            return self.num(float(arr))
        if arr.ndim == 1:
            idx = layout._elide(len(arr), layout.MAX_VEC)
            cells = [r"\cdots" if i is None else self.num(arr[i]) for i in idx]
            return r"\begin{bmatrix} " + " & ".join(cells) + r" \end{bmatrix}"
        ridx, cidx = layout._elide(arr.shape[0], layout.MAX_ROWS), layout._elide(arr.shape[1], layout.MAX_COLS)
        rows = [" & ".join(r"\vdots" if r is None else (r"\cdots" if c is None else self.num(arr[r, c]))
                           for c in cidx) for r in ridx]
        out = r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
        if arr.shape[0] > layout.MAX_ROWS or arr.shape[1] > layout.MAX_COLS:
            out += rf"_{{{arr.shape[0]} \times {arr.shape[1]}}}"
        return out

    def equation_lines(self, block: Given | Step) -> list[str]:
        """['lhs = form', '= form', …, '= value'] in LaTeX, as a TA writes them one under another."""
        parts = equation_parts(block, self.latex.print, self.value_tex, lambda v: v)
        rhs = parts.forms + ([parts.value] if parts.value is not None else [])
        if not rhs:
            return [parts.lhs]
        lines = [f"{parts.lhs} = {rhs[0]}"] + [f"= {r}" for r in rhs[1:]]
        if parts.approx and len(lines) > 1:
            lines[-1] = r"\approx " + lines[-1][2:]
        return lines

    def prose(self, p: Prose | None) -> str:
        """Prose as plain text (each format escapes it), its values at the sheet's precision."""
        return numbers.prose(p, self.precision)

    list_sep = ", "

    def list_tex(self, v: Any) -> str:
        """A value for a table cell: lists as [a, b, …] (breakable), numbers and formulas as they are."""
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (list, tuple)):
            items = list(v)
            shown = items if len(items) <= layout.MAX_VEC else items[:layout.MAX_VEC - 3] + [None] + items[-2:]
            return "[" + self.list_sep.join(r"\ldots" if x is None else self.list_tex(x) for x in shown) + "]"
        return self.value_tex(v)

    def cell(self, c: Any) -> Cell:
        if c is None:
            return ("text", "")
        if isinstance(c, str):
            return ("text", c)
        if isinstance(c, Sym) or isinstance(c, Expr):
            return ("math", self.latex.print(c))
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            return ("math", str(int(c)))
        return ("math", self.list_tex(c))

    # -- the walk -------------------------------------------------------------------------
    def header_lines(self, sol: Solution) -> list[str]:
        out = [self.para(f"dlsolve {__version__} · kind: {sol.kind} · numbers to {self.precision} significant "
                         "digits (computed in float64)")]
        if sol.conventions:
            out.append(self.heading(3, "Conventions"))
            out.append(self.bullets([self.prose(c) for c in sol.conventions]))
        return out

    def body(self, sol: Solution, level: int = 1) -> list[str]:
        out = [self.heading(level, sol.title or f"{sol.kind} problem")] + self.header_lines(sol)
        for section in sol.sections:
            out += self.section(section, level)
        if sol.answers:
            out.append(self.heading(level + 1, "Answers"))
            rows = [[("text", a.name), ("text", self.prose(a.label)), ("math", self.list_tex(a.value))]
                    for a in sol.answers]
            out.append(self.table(["name", "quantity", "value"], rows))
        return out

    def section(self, section: Section, level: int) -> list[str]:
        out = [self.heading(level + section.level, self.prose(section.title))]
        for block in section.blocks:
            if isinstance(block, (Given, Step)):
                if isinstance(block, Step) and not block.shown:
                    continue
                out.append(self.equation(self.equation_lines(block), self.prose(block.note) or None))
            elif isinstance(block, Text):
                text = self.prose(block.text)
                out.append(self.note(text) if block.role == "note" else self.para(text))
            elif isinstance(block, Table):
                if block.title:
                    out.append(self.para(self.prose(block.title)))
                out.append(self.table(list(block.columns), [[self.cell(c) for c in row] for row in block.rows]))
            elif isinstance(block, Graph):
                out.append(self.graph(list(block.edges)))
            elif isinstance(block, Series):
                out.append(self.para(f"{block.label}: {layout.sparkline(block.values)} "
                                     f"({numbers.unicode(block.values[0], self.precision)} → "
                                     f"{numbers.unicode(block.values[-1], self.precision)})"))
        return out

    # -- entry points ----------------------------------------------------------------------
    def render(self, sol: Solution) -> str:
        return self.wrap(sol.title or sol.kind, self.join(self.body(sol)))

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        parts = [self.heading(1, title), self.para(f"dlsolve {__version__} · {len(sols)} problems"),
                 self.contents([s.title or s.kind for s in sols])]
        for k, sol in enumerate(sols, 1):
            parts.append(self.anchor(k))
            parts += self.body(sol, level=2)
        return self.wrap(title, self.join(parts))

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        return self.wrap(title, self.join([self.heading(1, title), self.para(f"dlsolve {__version__}"),
                                           self.links(entries)]))

    def write(self, sol: Solution, stream: IO[str], color: bool = False) -> None:
        stream.write(self.render(sol))

    # -- primitives every format provides --------------------------------------------------
    def join(self, parts: list[str]) -> str:
        return "\n\n".join(p for p in parts if p) + "\n"

    def wrap(self, title: str, body: str) -> str:
        return body

    def anchor(self, k: int) -> str:
        return ""

    def heading(self, level: int, text: str) -> str:
        raise NotImplementedError

    def para(self, text: str) -> str:
        raise NotImplementedError

    def note(self, text: str) -> str:
        raise NotImplementedError

    def bullets(self, items: list[str]) -> str:
        raise NotImplementedError

    def equation(self, lines: list[str], note: str | None) -> str:
        raise NotImplementedError

    def table(self, columns: list[str], rows: list[list[Cell]]) -> str:
        raise NotImplementedError

    def contents(self, titles: list[str]) -> str:
        raise NotImplementedError

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """By default the edges as a list; formats that can draw override this."""
        return self.bullets([f"{a} → {b}" for a, b in edges])

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        raise NotImplementedError
