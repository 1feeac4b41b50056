"""Plain-text layout helpers shared by text renderers: matrices and tables as lines, widths
measured as a terminal shows them (a combining accent takes no column, a wide character two),
lines wrapped and tables folded to the console's width."""

from __future__ import annotations

import math

import unicodedata
from typing import Callable, Sequence

import numpy as np

from dlsolve.solution import Plane, Roc

MAX_ROWS = 10
MAX_COLS = 8
MAX_VEC = 12


def elided(n: int, limit: int) -> list[int | None]:
    """Indices to show of n entries at most `limit` wide, with None where entries are left out
    (the first limit − 3, a gap, the last two): every format elides a long vector or matrix alike."""
    if n <= limit:
        return list(range(n))
    head = limit - 3
    return list(range(head)) + [None] + list(range(n - 2, n))


def vector_line(v: np.ndarray, fmt: Callable[[float], str], whole: bool = False) -> str:
    """[a, b, c]; a long vector elided with … unless `whole` (an answers table shows every entry)."""
    idx = list(range(len(v))) if whole else elided(len(v), MAX_VEC)
    parts = ["…" if i is None else fmt(float(v[i])) for i in idx]
    return "[" + ", ".join(parts) + "]"


def matrix_lines(m: np.ndarray, fmt: Callable[[float], str]) -> list[str]:
    """Rows of a matrix with aligned columns, large ones elided with ⋯ and ⋮."""
    ridx, cidx = elided(m.shape[0], MAX_ROWS), elided(m.shape[1], MAX_COLS)
    cells = [["⋮" if r is None else ("⋯" if c is None else fmt(float(m[r, c]))) for c in cidx] for r in ridx]
    widths = [max(width(row[k]) for row in cells) for k in range(len(cidx))]
    lines = []
    n = len(cells)
    for i, row in enumerate(cells):
        left, right = ("[", "]") if n == 1 else ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == n - 1 else ("⎢", "⎥")
        lines.append(left + "  ".join(" " * (w - width(cell)) + cell for cell, w in zip(row, widths)) + right)
    if m.shape[0] > MAX_ROWS or m.shape[1] > MAX_COLS:
        lines[-1] += f"   ({m.shape[0]}×{m.shape[1]})"
    return lines


def width(text: str) -> int:
    """Columns `text` takes in a terminal: combining marks (the hat of m̂) none, wide characters two."""
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def pad(text: str, w: int) -> str:
    """`text` padded with spaces to w columns (by display width, not len)."""
    return text + " " * max(0, w - width(text))


def wrap_text(text: str, w: int) -> list[str]:
    """`text` in pieces of at most w columns, broken after a space or a comma where possible —
    never after a comma followed by a digit, which groups the digits of one number (36,928)."""
    out: list[str] = []
    cw = [width(ch) for ch in text]   # each character's columns, once: a 10,000-value answer stays linear
    left, i, n = sum(cw), 0, len(text)
    while left > w:
        cut, cols = 0, 0
        best = -1
        for k in range(i, n):
            cols += cw[k]
            if cols > w:
                break
            cut = k + 1 - i
            if k + 1 < n and (text[k] == " " or (text[k] == "," and not text[k + 1].isdigit())):
                best = k + 1 - i
        at = best if best > 0 else max(cut, 1)
        out.append(text[i:i + at].rstrip())
        j = i + at
        while j < n and text[j] == " ":
            j += 1
        left -= sum(cw[i:j])
        i = j
    out.append(text[i:])
    return out


BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float]) -> str:
    """One character per value, the height proportional to it between the least and the most."""
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return "·" * len(values)
    lo, hi = min(finite), max(finite)
    span = hi - lo
    out = []
    for v in values:
        if not np.isfinite(v):
            out.append("·")
        else:
            out.append(BARS[0 if span == 0 else min(len(BARS) - 1, int((v - lo) / span * (len(BARS) - 1) + 0.5))])
    return "".join(out)


def graph_layers(edges: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Nodes in columns by their depth from the inputs (the longest path), in first-seen order."""
    nodes: list[str] = []
    for a, b in edges:
        for n in (a, b):
            if n not in nodes:
                nodes.append(n)
    parents = {n: [a for a, b in edges if b == n] for n in nodes}
    depth: dict[str, int] = {}

    def d(n: str, seen: tuple[str, ...] = ()) -> int:
        if n not in depth:
            depth[n] = 0 if not parents[n] or n in seen else 1 + max(d(p, seen + (n,)) for p in parents[n])
        return depth[n]

    for n in nodes:
        d(n)
    for n in nodes:  # an input sits just before the first name it feeds
        children = [b for a, b in edges if a == n]
        if not parents[n] and children:
            depth[n] = max(min(depth[c] for c in children) - 1, 0)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for n in nodes:
        layers[depth[n]].append(n)
    return layers


# -- pictures: where things go, shared by the SVG (HTML) and TikZ (LaTeX) drawings --------------
def order_layers(layers: list[list[str]], edges: Sequence[tuple[str, str]], sweeps: int = 4) -> list[list[str]]:
    """The nodes of each column reordered to cross fewer edges: each node moves to the mean
    position of its neighbours in the column before (then after), a few sweeps both ways (the
    barycentre heuristic); the order with the fewest crossings is kept."""
    def crossings(ls: list[list[str]]) -> int:
        pos = {n: r for layer in ls for r, n in enumerate(layer)}
        col = {n: c for c, layer in enumerate(ls) for n in layer}
        es = [(a, b) for a, b in edges if a in pos and b in pos]
        count = 0
        for k, (a, b) in enumerate(es):
            for c, d in es[k + 1:]:
                if col[a] == col[c] and col[b] == col[d] and (pos[a] - pos[c]) * (pos[b] - pos[d]) < 0:
                    count += 1
        return count

    best = [list(layer) for layer in layers]
    best_count = crossings(best)
    current = [list(layer) for layer in best]
    nbrs: dict[str, list[str]] = {}
    for a, b in edges:
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    for sweep in range(sweeps):
        order = range(1, len(current)) if sweep % 2 == 0 else range(len(current) - 2, -1, -1)
        for c in order:
            ref = current[c - 1] if sweep % 2 == 0 else current[c + 1]
            where = {n: r for r, n in enumerate(ref)}

            def centre(n: str, r: int) -> float:
                ps = [where[m] for m in nbrs.get(n, []) if m in where]
                return sum(ps) / len(ps) if ps else float(r)
            current[c] = [n for _, _, n in sorted((centre(n, r), r, n) for r, n in enumerate(current[c]))]
        count = crossings(current)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
    return best


def graph_positions(edges: Sequence[tuple[str, str]]) -> tuple[dict[str, tuple[int, float]], int, int]:
    """(column and row of every node, columns, rows): columns by depth, rows ordered to cross few
    edges, names whose edges skip columns on top (their edges arc over the rest), each column
    centred on the tallest."""
    layers = order_layers(graph_layers(edges), edges)
    col = {n: c for c, layer in enumerate(layers) for n in layer}
    far = {a for a, b in edges if col[b] - col[a] > 1}  # names feeding a later column (shared weights)
    layers = [[n for n in layer if n in far] + [n for n in layer if n not in far] for layer in layers]
    tallest = max((len(layer) for layer in layers), default=1)
    pos = {n: (c, r + (tallest - len(layer)) / 2) for c, layer in enumerate(layers) for r, n in enumerate(layer)}
    return pos, len(layers), tallest


def network_positions(sizes: Sequence[int]) -> tuple[dict[tuple[int, int], tuple[float, float]], int]:
    """(column, row) of unit j of layer l, each layer centred on the widest; and that width."""
    tallest = max(sizes, default=1)
    return {(l, j): (float(l), j + (tallest - n) / 2) for l, n in enumerate(sizes) for j in range(n)}, tallest


Point = tuple[float, float]
LABEL_SPOTS = tuple(0.18 + 0.04 * k for k in range(11))  # fractions along an edge a label may sit at (from its start)


def _to_segment(p: Point, a: Point, b: Point) -> float:
    """The distance from p to the segment a–b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / ((dx * dx + dy * dy) or 1.0)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def edge_label_spots(edges: Sequence[tuple[Point, Point]], widths: Sequence[float], height: float,
                     ends: float = 0.0) -> list[float]:
    """Where on each edge (from → to, centre to centre) its label sits, as the fraction along it:
    near its start, at the spot whose label (a box `widths[k]` long along the edge, `height`
    across, on a white background) keeps farthest from every other edge (no label on a crossing)
    and from the labels placed before it (the labels of one unit's edges never overlap), and at
    least `ends` from either end (clear of the units the edge joins).

    Greedy, edge by edge; ties go to the spot nearer the start."""
    placed: list[list[Point]] = []
    out = []
    for k, ((ax, ay), (bx, by)) in enumerate(edges):
        length = math.hypot(bx - ax, by - ay) or 1.0
        ux, uy = (bx - ax) / length, (by - ay) / length
        best, best_t = -math.inf, 0.5
        half = widths[k] / 2
        spots = [t for t in LABEL_SPOTS if min(t, 1 - t) * length - half >= ends] or [0.5]
        for t in spots:
            cx, cy = ax + (bx - ax) * t, ay + (by - ay) * t
            box = [(cx + ux * f * half, cy + uy * f * half) for f in (-1.0, -0.5, 0.0, 0.5, 1.0)]
            crossing = min((_to_segment(p, a, b) for m, (a, b) in enumerate(edges) if m != k for p in box),
                           default=math.inf) - height / 2
            near = min((math.hypot(p[0] - q[0], p[1] - q[1]) for other in placed for p in box for q in other),
                       default=math.inf) - height
            score = min(crossing, near, height) - 1e-3 * t  # clear of everything by a label's height: the nearest spot
            if score > best:
                best, best_t = score, t
        out.append(best_t)
        cx, cy = ax + (bx - ax) * best_t, ay + (by - ay) * best_t
        placed.append([(cx + ux * f * half, cy + uy * f * half) for f in (-1.0, -0.5, 0.0, 0.5, 1.0)])
    return out


def nice_ticks(lo: float, hi: float, most: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi]: an axis read at a glance,
    its ends at the ticks so every value is inside (0.9985 … 0.9990 → 0.9984, 0.9986, …, 0.999)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return [0.0, 1.0]
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(most - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    k = 0
    while True:
        t = first + k * step
        ticks.append(round(t, max(0, -int(math.floor(math.log10(step))))))  # 0.9984, not 0.9984000000000001
        if t >= hi - 1e-9 * step or k > 20:
            break
        k += 1
    return ticks


def curve_points(values: Sequence[float], width: float, height: float,
                 bounds: tuple[float, float] | None = None) -> list[tuple[float, float] | None]:
    """Each value as a point of a plot width × height (y up), `bounds` (the axis ends; the
    values' least and greatest by default) at the bottom and top; None where a value is not
    finite. A constant series with no bounds lies in the middle."""
    finite = [v for v in values if np.isfinite(v)]
    lo, hi = bounds if bounds is not None else ((min(finite), max(finite)) if finite else (0.0, 1.0))
    span = hi - lo
    n = len(values)
    out: list[tuple[float, float] | None] = []
    for k, v in enumerate(values):
        if not np.isfinite(v):
            out.append(None)
            continue
        x = width * (k / (n - 1) if n > 1 else 0.5)
        y = height / 2 if span == 0 else height * (v - lo) / span
        out.append((x, y))
    return out


ANSWER_ENTRIES = 1000  # an answer with more entries is too big for a sheet or a terminal


def oversized(value: object) -> tuple[int, ...] | None:
    """The shape of an answer too big to print whole (a 784×512 weight matrix), else None.

    Sheets show every entry of an exam-sized answer; a network's full weight matrix has its
    entries in --format json or csv instead."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr.shape if arr.size > ANSWER_ENTRIES else None


def oversized_text(shape: tuple[int, ...]) -> str:
    return "a " + "×".join(str(n) for n in shape) + " array: every entry in --format json or csv"


def plane_box(points: Sequence[tuple[float, float]], line: tuple[float, float, float] | None = None
              ) -> tuple[float, float, float, float]:
    """The box (x_lo, x_hi, y_lo, y_hi) a plane of points is drawn in: their range with a margin
    of a quarter of it (1 when the points share a coordinate). With `line` (w₁, w₂, b), a box
    the line would miss grows to take in the line's point nearest the points' centre, so the
    picture shows the line its caption names (the perceptron trick: one point, a far line)."""
    xs = [float(p[0]) for p in points] or [0.0]
    ys = [float(p[1]) for p in points] or [0.0]
    if line is not None and (line[0] or line[1]) and clip_line(*line, _box(xs, ys)) is None:
        w1, w2, b = (float(v) for v in line)
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        t = (w1 * cx + w2 * cy + b) / (w1 * w1 + w2 * w2)
        if math.isfinite(t):
            xs, ys = xs + [cx - t * w1], ys + [cy - t * w2]
    return _box(xs, ys)


def _box(xs: list[float], ys: list[float]) -> tuple[float, float, float, float]:
    out = []
    for vs in (xs, ys):
        lo, hi = min(vs), max(vs)
        m = (hi - lo) * 0.25 if hi > lo else 1.0
        out += [lo - m, hi + m]
    return out[0], out[1], out[2], out[3]


def clip_line(w1: float, w2: float, b: float, box: tuple[float, float, float, float]
              ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the line w1·x + w2·y + b = 0 inside the box, as its two end points; None when
    the line misses the box or w = 0."""
    x0, x1, y0, y1 = box
    ends: list[tuple[float, float]] = []
    if w2 != 0:
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 - 1e-12 <= y <= y1 + 1e-12:
                ends.append((x, min(max(y, y0), y1)))
    if w1 != 0:
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 - 1e-12 <= x <= x1 + 1e-12:
                ends.append((min(max(x, x0), x1), y))
    if len(ends) < 2:
        return None
    ends.sort()
    a, z = ends[0], ends[-1]
    if abs(a[0] - z[0]) < 1e-12 and abs(a[1] - z[1]) < 1e-12:
        return None
    return a, z


def line_equation(w1: float, w2: float, b: float, fmt: Callable[[float], str]) -> str:
    """w₁x₁ + w₂x₂ + b = 0 with the values written in (signs folded: 2x₁ − x₂ − 3 = 0)."""
    terms = [(w1, "x₁"), (w2, "x₂"), (b, "")]
    out = ""
    for v, name in terms:
        if v == 0 and (name or out):
            continue
        mag = fmt(abs(v))
        body = (mag if not name or mag != "1" else "") + name
        if not out:
            out = ("−" if v < 0 else "") + body
        else:
            out += (" − " if v < 0 else " + ") + body
    return (out or "0") + "\u00a0=\u00a00"  # kept on one line when wrapped


def side_by_side(blocks: list[list[str]], sep: str = ",  ") -> list[str]:
    """Blocks of lines (the matrices of a stack: one per input channel) next to each other, each
    padded to its width, `sep` after every block but the last on the bottom line."""
    rows = max(len(b) for b in blocks)
    padded = [b + [""] * (rows - len(b)) for b in blocks]
    widths = [max(width(x) for x in b) for b in padded]
    out = []
    for i in range(rows):
        cells = [b[i] + " " * (w - width(b[i])) for b, w in zip(padded, widths)]
        gap = sep if i == rows - 1 else " " * len(sep)
        out.append(gap.join(cells).rstrip())
    return out


def plane_text(pl: Plane, fmt: Callable[[float], str]) -> str:
    """The plane in one line (a sheet that cannot draw it): its points (● where the target is the
    positive output, ○ else) and the line's equation with the values of the working."""
    pts = ", ".join(f"({fmt(x)}, {fmt(y)})" + ("" if t is None else " ●" if t == pl.positive else " ○")
                    for x, y, t in pl.points)
    w1, w2 = pl.weights
    line = "no line (w = 0)" if w1 == 0 and w2 == 0 else "the line " + line_equation(w1, w2, pl.bias, fmt)
    return f"Points {pts}; {line}."


def roc_text(rc: Roc, fmt: Callable[[float], str]) -> str:
    """The ROC curve in one line (a plain-text sheet cannot draw it): its points and its area."""
    pts = ", ".join(f"({fmt(x)}, {fmt(y)})" for x, y in rc.points)
    return f"The ROC curve (FPR, TPR) joins {pts}; the area under it is AUC = {fmt(rc.auc)}."
