"""Markdown for a course site: headings, ```math blocks and $`…`$ inline math (GitHub's safe
forms, which plain $ breaks on), tables as Markdown tables, notes as quotations."""

from __future__ import annotations

import re
from typing import Sequence

from dlsolve.render import layout, notation, numbers
from dlsolve.render.document import Cell, DocumentRenderer, Equation
from dlsolve.solution import Network, Plane, Series, Stack


def _md(text: str) -> str:
    """Text with Markdown's active characters escaped."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


_TEX_SPECIAL = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&",
                "_": r"\_", "^": r"\^{}", "~": r"\~{}"}


def _tex_words(text: str) -> str:
    """Words inside a display: \\text{…} with TeX's special characters escaped."""
    return r"\text{" + "".join(_TEX_SPECIAL.get(ch, ch) for ch in text) + "}" if text else ""


_SUP = re.compile(r"\^(\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|[^\s<])")
_SUB = re.compile(r"_(\([^)]*\)|\{[^}]*\}|[^\s<]+)")


def _mermaid(label: str) -> str:
    """A name as a Mermaid label in plain text: a₁^[1] as a₁ with a raised [1] (HTML labels,
    which GitHub's Mermaid draws), never the caret and brackets as typed."""
    def strip(m: re.Match[str], tag: str) -> str:
        inner = m.group(1)
        inner = inner[1:-1] if inner[0] in "({" else inner
        return f"<{tag}>{inner}</{tag}>"
    label = _SUP.sub(lambda m: strip(m, "sup"), label)
    label = _SUB.sub(lambda m: strip(m, "sub"), label)
    return label.replace('"', "#quot;")


class MarkdownRenderer(DocumentRenderer, format="markdown"):

    def text(self, s: str) -> str:
        return _md(s)

    def math_inline(self, tex: str) -> str:
        return f"$`{tex}`$"

    def heading(self, level: int, text: str) -> str:
        return "#" * min(level, 6) + " " + self.inline(text)

    def para(self, text: str) -> str:
        return self.inline(text)

    def note(self, text: str) -> str:
        return "> **Note:** " + self.inline(text)

    def bullets(self, items: list[str]) -> str:
        return "\n".join("- " + self.inline(i) for i in items)

    def numbered(self, items: list[str]) -> str:
        return "\n".join(f"{k}. " + self.inline(i) for k, i in enumerate(items, 1))

    def equations(self, group: list[Equation]) -> str:
        """The steps of a section as one display, aligned on each step's first =, each step's
        note in words beside its last line (GitHub math has no \\intertext)."""
        rows = []
        for lines, note in group:
            step = [line.replace(" = ", " &= ", 1) if k == 0 else "&" + line for k, line in enumerate(lines)]
            if note:
                step[-1] += r" &&\quad " + self.math_words(note)
            rows += step
        return "```math\n\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}\n```"

    def equation(self, lines: list[str], note: str | None) -> str:
        return self.equations([(lines, note)])

    def math_words(self, text: str) -> str:
        """Prose inside a display: its notation as math, its words as \\text."""
        return "".join(s if kind == "math" else _tex_words(s) for kind, s, _ in notation.formulas(text))

    def _cell(self, c: Cell) -> str:
        kind, text = c
        if not text:
            return ""
        if kind == "math":
            return f"$`{text}`$"
        if kind == "name":
            return f"`{text}`"
        return self.inline(text) if kind == "prose" else _md(text)

    def table(self, columns: list[str], rows: list[list[Cell]], answers: bool = False) -> str:
        head = "| " + " | ".join(self.inline(c) for c in columns) + " |"
        rule = "|" + "|".join("---" for _ in columns) + "|"
        body = ["| " + " | ".join(self._cell(c).replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join([head, rule] + body)

    # -- pictures: Mermaid (GitHub draws it), or a small table where a diagram says nothing more --
    def series(self, s: Series) -> str:
        """A line chart in Mermaid (xychart), the values also listed for readers without it."""
        pts = ", ".join(numbers.plain(v, self.precision) for v in s.values)
        finite = [v for v in s.values if v == v and abs(v) != float("inf")]
        lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        label = s.label.replace('"', "'")
        return "\n".join(["```mermaid", "xychart-beta", f'  title "{label} over the iterations"',
                          f"  x-axis [{', '.join(str(k + s.start) for k in range(len(s.values)))}]",
                          f'  y-axis "{label}" {numbers.plain(lo, self.precision)} --> '
                          f"{numbers.plain(hi, self.precision)}",
                          f"  line [{pts}]", "```"])

    def render_Network(self, net: Network) -> str:
        lines = ["```mermaid", "graph LR"]
        for l, layer in enumerate(net.layers):
            for j, u in enumerate(layer):
                lines.append(f'  u{l}_{j}(("{_mermaid(u.uni)}"))')
        for l, i, j, w in net.weights:
            lines.append(f'  u{l - 1}_{i} -- "{numbers.unicode(w, self.precision)}" --> u{l}_{j}')
        return "\n".join(lines + ["```"])

    def render_Stack(self, st: Stack) -> str:
        rows = [("input", st.input, None)] + list(st.layers)
        lines = ["```mermaid", "graph TD"]
        for k, (name, shape, params) in enumerate(rows):
            label = f"{name}<br/>{'×'.join(str(int(d)) for d in shape)}"
            if params:
                label += f"<br/>{numbers.integer(params)} params"
            lines.append(f'  s{k}["{label}"]')
            if k:
                lines.append(f"  s{k - 1} --> s{k}")
        return "\n".join(lines + ["```"])

    def render_Plane(self, pl: Plane) -> str:
        return self.plane_text(pl)

    def framed(self, drawn: str, caption: str) -> str:
        return drawn + ("\n\n" + self.inline(caption) if caption else "")

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """A Mermaid diagram, which GitHub draws (the names declared column by column, in the
        order that crosses fewest edges, which Mermaid's layout follows)."""
        ids: dict[str, str] = {}
        for layer in layout.order_layers(layout.graph_layers(edges), edges):
            for n in layer:
                ids.setdefault(n, f"n{len(ids)}")
        lines = ["```mermaid", "graph LR"]
        lines += [f'  {i}["{_mermaid(n)}"]' for n, i in ids.items()]
        lines += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
        return "\n".join(lines + ["```"])

    def contents(self, titles: list[str]) -> str:
        return "\n".join(f"{k}. [{self.inline(t)}](#problem-{k})" for k, t in enumerate(titles, 1))

    def anchor(self, k: int) -> str:
        return f'<a id="problem-{k}"></a>'

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "\n".join(f"- [{_md(t)}]({f})" for t, f in entries)
