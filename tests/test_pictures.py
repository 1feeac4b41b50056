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
