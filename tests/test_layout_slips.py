"""Layout slips the reviews found: the HTML ROC sheet (the AUC's worked lines broken inside a
bracket and running past the text column; the picture inside its viewBox), the text class
report's contents (a hanging indent at 80 columns) and a matrix cell of a text table (a row kept
on one line where it fits, never broken inside a number)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dlsolve.render.html import HTML_LIMIT
from dlsolve.render.texbreak import break_line, tex_width
from tests.conftest import ROOT, rendered

ROC = ROOT / "problems" / "metrics-roc.yaml"

# The AUC's trapezoid sum as the LaTeX sheet sets it: 7 terms, each a product of two brackets.
AUC = " + ".join(rf"0.5 \cdot (\text{{FPR}}_{{{k}}} - \text{{FPR}}_{{{k - 1}}}) \cdot "
                 rf"(\text{{TPR}}_{{{k}}} + \text{{TPR}}_{{{k - 1}}})" for k in range(1, 8))


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in tex:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_a_long_sum_of_bracketed_terms_breaks_between_terms():
    pieces = break_line(AUC, HTML_LIMIT)
    assert len(pieces) > 1
    assert all(_balanced(p) for p in pieces), pieces           # never inside (FPR₃ − FPR₂)
    assert all(tex_width(p) <= HTML_LIMIT for p in pieces)
    assert " ".join(pieces) == AUC                             # nothing lost or added
    assert all(p.startswith("+ ") for p in pieces[1:])


def test_a_line_that_is_one_bracket_still_breaks_inside_it():
    # -(a + b + …): no break outside the bracket exists, so the old breaks inside it are kept
    inner = " + ".join(rf"\frac{{\partial L}}{{\partial \hat{{x}}_{{{k}1}}}} \cdot (x_{{{k}1}} - \mu_{{1}})"
                       for k in range(1, 9))
    rhs = f"-({inner})"
    assert tex_width(rhs) > HTML_LIMIT
    pieces = break_line(rhs, HTML_LIMIT)
    assert len(pieces) > 1 and all(tex_width(p) <= HTML_LIMIT for p in pieces)


def test_the_roc_sheets_auc_lines_keep_each_bracket_whole():
    html = rendered(ROC, "html")
    start = html.index("<mtext>AUC</mtext>")
    auc_lines = re.findall(r"<math\b.*?</math>", html[start:html.index("<figure>", start)], re.S)
    assert len(auc_lines) >= 4
    for line in auc_lines:
        assert line.count("&#x00028;") == line.count("&#x00029;"), line[:300]


# -- the ROC picture: everything drawn lies inside the SVG's viewBox -----------------------------
def _extent(tag: str, attrs: dict[str, str], text: str) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of one drawn element, a text's width taken generously as 0.6 em a character."""
    f = {k: float(v) for k, v in attrs.items() if re.fullmatch(r"-?\d+(\.\d+)?", v)}
    if tag == "rect":
        return f["x"], f["y"], f["x"] + f["width"], f["y"] + f["height"]
    if tag == "line":
        return min(f["x1"], f["x2"]), min(f["y1"], f["y2"]), max(f["x1"], f["x2"]), max(f["y1"], f["y2"])
    if tag == "circle":
        return f["cx"] - f["r"], f["cy"] - f["r"], f["cx"] + f["r"], f["cy"] + f["r"]
    if tag in ("polygon", "polyline"):
        xy = [tuple(map(float, p.split(","))) for p in attrs["points"].split()]
        return min(x for x, _ in xy), min(y for _, y in xy), max(x for x, _ in xy), max(y for _, y in xy)
    size = f["font-size"]
    w = 0.6 * size * len(re.sub(r"<[^>]+>", "", text))
    x0 = {"start": f["x"], "middle": f["x"] - w / 2, "end": f["x"] - w}[attrs.get("text-anchor", "start")]
    box = (x0, f["y"] - size, x0 + w, f["y"] + 0.25 * size)
    rot = re.fullmatch(r"rotate\((-?90) (\S+) (\S+)\)", attrs.get("transform", ""))
    if rot:  # a quarter turn about (cx, cy): the box turns with it
        cx, cy = float(rot.group(2)), float(rot.group(3))
        corners = [(cx + (y - cy), cy - (x - cx)) for x in box[::2] for y in box[1::2]]
        return (min(x for x, _ in corners), min(y for _, y in corners),
                max(x for x, _ in corners), max(y for _, y in corners))
    return box


@pytest.mark.parametrize("precision", [4, 15])
def test_the_roc_picture_lies_inside_its_viewbox(precision):
    from dlsolve.render.html import HtmlRenderer
    from tests.conftest import solved

    html = HtmlRenderer(precision=precision).render(solved(ROC))
    svg = re.search(r'<svg [^>]*aria-label="the ROC curve[^"]*">.*?</svg>', html, re.S)
    assert svg is not None
    vb = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg.group()).group(1).split()]
    body = re.sub(r"<defs>.*?</defs>", "", svg.group(), flags=re.S)
    drawn = re.findall(r"<(rect|line|circle|polygon|polyline)\b([^>]*?)/>()", body) + \
        re.findall(r"<(text)\b([^>]*)>(.*?)</text>", body, re.S)
    assert len(drawn) > 20
    assert any(tag == "text" and "AUC" in (inner or "") for tag, _, inner in drawn)
    for tag, raw, inner in drawn:
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', raw))
        x0, y0, x1, y1 = _extent(tag, attrs, inner or "")
        assert vb[0] <= x0 and x1 <= vb[0] + vb[2], (tag, attrs, inner, vb)
        assert vb[1] <= y0 and y1 <= vb[1] + vb[3], (tag, attrs, inner, vb)


# -- the text class report's contents: a hanging indent -----------------------------------------
def test_the_text_contents_wrap_under_their_text_at_80_columns():
    import dataclasses

    from dlsolve.render.text import TextRenderer
    from tests.conftest import solved

    base = solved(ROOT / "problems" / "opt-adam.yaml")
    long = "Adam with bias correction and epsilon outside the square root, three iterations on one weight"
    sols = [dataclasses.replace(base, title=f"s{1000 + k}: {long}") for k in range(11)]
    out = TextRenderer(width=80).render_combined(sols, title="Class report")
    contents = out.split("\n\n", 1)[0].splitlines()[2:]
    assert all(len(line) <= 80 for line in out.splitlines())
    starts = [i for i, line in enumerate(contents) if re.match(r"  \d+\. ", line)]
    assert len(starts) == 11 and len(contents) > 11                  # every entry wraps
    for i, line in enumerate(contents):
        if i not in starts:                                          # a continuation: under the text
            number = re.match(r"  \d+\. ", contents[max(s for s in starts if s < i)]).group()
            assert line.startswith(" " * len(number)) and line[len(number)] != " ", line
    assert " ".join(line.split(". ", 1)[1] if k in starts else line.strip()
                    for k, line in enumerate(contents)).count(long) == 11  # the words all there


# -- a matrix cell of a text table: rows whole where they fit, never a number broken ------------
def _column_texts(table: list[str]) -> list[list[str]]:
    """Each column's lines of a text table, cut at the offsets of its ─ rule."""
    rule = next(line for line in table if line.lstrip().startswith("─"))
    spans = [(m.start(), m.end()) for m in re.finditer("─+", rule)]
    return [[line[a:b + 1].strip() if k + 1 < len(spans) else line[a:].strip() for line in table]
            for k, (a, b) in enumerate(spans)]


def _rows_of(cell: str) -> list[str]:
    return [r.strip(" []") for r in cell.split(";")]


def test_a_verdict_tables_matrix_reference_keeps_its_rows_whole_under_rtol():
    import dlsolve
    from dlsolve.marking.report import report_solution
    from dlsolve.render.text import TextRenderer

    answers = {"dW2": [[-0.053852, -0.013464], [-0.05385, -0.013463], [-0.039369, -0.0098426]],
               "W2_new": [[1.0005385, -1.9998654], [-2.9994615, 4.0001346], [-0.9996063, 1.0000984]],
               "z2": [-2.7309, 2.7309]}
    report = dlsolve.check(ROOT / "problems" / "p1-image-mlp.yaml", answers, rtol=0.01)
    text = TextRenderer(width=80).plain(report_solution(report))
    assert all(len(line) <= 80 for line in text.splitlines())
    lines = text.splitlines()
    start = lines.index("Verdicts") + 2
    end = next(i for i in range(start, len(lines)) if not lines[i].strip() or "Not answered" in lines[i])
    table = lines[start:end]
    cols = _column_texts(table)
    reference = [c for c in cols if c[0] == "reference"][0]
    body = reference[2:]
    checked = 0
    for name in ("dW2", "W2_new"):
        ref = TextRenderer(width=80)._answer_text(np.asarray(report.verdicts[
            [v.name for v in report.verdicts].index(name)].reference))
        expected_rows = _rows_of(ref)
        shown = [piece for piece in body if piece]
        # every row of the reference appears whole inside one line of the column
        for row in expected_rows:
            assert any(row in _rows_of(piece) for piece in shown), (row, shown)
            checked += 1
    assert checked == 6


def test_a_number_wider_than_the_usual_floor_is_never_broken():
    from dlsolve.render.texttable import table_lines

    wide = "[−1.234567890123×10⁻¹⁷, 2.5]"
    out = table_lines(("name", "quantity", "value"), [["x", "a long description " * 3, wide]], 60)
    assert all(len(line) <= 60 for line in out)
    assert "−1.234567890123×10⁻¹⁷," in "\n".join(out)


def test_matrix_rows_share_lines_evenly_and_prose_is_no_matrix():
    from dlsolve.render.texttable import matrix_rows, wrap_cell

    cell = "[0.02, 0.4; 0.0196, 0.24; 0.01921, 0.144; 0.01882, 0.0864; 0.01845, 0.05184]"
    assert wrap_cell(cell, 30) == ["[0.02, 0.4;", "0.0196, 0.24;", "0.01921, 0.144;", "0.01882, 0.0864;",
                                   "0.01845, 0.05184]"]
    assert wrap_cell("[1, 0; 0, 1; 2, 2; 3, 3]", 13) == ["[1, 0; 0, 1;", "2, 2; 3, 3]"]
    assert matrix_rows("the score matrix (queries × keys); one matrix per head") == []
    assert wrap_cell("[[1.5, 2], [3, 4]]", 10) == ["[[1.5, 2],", "[3, 4]]"]
