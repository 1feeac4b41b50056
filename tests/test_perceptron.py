"""kind: perceptron against a plain loop written here in exact arithmetic, the course's examples
(the gates, the admission rule, the perceptron trick of the catalogue's P17–P19), and bad input."""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

TRUTH = [[0, 0], [0, 1], [1, 0], [1, 1]]


def reference(X, y, w, b, eta, epochs, at_zero=1, outputs=(0, 1)):
    """The perceptron rule by hand, in exact fractions: one point at a time, stop after a clean pass."""
    lo, hi = outputs
    w = [Fraction(str(v)) for v in w]
    b = Fraction(str(b))
    eta = Fraction(str(eta))

    def out(z):
        return hi if (z > 0 or (z == 0 and at_zero == 1)) else lo

    errors, updates = [], 0
    for _ in range(epochs):
        wrong = 0
        for xi, yi in zip(X, y):
            z = sum(wj * Fraction(str(xj)) for wj, xj in zip(w, xi)) + b
            yhat = out(z)
            if yhat != yi:
                wrong += 1
                updates += 1
                w = [wj + eta * (yi - yhat) * Fraction(str(xj)) for wj, xj in zip(w, xi)]
                b = b + eta * (yi - yhat)
        errors.append(wrong)
        if wrong == 0:
            break
    return [float(v) for v in w], float(b), errors, updates


def forward(X, w, b, at_zero=1, outputs=(0, 1)):
    zs = [sum(Fraction(str(wj)) * Fraction(str(xj)) for wj, xj in zip(w, xi)) + Fraction(str(b)) for xi in X]
    return [float(z) for z in zs], [outputs[1] if (z > 0 or (z == 0 and at_zero)) else outputs[0] for z in zs]


def answers(sol):
    return {a.name: a.value for a in sol.answers}


# -- the course's examples ---------------------------------------------------------------------

@pytest.mark.parametrize("gate, w, b, targets, at_zero", [
    ("AND", [1, 1], -1.5, [0, 0, 0, 1], 1),
    ("OR", [1, 1], -0.5, [0, 1, 1, 1], 1),
    ("NAND", [-1, -1], 2, [1, 1, 1, 0], 0),     # the notes' 13/08 NAND with y = 1 only if z > 0
    ("AND at z = 0", [1, 1], -2, [0, 0, 0, 1], 1),
])
def test_gates_truth_tables(gate, w, b, targets, at_zero):
    sol = solve_data({"kind": "perceptron", "inputs": TRUTH, "targets": targets, "weights": w, "bias": b,
                      "step_at_zero": at_zero})
    a = answers(sol)
    zs, ys = forward(TRUTH, w, b, at_zero)
    assert list(a["z"]) == zs
    assert list(a["outputs"]) == ys == targets
    assert a["accuracy"] == 1.0


def test_nand_matches_the_catalogue():
    a = answers(solve_file(ROOT / "problems" / "perceptron-nand-gate.yaml"))
    assert list(a["z"]) == [2, 1, 1, 0] and list(a["outputs"]) == [1, 1, 1, 0]


def test_not_gate_with_flat_inputs():
    a = answers(solve_data({"kind": "perceptron", "inputs": [0, 1], "targets": [1, 0], "weights": -1,
                            "bias": 0.5}))
    assert list(a["z"]) == [0.5, -0.5] and list(a["outputs"]) == [1, 0] and a["accuracy"] == 1


def test_step_at_zero_changes_the_admission_of_6_6():
    """P19: (7, 6) → 2, (9, 7) → 7, (6, 6) → 0: admitted with z ≥ 0, rejected with z > 0."""
    base = {"kind": "perceptron", "inputs": [[7, 6], [9, 7], [6, 6]], "weights": [2, 1], "bias": -18}
    ge = answers(solve_data({**base, "step_at_zero": 1}))
    gt = answers(solve_data({**base, "step_at_zero": 0}))
    assert list(ge["z"]) == [2, 7, 0]
    assert list(ge["outputs"]) == [1, 1, 1] and list(gt["outputs"]) == [1, 1, 0]
    assert "accuracy" not in ge   # no targets, no accuracy


def test_the_perceptron_trick():
    """P18: 3x₁ + 4x₂ − 10 = 0, the point (4, 5) labelled 0, η = 0.1."""
    sol = solve_file(ROOT / "problems" / "perceptron-trick.yaml")
    a = answers(sol)
    assert a["z"][0] == 22 and a["outputs"][0] == 1
    env = {s.quantity.key: s.value for s in sol.steps()}
    assert env["w1#1"] == pytest.approx(2.6, abs=1e-12) and env["w2#1"] == pytest.approx(3.5, abs=1e-12)
    assert env["b#1"] == pytest.approx(-10.1, abs=1e-12)
    assert np.allclose(a["weights"], [0.6, 1.0], atol=1e-12) and a["bias"] == pytest.approx(-10.6, abs=1e-12)
    assert a["updates"] == 6 and a["epochs"] == 7 and a["converged"] == 1
    assert env["z@e7@1"] == pytest.approx(-3.2, abs=1e-12)
    w, b, errors, updates = reference([[4, 5]], [0], [3, 4], -10, 0.1, 20)
    assert np.allclose(a["weights"], w) and a["bias"] == pytest.approx(b) and updates == 6


@pytest.mark.parametrize("targets", [[0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0]],
                         ids=["AND", "OR", "NAND", "NOR"])
@pytest.mark.parametrize("eta", [0.1, 0.25, 1])
@pytest.mark.parametrize("at_zero", [0, 1])
def test_learning_the_gates_matches_the_loop(targets, eta, at_zero):
    spec = {"kind": "perceptron", "inputs": TRUTH, "targets": targets, "weights": [0, 0], "bias": 0,
            "step_at_zero": at_zero, "learn": {"learning_rate": eta, "epochs": 50}}
    sol = solve_data(spec)
    a = answers(sol)
    w, b, errors, updates = reference(TRUTH, targets, [0, 0], 0, eta, 50, at_zero)
    assert np.allclose(a["weights"], w, atol=1e-9) and a["bias"] == pytest.approx(b, abs=1e-9)
    assert list(a["errors"]) == errors and a["updates"] == updates == sum(errors)
    assert a["epochs"] == len(errors) and a["converged"] == 1
    assert verify_solution(sol) == []


def test_xor_does_not_converge():
    sol = solve_data({"kind": "perceptron", "inputs": TRUTH, "targets": [0, 1, 1, 0], "weights": [0, 0],
                      "learn": {"learning_rate": 1, "epochs": 8}})
    a = answers(sol)
    _, _, errors, _ = reference(TRUTH, [0, 1, 1, 0], [0, 0], 0, 1, 8)
    assert a["converged"] == 0 and a["epochs"] == 8 and list(a["errors"]) == errors and min(errors) > 0


def test_outputs_minus_one_one_use_the_same_formula():
    sol = solve_file(ROOT / "problems" / "perceptron-and-pm1.yaml")
    a = answers(sol)
    w, b, errors, updates = reference(TRUTH, [-1, -1, -1, 1], [0, 0], 0, 0.5, 20, 1, (-1, 1))
    assert np.allclose(a["weights"], w) and a["bias"] == pytest.approx(b) and list(a["errors"]) == errors
    texts = [str(getattr(blk, "text", "")) for s in sol.sections for blk in s.blocks]
    assert any("same formula" in t for t in texts)


@given(
    X=st.lists(st.lists(st.integers(-3, 3), min_size=2, max_size=2), min_size=1, max_size=6),
    data=st.data(),
)
def test_random_problems_match_the_loop(X, data):
    n = len(X)
    outputs = data.draw(st.sampled_from([(0, 1), (-1, 1)]))
    y = data.draw(st.lists(st.sampled_from(outputs), min_size=n, max_size=n))
    w = data.draw(st.lists(st.sampled_from([-1, -0.5, 0, 0.2, 1]), min_size=2, max_size=2))
    b = data.draw(st.sampled_from([-1, -0.3, 0, 0.5]))
    eta = data.draw(st.sampled_from([0.1, 0.3, 1]))
    at_zero = data.draw(st.sampled_from([0, 1]))
    sol = solve_data({"kind": "perceptron", "inputs": X, "targets": y, "weights": w, "bias": b,
                      "step_at_zero": at_zero, "outputs": list(outputs),
                      "learn": {"learning_rate": eta, "epochs": 6}})
    a = answers(sol)
    zs, ys = forward(X, w, b, at_zero, outputs)
    assert np.allclose(a["z"], zs, atol=1e-12) and list(a["outputs"]) == ys
    assert a["accuracy"] == pytest.approx(np.mean(np.array(ys) == np.array(y)))
    rw, rb, errors, updates = reference(X, y, w, b, eta, 6, at_zero, outputs)
    assert np.allclose(a["weights"], rw, atol=1e-9) and a["bias"] == pytest.approx(rb, abs=1e-9)
    assert list(a["errors"]) == errors and a["updates"] == updates
    assert a["converged"] == (1 if errors[-1] == 0 else 0)


# -- bad input -----------------------------------------------------------------------------------

BAD = {
    "learn without targets": ("kind: perceptron\ninputs: [[0, 1]]\nweights: [1, 1]\nlearn:\n  learning_rate: 0.1\n",
                              r"<stdin>:5:3: learn: learning needs targets:"),
    "target not an output": ("kind: perceptron\ninputs: [[0, 1], [1, 1]]\ntargets: [0, 2]\nweights: [1, 1]\n",
                             r"<stdin>:3:\d+: targets\[1\]: a target must be one of the outputs"),
    "minus-one target with 0/1 outputs": ("kind: perceptron\ninputs: [[0, 1]]\ntargets: [-1]\nweights: [1, 1]\n",
                                          r"<stdin>:3:\d+: targets\[0\]: a target must be one of"),
    "weights of the wrong width": ("kind: perceptron\ninputs: [[0, 1, 1]]\nweights: [1, 1]\n",
                                   r"<stdin>:3:10: weights: expected 3 weights \(one per input column\), got 2"),
    "ragged inputs": ("kind: perceptron\ninputs: [[0, 1], [1]]\nweights: [1, 1]\n",
                      r"<stdin>:2:\d+: inputs\[1\]: ragged matrix"),
    "outputs not a known pair": ("kind: perceptron\ninputs: [[0, 1]]\nweights: [1, 1]\noutputs: [0, 2]\n",
                                 r"<stdin>:4:\d+: outputs: expected \[0, 1\] or \[-1, 1\]"),
    "step_at_zero not 0 or 1": ("kind: perceptron\ninputs: [[0, 1]]\nweights: [1, 1]\nstep_at_zero: 0.5\n",
                                r"<stdin>:4:\d+: step_at_zero"),
    "targets of the wrong length": ("kind: perceptron\ninputs: [[0, 1], [1, 1]]\ntargets: [0]\nweights: [1, 1]\n",
                                    r"<stdin>:3:\d+: targets: expected 2 targets"),
    "negative learning rate": ("kind: perceptron\ninputs: [[0, 1]]\ntargets: [1]\nweights: [1, 1]\n"
                               "learn: {learning_rate: -1}\n", r"<stdin>:5:\d+: learn.learning_rate"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_a_located_error(case):
    text, pattern = BAD[case]
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2, r.output
    assert re.search(pattern, r.output), r.output
    assert "Traceback" not in r.output


def _plane_svg(html_text: str) -> str:
    m = re.search(r'<svg[^>]*aria-label="the points and the decision line".*?</svg>', html_text, re.S)
    assert m, "no picture of the points"
    return m.group(0)


@pytest.mark.parametrize("data", [
    {"kind": "perceptron", "inputs": TRUTH, "targets": [0, 1, 1, 1], "weights": [0, 0], "bias": 0,
     "learn": {"learning_rate": 0.1}},
    {"kind": "perceptron", "inputs": [[1, 2], [3, -1], [-2, 0.5], [0, -3]], "targets": [1, 0, 1, 0],
     "weights": [0.5, -0.2], "bias": 0.3, "learn": {"learning_rate": 0.5, "epochs": 50}},
])
def test_plane_picture_has_the_points_and_the_decision_line(data):
    """The HTML picture: one dot per point (filled where y is the positive output) and a line whose
    end points, mapped back from the SVG, satisfy w₁x₁ + w₂x₂ + b = 0."""
    from dlsolve.render import renderer
    from dlsolve.solution import Figure, Plane

    sol = solve_data(data)
    planes = [b.picture for s in sol.sections for b in s.blocks if isinstance(b, Figure)
              and isinstance(b.picture, Plane)]
    assert len(planes) == 1 and planes[0].points[0][:2] == tuple(float(v) for v in data["inputs"][0])
    w1, w2 = (float(v) for v in sol.answer("weights").value)
    b = planes[0].bias
    assert (w1, w2) == planes[0].weights
    svg = _plane_svg(renderer("html")(precision=4).render(sol))
    circles = [(float(x), float(y), fill) for x, y, fill in
               re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" fill="([^"]+)"', svg)]
    pts = [tuple(map(float, p)) for p in data["inputs"]]
    assert len(circles) == len(pts)
    for (_, _, fill), t in zip(circles, data["targets"]):
        assert (fill != "white") == (t == 1)
    # the SVG's mapping, x and y each affine, recovered from two points differing in that coordinate
    (i, j) = next((i, j) for i in range(len(pts)) for j in range(len(pts)) if pts[i][0] != pts[j][0])
    (k, h) = next((i, j) for i in range(len(pts)) for j in range(len(pts)) if pts[i][1] != pts[j][1])
    ax = (circles[j][0] - circles[i][0]) / (pts[j][0] - pts[i][0])
    ay = (circles[h][1] - circles[k][1]) / (pts[h][1] - pts[k][1])

    def back(sx, sy):
        return pts[i][0] + (sx - circles[i][0]) / ax, pts[k][1] + (sy - circles[k][1]) / ay

    m = re.search(r'<line class="decision" x1="([-\d.]+)" y1="([-\d.]+)" x2="([-\d.]+)" y2="([-\d.]+)"', svg)
    assert m, "no decision line"
    x1, y1, x2, y2 = map(float, m.groups())
    assert (x1, y1) != (x2, y2)
    scale = abs(w1) + abs(w2)
    for sx, sy in ((x1, y1), (x2, y2)):
        u, v = back(sx, sy)
        assert abs(w1 * u + w2 * v + b) <= 0.02 * scale * max(1.0, abs(u), abs(v))


def test_plane_without_weights_draws_no_line():
    from dlsolve.render import renderer
    from dlsolve.render.layout import plane_text
    from dlsolve.render.layout import clip_line
    from dlsolve.solution import Plane

    pl = Plane(((0.0, 0.0, 1.0), (1.0, 1.0, 0.0)), (0.0, 0.0), 2.0)
    assert clip_line(0.0, 0.0, 2.0, (-1, 1, -1, 1)) is None
    assert "no line" in plane_text(pl, str)
    html = renderer("html")(precision=4)
    html._figures = 0
    svg = html.render_Plane(pl)
    assert svg.count("<circle") == 2 and 'class="decision"' not in svg
