"""kind convolve's pooling against an explicit loop implementation of PyTorch's documented
MaxPool2d/AvgPool2d semantics: padding (−∞ for max, zeros for average), rectangular windows
and strides, dilation, ceil_mode (the last window must start inside the input or the left
padding), count_include_pad and divisor_override; and their refusals, located."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner
from hypothesis import assume, given, settings, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's docs: ⌊(n + 2p − d(k − 1) − 1)/s + 1⌋, ⌈·⌉ with ceil_mode; a window that would
    start in the right padding is dropped."""
    span = (n + 2 * p - d * (k - 1) - 1) / s
    o = int(np.ceil(span) if ceil_mode else np.floor(span)) + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


def torch_pool(x, kind, k, s, p, d, ceil_mode, include_pad=True, divisor=None):
    """Loops over a padded copy of x: −∞ (max) or 0 (average) around it; a window's taps past the
    padded array's end (ceil_mode) are left out; the average divides by the taps on the padded
    array (count_include_pad) or by those on the input, or by divisor_override."""
    H, W = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.full((H + 2 * p[0], W + 2 * p[1]), fill)
    real = np.zeros_like(xp, dtype=bool)
    xp[p[0]:p[0] + H, p[1]:p[1] + W] = x
    real[p[0]:p[0] + H, p[1]:p[1] + W] = True
    Ho, Wo = (out_size(n, k[a], s[a], p[a], d[a], ceil_mode) for a, n in enumerate((H, W)))
    out = np.zeros((Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            taps = [(i * s[0] + a * d[0], j * s[1] + b * d[1]) for a in range(k[0]) for b in range(k[1])]
            taps = [(r, c) for r, c in taps if r < xp.shape[0] and c < xp.shape[1]]
            vals = [xp[r, c] for r, c in taps]
            if kind == "max":
                out[i, j] = max(vals)
            else:
                n = divisor or (len(taps) if include_pad else sum(real[r, c] for r, c in taps))
                out[i, j] = sum(vals) / n
    return out


@st.composite
def configs(draw):
    kind = draw(st.sampled_from(["max", "avg"]))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if kind == "max" else (1, 1)
    limit = [((dd * (kk - 1) + 1) // 2 if kind == "max" else kk // 2) for kk, dd in zip(k, d)]
    p = (draw(st.integers(0, limit[0])), draw(st.integers(0, limit[1])))
    H, W = draw(st.integers(3, 6)), draw(st.integers(3, 6))
    x = np.array(draw(st.lists(st.integers(-9, 9), min_size=H * W, max_size=H * W)), dtype=float).reshape(H, W)
    extra = {}
    if kind == "avg":
        extra["count_include_pad"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            extra["divisor_override"] = draw(st.integers(1, 5))
    return kind, x, k, s, p, d, draw(st.booleans()), extra


@settings(max_examples=150, deadline=None)
@given(configs())
def test_pooling_against_pytorch_semantics(cfg):
    kind, x, k, s, p, d, ceil_mode, extra = cfg
    H, W = x.shape
    assume(all(n + 2 * pp >= dd * (kk - 1) + 1 for n, kk, pp, dd in zip((H, W), k, p, d)))
    want = torch_pool(x, kind, k, s, p, d, ceil_mode, extra.get("count_include_pad", True),
                      extra.get("divisor_override"))
    assume(np.isfinite(want).all())     # a window of padding only (dilated taps that miss the input) is refused
    pool = {"type": kind, "size": list(k), "stride": list(s), "padding": list(p), "ceil_mode": ceil_mode, **extra}
    if kind == "max":
        pool["dilation"] = list(d)
    sol = solve_data({"kind": "convolve", "input": x.tolist(), "pool": pool})
    np.testing.assert_allclose(np.array(sol.answer("pooled").value, dtype=float).reshape(want.shape), want,
                               rtol=1e-12)
    assert verify_solution(sol) == []


def test_documented_examples_by_hand():
    # 1×5 row, window 2, stride 2, ceil_mode: windows start at 0, 2, 4 — the last runs off the input
    sol = solve_data({"kind": "convolve", "input": [1, 5, 2, 8, 3], "pool": {"size": 2, "ceil_mode": True}})
    assert sol.answer("pooled").value == [5, 8, 3]
    # average with padding 1: the corner window holds one 4 and three zeros → 1 (include) or 4 (exclude)
    x = [[4, 0], [0, 0]]
    inc = solve_data({"kind": "convolve", "input": x, "pool": {"type": "avg", "size": 2, "padding": 1}})
    exc = solve_data({"kind": "convolve", "input": x, "pool": {"type": "avg", "size": 2, "padding": 1,
                                                                "count_include_pad": False}})
    assert inc.answer("pooled").value[0][0] == 1 and exc.answer("pooled").value[0][0] == 4
    # max pads with −∞: a negative input's corner window is its own entry, not 0
    neg = solve_data({"kind": "convolve", "input": [[-3, -1], [-2, -5]], "pool": {"size": 2, "padding": 1}})
    assert neg.answer("pooled").value == [[-3, -1], [-2, -5]]


def run(tmp_path, pool):
    f = tmp_path / "p.yaml"
    f.write_text(json.dumps({"kind": "convolve", "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "pool": pool}))
    return CliRunner().invoke(main, ["solve", str(f)])


def test_refusals_are_located(tmp_path):
    cases = [({"size": 2, "padding": 2}, "pool.padding", "half the window"),
             ({"type": "avg", "size": 3, "dilation": 2}, "pool.dilation", "no dilation"),
             ({"type": "max", "size": 2, "count_include_pad": False}, "pool.count_include_pad", "average"),
             ({"size": [2, 3, 1]}, "pool.size", "[rows, columns]"),
             ({"size": 4}, "pool.size", "larger than the output (3)"),
             ({"size": 3, "padding": 2, "type": "avg"}, "pool.padding", "half the window"),
             ({"size": [2, 7], "padding": [0, 1]}, "pool.size", "larger than the padded output (5)")]
    for pool, where, words in cases:
        r = run(tmp_path, pool)
        assert r.exit_code == 2 and where in r.output and words in r.output, (pool, r.output)
        assert "Traceback" not in r.output
