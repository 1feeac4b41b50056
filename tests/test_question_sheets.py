"""The question sheet is the problem as an exam states it: for every file in problems/ and every
format that has sheets, no answer value appears on it and every value the problem file gives does.

Independent of the code under test: the givens are read from the problem file itself (its YAML
numbers, not the solver's Given blocks), the answers from the solution's answers, and the sheet is
searched as text for the numbers printed at the sheet's precision (grouping separators removed, so
48,120 / 48{,}120 / 48 120 are one number). Integers below 100 are left out of the leak check (they
are counts, indices and subscripts on any sheet), as are values the problem file itself states.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest

from dlsolve.load import parse_data
from dlsolve.render import FORMATS, REGISTRY, layout, numbers, renderer
from dlsolve.solution import Solution
from tests.conftest import PROBLEMS, solve_file, solved

PRECISION = 4
SHEET_FORMATS = list(REGISTRY.having(lambda f: f.sheets))
_GROUP = re.compile(r"(?<=\d)(?:\{,\}|\\,|\\ |\u2009|\u202f|,)(?=\d{3}(?!\d))")
_TAG = re.compile(r"<[^>]*>")
_LAYOUT = re.compile(r"<style.*?</style>|\\documentclass.*?\\begin\{document\}|#[0-9a-fA-F]{3,6}\b"
                     r"|\d+(?:\.\d+)?\s*(?:em|ex|pt|cm|mm|bp|\\(?:line|text|column)width)\b", re.S)


def readable(sheet: str) -> str:
    """The words and numbers a reader sees: no markup, style sheet, preamble or lengths."""
    text = html.unescape(_TAG.sub(" ", _LAYOUT.sub(" ", sheet)))
    return text.replace("\\allowbreak{}", "").replace("\\_", "_")


def token_list(sheet: str) -> list[str]:
    """The unsigned decimal numbers written on a sheet, in order, as the printer writes them."""
    text = readable(sheet)
    for _ in range(3):  # 138,357,544: each group joined in turn
        text = _GROUP.sub("", text)
    return re.findall(r"\d+(?:\.\d+)?", text)


def tokens(sheet: str) -> set[str]:
    return set(token_list(sheet))


def runs(seq: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)}


def printed(x: float) -> str | None:
    """How the sheets print |x| at their precision (the mantissa when in scientific notation)."""
    if not math.isfinite(x):
        return None
    mant, _ = numbers.parts(abs(x), PRECISION)
    return mant


def entries(value: object) -> list[float]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return []
    return [float(v) for v in arr.reshape(-1)]


def yaml_numbers(data: object) -> list[tuple[float, bool]]:
    """Every number in a problem file, with whether it sits in a list of at most the sheets'
    unelided length (a 784-pixel image is shown with ⋯)."""
    out: list[tuple[float, bool]] = []

    def walk(node: object, small: bool) -> None:
        if isinstance(node, bool):
            return
        if isinstance(node, (int, float)):
            out.append((float(node), small))
        elif isinstance(node, dict):
            for v in node.values():
                walk(v, small)
        elif isinstance(node, list):
            flat = len(entries(node)) if entries(node) else len(node)
            for v in node:
                walk(v, small and flat <= layout.MAX_VEC * layout.MAX_ROWS and len(node) <= layout.MAX_ROWS
                     and all(not isinstance(v, list) or len(v) <= layout.MAX_COLS for v in node))
    walk(data, True)
    return out


def given_tokens(text: str, data: object) -> set[str]:
    found = set(re.findall(r"\d+(?:\.\d+)?", text))
    found |= {p for x, _ in yaml_numbers(data) for p in [printed(x)] if p}
    return found


def leaks(sheet: str, sol: Solution, stated: set[str], source: str = "") -> list[str]:
    """Answer entries printed on the sheet that the problem file does not state; and (for small
    whole numbers, which any sheet has) an answer's entries printed in a row, as a matrix or a
    vector of the working would be, unless the problem file has that row."""
    order = token_list(sheet)
    shown = set(order)
    out = []
    yaml_order = [p for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", source) for p in [printed(float(x))] if p]
    for a in sol.answers:
        row = [p for x in entries(a.value) for p in [printed(x)] if p]
        n = min(len(row), 4)
        if n >= 3:  # a run of at least three different numbers: not a pattern of 0s and 1s in the data
            found = (runs(row, n) - runs(yaml_order, n)) & runs(order, n)
            out += [f"{a.name} ⊇ {', '.join(r)}" for r in sorted(found) if len(set(r)) >= 3]
        for x in entries(a.value):
            p = printed(x)
            # small whole numbers are on every sheet, and the Find list numbers its items 1 … N
            if p is None or p in stated or (float(p).is_integer() and abs(float(p)) <= max(99, len(sol.answers))):
                continue
            if p in shown:
                out.append(f"{a.name} = {p}")
    return out


def missing(sheet: str, data: object) -> list[str]:
    shown = tokens(sheet)
    out = []
    for x, small in yaml_numbers(data):
        p = printed(x)
        if small and p and not (float(p).is_integer() and abs(float(p)) < 2) and p not in shown:
            out.append(p)
    return sorted(set(out))


# the seed, counts and options a problem file states that are not data of the problem
_NOT_DATA = {"seed", "precision"}


def _data(path) -> object:
    text = path.read_text(encoding="utf-8")
    data = parse_data(text, str(path))
    return {k: v for k, v in data.items() if k not in _NOT_DATA and k != "vary"} if isinstance(data, dict) else data


@pytest.mark.parametrize("fmt", SHEET_FORMATS)
@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_question_sheet_states_the_problem_and_no_answer(path, fmt):
    sol = solved(path)
    sheet = renderer(fmt)(precision=PRECISION, mode="questions").render(sol)
    data = _data(path)
    stated = given_tokens(path.read_text(encoding="utf-8"), data)
    source = path.read_text(encoding="utf-8")
    found = leaks(sheet, sol, stated, source)
    assert not found, f"answers on the question sheet: {found}"
    assert not missing(sheet, data), f"givens missing from the question sheet: {missing(sheet, data)}"
    for a in sol.answers:  # the Find list names every answer
        assert a.name in readable(sheet), f"the Find list does not name {a.name}"


def test_a_leak_is_found():
    """The check is real: a sheet that shows an answer fails it."""
    path = next(p for p in PROBLEMS if p.stem == "opt-adam")
    sol = solve_file(path)
    sheet = renderer("text")(precision=PRECISION, mode="questions").render(sol)
    stated = given_tokens(path.read_text(encoding="utf-8"), _data(path))
    assert not leaks(sheet, sol, stated)
    full = renderer("text")(precision=PRECISION).render(sol)
    assert leaks(full, sol, stated)
