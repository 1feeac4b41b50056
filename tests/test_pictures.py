"""Pictures a student can read: the perceptron's line is drawn whatever its distance from the
points (the box grows to meet it). Checked by the line's own equation, computed here."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlsolve.render import layout

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("points,line", [([(4, 5)], (0.6, 1.0, -10.6)),         # the perceptron trick, learnt
                                         ([(0, 0), (1, 1)], (1.0, 1.0, -1.0)),  # a line through the box already
                                         ([(0, 0), (0, 1)], (1.0, 0.0, -50.0)),  # far, vertical
                                         ([(2, 2)], (0.0, 1.0, 30.0))])          # far, horizontal
def test_the_line_crosses_the_box_that_holds_the_points(points, line):
    x0, x1, y0, y1 = layout.plane_box(points, line)
    assert all(x0 < x < x1 and y0 < y < y1 for x, y in points)
    ends = layout.clip_line(*line, (x0, x1, y0, y1))
    assert ends is not None
    w1, w2, b = line
    for x, y in ends:
        assert abs(w1 * x + w2 * y + b) < 1e-9 * max(1.0, abs(b))
        assert x0 - 1e-9 <= x <= x1 + 1e-9 and y0 - 1e-9 <= y <= y1 + 1e-9


def test_the_perceptron_trick_sheet_draws_its_line():
    import dlsolve

    sol = dlsolve.solve(str(ROOT / "problems" / "perceptron-trick.yaml"))
    tex = sol.to("latex")
    assert r"\draw[red!70!black,thick]" in tex
    html = sol.to("html")
    assert '<line class="decision"' in html


@pytest.mark.parametrize("lo,hi", [(0.9985, 0.999), (0.002, 0.002811), (-0.5, 40.3), (1e-5, 3e-5), (3.0, 3.0), (-6, 8)])
def test_axis_ticks_are_round_and_cover_every_value(lo, hi):
    from decimal import Decimal

    ticks = layout.nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi and 3 <= len(ticks) <= 7
    steps = {Decimal(repr(b)) - Decimal(repr(a)) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1                                   # evenly spaced, exactly as decimals
    step = steps.pop()
    assert step.normalize().as_tuple().digits in ((1,), (2,), (5,))   # 1, 2 or 5 × 10^k


def test_the_weight_plot_starts_at_w0():
    import dlsolve
    from dlsolve.solution import Series

    sol = dlsolve.solve(str(ROOT / "problems" / "opt-adam.yaml"))
    w = next(b for s in sol.sections for b in s.blocks if isinstance(b, Series) and b.label == "w_i")
    assert w.start == 0 and w.values[0] == 1.0                     # initial_weight: 1.0 in the problem
    assert list(w.values[1:]) == list(sol.answers["weights"])
    tex = sol.to("latex")
    assert r"{0};" in tex.split(r"\node[font=\small] at (3.5,-0.65) {iteration $i$}")[1].split("tikzpicture")[0] or \
        "at (0.000,-0.05) {0};" in tex


def test_the_roc_curve_is_drawn_in_the_key_and_not_on_the_question_sheet():
    """The curve (its points joined, the area shaded, the AUC written in it) is worked, so the
    LaTeX and HTML keys draw it and no question sheet shows it or its threshold table. The drawn
    coordinates are the points of a ROC computed here (0.25 per positive or negative of 4 each)."""
    import dlsolve
    from dlsolve.render import renderer

    sol = dlsolve.solve(str(ROOT / "problems" / "metrics-roc.yaml"))
    tex, html = sol.to("latex"), sol.to("html")
    # (FPR, TPR) of metrics-roc.yaml: y = 1,0,1,1,0,1,0,0 ranked by score 0.9 > 0.8 > 0.7 > 0.6 > 0.45 (two) > 0.2 > 0.1
    pts = [(0, 0), (0, 0.25), (0, 0.5), (0, 0.75), (0.25, 0.75), (0.5, 1), (0.75, 1), (1, 1)]
    tikz = " -- ".join(f"({x * 5:.3f},{y * 5:.3f})" for x, y in pts)
    assert rf"\fill[blue!18] {tikz} -- (5.000,0) -- (0.000,0) -- cycle;" in tex
    assert r"\text{AUC} = 0.9063" in tex
    assert '<polygon class="auc"' in html and '<polyline class="roc"' in html and "AUC = 0.9063" in html
    text = sol.to("text")
    assert "(0.25, 0.75), (0.5, 1), (0.75, 1), (1, 1); the area under it is AUC = 0.9063" in " ".join(text.split())
    for fmt in ("latex", "html", "text", "markdown"):
        sheet = renderer(fmt)(precision=4, mode="questions").render(sol)
        assert "AUC =" not in sheet and "tikzpicture" not in sheet and 'class="roc"' not in sheet, fmt
        assert "The ROC points" not in sheet and "0.9063" not in sheet, fmt


def test_weight_labels_in_the_pdf_sit_off_crossings_and_apart():
    """P1's TikZ network (4-3-2-1, units 4 cm apart in columns, 1.6 cm in rows, 9 mm circles): every
    weight label, read back from its `pos` (rim to rim, as TikZ measures it) as a 0.3 cm piece along
    its arrow, keeps 0.12 cm (more than half a label's height) from every other arrow — never on a
    crossing — 0.3 cm from every other label and 0.05 cm from every unit; each sits on white, in black. (The staggered
    placement before this put labels 0.05 cm from a crossing arrow and 0.24 cm from each other.)"""
    import re

    import dlsolve
    import numpy as np

    tex = dlsolve.solve(str(ROOT / "problems" / "p1-image-mlp.yaml")).to("latex")
    assert "w/.style={font=\\scriptsize,fill=white,text=black" in tex
    sizes, dx, dy, r = [4, 3, 2, 1], 4.0, 1.6, 0.45
    centre = {(l, j): np.array([l * dx, (3 - (j + (4 - n) / 2)) * dy]) for l, n in enumerate(sizes) for j in range(n)}
    ends = re.findall(r"\\draw\[-latex,gray!70!black\] \(u(\d)x(\d)\) --\s*node\[w,sloped,pos=([0-9.]+)\][^;]*\(u(\d)x(\d)\);",
                      tex)
    assert len(ends) == 20
    edges, labels = [], []
    for l0, i, pos, l1, j in ends:
        a, b = centre[(int(l0), int(i))], centre[(int(l1), int(j))]
        u = (b - a) / np.linalg.norm(b - a)
        start, stop = a + r * u, b - r * u
        edges.append((a, b))
        c = start + float(pos) * (stop - start)
        labels.append([c + f * 0.15 * u for f in (-1, 0, 1)])

    def to_segment(p, a, b):
        t = np.clip((p - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1)
        return np.linalg.norm(p - a - t * (b - a))

    for k, piece in enumerate(labels):
        assert min(np.linalg.norm(p - c) for c in centre.values() for p in piece) >= r + 0.05, k  # off the units
        assert min(to_segment(p, *edges[m]) for m in range(len(edges)) if m != k for p in piece) >= 0.12, k
        assert min((np.linalg.norm(p - q) for other in labels[:k] for p in piece for q in other), default=1) >= 0.3, k
