"""LaTeX: a standalone document (amsmath, booktabs, TikZ pictures) that pdflatex compiles on A4
(or Letter), or with --fragment the body only, to paste into an existing sheet.

The steps of a section are one `align*` display, aligned on the = of each step, so tall lines
(fractions, roots, ⌊…⌋) get the room they need; a line too long for the page is broken at a
+ or − at its top level. Text goes through `tex_text`, a tested escape table (Greek letters as
math, Latin letters with accents as they are under T1/utf8, anything unknown spelled out).
"""

from __future__ import annotations

from typing import Sequence

from dlsolve.render import layout, numbers
from dlsolve.render.texbreak import break_line, tex_width
from dlsolve.render.document import Cell, DocumentRenderer, Equation
from dlsolve.render.tex_escape import tex_text
from dlsolve.solution import Network, Plane, Roc, Series, Solution, Stack

def preamble(paper: str = "a4") -> str:
    return rf"""\documentclass[11pt,{paper}paper]{{article}}
\usepackage[utf8]{{inputenc}}
\usepackage[T1]{{fontenc}}
\usepackage{{lmodern}}
\usepackage{{textcomp}}
\usepackage[fleqn]{{amsmath}}
\usepackage{{amssymb}}
\setlength{{\mathindent}}{{1.5em}}
\usepackage{{booktabs,array,longtable}}
\usepackage{{graphicx}}
\usepackage[{paper}paper,margin=2cm]{{geometry}}
\newif\ifpictures
\IfFileExists{{tikz.sty}}{{\usepackage{{tikz}}\picturestrue}}{{}}
\setlength{{\parindent}}{{0pt}}
\setlength{{\parskip}}{{4pt}}
\setlength{{\LTpre}}{{4pt}}
\setlength{{\LTpost}}{{4pt}}
\emergencystretch=3em
\allowdisplaybreaks
\setcounter{{MaxMatrixCols}}{{40}}
\makeatletter
\renewcommand\paragraph{{\@startsection{{paragraph}}{{4}}{{\z@}}{{1.5ex \@plus .5ex}}{{.5ex}}{{\normalfont\normalsize\bfseries}}}}
\makeatother
\newsavebox{{\fitsave}}
\newcommand{{\fit}}[1]{{\sbox{{\fitsave}}{{#1}}\ifdim\wd\fitsave>\linewidth\resizebox{{\linewidth}}{{!}}{{\usebox{{\fitsave}}}}\else\usebox{{\fitsave}}\fi}}
\newcommand{{\fitrow}}[1]{{\sbox{{\fitsave}}{{$\displaystyle #1$}}\ifdim\wd\fitsave>\dimexpr\linewidth-9em\relax\resizebox{{\dimexpr\linewidth-9em\relax}}{{!}}{{\usebox{{\fitsave}}}}\else\usebox{{\fitsave}}\fi}}
\providecommand{{\checkmark}}{{\surd}}
% \keepspace{{h}}: a page break here unless h of room is left (needspace's method), so a heading,
% a caption or the first lines after them never stand alone at a page's foot
\makeatletter
\newcommand{{\keepspace}}[1]{{\par\penalty-100\begingroup\setlength{{\dimen@}}{{#1}}\vskip\z@\@plus\dimen@
\penalty-100\vskip\z@\@plus-\dimen@\vskip\dimen@\penalty9999\vskip-\dimen@\vskip\z@skip\endgroup}}
\makeatother
"""


# the answers-only key: smaller problem headings, less space around them
COMPACT = r"""\makeatletter
\renewcommand\section{\@startsection{section}{1}{\z@}{-1.6ex \@plus -.4ex}{.6ex}{\normalfont\large\bfseries}}
\makeatother
"""
KEEP = "\\keepspace{6\\baselineskip}\n"  # before a heading: room for it and the first lines after it
MAX_KEPT_ROWS = 24  # a step of more rows than this may break inside (it could not fit on a page whole)
ANSWERS_ON_ONE_PAGE = 45  # an answers table of at most this many lines is one unbreakable block
UNIT_RADIUS = 0.45  # cm: a unit of the network picture is a circle of 9 mm
LIMIT = 68  # a worked line wider than this many characters (11 pt math, A4 less 2 × 2 cm) is broken


class LatexRenderer(DocumentRenderer, format="latex"):
    list_sep = r",\allowbreak\ "

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4") -> None:
        super().__init__(precision, fragment, mode, paper)
        self._combined = False

    def wrap(self, title: str, body: str) -> str:
        if self.fragment:
            return body
        compact = COMPACT if self.mode == "answers" else ""
        return preamble(self.paper) + compact + "\\begin{document}\n\n" + body + "\n\\end{document}\n"

    # -- prose -----------------------------------------------------------------------------
    def text(self, s: str) -> str:
        return tex_text(s)

    def math_inline(self, tex: str) -> str:
        return f"${tex}$"

    def heading(self, level: int, text: str) -> str:
        if self._combined:  # the key's title, then a numbered section per problem (in the Contents)
            if level == 1:
                return r"{\centering\LARGE\bfseries " + self.inline(text) + r"\par}"
            if level == 2:
                brk = r"\clearpage" if self.mode in ("full", "questions") else KEEP  # a paper per page
                return brk + rf"\section{{{self.inline(text)}}}"
            level -= 1
        cmd = {1: "section", 2: "subsection", 3: "subsubsection"}.get(level, "paragraph")
        return KEEP + rf"\{cmd}*{{{self.inline(text)}}}"

    def para(self, text: str) -> str:
        return ("{\\footnotesize " + self.inline(text) + "\\par}") if self.mode == "answers" else self.inline(text)

    def meta(self, text: str) -> str:
        return r"{\small " + tex_text(text) + "}"

    def note(self, text: str) -> str:
        return r"\noindent\fbox{\parbox{\dimexpr\linewidth-2\fboxsep-2\fboxrule}{\small\textbf{Note:} " + \
            self.inline(text) + "}}"

    def bullets(self, items: list[str]) -> str:
        return "{\\raggedright\n\\begin{itemize}\n" + "\n".join(r"\item " + self.inline(i) for i in items) + \
            "\n\\end{itemize}\n}"

    def numbered(self, items: list[str]) -> str:
        return "\\begin{enumerate}\n" + "\n".join(r"\item " + self.inline(i) for i in items) + "\n\\end{enumerate}"

    # -- equations -------------------------------------------------------------------------
    def _rows(self, lines: list[str]) -> list[str]:
        """One step's lines as align* rows: `lhs &= …`, then `&= …`, long ones broken."""
        rows = []
        lhs = ""
        for k, line in enumerate(lines):
            if k == 0:
                lhs, eq, rhs = line.partition(" = ")
                if not eq:
                    rows.append(line)
                    continue
                head, rel = lhs + " &", "= "
            else:
                rel, rhs = (r"\approx ", line[len(r"\approx "):]) if line.startswith(r"\approx ") else ("= ", line[2:])
                head = "&"
            room = LIMIT - min(tex_width(lhs), 20) - 2
            # scaled where it is still too wide (no place to break, or the width estimate short of
            # the typeset one near the limit); \fitrow leaves a piece that fits as it is
            pieces = [p if tex_width(p) <= 0.8 * room else r"\fitrow{" + p + "}"
                      for p in break_line(rhs, room)]
            rows.append(f"{head}{rel}{pieces[0]}")
            rows += [r"&\qquad " + p for p in pieces[1:]]
        return rows

    def equations(self, group: list[Equation]) -> str:
        """The steps as one align* display; a step's note set between the steps (\\intertext),
        the last one's after the display."""
        body = ""
        for n, (lines, note) in enumerate(group):
            rows = self._rows(lines)
            if body:
                body += " \\\\[2pt]\n" if not body.endswith("}\n") else ""
            # within one step no page break (\\*): its "= …" lines never begin a page; between steps one may
            body += (" \\\\*\n" if len(rows) <= MAX_KEPT_ROWS else " \\\\\n").join(rows)
            if note and n < len(group) - 1:
                # kept with its step (no break before it, see below); a page may break after it
                body += " \\\\*\n\\intertext{\\hspace*{2em}\\small\\itshape " + self.inline(note) + "}\n" \
                    "\\noalign{\\penalty0}\n"
        out = "\\begin{align*}\n" + body.rstrip("\n") + "\n\\end{align*}"
        if "\\intertext" in body:  # no page break at \intertext's \postdisplaypenalty: a note never begins a page
            out = "{\\postdisplaypenalty=10000\n" + out + "}"
        if group[-1][1]:
            out += "\n\\nopagebreak{\\leftskip=2em\\small\\itshape " + self.inline(group[-1][1]) + "\\par}"  # with its step
        return out

    def equation(self, lines: list[str], note: str | None) -> str:
        return self.equations([(lines, note)])

    # -- tables ----------------------------------------------------------------------------
    def _cell(self, c: Cell) -> str:
        kind, text = c
        if kind == "math" and text:
            if r"\begin{bmatrix}" not in text:
                return f"${text}$"
            sep = r"\end{bmatrix},\ \begin{bmatrix}"  # one matrix per head: each fitted, lines between
            parts = text.split(sep)
            parts = [p if k == 0 else r"\begin{bmatrix}" + p for k, p in enumerate(parts)]
            parts = [p if k == len(parts) - 1 else p + r"\end{bmatrix}" for k, p in enumerate(parts)]
            return ", ".join(rf"\fit{{${p}$}}" for p in parts)
        if kind == "prose":
            return self.inline(text)
        if kind == "name":
            name = tex_text(text).replace(r"\_", r"\_\allowbreak{}")
            return r"\texttt{" + name.replace("[", r"[\allowbreak{}").replace(",", r",\allowbreak{}") + "}"
        return tex_text(text)

    def table(self, columns: list[str], rows: list[list[Cell]], answers: bool = False) -> str:
        head = " & ".join(self.inline(c) for c in columns) + r" \\"
        cells = [[self._cell(c) for c in row] for row in rows]
        # a row holding a matrix gets room below it, so the matrices of two rows never touch
        body = "\n".join(" & ".join(row) + (r" \\[4pt]" if any("bmatrix" in c for c in row) else r" \\")
                         for row in cells)
        if answers:
            spec = (r">{\raggedright\arraybackslash}p{0.17\linewidth}>{\raggedright\arraybackslash}p{0.3\linewidth}"
                    r">{\raggedright\arraybackslash}p{0.43\linewidth}")
            size = "\\footnotesize" if self.mode == "answers" else "\\small"
            # its height in lines: a line per row and per matrix row, and a line per ~60 characters of a long list
            lines = body.count(r"\\") + sum(len(c) // 60 for row in cells for c in row if "bmatrix" not in c)
            if lines <= ANSWERS_ON_ONE_PAGE:  # one block: never split across pages, kept with its heading
                return ("{" + size + "\\noindent\\begin{tabular}{@{}" + spec + "@{}}\n\\toprule\n" + head +
                        "\n\\midrule\n" + body + "\n\\bottomrule\n\\end{tabular}\\par}")
            return ("{" + size + "\\begin{longtable}{" + spec + "}\n\\toprule\n" + head + "\n\\midrule\n\\endhead\n" +
                    body + "\n\\bottomrule\n\\end{longtable}}")
        return ("{\\small\\fit{\\begin{tabular}{" + "l" * len(columns) + "}\n\\toprule\n" + head + "\n\\midrule\n" +
                body + "\n\\bottomrule\n\\end{tabular}}}")

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        self._combined = True
        try:
            return super().render_combined(sols, title)
        finally:
            self._combined = False

    def contents(self, titles: list[str]) -> str:
        return r"\tableofcontents" if self.mode == "full" else ""

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "\\begin{itemize}\n" + "\n".join(rf"\item {tex_text(t)} (\texttt{{{tex_text(f)}}})"
                                                for t, f in entries) + "\n\\end{itemize}"

    # -- pictures (TikZ; a sentence instead when TikZ is not installed) -----------------------
    def framed(self, drawn: str, caption: str) -> str:
        cap = ("\n\n{\\small " + self.inline(caption) + "}") if caption else ""
        # one unbreakable block: a caption never on the page after its picture
        return "\\begin{center}\\begin{minipage}{\\linewidth}\\centering\n\\ifpictures\n\\fit{" + drawn + \
            "}\n\\else\\emph{(the picture needs TikZ)}\\fi" + cap + "\n\\end{minipage}\\end{center}"

    def _label(self, text: str) -> str:
        return self.inline(text)

    def series(self, s: Series) -> str:
        """The values over the iterations (from s.start: w₀ before the first update), on an axis
        with round ticks covering every value."""
        w, h = 7.0, 2.4
        finite = [v for v in s.values if v == v and abs(v) != float("inf")]
        ticks = layout.nice_ticks(min(finite), max(finite)) if finite else [0.0, 1.0]
        pts = layout.curve_points(s.values, w, h, (ticks[0], ticks[-1]))
        path = " -- ".join(f"({x:.3f},{y:.3f})" for p in pts if p for x, y in [p])
        marks = " ".join(rf"\fill ({x:.3f},{y:.3f}) circle (1.4pt);" for p in pts if p for x, y in [p])
        n = len(s.values)
        xticks = " ".join(rf"\node[below,font=\scriptsize] at ({p[0]:.3f},-0.05) {{{k + s.start}}};"
                          for k, p in enumerate(pts) if p and (n <= 12 or k in (0, n - 1) or (k + s.start) % 5 == 0))
        span = ticks[-1] - ticks[0] or 1.0
        yticks = " ".join(rf"\draw[gray!60] (-0.06,{(t - ticks[0]) / span * h:.3f}) -- (0,{(t - ticks[0]) / span * h:.3f});"
                          rf"\node[left,font=\scriptsize] at (-0.06,{(t - ticks[0]) / span * h:.3f}) "
                          rf"{{${numbers.latex(t, self.precision)}$}};" for t in ticks)
        drawn = (r"\begin{tikzpicture}[x=1cm,y=1cm]"
                 rf"\draw[gray!60] (0,0) -- ({w},0); \draw[gray!60] (0,0) -- (0,{h});" + yticks
                 + (rf"\draw[thick,blue!70!black] {path};" if " -- " in path else "") + marks + xticks +
                 rf"\node[font=\small] at ({w / 2},-0.65) {{iteration $i$}};"
                 rf"\node[rotate=90,font=\small] at (-1.6,{h / 2}) {{{self._label(s.label)}}};"
                 r"\end{tikzpicture}")
        return self.framed(drawn, "")

    def render_Network(self, net: Network) -> str:
        sizes = [len(layer) for layer in net.layers]
        pos, tallest = layout.network_positions(sizes)
        dx, dy = 4.0, 1.6
        xy = {k: (c * dx, (tallest - 1 - r) * dy) for k, (c, r) in pos.items()}
        parts = [r"\begin{tikzpicture}[unit/.style={circle,draw=blue!50!black,fill=blue!6,minimum size=9mm,"
                 r"inner sep=0pt},w/.style={font=\scriptsize,fill=white,text=black,inner sep=1pt}]"]
        for (l, j), (x, y) in xy.items():
            label = self.latex.print(net.layers[l][j])
            parts.append(rf"\node[unit] (u{l}x{j}) at ({x:.2f},{y:.2f}) {{${label}$}};")
        show = len(net.weights) <= 40
        texts = [numbers.latex(w, self.precision) for _, _, _, w in net.weights]
        # each label off the crossings and clear of its unit's other labels, on white (so −2 reads −2)
        spots = layout.edge_label_spots([(xy[(l - 1, i)], xy[(l, j)]) for l, i, j, _ in net.weights],
                                        [0.1 + 0.14 * len(t.replace("-", "--")) for t in texts], 0.3,
                                        UNIT_RADIUS + 0.08) \
            if show else [0.5] * len(texts)
        for (l, i, j, w), text, t in zip(net.weights, texts, spots):
            (ax, ay), (bx, by) = xy[(l - 1, i)], xy[(l, j)]
            length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
            at = (t * length - UNIT_RADIUS) / (length - 2 * UNIT_RADIUS)  # TikZ's pos runs from rim to rim
            lab = rf" node[w,sloped,pos={at:.3f}] {{${text}$}}" if show else ""
            parts.append(rf"\draw[-latex,gray!70!black] (u{l - 1}x{i}) --{lab} (u{l}x{j});")
        for l, j, b in net.biases:
            x, y = xy[(l, j)]
            parts.append(rf"\node[font=\scriptsize,above=1pt] at (u{l}x{j}.north) {{$b={numbers.latex(b, self.precision)}$}};")
        for l, act in enumerate(net.activations, 1):
            if act and l < len(sizes):
                parts.append(rf"\node[font=\small,gray] at ({l * dx:.2f},{-0.9:.2f}) {{{self.inline(act)}}};")
        parts.append(r"\end{tikzpicture}")
        return "\n".join(parts)

    def render_Stack(self, st: Stack) -> str:
        rows = [("input", st.input, None)] + list(st.layers)
        widths = []
        for name, shape, _ in rows:
            size = 1
            for d in shape:
                size *= max(int(d), 1)
            widths.append(2.0 + min(6.0, 0.45 * max(size, 1).bit_length()))
        # the shapes in one column right of the widest box (a box is as wide as its name at least)
        column = max(max(w, 0.19 * len(name) + 0.3) for w, (name, _, _) in zip(widths, rows)) / 2 + 0.3
        parts = [r"\begin{tikzpicture}[box/.style={draw=blue!50!black,fill=blue!6,minimum height=5mm,"
                 r"inner sep=2pt,font=\small}]"]
        for k, ((name, shape, params), width) in enumerate(zip(rows, widths)):
            y = -0.75 * k
            shape_tex = r" \times ".join(str(int(d)) for d in shape)
            parts.append(rf"\node[box,minimum width={width:.2f}cm] (s{k}) at (0,{y:.2f}) {{{tex_text(name)}}};")
            extra = "" if params is None else rf"\quad {self.int_tex(params)}\ \text{{params}}"
            if shape_tex or extra:
                parts.append(rf"\node[right,font=\small] at ({column:.2f},{y:.2f}) {{${shape_tex}{extra}$}};")
            if k:
                parts.append(rf"\draw[-latex,gray] (s{k - 1}) -- (s{k});")
        parts.append(r"\end{tikzpicture}")
        return "\n".join(parts)

    def render_Plane(self, pl: Plane) -> str:
        """The points (filled: target the positive output) with their coordinates and the line
        w₁x₁ + w₂x₂ + b = 0, clipped to a box a little wider than the points."""
        box = layout.plane_box([(x, y) for x, y, _ in pl.points], (pl.weights[0], pl.weights[1], pl.bias))
        x0, x1, y0, y1 = box
        side = 5.0

        def at(x: float, y: float) -> str:
            return f"({(x - x0) / (x1 - x0) * side:.3f},{(y - y0) / (y1 - y0) * side:.3f})"

        parts = [r"\begin{tikzpicture}",
                 rf"\draw[gray!60] (0,0) rectangle ({side},{side});",
                 rf"\node[below,font=\small] at ({side / 2},-0.1) {{$x_1$}};",
                 rf"\node[left,font=\small] at (-0.1,{side / 2}) {{$x_2$}};"]
        if x0 < 0 < x1:
            parts.append(rf"\draw[gray!30] {at(0.0, y0)} -- {at(0.0, y1)};")
        if y0 < 0 < y1:
            parts.append(rf"\draw[gray!30] {at(x0, 0.0)} -- {at(x1, 0.0)};")
        parts.append(rf"\begin{{scope}}\clip (0,0) rectangle ({side},{side});")
        ends = layout.clip_line(pl.weights[0], pl.weights[1], pl.bias, box)
        if ends:
            parts.append(rf"\draw[red!70!black,thick] {at(*ends[0])} -- {at(*ends[1])};")
        parts.append(r"\end{scope}")
        for x, y, t in pl.points:
            fill = "blue!60!black" if t is not None and t == pl.positive else "white"
            label = f"({numbers.latex(x, self.precision)}, {numbers.latex(y, self.precision)})"
            parts.append(rf"\filldraw[draw=blue!60!black,fill={fill}] {at(x, y)} circle (2.2pt) "
                         rf"node[above right,font=\scriptsize] {{${label}$}};")
        parts.append(r"\end{tikzpicture}")
        return "\n".join(parts)

    def render_Roc(self, rc: Roc) -> str:
        """The ROC curve in the unit square (5 cm): the points joined, the area under them shaded
        with the AUC written in it, the diagonal of a random ranking dashed, ticks at quarters."""
        side = 5.0
        pts = " -- ".join(f"({x * side:.3f},{y * side:.3f})" for x, y in rc.points)
        first, last = rc.points[0][0] * side, rc.points[-1][0] * side
        parts = [r"\begin{tikzpicture}",
                 rf"\fill[blue!18] {pts} -- ({last:.3f},0) -- ({first:.3f},0) -- cycle;",
                 rf"\draw[gray!60] (0,0) rectangle ({side},{side});",
                 rf"\draw[gray,dashed] (0,0) -- ({side},{side});"]
        for q in (0.0, 0.25, 0.5, 0.75, 1.0):
            tick = numbers.latex(q, self.precision)
            parts.append(rf"\draw[gray!60] ({q * side:.3f},0) -- ({q * side:.3f},-0.08) "
                         rf"node[below,font=\scriptsize,black] {{${tick}$}};")
            parts.append(rf"\draw[gray!60] (0,{q * side:.3f}) -- (-0.08,{q * side:.3f}) "
                         rf"node[left,font=\scriptsize,black] {{${tick}$}};")
        parts.append(rf"\draw[thick,blue!70!black] {pts};")
        parts += [rf"\fill[blue!70!black] ({x * side:.3f},{y * side:.3f}) circle (1.5pt);" for x, y in rc.points]
        parts += [rf"\node[font=\small] at ({0.62 * side:.3f},{0.2 * side:.3f}) "
                  rf"{{$\text{{AUC}} = {numbers.latex(rc.auc, self.precision)}$}};",
                  rf"\node[font=\small] at ({side / 2},-0.75) {{FPR}};",
                  rf"\node[font=\small,rotate=90] at (-0.95,{side / 2}) {{TPR}};",
                  r"\end{tikzpicture}"]
        return "\n".join(parts)

    def graph(self, edges: list[tuple[str, str]]) -> str:
        from dlsolve.render.notation import to_tex

        pos, cols, tallest = layout.graph_positions(edges)
        parts = [r"\begin{tikzpicture}[n/.style={draw=blue!50!black,fill=blue!6,rounded corners=3pt,"
                 r"minimum width=11mm,minimum height=7mm}]"]
        ids = {n: f"g{k}" for k, n in enumerate(pos)}
        for n, (c, r) in pos.items():
            parts.append(rf"\node[n] ({ids[n]}) at ({c * 2.4:.2f},{-r * 1.2:.2f}) {{${to_tex(n)}$}};")
        for a, b in edges:  # a long edge bends away from the boxes between
            bend = "" if pos[b][0] - pos[a][0] <= 1 else "[bend left=12]"
            parts.append(rf"\draw[-latex,gray!70!black] ({ids[a]}) to{bend} ({ids[b]});")
        parts.append(r"\end{tikzpicture}")
        return self.framed("\n".join(parts), "")
