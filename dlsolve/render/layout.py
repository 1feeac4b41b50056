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
