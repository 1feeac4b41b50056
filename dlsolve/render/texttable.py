"""Tables as lines of plain text, fitted to a width: the widest cells wrap within their column —
a matrix cell row by row, never inside a number — and a table that still does not fit is folded.
Used by the terminal format (a solution's tables, the answers, a check report's verdicts)."""

from __future__ import annotations

import re
from typing import Sequence

from dlsolve.render.layout import pad, width, wrap_text

GAP = 2  # columns between two cells
_BREAK = re.compile(r"(?<= )|(?<=,)(?!\d)")  # where wrap_text may break: after a space, a comma not in 36,928
_ROW = re.compile(r"(?<=;) |(?<=\],) (?=\[)")  # between matrix rows: [a, b; c, d] and [[a, b], [c, d]]


def matrix_rows(cell: str) -> list[str]:
    """A matrix cell's rows as printed ("[a, b;", "c, d]"); [] for any other cell (prose, whose
    "; " parts are no rows)."""
    if not (cell.startswith("[") and cell.endswith("]")):
        return []
    rows = _ROW.split(cell)
    return rows if len(rows) > 1 else []


def longest_word(cell: str) -> int:
    """The widest piece of `cell` that wrap_text cannot break (a number, with its brackets)."""
    return max((width(piece.rstrip()) for piece in _BREAK.split(cell)), default=0)


def wrap_cell(cell: str, w: int) -> list[str]:
    """A cell in lines of at most w columns; a matrix keeps each row on one line where it fits —
    the same number of rows on every line, as many as fit — and a row too wide wraps between its
    entries, the next row starting a line of its own."""
    rows = matrix_rows(cell)
    if width(cell) <= w or not rows:
        return wrap_text(cell, w)
    row_w = [width(row) for row in rows]   # a line of rows is their widths and a space between
    # k rows take at least k·(narrowest + 1) − 1 columns: no more can share a line (and the search
    # stays linear in the rows, however many a huge cell has)
    for k in range(min(len(rows) - 1, (w + 1) // (min(row_w) + 1)), 1, -1):
        if all(sum(row_w[i:i + k]) + len(row_w[i:i + k]) - 1 <= w for i in range(0, len(rows), k)):
            return [" ".join(rows[i:i + k]) for i in range(0, len(rows), k)]
    return [piece for row in rows for piece in wrap_text(row, w)]


def table_lines(columns: Sequence[str], rows: Sequence[Sequence[str]], max_width: int | None = None) -> list[str]:
    """A table as lines of text; wider than max_width, its widest cells wrap within their column,
    and a table that still does not fit is folded: its columns in groups, each repeating the first."""
    cols = len(columns)
    widths = [width(c) for c in columns]
    for row in rows:
        for k, cell in enumerate(row):
            widths[k] = max(widths[k], width(cell))
    if max_width is not None and sum(widths) + GAP * (cols - 1) > max_width:
        floor = [max(min(widths[k], 12), max((width(x) for x in columns[k].split()), default=1)) for k in range(cols)]
        while sum(widths) + GAP * (cols - 1) > max_width:
            k = max(range(cols), key=lambda i: widths[i] - floor[i])
            if widths[k] <= floor[k]:
                break
            widths[k] -= 1
        if sum(widths) + GAP * (cols - 1) > max_width and cols > 2:
            return _folded(columns, rows, max_width)
        words = [max((longest_word(r[k]) for r in rows), default=0) for k in range(cols)]
        matrix = [max((width(x) for r in rows for x in matrix_rows(r[k])), default=0) for k in range(cols)]
        _widen(widths, floor, words, [words])            # no number broken where the line has room
        _widen(widths, floor, matrix, [words, matrix])   # then a matrix row whole where it fits

    def fmt_row(cells: Sequence[str]) -> list[str]:
        pieces = [wrap_cell(cell, w) for cell, w in zip(cells, widths)]
        height = max(len(p) for p in pieces)
        return ["  ".join(pad(p[i] if i < len(p) else "", w) for p, w in zip(pieces, widths)).rstrip()
                for i in range(height)]
    out = fmt_row(columns) + ["  ".join("─" * w for w in widths)]
    for r in rows:
        out += fmt_row(r)
    return out


def _widen(widths: list[int], floor: list[int], need: list[int], keep: list[list[int]]) -> None:
    """Columns narrower than they `need` are widened, in place, by narrowing others: never below
    their floor nor below any width of `keep` they now have (their numbers, their rows), the
    smallest shortfall first, and only a shortfall that can be met in full."""
    cols = len(widths)
    for k in sorted(range(cols), key=lambda i: need[i] - widths[i]):
        short = need[k] - widths[k]
        if short <= 0:
            continue
        least = [max([floor[j]] + [n[j] for n in keep if n[j] <= widths[j]]) for j in range(cols)]
        spare = {j: widths[j] - least[j] for j in range(cols) if j != k and widths[j] > least[j]}
        if sum(spare.values()) < short:
            continue
        for _ in range(short):
            j = max(spare, key=lambda i: spare[i])
            widths[j] -= 1
            spare[j] -= 1
            widths[k] += 1


def _folded(columns: Sequence[str], rows: Sequence[Sequence[str]], max_width: int) -> list[str]:
    """A table too wide for the line: the columns in groups that fit, each group a table of its
    own that repeats the first column, one under the other."""
    widths = [max([width(columns[k])] + [width(r[k]) for r in rows]) for k in range(len(columns))]
    groups: list[list[int]] = []
    current: list[int] = []
    used = widths[0]
    for k in range(1, len(columns)):
        if current and used + 2 + widths[k] > max_width:
            groups.append(current)
            current, used = [], widths[0]
        current.append(k)
        used += 2 + widths[k]
    groups.append(current)
    out: list[str] = []
    for g, ks in enumerate(groups):
        if g:
            out.append("")
        idx = [0] + ks
        out += table_lines([columns[k] for k in idx], [[r[k] for k in idx] for r in rows], max_width)
    return out
