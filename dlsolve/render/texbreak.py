"""How wide a line of LaTeX math is set, and where a long one may break (before + or −, outside
brackets) — shared by the LaTeX sheet (align* rows) and the HTML one (its grid lines), so a
worked line breaks at the same places in both."""

from __future__ import annotations

import re

def tex_width(s: str) -> float:
    """Roughly how many characters wide a line of LaTeX math is set (fractions count their wider
    part, scripts less, matrices their widest row)."""
    total = 0.0
    i = 0
    while i < len(s):
        if s.startswith(r"\begin{bmatrix}", i):
            end = s.find(r"\end{bmatrix}", i)
            end = len(s) if end < 0 else end
            body = s[i + len(r"\begin{bmatrix}"):end]
            rows = body.split(r"\\")
            total += 2 + max(sum(tex_width(c) + 1.5 for c in r.split("&")) for r in rows)
            i = end + len(r"\end{bmatrix}")
        elif s.startswith(r"\frac", i):
            a, j = _braced(s, i + 5)
            b, j = _braced(s, j)
            total += max(tex_width(a), tex_width(b)) + 0.5
            i = j
        elif s[i] in "^_":
            a, j = _braced(s, i + 1) if s[i + 1:i + 2] == "{" else (s[i + 1:i + 2], i + 2)
            total += 0.7 * tex_width(a)
            i = j
        elif s[i] == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            word = m.group(1) if m else ""
            total += 0 if word in ("left", "right", "mathrm", "operatorname", "text", "top", "displaystyle") else \
                (3 if word in ("quad",) else 1)
            i += len(word) + 1
        elif s[i] in "{} ":
            i += 1
        elif s[i] in "=+-<>":
            total += 2
            i += 1
        else:
            total += 1
            i += 1
    return total


def _braced(s: str, i: int) -> tuple[str, int]:
    """The {…} group starting at s[i] → (inside, index after it)."""
    if i >= len(s) or s[i] != "{":
        return "", i
    depth = 0
    for j in range(i, len(s)):
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def break_points(s: str, parens: bool = True) -> list[int]:
    """Indices of the top-level + and − (outside braces and \\left…\\right, and with `parens`
    outside plain parentheses too) where a line may break."""
    out, depth = [], 0
    opening, closing = ("{(", "})") if parens else ("{", "}")
    i = 0
    while i < len(s):
        if s.startswith(r"\left", i):
            depth += 1
            i += 5
            continue
        if s.startswith(r"\right", i):
            depth -= 1
            i += 6
            continue
        if s.startswith(r"\begin", i):
            depth += 1
        elif s.startswith(r"\end", i):
            depth -= 1
        ch = s[i]
        if ch in opening:
            depth += 1
        elif ch in closing:
            depth -= 1
        elif depth == 0 and s[i - 1:i + 2] in (" + ", " - "):
            out.append(i)
        i += 1
    return out


def _greedy(rhs: str, points: list[int], room: float) -> list[str]:
    """`rhs` cut at the last of `points` before each piece grows wider than `room`."""
    pieces, start, last = [], 0, 0
    for p in points + [len(rhs)]:
        if tex_width(rhs[start:p]) > room and last > start:
            pieces.append(rhs[start:last].rstrip())
            start = last
        last = p
    pieces.append(rhs[start:].rstrip())
    return [p for p in pieces if p]


def break_line(rhs: str, room: float) -> list[str]:
    """A right-hand side as pieces no wider than `room` where it can be broken; each piece after
    the first starts with its operator. Breaks outside parentheses come first, so a term such as
    (FPR₃ − FPR₂)·(TPR₃ + TPR₂) stays whole; a piece still too wide (the whole line one bracket)
    is broken inside its parentheses, as before."""
    if tex_width(rhs) <= room:
        return [rhs]
    pieces = _greedy(rhs, break_points(rhs), room)
    if all(tex_width(p) <= room for p in pieces):
        return pieces
    return _greedy(rhs, break_points(rhs, parens=False), room)
