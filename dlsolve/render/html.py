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

    def contents(self, titles: list[str]) -> str:
        return "<nav><h2>Contents</h2><ol>" + "".join(
            f'<li><a href="#problem-{k}">{escape(t)}</a></li>' for k, t in enumerate(titles, 1)) + "</ol></nav>"

    def anchor(self, k: int) -> str:
        return f'<section class="problem" id="problem-{k}"></section>'

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "<ul>" + "".join(f'<li><a href="{escape(f)}">{escape(t)}</a></li>' for t, f in entries) + "</ul>"
