"""LaTeX: a standalone document (amsmath, booktabs) that compiles with pdflatex, or with
--fragment the body only, to paste into an existing sheet.

Equations are set as lines of inline math under one another: TeX may break a long
substitution line at a + or =, where a display environment would run off the page.
"""

from __future__ import annotations

from typing import Sequence

from dlsolve.render.document import Cell, DocumentRenderer

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "λ": r"\lambda", "μ": r"\mu", "σ": r"\sigma", "τ": r"\tau", "θ": r"\theta", "Σ": r"\Sigma", "∂": r"\partial",
    "ŷ": r"\hat{y}", "m̂": r"\hat{m}", "v̂": r"\hat{v}", "x̃": r"\tilde{x}", "·": r"\cdot", "−": "-", "×": r"\times",
    "→": r"\to", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "∞": r"\infty", "√": r"\surd",
    "‖": r"\|", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor", "⊙": r"\odot", "∓": r"\mp",
    "ᵀ": r"^{\top}", "′": "'", "ᵢ": "_{i}", "₋": "_{-}", "↳": r"\hookrightarrow", "°": r"^{\circ}", "ℓ": r"\ell",
    "⎡": "", "⎤": "", "⎣": "", "⎦": "", "⎢": "", "⎥": "", "⋯": r"\cdots", "⋮": r"\vdots", "δ̂": r"\hat{\delta}",
}
_MATH.update({chr(0x2080 + d): f"_{{{d}}}" for d in range(10)})
_MATH.update({s: f"^{{{d}}}" for d, s in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
_MATH.update({"⁻": "^{-}", "ⁿ": "^{n}", "ᵉ": "^{e}", "ʷ": "^{w}", "⁽": "^{(}", "⁾": "^{)}"})
# the gate letters of recurrent cells (zᶠ, δʳ, bʰ), ∂⁺ (an immediate derivative) and ⊗
_MATH.update({"ⁱ": "^{i}", "ᶠ": "^{f}", "ᵍ": "^{g}", "ᵒ": "^{o}", "ʳ": "^{r}", "ᶻ": "^{z}", "ʰ": "^{h}",
              "ʸ": "^{y}", "⁺": "^{+}", "⊗": r"\otimes"})
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "é": r"\'e",
         "‖": r"\ensuremath{\|}", "█": r"\rule{3pt}{8pt}", "▇": r"\rule{3pt}{7pt}", "▆": r"\rule{3pt}{6pt}",
         "▅": r"\rule{3pt}{5pt}", "▄": r"\rule{3pt}{4pt}", "▃": r"\rule{3pt}{3pt}", "▂": r"\rule{3pt}{2pt}",
         "▁": r"\rule{3pt}{1pt}", "✓": r"\ensuremath{\checkmark}", "✗": r"\ensuremath{\times}"}


def tex_text(text: str) -> str:
    """Plain text (with the unicode of notes and labels) as pdflatex-safe LaTeX."""
    out = []
    i = 0
    while i < len(text):
        two = text[i:i + 2]
        if two in _MATH:
            out.append(r"\ensuremath{" + _MATH[two] + "}")
            i += 2
            continue
        ch = text[i]
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch in _MATH:
            out.append(r"\ensuremath{" + _MATH[ch] + "}" if _MATH[ch] else "")
        elif ord(ch) < 128:
            out.append(ch)
        elif ch == "\u0302" or ch == "\u0303":  # combining accents already handled in pairs
            pass
        else:
            out.append("?")
        i += 1
    return "".join(out)


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{array}
\usepackage[margin=2cm]{geometry}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\emergencystretch=3em
\setcounter{MaxMatrixCols}{20}
\renewcommand{\thesubsection}{\arabic{subsection}}
\providecommand{\checkmark}{\surd}
"""


class LatexRenderer(DocumentRenderer):
    name = "latex"
    suffix = ".tex"
    one_document = True
    fragments = True
    list_sep = r",\allowbreak\ "

    def __init__(self, precision: int = 4, fragment: bool = False) -> None:
        super().__init__(precision, fragment)
        self._combined = False

    def wrap(self, title: str, body: str) -> str:
        if self.fragment:
            return body
        return PREAMBLE + "\\begin{document}\n\n" + body + "\n\\end{document}\n"

    def heading(self, level: int, text: str) -> str:
        if self._combined and level == 2:
            return rf"\clearpage\subsection{{{tex_text(text)}}}"
        cmd = {1: "section", 2: "subsection", 3: "subsubsection"}.get(level, "paragraph")
        return rf"\{cmd}*{{{tex_text(text)}}}"

    def para(self, text: str) -> str:
        return tex_text(text)

    def note(self, text: str) -> str:
        return r"\noindent\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule}{\small\textbf{Note:} " + \
            tex_text(text) + "}}"

    def bullets(self, items: list[str]) -> str:
        return "\\begin{itemize}\n" + "\n".join(r"\item " + tex_text(i) for i in items) + "\n\\end{itemize}"

    def equation(self, lines: list[str], note: str | None) -> str:
        body = " \\\\\n".join((r"\hspace*{2em}" if k else "") + rf"$\displaystyle {line}$"
                                 for k, line in enumerate(lines))
        out = "{\\raggedright\\noindent " + body + "\\par}"
        if note:
            out += "\n{\\leftskip=2em\\small\\itshape " + tex_text(note) + "\\par}"
        return out

    def _cell(self, c: Cell) -> str:
        kind, text = c
        return f"${text}$" if kind == "math" and text else tex_text(text)

    def table(self, columns: list[str], rows: list[list[Cell]]) -> str:
        widths = ["l"] * (len(columns) - 1) + [r">{\raggedright\arraybackslash}p{0.5\linewidth}"] \
            if len(columns) >= 3 and columns[-1] == "value" else ["l"] * len(columns)
        head = " & ".join(tex_text(c) for c in columns) + r" \\"
        body = "\n".join(" & ".join(self._cell(c) for c in row) + r" \\" for row in rows)
        return ("{\\small\\begin{tabular}{" + "".join(widths) + "}\n\\toprule\n" + head + "\n\\midrule\n" + body +
                "\n\\bottomrule\n\\end{tabular}}")

    def render_combined(self, sols, title: str = "Answer key") -> str:
        self._combined = True
        try:
            return super().render_combined(sols, title)
        finally:
            self._combined = False

    def contents(self, titles: list[str]) -> str:
        return r"\tableofcontents"

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "\\begin{itemize}\n" + "\n".join(rf"\item {tex_text(t)} (\texttt{{{tex_text(f)}}})"
                                                for t, f in entries) + "\n\\end{itemize}"

