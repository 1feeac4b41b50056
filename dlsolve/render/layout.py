"""Plain-text layout helpers shared by text renderers: matrices and tables as lines."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

MAX_ROWS = 10
MAX_COLS = 8
MAX_VEC = 12


def _elide(n: int, limit: int) -> list[int | None]:
    """Indices to show of n, with None where entries are left out."""
    if n <= limit:
        return list(range(n))
    head = limit - 3
    return list(range(head)) + [None] + list(range(n - 2, n))


def vector_line(v: np.ndarray, fmt: Callable[[float], str]) -> str:
    idx = _elide(len(v), MAX_VEC)
    parts = ["…" if i is None else fmt(float(v[i])) for i in idx]
    return "[" + ", ".join(parts) + "]"


def matrix_lines(m: np.ndarray, fmt: Callable[[float], str]) -> list[str]:
    """Rows of a matrix with aligned columns, large ones elided with ⋯ and ⋮."""
    ridx, cidx = _elide(m.shape[0], MAX_ROWS), _elide(m.shape[1], MAX_COLS)
    cells = [["⋮" if r is None else ("⋯" if c is None else fmt(float(m[r, c]))) for c in cidx] for r in ridx]
    widths = [max(len(row[k]) for row in cells) for k in range(len(cidx))]
    lines = []
    n = len(cells)
    for i, row in enumerate(cells):
        left, right = ("[", "]") if n == 1 else ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == n - 1 else ("⎢", "⎥")
        lines.append(left + "  ".join(cell.rjust(w) for cell, w in zip(row, widths)) + right)
    if m.shape[0] > MAX_ROWS or m.shape[1] > MAX_COLS:
        lines[-1] += f"   ({m.shape[0]}×{m.shape[1]})"
    return lines


def table_lines(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(c) for c in columns]
    for row in rows:
        for k, cell in enumerate(row):
            widths[k] = max(widths[k], len(cell))
    def fmt_row(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths)).rstrip()
    return [fmt_row(columns), "  ".join("─" * w for w in widths)] + [fmt_row(r) for r in rows]


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

    def d(n: str, seen: tuple = ()) -> int:
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
    edges, each column centred on the tallest."""
    layers = order_layers(graph_layers(edges), edges)
    tallest = max((len(layer) for layer in layers), default=1)
    pos = {n: (c, r + (tallest - len(layer)) / 2) for c, layer in enumerate(layers) for r, n in enumerate(layer)}
    return pos, len(layers), tallest


def network_positions(sizes: Sequence[int]) -> tuple[dict[tuple[int, int], tuple[float, float]], int]:
    """(column, row) of unit j of layer l, each layer centred on the widest; and that width."""
    tallest = max(sizes, default=1)
    return {(l, j): (float(l), j + (tallest - n) / 2) for l, n in enumerate(sizes) for j in range(n)}, tallest


def curve_points(values: Sequence[float], width: float, height: float) -> list[tuple[float, float] | None]:
    """Each value as a point of a plot width × height (y up), the least at the bottom; None where
    a value is not finite. A constant series lies in the middle."""
    finite = [v for v in values if np.isfinite(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
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
