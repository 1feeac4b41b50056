"""HTML: one self-contained page, mathematics as MathML (browsers render it natively: no
script, no network, opens offline), readable typography, tables, notes set apart; printable.
The page is well-formed XML, so the MathML inside it is checked by any XML parser."""

from __future__ import annotations

from html import escape
from typing import Sequence

from dlsolve.render.document import Cell, DocumentRenderer

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; line-height: 1.5; color: #1a1a1a;
       max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1, h2, h3, h4 { font-family: 'Helvetica Neue', Arial, sans-serif; line-height: 1.2; }
h1 { border-bottom: 2px solid #333; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #bbb; margin-top: 2em; }
.meta { color: #666; font-size: .9em; }
.eq { margin: .6em 0 .6em 0; }
.eq .line { margin-left: 2em; } .eq .line:first-child { margin-left: 0; }
.eq .why { margin-left: 2em; color: #555; font-style: italic; font-size: .9em; }
aside.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .4em .8em; margin: .8em 0; }
table { border-collapse: collapse; margin: .8em 0; font-size: .95em; }
th, td { border-bottom: 1px solid #ccc; padding: .25em .7em; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #333; }
math { font-size: 1.05em; }
nav ol { line-height: 1.8; }
@media print { body { max-width: none; margin: 0; } h2 { page-break-after: avoid; }
               section.problem { page-break-before: always; } }
"""


def mathml(tex: str) -> str:
    from latex2mathml.converter import convert

    return convert(tex)


class HtmlRenderer(DocumentRenderer):
    name = "html"
    suffix = ".html"
    one_document = True

    def wrap(self, title: str, body: str) -> str:
        return ('<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n<head>\n'
                '<meta charset="utf-8"/>\n<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
                f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
                + body + "</main>\n</body>\n</html>\n")

    def heading(self, level: int, text: str) -> str:
        n = min(level, 6)
        return f"<h{n}>{escape(text)}</h{n}>"

    def para(self, text: str) -> str:
        return f"<p>{escape(text)}</p>"

    def note(self, text: str) -> str:
        return f'<aside class="note"><strong>Note:</strong> {escape(text)}</aside>'

    def bullets(self, items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"

    def equation(self, lines: list[str], note: str | None) -> str:
        display = r"\displaystyle "
        body = "".join(f'<div class="line">{mathml(display + line)}</div>' for line in lines)
        why = f'<div class="why">{escape(note)}</div>' if note else ""
        return f'<div class="eq">{body}{why}</div>'

    def _cell(self, c: Cell) -> str:
        kind, text = c
        if kind == "math" and text:
            return mathml(text)
        return escape(text)

    def table(self, columns: list[str], rows: list[list[Cell]]) -> str:
        head = "".join(f"<th>{escape(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{self._cell(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def header_lines(self, sol) -> list[str]:
        lines = super().header_lines(sol)
        lines[0] = lines[0].replace("<p>", '<p class="meta">', 1)
        return lines

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """The graph drawn as inline SVG: inputs on the left, each name one column after its inputs."""
        from dlsolve.render.layout import graph_layers

        layers = graph_layers(edges)
        col_w, row_h, box_w, box_h = 110, 46, 64, 28
        pos = {n: (20 + c * col_w, 14 + r * row_h) for c, layer in enumerate(layers) for r, n in enumerate(layer)}
        width = 40 + (len(layers) - 1) * col_w + box_w
        height = 28 + max(len(layer) for layer in layers) * row_h
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" role="img" aria-label="computation graph">',
                 '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                 'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/>'
                 '</marker></defs>']
        for a, b in edges:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            parts.append(f'<line x1="{x1 + box_w}" y1="{y1 + box_h / 2}" x2="{x2}" y2="{y2 + box_h / 2}" '
                         'stroke="#555" stroke-width="1.3" marker-end="url(#arrow)"/>')
        for n, (x, y) in pos.items():
            parts.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="#eef3fb" '
                         'stroke="#3a5a8c"/>')
            parts.append(f'<text x="{x + box_w / 2}" y="{y + box_h / 2 + 5}" text-anchor="middle" '
                         f'font-family="Georgia, serif" font-size="15">{escape(n)}</text>')
        return "<figure>" + "".join(parts) + "</svg></figure>"

    def contents(self, titles: list[str]) -> str:
        return "<nav><h2>Contents</h2><ol>" + "".join(
            f'<li><a href="#problem-{k}">{escape(t)}</a></li>' for k, t in enumerate(titles, 1)) + "</ol></nav>"

    def anchor(self, k: int) -> str:
        return f'<section class="problem" id="problem-{k}"></section>'

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "<ul>" + "".join(f'<li><a href="{escape(f)}">{escape(t)}</a></li>' for t, f in entries) + "</ul>"
