"""HTML for course platforms: the html renderer's sheet with math as MathJax source, `\\( … \\)`
inline and `\\[ … \\]` displayed, because Moodle's MathJax filter and Canvas read that (their
HTML cleaners drop MathML), and neither page wants dlsolve's <html> wrapper or its style sheet."""

from __future__ import annotations

from html import escape
from typing import Any

from dlsolve.render.html import HtmlRenderer
from dlsolve.solution import Prose, Solution, question_sections


def inline_math(tex: str) -> str:
    return "\\(" + escape(tex, quote=False) + "\\)"


def display_math(tex: str) -> str:
    return "\\[" + escape(tex, quote=False) + "\\]"


class MathJaxHtml(HtmlRenderer):
    """The html renderer's blocks with math left as TeX for the platform's MathJax."""

    name = "mathjax-html"

    def wrap(self, title: str, body: str) -> str:
        return body + "\n"

    def questions(self, sol: Solution, level: int) -> list[str]:
        """The problem as given, without the sheet's Find list and its line on writing an answers
        file: on a platform the blanks (or inputs) that follow ask exactly what is asked."""
        out: list[str] = []
        for section in question_sections(sol):
            out += self.section(section, level)
        return out

    def math_inline(self, tex: str) -> str:
        return inline_math(tex)

    def equations(self, group: list[Any]) -> str:
        out = []
        for lines, note in group:
            out.append("<p>" + display_math(" \\\\ ".join(lines) if len(lines) == 1 else
                                             "\\begin{aligned}" + " \\\\ ".join("&" + x if k else x.replace(" = ", " &= ", 1)
                                                                                for k, x in enumerate(lines))
                                             + "\\end{aligned}") + "</p>")
            if note:
                out.append(f"<p><em>{self.inline(note)}</em></p>")
        return "\n".join(out)

    def _cell(self, c: Any) -> str:
        kind, text = c
        if kind == "math" and text:
            return inline_math(text)
        return super()._cell(c)

    def label(self, p: Prose) -> str:
        """An answer's label (ŷ, ∂L/∂W^[1]) with its notation as math."""
        return self.inline(self.prose(p))


def question_html(solution: Solution, precision: int = 4) -> str:
    """The problem as set (title, conventions, givens, what is asked) as platform HTML."""
    return MathJaxHtml(precision=precision, mode="questions").render(solution)


def solution_html(solution: Solution, precision: int = 4) -> str:
    """The worked solution as platform HTML: the general feedback."""
    return MathJaxHtml(precision=precision).render(solution)
