"""Page layout of the LaTeX sheet: a step's "= …" lines never begin a page (rows joined by \\*),
headings keep room for what follows (\\keepspace), an answers table that fits on a page is one
unbreakable block, and rows holding matrices get room between them."""

from __future__ import annotations

import re
from pathlib import Path

import dlsolve

ROOT = Path(__file__).resolve().parents[1]


def _tex(name: str) -> str:
    return dlsolve.solve(str(ROOT / "problems" / f"{name}.yaml")).to("latex")


def test_a_steps_lines_are_kept_together():
    tex = _tex("opt-adam")
    align = tex.split(r"\begin{align*}", 1)[1].split(r"\end{align*}", 1)[0]
    rows = align.strip().split("\n")
    for prev, row in zip(rows, rows[1:]):
        if row.startswith("&= ") or row.startswith(r"&\approx"):   # a continuation: no break before it
            assert prev.endswith(r"\\*"), (prev, row)


def test_headings_keep_room_and_small_answers_tables_do_not_split():
    tex = _tex("p1-image-mlp")
    assert tex.count(r"\keepspace") >= tex.count(r"\subsection*{") + tex.count(r"\section*{")
    answers = tex.split(r"\subsection*{Answers}", 1)[1]
    assert r"\begin{tabular}" in answers and r"\begin{longtable}" not in answers
    # W1_new (a matrix) is followed by room before the next row
    assert re.search(r"W1\\_\\allowbreak\{\}new\}.*\\end\{bmatrix\}\$\} \\\\\[4pt\]", answers)


def test_only_an_answers_table_longer_than_a_page_may_break():
    from dlsolve.render.latex import LatexRenderer

    r = LatexRenderer()
    row = [("name", "x"), ("prose", "a quantity"), ("math", "0.5")]
    assert r"\begin{tabular}" in r.table(["name", "quantity", "value"], [row] * 20, answers=True)
    assert r"\begin{longtable}" in r.table(["name", "quantity", "value"], [row] * 80, answers=True)


def test_a_long_worked_line_breaks_in_html():
    """VGG's P = P^[1] + … + P^[22] ran off the HTML page: it is broken before a +, every term kept."""
    html = dlsolve.solve(str(ROOT / "problems" / "arch-vgg16.yaml")).to("html")
    assert html.count('class="cont"') >= 2      # P^[1] + … (two lines), 1792 + … (three lines)
    # no term lost at a break: the 22 layers' P^[l] each once in the broken line
    start = html.index("<mi>P</mi></mstyle>")
    line = html[start:html.index("138,357,544", start)]
    assert all(f"<mn>{l}</mn>" in line for l in range(1, 23))


def _noted_steps(n: int) -> str:
    """A sheet of n two-line steps, each with its note ("↳ …" under it)."""
    from dlsolve.derivation import Derivation
    from dlsolve.expr import Num, Sym

    d = Derivation()
    d.section("Steps")
    for k in range(n):
        d.derive(Sym(f"x{k}", f"x{k}", f"x_{{{k}}}"), Num(k) + Num(1), note=f"notemark{k} belongs to its step")
    return d.solution("values", "Notes").to("latex")


def test_a_steps_note_is_kept_with_its_step():
    """A note between steps is an \\intertext, whose \\postdisplaypenalty (0) allowed a page break
    right before it: every display holding one is set in a group with \\postdisplaypenalty=10000."""
    tex = _noted_steps(5)
    assert tex.count(r"\intertext") == 4
    group = tex.split("{\\postdisplaypenalty=10000\n\\begin{align*}", 1)[1].split("\\end{align*}}", 1)[0]
    assert group.count(r"\intertext") == 4


def test_no_page_begins_with_a_note():
    """Compiled (one pdflatex run): 90 noted steps over several pages, and no page's first line is a note."""
    import shutil
    import subprocess
    import tempfile

    import pytest

    if not (shutil.which("pdflatex") and shutil.which("pdftotext")):
        pytest.skip("pdflatex and pdftotext are needed")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "n.tex").write_text(_noted_steps(90))
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "n.tex"], cwd=tmp, capture_output=True, timeout=120)
        text = subprocess.run(["pdftotext", "n.pdf", "-"], cwd=tmp, capture_output=True, text=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 6   # about 270 lines: the display breaks between steps (after their notes)
    for page in pages[1:]:
        assert not page.strip().startswith("notemark"), page[:80]
