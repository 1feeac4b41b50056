"""The terminal format: a worked solution as lines of unicode text.

The lines fit the console: its width in a terminal, 80 columns when piped or written to a file
(COLUMNS overrides); a long formula wraps after a space with its continuation under the first
form, a wide table wraps its cells or folds. Colour (`--color auto|always|never`; auto honours
NO_COLOR and FORCE_COLOR, then asks whether the output is a terminal) only adds colour and
weight: ✓ green, ✗ red. Widths are measured as the terminal shows them (m̂ is one column).
"""

from __future__ import annotations

import os
import re
import shutil
from typing import IO, Any, Callable, Sequence

import numpy as np

from dlsolve.expr import Expr, Sym
from dlsolve.render import layout
from dlsolve.render import numbers
from dlsolve.render.base import Renderer
from dlsolve.render.mathprint import UnicodePrinter
from dlsolve.render.parts import colophon, equation_parts
from dlsolve.render.texttable import table_lines
from dlsolve.render.walk import sheet
from dlsolve.solution import (Figure, Given, Graph, Network, Picture, Plane, Prose, Roc, Section, Series, Solution, Stack,
                              Step, Table, Text)

Segment = tuple[str, str]  # (text, rich style or "")
Line = list[Segment]
WIDTH = 80  # columns when the output is not a terminal


def use_colour(choice: str, stream: IO[str]) -> bool:
    """--color: always / never, or auto: NO_COLOR (any value) says no, FORCE_COLOR (not 0) says
    yes, else colour only in a terminal."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force is not None and force not in ("", "0", "false"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def console_width(stream: IO[str]) -> int:
    """The terminal's width; 80 when piped (COLUMNS overrides either)."""
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) >= 20:
        return int(cols)
    if getattr(stream, "isatty", lambda: False)():
        return max(40, shutil.get_terminal_size((WIDTH, 24)).columns)
    return WIDTH


def wrap_line(line: Line, width: int) -> list[Line]:
    """A styled line broken after spaces to at most `width` columns; the continuation is indented
    under the first form of an equation (after its "= "), a bullet's text, or the line's indent."""
    text = "".join(t for t, _ in line)
    if layout.width(text) <= width:
        return [line]
    styles = [st for t, st in line for _ in t]
    lead = len(text) - len(text.lstrip(" "))
    body = text.lstrip(" ")
    m = re.match(r"(\S[^=]{0,40}? [=≈] )", body)
    extra = 2 if body[:2] in ("• ", "↳ ") or body.startswith("Note: ") or not m else layout.width(m.group(1))
    indent = min(lead + extra, width // 2)
    out: list[Line] = []
    start, first = 0, True
    while start < len(text):
        room = width - (0 if first else indent)
        cols, cut, best = 0, start, -1
        depth, spaces = 0, []  # (position after a space, bracket depth there, columns so far)
        for k in range(start, len(text)):
            cols += layout.width(text[k])
            if cols > room:
                break
            cut = k + 1
            depth += 1 if text[k] in "([{⌊⌈" else -1 if text[k] in ")]}⌋⌉" else 0
            if text[k] == " " and k + 1 < len(text) and k > lead:
                spaces.append((k + 1, depth, cols))
        late = [sp for sp in spaces if sp[2] > room // 2] or spaces
        if late:  # the last space at the shallowest bracket depth: (6 − 7.5)² stays whole
            shallow = min(d for _, d, _ in late)
            best = max(p for p, d, _ in late if d == shallow)
        end = len(text) if cut >= len(text) else (best if best > start else max(cut, start + 1))
        piece = [(text[k], styles[k]) for k in range(start, end)]
        while piece and piece[-1][0] == " " and end < len(text):
            piece.pop()
        merged: Line = [] if first else [(" " * indent, "")]
        for ch, st in piece:
            if merged and merged[-1][1] == st:
                merged[-1] = (merged[-1][0] + ch, st)
            else:
                merged.append((ch, st))
        out.append(merged)
        first = False
        start = end
        while start < len(text) and text[start] == " ":
            start += 1
    return out


class TextRenderer(Renderer[list[Line]], format="text"):
    """Each block (and each picture of a Figure) as styled lines, wrapped to the console's width."""

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4",
                 width: int | None = None) -> None:
        super().__init__(precision, fragment, mode, paper)
        self.math = UnicodePrinter(precision)
        self.width = width or WIDTH

    # -- entry points ----------------------------------------------------------------------
    def render(self, solution: Solution) -> str:
        return self.plain(solution) + self.colophon(f" · kind: {solution.kind}")

    def plain(self, solution: Solution) -> str:
        return "\n".join("".join(text for text, _ in line) for line in self.wrapped(solution)) + "\n"

    def colophon(self, what: str = "") -> str:
        """The version line, once per document (at its end), never on the exam paper."""
        if self.mode == "questions":
            return ""
        return "\n" + "".join(piece + "\n" for piece in layout.wrap_text(colophon(self.precision, what), self.width))

    def wrapped(self, solution: Solution) -> list[Line]:
        return [piece for line in self.lines(solution) for piece in wrap_line(line, self.width)]

    def render_combined(self, solutions: Sequence[Solution], title: str = "Answer key") -> str:
        head = f"{title}\n{'═' * layout.width(title)}\n" + "".join(
            self._entry(f"  {k}. ", s.title or s.kind) for k, s in enumerate(solutions, 1))
        return head + "\n" + "\n\n".join(self.plain(s) for s in solutions) + self.colophon(f" · {len(solutions)} problems")

    def _entry(self, number: str, text: str) -> str:
        """One contents entry: its text wrapped under itself (a hanging indent), not under the
        number or at column 0."""
        hang = layout.width(number)
        pieces = layout.wrap_text(text, max(self.width - hang, 20))
        return "".join((number if i == 0 else " " * hang) + piece + "\n" for i, piece in enumerate(pieces))

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        return f"{title}\n" + "".join(f"  {f}  {t}\n" for t, f in entries)

    def write(self, solution: Solution, stream: IO[str], color: bool = False) -> None:
        self.width = console_width(stream)
        if not color:
            stream.write(self.render(solution))
            return
        from rich.console import Console
        from rich.text import Text as RichText

        console = Console(file=stream, highlight=False, soft_wrap=True, force_terminal=True, width=self.width,
                          no_color=False)
        for line in self.wrapped(solution):
            console.print(RichText.assemble(*_verdicts(line)))
        colophon = self.colophon(f" · kind: {solution.kind}")
        if colophon:
            console.print(RichText(colophon.rstrip("\n"), style="dim"))

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
        if arr.ndim > 2:  # a stack of matrices (channels): one matrix each, side by side
            return layout.side_by_side([self.value_lines(m) for m in arr])
        return layout.matrix_lines(arr, self.num)

    # -- document --------------------------------------------------------------------------
    def lines(self, sol: Solution) -> list[Line]:
        title = sol.title or f"{sol.kind} problem"
        out: list[Line] = [[(title, "bold")], [("═" * min(layout.width(title), self.width), "bold")]]
        if sol.conventions:
            out += [[("", "")], [("Conventions", "bold cyan")]]
            out += [[("  • " + self.prose(c), "")] for c in sol.conventions]
        parts = sheet(sol, self.mode)  # what the document formats' sheet holds too
        for section in parts.sections:
            out += self.section(section)
        if parts.find:
            out += [[("", "")], [("Find", "bold cyan")], [("────", "cyan")]]
            rows = [[k + ".", self.prose(label), name] for k, label, name in parts.find]
            out += [[(("  " + line).rstrip(), "")]
                    for line in table_lines(("", "find", "answer name"), rows, self.width - 2)]
        if parts.how_to is not None:
            out += [[("", "")], [("  " + self.prose(parts.how_to), "")]]
        if parts.answers:
            out += [[("", "")], [("Answers", "bold cyan")], [("───────", "cyan")]]
            rows = [[a.name, self.prose(a.label), self._answer_text(a.value)] for a in parts.answers]
            out += [[(("  " + line).rstrip(), "")]
                    for line in table_lines(("name", "quantity", "value"), rows, self.width - 2)]
        if parts.cleaned:
            out += [[("", "")]] + [[(line, "dim")] for line in layout.wrap_text(numbers.CLEANED_NOTE, self.width)]
        return out

    def _answer_text(self, value: Any) -> str:
        """One line: a number, a vector [a, b], a matrix [a, b; c, d], or nested lists."""
        if isinstance(value, Expr):
            return self.math.print(value)
        big = layout.oversized(value) if isinstance(value, (np.ndarray, list, tuple)) else None
        if big is not None:
            return layout.oversized_text(big)
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            if all(_is_number(v) for v in value):
                if all(isinstance(v, (int, np.integer)) for v in value):
                    return "[" + ", ".join(numbers.integer(v) for v in value) + "]"
                return layout.vector_line(np.asarray(value, dtype=float), self.num, whole=True)
            if all(isinstance(v, Expr) for v in value):
                return "[" + ", ".join(self.math.print(v) for v in value) + "]"
            rows = [v for v in value if isinstance(v, (list, tuple))]
            if len(rows) == len(value) and rows and all(len(r) == len(rows[0]) for r in rows) and \
                    all(_is_number(x) or isinstance(x, Expr) for r in rows for x in r):
                return "[" + "; ".join(self._answer_text(list(r))[1:-1] for r in rows) + "]"
            return "[" + ", ".join(self._answer_text(v) for v in value) + "]"
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return numbers.integer(value)
        if _is_number(value):
            x = float(value)
            return self.num(x)
        return str(value)

    def section(self, section: Section) -> list[Line]:
        rule = "─" if section.level == 1 else "·"
        style = "bold cyan" if section.level == 1 else "bold"
        title = self.prose(section.title)
        out: list[Line] = [[("", "")], [(title, style)], [(rule * layout.width(title), style)]] if title else [[("", "")]]
        for block in section.blocks:
            out += self.block(block)
        return out

    # -- blocks ----------------------------------------------------------------------------
    def render_Given(self, g: Given) -> list[Line]:
        return self.equation_lines(g)

    def render_Step(self, s: Step) -> list[Line]:
        return self.equation_lines(s) if s.shown else []

    def equation_lines(self, s: Given | Step) -> list[Line]:
        """quantity = form = … = value, one under another, and its note."""
        parts = equation_parts(s, self.math.print, self.value_lines, lambda v: v[0] if len(v) == 1 else None)
        value = parts.value or []
        if parts.approx and value:
            value = ["≈ " + value[0]] + value[1:]
        return self._equation(parts.lhs, parts.forms, value, s.note)

    def _equation(self, lhs: str, forms: list[str], value: list[str], note: Prose | None) -> list[Line]:
        pad = "  " + " " * layout.width(lhs) + " "
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

    def render_Text(self, t: Text) -> list[Line]:
        if t.role == "note":
            return [[("  Note: ", "yellow"), (self.prose(t.text), "")]]
        return [[("  " + self.prose(t.text), "")]]

    def render_Series(self, s: Series) -> list[Line]:
        return [[("  " + s.label + "  ", ""), (layout.sparkline(s.values), "magenta"),
                 (f"  {self.num(s.values[0])} → {self.num(s.values[-1])}", "dim")]]

    def render_Graph(self, g: Graph) -> list[Line]:
        layers = layout.graph_layers(g.edges)
        out: list[Line] = [[("  " + "   ".join(", ".join(layer) for layer in layers), "bold")]]
        for a, b in g.edges:
            out.append([(f"  {a} → {b}", "")])
        return out

    def render_Figure(self, f: Figure) -> list[Line]:
        """A compact sketch of the picture, then its caption."""
        out: list[Line] = self.picture(f.picture)
        if f.caption:
            out.append([("  " + self.prose(f.caption), "dim")])
        return out

    def picture(self, picture: Picture) -> list[Line]:
        """A Figure's picture, sketched by `render_<Picture class>`."""
        lines: list[Line] = self.method(picture)(picture)
        return lines

    def render_Network(self, pic: Network) -> list[Line]:
        """The network layer by layer with the weights into each unit."""
        out: list[Line] = [[("  " + "   ".join(", ".join(u.uni for u in layer) for layer in pic.layers), "bold")]]
        for l in range(1, len(pic.layers)):
            for j, unit in enumerate(pic.layers[l]):
                ins = [(pic.layers[l - 1][i].uni, w) for ll, i, jj, w in pic.weights if ll == l and jj == j]
                text = ", ".join(f"{name} ×{self.num(w)}" for name, w in ins)
                out.append([(f"  {unit.uni} ← {text}", "")])
        return out

    def render_Stack(self, pic: Stack) -> list[Line]:
        """The layer stack in one line with each layer's shape (a question sheet: one layer a line)."""
        steps = [("input", "×".join(map(str, pic.input)))] + [
            (name.split(" ", 1)[-1], "×".join(map(str, shape))) for name, shape, _ in pic.layers]
        blank = all(not shape for _, shape, _ in pic.layers)  # a question sheet: the shapes are asked
        if blank:
            return [[(f"  input {steps[0][1]}", "")]] + [
                [(f"  {name.split(' ', 1)[0]}. {name.split(' ', 1)[-1]}", "")] for name, _, _ in pic.layers]
        return [[("  " + " → ".join(f"{name}\u00a0{shape}" for name, shape in steps), "")]]

    def render_Plane(self, pic: Plane) -> list[Line]:
        return [[("  " + line, "")] for line in layout.wrap_text(layout.plane_text(pic, self.num), self.width - 2)]

    def render_Roc(self, pic: Roc) -> list[Line]:
        return [[("  " + line, "")] for line in layout.wrap_text(layout.roc_text(pic, self.num), self.width - 2)]

    def render_Table(self, t: Table) -> list[Line]:
        cell: Callable[[Any], str] = self._cell
        rows = [[cell(c) for c in row] for row in t.rows]
        out: list[Line] = [[("  " + self.prose(t.title), "bold")]] if t.title else []
        return out + [[(("  " + line).rstrip(), "")] for line in table_lines(t.columns, rows, self.width - 2)]

    def _cell(self, c: Any) -> str:
        if c is None:
            return ""
        if isinstance(c, Sym):
            return c.uni
        if isinstance(c, Expr):
            return self.math.print(c)
        if isinstance(c, float):
            return self.num(c)
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            return numbers.integer(c)
        if isinstance(c, np.ndarray):
            return layout.vector_line(c, self.num) if c.ndim == 1 else self._answer_text(c)
        return str(c)


def _verdicts(line: Line) -> Line:
    """A line with its ✓ green and its ✗ red."""
    out: Line = []
    for text, style in line:
        for piece in re.split("([✓✗])", text):
            if piece:
                out.append((piece, "bold green" if piece == "✓" else "bold red" if piece == "✗" else style))
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
        return True
    except (TypeError, ValueError):
        return False
