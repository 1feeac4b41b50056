"""HTML: one self-contained page, mathematics as MathML (browsers render it natively: no
script, no network, opens offline), readable typography, tables, notes set apart; printable.
The page is well-formed XML, so the MathML inside it is checked by any XML parser."""

from __future__ import annotations

import math
import re
from html import escape
from typing import Sequence

from dlsolve.render import layout, numbers
from dlsolve.render.document import Cell, DocumentRenderer, Equation
from dlsolve.solution import Network, Plane, Roc, Series, Solution, Stack

STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; line-height: 1.5; color: #1a1a1a;
       max-width: 52em; margin: 2em auto; padding: 0 1em; }
h1, h2, h3, h4 { font-family: 'Helvetica Neue', Arial, sans-serif; line-height: 1.2; }
h1 { border-bottom: 2px solid #333; padding-bottom: .2em; }
h2 { border-bottom: 1px solid #bbb; margin-top: 2em; }
.meta { color: #666; font-size: .9em; }
.eqs { display: grid; grid-template-columns: max-content 1fr; column-gap: .3em; row-gap: .35em;
       margin: .7em 0; align-items: center; }
.eqs .lhs { text-align: right; }
.eqs .cont { margin-left: 2em; }
.eqs .why { margin-left: 1.5em; color: #555; font-style: italic; font-size: .9em; }
.wide, .table { max-width: 100%; overflow-x: auto; }
figure { margin: 1em 0; } figure.plot figcaption { font-size: .9em; color: #444; }
aside.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: .4em .8em; margin: .8em 0; }
table { border-collapse: collapse; margin: .8em 0; font-size: .95em; }
th, td { border-bottom: 1px solid #ccc; padding: .25em .7em; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #333; }
math { font-size: 1.05em; }
nav ol { line-height: 1.8; }
@media print { body { max-width: none; margin: 0; } h2 { page-break-after: avoid; }
               .wide, .table { overflow: visible; } table.answers math { font-size: .8em; }
               section.problem { page-break-before: always; } }
"""


_PREFIX_MINUS = re.compile(r"((?:<mo[^>]*>&#x0002[8B];</mo>|<mo[^>]*>&#x0005B;</mo>|<mo>&#x0003D;</mo>|"
                           r"<mo>&#x0002C;</mo>|<mrow>|<mo>&#x02248;</mo>))<mo>&#x02212;</mo>")


_FENCE = re.compile(r'(<mo stretchy="true" fence="true" form="(?:prefix|postfix)")>')
_UPRIGHT = re.compile(r"<mi>(&#x00(?:39[1-9A-F]|3A[0-9]);)</mi>")  # capital Greek letters
DS = "\\displaystyle "
# 36{,}928 comes out of latex2mathml as <mn>36</mn><mrow><mo>,</mo></mrow><mn>928</mn>: one number, one <mn>
_GROUPED = re.compile(r"<mn>([0-9,]+)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>([0-9]{3}(?:[.][0-9]+)?)</mn>")


def notebook_style() -> str:
    """The HTML sheet's own style sheet (one home: `STYLE`), each rule scoped to the notebook
    cell's <div class="dlsolve"> so it styles the equation grid, notes and tables as the page does
    and nothing else in the notebook; the page's body and print rules left out."""
    sheet = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", STYLE)
    rules = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        if selectors.strip() == "body":
            continue
        scoped = ", ".join(f".dlsolve {sel.strip()}" for sel in selectors.split(","))
        rules.append(f"{scoped} {{{body.strip()}}}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def mathml(tex: str) -> str:
    """LaTeX as MathML; a minus that is a sign (after an opening bracket, =, a comma) set as a
    prefix without the spacing of a binary minus: (−3), not ( − 3)."""
    from latex2mathml.converter import convert

    out = _PREFIX_MINUS.sub(r'\1<mo form="prefix" lspace="0" rspace="0">&#x02212;</mo>', convert(tex))
    while _GROUPED.search(out):
        out = _GROUPED.sub(r"<mn>\1,\2</mn>", out)
    out = _FENCE.sub(r'\1 lspace="0.05em" rspace="0.05em">', out)  # log(ŷ), not log ( ŷ )
    return _UPRIGHT.sub(r'<mi mathvariant="normal">\1</mi>', out)  # Δ upright, as in print


HTML_LIMIT = 80  # a worked line wider than this many characters of math is broken at + and − (VGG's P = P¹ + … + P²²)


def _broken(line: str) -> str:
    """One worked line as a grid cell; a long one broken where LaTeX breaks it (before + or −),
    each piece after the first on its own line, indented, so it never runs off the page."""
    from dlsolve.render.texbreak import break_line

    rel, _, rhs = line.partition(" ")
    pieces = break_line(rhs, HTML_LIMIT) if rel in ("=", r"\approx") else [line[len(rel) + 1:]]
    if len(pieces) == 1:
        return f"<div>{mathml(DS + line)}</div>"
    first = mathml(DS + rel + " " + pieces[0])
    rest = "".join(f'<div class="cont">{mathml(DS + p)}</div>' for p in pieces[1:])
    return f"<div>{first}{rest}</div>"


def svg_notation(text: str) -> str:
    """A name in course notation as SVG text: W_x with x lowered, a₁^[1] with [1] raised."""
    out = []
    for part in re.split(r"(\^\[[^\]]*\]|\^\w+|_\w+)", text):
        if part.startswith("^"):
            out.append(f'<tspan baseline-shift="super" font-size="70%">{escape(part[1:])}</tspan>')
        elif part.startswith("_"):
            out.append(f'<tspan baseline-shift="sub" font-size="70%">{escape(part[1:])}</tspan>')
        elif part:
            out.append(f'<tspan font-style="italic">{escape(part)}</tspan>' if part.isalpha() else escape(part))
    return "".join(out)


class HtmlRenderer(DocumentRenderer, format="html"):
    def notebook(self, solution: Solution) -> str:
        """The page's body (MathML, no script) in a <div class="dlsolve">, for a notebook cell
        (`Solution._repr_html_`), with the page's own style scoped to that div."""
        page = self.render(solution)
        m = re.search(r"<main>(.*)</main>", page, re.S)
        body = m.group(1) if m else page
        return f'{notebook_style()}<div class="dlsolve">{body}</div>'

    def wrap(self, title: str, body: str) -> str:
        return ('<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n<head>\n'
                '<meta charset="utf-8"/>\n<meta name="viewport" content="width=device-width, initial-scale=1"/>\n'
                f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
                + body + "</main>\n</body>\n</html>\n")

    def text(self, s: str) -> str:
        return escape(s)

    def math_inline(self, tex: str) -> str:
        return mathml(tex)

    def meta(self, text: str) -> str:
        return f'<p class="meta">{escape(text)}</p>'

    def heading(self, level: int, text: str) -> str:
        n = min(level, 6)
        return f"<h{n}>{self.inline(text)}</h{n}>"

    def para(self, text: str) -> str:
        return f"<p>{self.inline(text)}</p>"

    def note(self, text: str) -> str:
        return f'<aside class="note"><strong>Note:</strong> {self.inline(text)}</aside>'

    def bullets(self, items: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{self.inline(i)}</li>" for i in items) + "</ul>"

    def numbered(self, items: list[str]) -> str:
        return "<ol>" + "".join(f"<li>{self.inline(i)}</li>" for i in items) + "</ol>"

    def equations(self, group: list[Equation]) -> str:
        """The steps as a grid aligned on the = of each step: the left side in one column, each
        line's relation and right side in the next (every line its own box, so a tall fraction
        pushes the next line down instead of overlapping it)."""
        cells = []
        for lines, note in group:
            lhs, eq, rhs = lines[0].partition(" = ")
            if not eq:
                cells.append(f'<div class="lhs">{mathml(DS + lines[0])}</div><div></div>')
            else:
                cells.append(f'<div class="lhs">{mathml(DS + lhs)}</div>' + _broken("= " + rhs))
            for line in lines[1:]:
                cells.append("<div></div>" + _broken(line))
            if note:
                cells.append(f'<div></div><div class="why">{self.inline(note)}</div>')
        return '<div class="eqs">' + "".join(cells) + "</div>"

    def equation(self, lines: list[str], note: str | None) -> str:
        return self.equations([(lines, note)])

    def _cell(self, c: Cell) -> str:
        kind, text = c
        if kind == "math" and text:
            m = mathml(text)
            wide = "\\begin{bmatrix}" in text or len(text) > 80
            return f'<div class="wide">{m}</div>' if wide else m
        if kind == "prose":
            return self.inline(text)
        if kind == "name":
            return f"<code>{escape(text)}</code>"
        return escape(text)

    def table(self, columns: list[str], rows: list[list[Cell]], answers: bool = False) -> str:
        head = "".join(f"<th>{self.inline(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(f"<td>{self._cell(c)}</td>" for c in row) + "</tr>" for row in rows)
        cls = ' class="answers"' if answers else ""
        return f'<div class="table"><table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'

    # -- pictures: hand-written SVG, ids unique in the page --------------------------------------
    def framed(self, drawn: str, caption: str) -> str:
        cap = f"<figcaption>{self.inline(caption)}</figcaption>" if caption else ""
        return f"<figure>{drawn}{cap}</figure>"

    def _svg(self, width: float, height: float, label: str, body: list[str]) -> str:
        k = self._figures
        marker = (f'<defs><marker id="arrow-{k}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
                  'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/>'
                  "</marker></defs>")
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
                f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(label)}">' + marker
                + "".join(body).replace("url(#arrow)", f"url(#arrow-{k})") + "</svg>")

    @staticmethod
    def _t(x: float, y: float, text: str, size: int = 13, anchor: str = "middle", extra: str = "",
           notation: bool = False) -> str:
        body = svg_notation(text) if notation else escape(text)
        return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="Georgia, serif" '
                f'font-size="{size}"{extra}>{body}</text>')

    def series(self, s: Series) -> str:
        w, h, left, top = 420.0, 140.0, 90.0, 14.0
        finite = [v for v in s.values if v == v and abs(v) != float("inf")]
        ticks = layout.nice_ticks(min(finite), max(finite)) if finite else [0.0, 1.0]
        inner = h - top - 36
        pts = layout.curve_points(s.values, w - left - 20, inner, (ticks[0], ticks[-1]))
        xy = [None if p is None else (left + p[0], top + inner - p[1]) for p in pts]
        span = ticks[-1] - ticks[0] or 1.0
        body = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - 36}" stroke="#999"/>',
                f'<line x1="{left}" y1="{h - 36}" x2="{w - 10}" y2="{h - 36}" stroke="#999"/>',
                self._t((left + w) / 2, h - 4, "iteration i", 12)]
        for t in ticks:  # round ticks covering every value
            y = top + inner - (t - ticks[0]) / span * inner
            body.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#999"/>')
            body.append(self._t(left - 6, y + 4, numbers.unicode(t, self.precision), 11, "end"))
        line = " ".join(f"{x:.1f},{y:.1f}" for p in xy if p for x, y in [p])
        body.append(f'<polyline points="{line}" fill="none" stroke="#2a5599" stroke-width="2"/>')
        n = len(s.values)
        for k, p in enumerate(xy):
            if p:
                body.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="3" fill="#2a5599"/>')
                if n <= 12 or k in (0, n - 1) or (k + s.start) % 5 == 0:
                    body.append(self._t(p[0], h - 22, str(k + s.start), 11))
        svg = self._svg(w, h, f"{s.label} over the iterations", body)
        return f'<figure class="plot"><figcaption>{self.inline(s.label)}</figcaption>{svg}</figure>'

    def render_Network(self, net: Network) -> str:
        sizes = [len(layer) for layer in net.layers]
        pos, tallest = layout.network_positions(sizes)
        dx, dy, r, pad = 190.0, 78.0, 21.0, 40.0
        xy = {k: (pad + c * dx, pad + 14 + rr * dy) for k, (c, rr) in pos.items()}
        width = 2 * pad + (len(sizes) - 1) * dx
        height = 2 * pad + 14 + (tallest - 1) * dy + 20
        body = []
        show = len(net.weights) <= 40
        for l, i, j, w in net.weights:
            (x1, y1), (x2, y2) = xy[(l - 1, i)], xy[(l, j)]
            ux, uy = x2 - x1, y2 - y1
            d = (ux * ux + uy * uy) ** 0.5
            body.append(f'<line x1="{x1 + ux / d * r:.1f}" y1="{y1 + uy / d * r:.1f}" x2="{x2 - ux / d * r:.1f}" '
                        f'y2="{y2 - uy / d * r:.1f}" stroke="#777" stroke-width="1.2" marker-end="url(#arrow)"/>')
        if show:
            for l, i, j, w in net.weights:
                (x1, y1), (x2, y2) = xy[(l - 1, i)], xy[(l, j)]
                t = 0.5 if sizes[l - 1] == 1 else 0.24 + 0.1 * (j % 3)  # staggered, so one unit's labels part
                lx, ly = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
                angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
                text = numbers.unicode(w, self.precision)
                turn = f' transform="rotate({angle:.1f} {lx:.1f} {ly:.1f})"'
                body.append(f'<rect x="{lx - 3.5 * len(text) - 3:.1f}" y="{ly - 8:.1f}" width="{7 * len(text) + 6:.1f}" '
                            f'height="14" fill="white"{turn}/>')
                body.append(self._t(lx, ly + 4, text, 11, extra=turn))
        for (l, j), (x, y) in xy.items():
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#eef3fb" stroke="#3a5a8c" stroke-width="1.4"/>')
            body.append(self._t(x, y + 5, net.layers[l][j].uni, 14, notation=True))
        for l, j, b in net.biases:
            x, y = xy[(l, j)]
            body.append(self._t(x, y - r - 6, "b = " + numbers.unicode(b, self.precision), 11))
        for l, act in enumerate(net.activations, 1):
            if act and l < len(sizes):
                body.append(self._t(pad + l * dx, height - 8, act, 12, extra=' fill="#666"'))
        return self._svg(width, height, "the network with its weights", body)

    def render_Stack(self, st: Stack) -> str:
        rows = [("input", st.input, None)] + list(st.layers)
        row_h, box_min, left = 30.0, 90.0, 10.0
        widths = []
        for name, shape, _ in rows:
            size = 1
            for d in shape:
                size *= max(int(d), 1)
            widths.append(max(box_min + min(220.0, 9.0 * max(size, 1).bit_length()), 6.6 * len(name) + 16))
        column = left + max(widths) + 14  # the shapes in one column right of the widest box
        width, height = column + 260, 16 + row_h * len(rows)
        body = []
        for k, ((name, shape, params), bw) in enumerate(zip(rows, widths)):
            y = 8 + k * row_h
            x = left + (max(widths) - bw) / 2
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{row_h - 8}" rx="4" fill="#eef3fb" '
                        'stroke="#3a5a8c"/>')
            body.append(self._t(left + max(widths) / 2, y + row_h / 2, name, 12))
            body.append(self._t(column, y + row_h / 2, "×".join(str(int(d)) for d in shape), 12, "start"))
            if params is not None:
                body.append(self._t(column + 120, y + row_h / 2, f"{numbers.integer(params)} params", 12, "start"))
        return self._svg(width, height, "the layer stack with its shapes", body)

    def render_Plane(self, pl: Plane) -> str:
        """The points as dots (filled: target the positive output), each with its coordinates, and
        the line w₁x₁ + w₂x₂ + b = 0 clipped to a box a little wider than the points."""
        box = layout.plane_box([(x, y) for x, y, _ in pl.points], (pl.weights[0], pl.weights[1], pl.bias))
        x0, x1, y0, y1 = box
        side, left, top = 260.0, 40.0, 16.0
        width, height = left + side + 40, top + side + 34

        def at(x: float, y: float) -> tuple[float, float]:
            return left + (x - x0) / (x1 - x0) * side, top + (y1 - y) / (y1 - y0) * side

        body = [f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" stroke="#999"/>']
        if x0 < 0 < x1:
            ax, _ = at(0.0, 0.0)
            body.append(f'<line class="axis" x1="{ax:.2f}" y1="{top}" x2="{ax:.2f}" y2="{top + side}" stroke="#ccc"/>')
        if y0 < 0 < y1:
            _, ay = at(0.0, 0.0)
            body.append(f'<line class="axis" x1="{left}" y1="{ay:.2f}" x2="{left + side}" y2="{ay:.2f}" stroke="#ccc"/>')
        body.append(self._t(left + side / 2, top + side + 26, "x₁", 13, notation=True))
        body.append(self._t(left - 22, top + side / 2, "x₂", 13, notation=True))
        ends = layout.clip_line(pl.weights[0], pl.weights[1], pl.bias, box)
        if ends:
            (ex, ey), (fx, fy) = at(*ends[0]), at(*ends[1])
            body.append(f'<line class="decision" x1="{ex:.2f}" y1="{ey:.2f}" x2="{fx:.2f}" y2="{fy:.2f}" '
                        'stroke="#b03a2e" stroke-width="2"/>')
        for x, y, t in pl.points:
            cx, cy = at(x, y)
            fill = "#2a5599" if t is not None and t == pl.positive else "white"
            body.append(f'<circle cx="{cx:.2f}" cy="{cy:.2f}" r="5" fill="{fill}" stroke="#2a5599" stroke-width="1.6"/>')
            label = f"({numbers.unicode(x, self.precision)}, {numbers.unicode(y, self.precision)})"
            body.append(self._t(cx + 8, cy - 8, label, 11, "start"))
        return self._svg(width, height, "the points and the decision line", body)

    def render_Roc(self, rc: Roc) -> str:
        """The ROC curve in the unit square: the points joined, the area under them shaded with
        the AUC written in it, the diagonal of a random ranking dashed, ticks at quarters."""
        side, left, top = 240.0, 48.0, 12.0
        width, height = left + side + 16, top + side + 40

        def at(x: float, y: float) -> tuple[float, float]:
            return left + x * side, top + (1 - y) * side

        body = [f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" stroke="#999"/>']
        for q in (0.0, 0.25, 0.5, 0.75, 1.0):
            (tx, ty), tick = at(q, q), numbers.unicode(q, self.precision)
            body.append(f'<line x1="{tx:.1f}" y1="{top + side}" x2="{tx:.1f}" y2="{top + side + 4}" stroke="#999"/>')
            body.append(self._t(tx, top + side + 16, tick, 11))
            body.append(f'<line x1="{left - 4}" y1="{ty:.1f}" x2="{left}" y2="{ty:.1f}" stroke="#999"/>')
            body.append(self._t(left - 6, ty + 4, tick, 11, "end"))
        (ax, ay), (bx, by) = at(0, 0), at(1, 1)
        body.append(f'<line class="chance" x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="#aaa" '
                    'stroke-dasharray="4 3"/>')
        xy = [at(x, y) for x, y in rc.points]
        curve = " ".join(f"{x:.2f},{y:.2f}" for x, y in xy)
        (ex, ey), (ox, oy) = at(rc.points[-1][0], 0.0), at(rc.points[0][0], 0.0)
        body.append(f'<polygon class="auc" points="{curve} {ex:.2f},{ey:.2f} {ox:.2f},{oy:.2f}" fill="#2a5599" '
                    'fill-opacity="0.18" stroke="none"/>')
        body.append(f'<polyline class="roc" points="{curve}" fill="none" stroke="#2a5599" stroke-width="2"/>')
        for x, y in xy:
            body.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="3" fill="#2a5599"/>')
        lx, ly = at(0.62, 0.2)
        body.append(self._t(lx, ly, "AUC = " + numbers.unicode(rc.auc, self.precision), 13))
        body.append(self._t(left + side / 2, top + side + 34, "FPR", 13))
        body.append(self._t(left - 34, top + side / 2, "TPR", 13, extra=f' transform="rotate(-90 {left - 34} '
                            f'{top + side / 2})"'))
        return self._svg(width, height, "the ROC curve with the area under it shaded", body)

    def graph(self, edges: list[tuple[str, str]]) -> str:
        """The graph drawn as inline SVG: inputs on the left, each name one column after its inputs,
        the names of each column ordered to cross as few edges as possible."""
        pos, cols, tallest = layout.graph_positions(edges)
        col_w, row_h, box_w, box_h = 110, 46, 64, 28
        xy = {n: (20 + c * col_w, 14 + r * row_h) for n, (c, r) in pos.items()}
        width = 40 + (cols - 1) * col_w + box_w
        height: float = 28 + tallest * row_h
        drop = row_h * 0.5 if any(pos[b][0] - pos[a][0] > 1 for a, b in edges) else 0  # room for the arcs
        xy = {n: (x, y + drop) for n, (x, y) in xy.items()}
        height += drop
        body = []
        for a, b in edges:
            (x1, y1), (x2, y2) = xy[a], xy[b]
            x1, y1, y2 = x1 + box_w, y1 + box_h / 2, y2 + box_h / 2
            if pos[b][0] - pos[a][0] > 1:  # a long edge bends away from the boxes between
                mx, my = (x1 + x2) / 2, min(y1, y2) - 0.45 * row_h
                body.append(f'<path d="M {x1} {y1} Q {mx} {my} {x2} {y2}" fill="none" stroke="#555" '
                            'stroke-width="1.3" marker-end="url(#arrow)"/>')
            else:
                body.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555" stroke-width="1.3" '
                            'marker-end="url(#arrow)"/>')
        for n, (x, y) in xy.items():
            body.append(f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="#eef3fb" '
                        'stroke="#3a5a8c"/>')
            body.append(self._t(x + box_w / 2, y + box_h / 2 + 5, n, 15, notation=True))
        return "<figure>" + self._svg(width, height, "computation graph", body) + "</figure>"

    def contents(self, titles: list[str]) -> str:
        return "<nav><h2>Contents</h2><ol>" + "".join(
            f'<li><a href="#problem-{k}">{self.inline(t)}</a></li>' for k, t in enumerate(titles, 1)) + "</ol></nav>"

    def anchor(self, k: int) -> str:
        return f'<section class="problem" id="problem-{k}"></section>'

    def links(self, entries: Sequence[tuple[str, str]]) -> str:
        return "<ul>" + "".join(f'<li><a href="{escape(f)}">{escape(t)}</a></li>' for t, f in entries) + "</ul>"
