"""Markdown for a course site: headings, ```math blocks and $`…`$ inline math (GitHub's safe
forms, which plain $ breaks on), tables as Markdown tables, notes as quotations."""

from __future__ import annotations

from typing import Sequence

from dlsolve.render.document import Cell, DocumentRenderer


def _md(text: str) -> str:
    """Text with Markdown's active characters escaped."""
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return text


class MarkdownRenderer(DocumentRenderer):
    name = "markdown"
    suffix = ".md"

    def heading(self, level: int, text: str) -> str:
        return "#" * min(level, 6) + " " + _md(text)

    def para(self, text: str) -> str:
        return _md(text)

    def note(self, text: str) -> str:
        return "> **Note:** " + _md(text)

    def bullets(self, items: list[str]) -> str:
        return "\n".join("- " + _md(i) for i in items)

    def equation(self, lines: list[str], note: str | None) -> str:
        body = lines[0] if len(lines) == 1 else (
            "\\begin{aligned}\n" + " \\\\\n".join(
                (line.replace(" = ", " &= ", 1) if k == 0 else "&" + line) for k, line in enumerate(lines))
            + "\n\\end{aligned}")
        out = "```math\n" + body + "\n```"
        return out + ("\n\n> " + _md(note) if note else "")

    def _cell(self, c: Cell) -> str:
        kind, text = c
        if not text:
            return ""
        return f"$`{text}`$" if kind == "math" else _md(text)

    def table(self, columns: list[str], rows: list[list[Cell]]) -> str:
        head = "| " + " | ".join(_md(c) for c in columns) + " |"
        rule = "|" + "|".join("---" for _ in columns) + "|"
        body = ["| " + " | ".join(self._cell(c) for c in row) + " |" for row in rows]
        return "\n".join([head, rule] + body)

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """A Mermaid diagram, which GitHub draws."""
        ids: dict[str, str] = {}
        for a, b in edges:
            for n in (a, b):
                ids.setdefault(n, f"n{len(ids)}")
        lines = ["```mermaid", "graph LR"]
        lines += [f'  {i}["{n}"]' for n, i in ids.items()]
        lines += [f"  {ids[a]} --> {ids[b]}" for a, b in edges]
        return "\n".join(lines + ["```"])

    def contents(self, titles: list[str]) -> str:
        return "\n".join(f"{k}. [{_md(t)}](#problem-{k})" for k, t in enumerate(titles, 1))

    def anchor(self, k: int) -> str:
        return f'<a id="problem-{k}"></a>'

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "\n".join(f"- [{_md(t)}]({f})" for t, f in entries)
