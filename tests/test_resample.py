"""convolve's decoder operations against loops written here: the transposed convolution as an
explicit scatter (and as the adjoint of the strided convolution), nearest-neighbour upsampling,
pooling without a kernel and max-unpooling; their bad input through the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


def scatter(x: np.ndarray, k: np.ndarray, s: int, p: int, op: int) -> np.ndarray:
    """x (C, H, W), k (C, kh, kw): every input entry adds x·k with its corner at (a·s, b·s); then the
    output keeps rows and columns p … p + n − 1 of that sum, n = (H − 1)·s − 2p + k + op."""
    C, H, W = x.shape
    _, kh, kw = k.shape
    rows, cols = (H - 1) * s - 2 * p + kh + op, (W - 1) * s - 2 * p + kw + op
    full = np.zeros((max((H - 1) * s + kh, p + rows), max((W - 1) * s + kw, p + cols)))
    for c in range(C):
        for a in range(H):
            for b in range(W):
                full[a * s:a * s + kh, b * s:b * s + kw] += x[c, a, b] * k[c]
    return full[p:p + rows, p:p + cols]


def correlate(z: np.ndarray, k: np.ndarray, s: int, p: int) -> np.ndarray:
    """The ordinary strided cross-correlation of one channel (for the adjoint identity)."""
    zp = np.pad(z, p)
    kh, kw = k.shape
    rows, cols = (zp.shape[0] - kh) // s + 1, (zp.shape[1] - kw) // s + 1
    return np.array([[np.sum(zp[i * s:i * s + kh, j * s:j * s + kw] * k) for j in range(cols)] for i in range(rows)])


def test_a_hand_example():
    # 2×2 input, 2×2 kernel of ones, stride 1: the overlaps add up in the middle
    sol = solve_data({"kind": "convolve", "input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]], "transpose": True})
    assert sol.answer("output").value == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    sol = solve_data({"kind": "convolve", "input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]], "transpose": True,
                      "stride": 2})
    assert sol.answer("output").value == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]


@given(C=st.integers(1, 2), H=st.integers(1, 3), W=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3),
       s=st.integers(1, 3), p=st.integers(0, 2), op=st.integers(0, 2), bias=st.sampled_from([0, 0.5]),
       seed=st.integers(0, 10**6))
def test_transposed_convolution_against_the_scatter_loop(C, H, W, kh, kw, s, p, op, bias, seed):
    op = min(op, s - 1)
    rows, cols = (H - 1) * s - 2 * p + kh + op, (W - 1) * s - 2 * p + kw + op
    if rows < 1 or cols < 1:
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, size=(C, H, W)).astype(float)
    k = rng.integers(-2, 3, size=(C, kh, kw)).astype(float)
    data = {"kind": "convolve", "input": (x[0] if C == 1 else x).tolist(), "kernel": (k[0] if C == 1 else k).tolist(),
            "transpose": True, "stride": s, "padding": p, "output_padding": op, "bias": bias}
    sol = solve_data(data)
    np.testing.assert_allclose(sol.answer("output").value, scatter(x, k, s, p, op) + bias)
    assert verify_solution(sol) == []
    keys = {st.quantity.key for st in sol.steps()}
    assert set(sol.answer("output").keys) <= keys


@given(H=st.integers(1, 3), W=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 1), seed=st.integers(0, 10**6))
def test_transposed_is_the_adjoint_of_the_strided_correlation(H, W, kh, kw, s, p, seed):
    """⟨correlate(z, k), x⟩ = ⟨z, transposed(x, k)⟩ — the reason it is called the transpose."""
    rows, cols = (H - 1) * s - 2 * p + kh, (W - 1) * s - 2 * p + kw
    if rows < 1 or cols < 1 or rows + 2 * p < kh or cols + 2 * p < kw:
        return
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(H, W)).round(2)
    k = rng.normal(size=(kh, kw)).round(2)
    z = rng.normal(size=(rows, cols)).round(2)
    y = np.array(solve_data({"kind": "convolve", "input": x.tolist(), "kernel": k.tolist(), "transpose": True,
                             "stride": s, "padding": p}).answer("output").value).reshape(rows, cols)
    fwd = correlate(z, k, s, p)
    if fwd.shape != x.shape:   # the strided correlation drops a remainder: only equal shapes pair up
        return
    assert np.isclose(np.sum(fwd * x), np.sum(z * y))


def test_one_d_transposed():
    sol = solve_data({"kind": "convolve", "input": [1, 2, 3], "kernel": [1, -1], "transpose": True, "stride": 2})
    assert sol.answer("output").value == [1, -1, 2, -2, 3, -3]
    assert verify_solution(sol) == []


def test_the_notes_upsampling():
    sol = solve_file(P / "conv-upsample-nearest.yaml")
    assert sol.answer("upsampled").value == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]


@given(H=st.integers(1, 4), W=st.integers(1, 4), n=st.integers(1, 3), seed=st.integers(0, 10**6))
def test_upsampling_repeats_each_entry(H, W, n, seed):
    x = np.random.default_rng(seed).integers(-5, 5, size=(H, W)).astype(float)
    want = np.zeros((H * n, W * n))
    for i in range(H * n):
        for j in range(W * n):
            want[i, j] = x[i // n, j // n]
    sol = solve_data({"kind": "convolve", "input": x.tolist(), "upsample": {"size": n}})
    np.testing.assert_array_equal(sol.answer("upsampled").value, want)


def test_upsample_then_a_kernel_convolves_the_upsampled_input():
    sol = solve_data({"kind": "convolve", "input": [[1, 2], [3, 4]], "upsample": {"size": 2},
                      "kernel": [[1, 0], [0, -1]], "stride": 1})
    u = np.kron(np.array([[1, 2], [3, 4]]), np.ones((2, 2)))
    np.testing.assert_array_equal(sol.answer("output").value, correlate(u, np.array([[1, 0], [0, -1]]), 1, 0))
    assert verify_solution(sol) == []


@given(H=st.integers(2, 6), W=st.integers(2, 6), size=st.integers(1, 3), extra=st.integers(0, 1),
       kind=st.sampled_from(["max", "avg"]), seed=st.integers(0, 10**6))
def test_pooling_without_a_kernel_and_max_unpooling(H, W, size, extra, kind, seed):
    size = min(size, H, W)
    stride = size + extra
    x = np.random.default_rng(seed).integers(0, 4, size=(H, W)).astype(float)   # small range: ties happen
    data = {"kind": "convolve", "input": x.tolist(), "pool": {"type": kind, "size": size, "stride": stride}}
    if kind == "max":
        data["unpool"] = {"indices_from": "max"}
    sol = solve_data(data)
    pr, pc = (H - size) // stride + 1, (W - size) // stride + 1
    pooled = np.zeros((pr, pc))
    unpooled = np.zeros((H, W))
    for a in range(pr):
        for b in range(pc):
            win = x[a * stride:a * stride + size, b * stride:b * stride + size]
            pooled[a, b] = win.max() if kind == "max" else win.mean()
            best = None
            for r in range(size):            # the first maximum in reading order
                for c in range(size):
                    if best is None or win[r, c] > win[best]:
                        best = (r, c)
            unpooled[a * stride + best[0], b * stride + best[1]] = win[best]
    np.testing.assert_allclose(sol.answer("pooled").value, pooled)
    if kind == "max":
        np.testing.assert_array_equal(sol.answer("unpooled").value, unpooled)
    assert verify_solution(sol) == []


def test_unpooling_other_values():
    sol = solve_data({"kind": "convolve", "input": [[1, 5], [3, 4]], "pool": {"size": 2},
                      "unpool": {"indices_from": "max", "values": [[9]]}})
    assert sol.answer("unpooled").value == [[0, 9], [0, 0]]


def test_problems_solve_and_verify():
    for name in ("conv-transpose.yaml", "conv-unpool.yaml"):
        assert verify_solution(solve_file(P / name)) == []


BAD = [
    ("input: [[1, 2], [3, 4]]\nkernel: [[1]]\ntranspose: true\nstride: 2\noutput_padding: 2\n", "output_padding",
     "smaller than the stride"),
    ("input: [[1, 2], [3, 4]]\nkernel: [[1]]\noutput_padding: 1\n", "output_padding", "transpose: true"),
    ("input: [[1, 2], [3, 4]]\nkernel: [[1]]\ntranspose: true\noperation: convolution\n", "operation", "as given"),
    ("input: [[1, 2], [3, 4]]\nkernel: [[1]]\ntranspose: true\npadding: 1\n", "padding", "crops away"),
    ("input: [[1, 2], [3, 4]]\nunpool: {indices_from: max}\n", "unpool", "max pooling"),
    ("input: [[1, 2], [3, 4]]\npool: {type: avg, size: 2}\nunpool: {indices_from: max}\n", "unpool", "max pooling"),
    ("input: [[1, 2, 3], [3, 4, 5]]\npool: {size: 2, stride: 1}\nunpool: {indices_from: max}\n", "unpool",
     "do not overlap"),
    ("input: [[1, 2], [3, 4]]\npool: {size: 2}\nunpool: {indices_from: max, values: [[1, 2]]}\n", "unpool.values",
     "pooled output's shape"),
    ("input: [[1, 2], [3, 4]]\npool: {size: 2}\nunpool: {indices_from: avg}\n", "unpool.indices_from", "max"),
    ("input: [[1, 2], [3, 4]]\npool: {size: 2}\nstride: 2\n", "stride", "give a kernel"),
    ("input: [[1, 2], [3, 4]]\npool: {size: 2}\nactivation: relu\n", "activation", "give a kernel"),
    ("input: [[1, 2], [3, 4]]\n", "kernel", "nothing to compute"),
    ("input: [[[1, 2]], [[3, 4]]]\nupsample: {size: 2}\n", "upsample", "one channel"),
    ("input: [[[1, 2]], [[3, 4]]]\npool: {size: 1}\n", "input", "one channel"),
    ("input: [[1, 2], [3, 4]]\nupsample: {size: 0}\n", "upsample.size", "greater than or equal"),
    ("input: [[1, 2], [3, 4]]\nupsample: {size: 2, mode: bilinear}\n", "upsample.mode", "nearest"),
    ("input: [[1, 2], [3, 4]]\nupsample: {size: 2}\npool: {size: 5}\n", "pool.size", "larger than the output"),
]


@pytest.mark.parametrize("body,path,words", BAD)
def test_bad_input_is_located(body, path, words):
    r = CliRunner().invoke(main, ["solve", "-"], input="kind: convolve\n" + body)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: " + re.escape(path) + ": ", r.output), r.output
    assert words in r.output, r.output
    assert "Traceback" not in r.output
