"""What the document formats (Markdown, LaTeX, HTML) share: the walk over a Solution.

A subclass supplies the primitives of its format — headings, paragraphs, notes, a group of
displayed equations from lines of LaTeX math, tables, pictures — and the walk is the same for
all, so every kind gets every format. All mathematics comes from the one LaTeX printer; prose
that carries course notation (z^[1], α_i, ∂L/∂z) is split by `notation.segments` so each format
sets the notation as math (`inline`).

Three sheets come out of the same walk: the full working (`mode="full"`), the answers table of
each problem alone (`"answers"`, the key on a few pages) and the problem as given — its data,
its pictures and the list of what is asked — without the working (`"questions"`, the exam paper).
"""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from dlsolve import __version__
from dlsolve.expr import Expr, Sym
from dlsolve import notation as notation_
from dlsolve.render import layout, notation, numbers
from dlsolve.render.base import Renderer
from dlsolve.render.mathprint import LatexPrinter
from dlsolve.render.parts import colophon, equation_parts
from dlsolve.render.walk import sheet
from dlsolve.solution import (Figure, Given, Graph, Picture, Plane, Prose, Roc, Section, Series, Solution, Step, Table,
                              Text)

Cell = tuple[str, str]  # ("math", latex), ("text", plain text), ("prose", text that may carry notation)
#                         or ("name", an answer's name, as typed)
Equation = tuple[list[str], "str | None"]  # the lines of one step, and its note
# What a block gives: an equation (consecutive ones make one display), the document's parts, or
# None (a step computed for checking, not shown)
Piece = Union[Equation, list[str], None]


class DocumentRenderer(Renderer[Piece]):
    """The walk of the document formats; a subclass supplies its format's primitives and draws
    each picture (`render_Network`, `render_Stack`, `render_Plane`; `render_Roc` in words here)."""

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4") -> None:
        super().__init__(precision, fragment, mode, paper)
        self.latex = LatexPrinter(precision)
        self._figures = 0  # pictures so far in this document: ids unique in a combined page

    # -- values as LaTeX ------------------------------------------------------------------
    def num(self, x: float) -> str:
        return numbers.latex(float(x), self.precision)

    def int_tex(self, n: int) -> str:
        """An integer with its digits grouped from five digits on, 138{,}357{,}544, the same in
        a list (numbers.integer: one grouping everywhere)."""
        return numbers.integer(n, "{,}").replace("−", "-")

    def value_tex(self, v: Any) -> str:
        """A value in a worked line: large matrices elided with ⋯ (the answers table has them whole)."""
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
            idx = layout.elided(len(arr), layout.MAX_VEC)
            cells = [r"\cdots" if i is None else self.num(arr[i]) for i in idx]
            return r"\begin{bmatrix} " + " & ".join(cells) + r" \end{bmatrix}"
        if arr.ndim > 2:
            return r",\ ".join(self.value_tex(m) for m in arr)
        ridx, cidx = layout.elided(arr.shape[0], layout.MAX_ROWS), layout.elided(arr.shape[1], layout.MAX_COLS)
        rows = [" & ".join(r"\vdots" if r is None else (r"\cdots" if c is None else self.num(arr[r, c]))
                           for c in cidx) for r in ridx]
        out = r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
        if arr.shape[0] > layout.MAX_ROWS or arr.shape[1] > layout.MAX_COLS:
            out += rf"_{{{arr.shape[0]} \times {arr.shape[1]}}}"
        return out

    def answer_tex(self, v: Any) -> str:
        """A value in a table: every entry (nothing elided), integers grouped, a matrix as a matrix,
        a list as a bracketed list that may break across lines. A formula (a symbolic answer) is
        set full size: inline, its fractions would shrink to script size."""
        if isinstance(v, Expr):
            return r"\displaystyle " + self.latex.print(v)
        big = layout.oversized(v) if isinstance(v, (np.ndarray, list, tuple)) else None
        if big is not None:
            return r"\text{" + layout.oversized_text(big).replace("--", "-{}-") + "}"
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if isinstance(v, (bool, np.bool_)):
            return r"\text{" + str(bool(v)).lower() + "}"
        if isinstance(v, (int, np.integer)):
            return self.int_tex(int(v))
        if isinstance(v, (float, np.floating)):
            x = float(v)
            return self.num(x)
        if isinstance(v, (list, tuple)):
            items = list(v)
            if items and all(isinstance(r, (list, tuple, np.ndarray)) and len(r) == len(items[0]) and len(r)
                             and all(not isinstance(x, (list, tuple, np.ndarray)) for x in r) for r in items):
                rows = [" & ".join(self.answer_tex(x) for x in r) for r in items]
                return self.matrix(r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}")
            if items and all(isinstance(r, (list, tuple, np.ndarray)) and len(r) and
                             isinstance(r[0], (list, tuple, np.ndarray)) for r in items):
                return r",\ ".join(self.answer_tex(m) for m in items)   # one matrix per head
            if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in items):
                return "[" + self.list_sep.join(self.int_tex(x) for x in items) + "]"
            return "[" + self.list_sep.join(self.answer_tex(x) for x in items) + "]"
        if isinstance(v, str):
            return notation_.tex_word(v)   # a word answer (word2vec's analogy), escaped
        return self.value_tex(v)

    def matrix(self, tex: str) -> str:
        """A matrix in a table cell (LaTeX shrinks one wider than its column)."""
        return tex

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

    def cell(self, c: Any) -> Cell:
        if c is None:
            return ("text", "")
        if isinstance(c, str):
            return ("prose", c)
        if isinstance(c, (Sym, Expr)):
            return ("math", self.latex.print(c))
        return ("math", self.answer_tex(c))

    # -- prose with notation ---------------------------------------------------------------
    def inline(self, text: str) -> str:
        """Words as text, notation as math, in this format (notation the math cannot take stays
        as it was written)."""
        out = []
        for kind, s, raw in notation.formulas(text):
            if kind == "math":
                try:
                    out.append(self.math_inline(s))
                    continue
                except Exception:  # noqa: BLE001 - a reading of the notation the converter refuses
                    s = raw
            out.append(self.text(s))
        return "".join(out)

    def text(self, s: str) -> str:
        raise NotImplementedError

    def math_inline(self, tex: str) -> str:
        raise NotImplementedError

    # -- the walk -------------------------------------------------------------------------
    def colophon(self, what: str = "") -> str:
        """The version line, once per document (at its end), never on the exam paper."""
        if self.mode == "questions":
            return ""
        return self.meta(colophon(self.precision, what))

    def header_lines(self, sol: Solution, level: int = 1) -> list[str]:
        """The conventions under the problem's title (their heading one level below it); the
        answers-only key has them in one line."""
        if not sol.conventions:
            return []
        if self.mode == "answers":
            return [self.para("Conventions: " + "; ".join(self.prose(c) for c in sol.conventions) + ".")]
        return [self.heading(level + 1, "Conventions"), self.bullets([self.prose(c) for c in sol.conventions])]

    def body(self, sol: Solution, level: int = 1) -> list[str]:
        """A problem's sheet in this mode (`walk.sheet`: the parts the terminal's sheet has too)."""
        out = [self.heading(level, sol.title or f"{sol.kind} problem")] + self.header_lines(sol, level)
        if self.mode == "questions":
            return out + self.questions(sol, level)
        parts = sheet(sol, self.mode)
        for section in parts.sections:
            out += self.section(section, level)
        if parts.answers:
            if self.mode == "full":
                out.append(self.heading(level + 1, "Answers"))
            rows = [[("name", a.name), ("prose", self.prose(a.label)), ("math", self.answer_tex(a.value))]
                    for a in parts.answers]
            out.append(self.table(["name", "quantity", "value"], rows, answers=True))
        if parts.cleaned:
            out.append(self.meta(numbers.CLEANED_NOTE))
        return out

    def questions(self, sol: Solution, level: int) -> list[str]:
        """The exam paper below the title (`walk.sheet`): the problem as given, then the numbered
        list of what is asked with the answer names `dlsolve check` reads, and how to hand them in."""
        parts = sheet(sol, "questions")
        out: list[str] = []
        for section in parts.sections:
            out += self.section(section, level)
        if parts.find:
            out.append(self.heading(level + 1, "Find"))
            rows = [[("text", k), ("prose", self.prose(label)), ("name", name)] for k, label, name in parts.find]
            out.append(self.table(["", "find", "answer name"], rows, answers=True))
        if parts.how_to is not None:
            out.append(self.para(self.prose(parts.how_to)))
        return out

    def section(self, section: Section, level: int) -> list[str]:
        """A section's blocks in order, consecutive equations as one display."""
        title = self.prose(section.title)
        out = [self.heading(level + section.level, title)] if title else []
        group: list[Equation] = []
        for block in section.blocks:
            piece = self.block(block)
            if piece is None:
                continue
            if isinstance(piece, tuple):
                group.append(piece)
                continue
            if group:
                out.append(self.equations(group))
                group = []
            out += piece
        if group:
            out.append(self.equations(group))
        return out

    # -- blocks ----------------------------------------------------------------------------
    def render_Given(self, block: Given) -> Piece:
        return (self.equation_lines(block), self.prose(block.note) or None)

    def render_Step(self, block: Step) -> Piece:
        if not block.shown:
            return None
        return (self.equation_lines(block), self.prose(block.note) or None)

    def render_Text(self, block: Text) -> Piece:
        text = self.prose(block.text)
        return [self.note(text) if block.role == "note" else self.para(text)]

    def render_Table(self, block: Table) -> Piece:
        title = [self.para(self.prose(block.title))] if block.title else []
        return title + [self.table(list(block.columns), [[self.cell(c) for c in row] for row in block.rows])]

    def render_Graph(self, block: Graph) -> Piece:
        self._figures += 1
        return [self.graph(list(block.edges))]

    def render_Series(self, block: Series) -> Piece:
        self._figures += 1
        return [self.series(block)]

    def render_Figure(self, block: Figure) -> Piece:
        """A picture (on a question sheet a layer stack comes blank: its shapes and counts empty)."""
        self._figures += 1
        caption = self.prose(block.caption) if block.caption else ""
        return [self.framed(self.picture(block.picture), caption)]

    def picture(self, picture: Picture) -> str:
        """A Figure's picture, drawn by this format's `render_<Picture class>`."""
        drawn: str = self.method(picture)(picture)
        return drawn

    # -- entry points ----------------------------------------------------------------------
    def render(self, sol: Solution) -> str:
        self._figures = 0
        return self.wrap(sol.title or sol.kind, self.join(self.body(sol) + [self.colophon(f" · kind: {sol.kind}")]))

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        self._figures = 0
        return self._combined_document(sols, title)

    def _combined_document(self, sols: Sequence[Solution], title: str) -> str:
        title = {"answers": "Answers", "questions": "Questions"}.get(self.mode, title) \
            if title == "Answer key" else title
        parts = [self.heading(1, title), self.contents([s.title or s.kind for s in sols])]
        for k, sol in enumerate(sols, 1):
            parts.append(self.anchor(k))
            parts += self.body(sol, level=2)
        parts.append(self.colophon(f" · {len(sols)} problems"))
        return self.wrap(title, self.join(parts))

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        return self.wrap(title, self.join([self.heading(1, title), self.meta(f"dlsolve {__version__}"),
                                           self.links(entries)]))

    # -- primitives every format provides --------------------------------------------------
    def join(self, parts: list[str]) -> str:
        return "\n\n".join(p for p in parts if p) + "\n"

    def wrap(self, title: str, body: str) -> str:
        return body

    def anchor(self, k: int) -> str:
        return ""

    def meta(self, text: str) -> str:
        """A line about the sheet (version, precision): plain text, no notation."""
        return self.text(text)

    def heading(self, level: int, text: str) -> str:
        raise NotImplementedError

    def para(self, text: str) -> str:
        raise NotImplementedError

    def note(self, text: str) -> str:
        raise NotImplementedError

    def bullets(self, items: list[str]) -> str:
        raise NotImplementedError

    def numbered(self, items: list[str]) -> str:
        return self.bullets(items)

    def equation(self, lines: list[str], note: str | None) -> str:
        raise NotImplementedError

    def equations(self, group: list[Equation]) -> str:
        """Consecutive worked steps; formats that align them as one display override this."""
        return self.join([self.equation(lines, note) for lines, note in group]).rstrip("\n")

    def table(self, columns: list[str], rows: list[list[Cell]], answers: bool = False) -> str:
        raise NotImplementedError

    def contents(self, titles: list[str]) -> str:
        raise NotImplementedError

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """By default the edges as a list; formats that can draw override this."""
        return self.bullets([f"{a} → {b}" for a, b in edges])

    def series(self, s: Series) -> str:
        """Values over the iterations: by default a sparkline; formats that can draw plot them."""
        return self.para(f"{s.label}: {layout.sparkline(s.values)} ({numbers.unicode(s.values[0], self.precision)}"
                         f" → {numbers.unicode(s.values[-1], self.precision)})")

    def render_Roc(self, rc: Roc) -> str:
        """A ROC curve: formats that can draw override this; else its points and area in words."""
        return self.text(layout.roc_text(rc, lambda v: numbers.unicode(v, self.precision)))

    def plane_text(self, pl: Plane) -> str:
        """The plane in one line: the points (● where the target is the positive output, ○ else)
        and the line's equation with the values of the working."""
        return layout.plane_text(pl, lambda v: numbers.unicode(v, self.precision))

    def framed(self, drawn: str, caption: str) -> str:
        return drawn

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        raise NotImplementedError

