"""kinds conv/params and convolve: catalogue P14/P15, published totals, shapes against a
brute-force sliding window, counts against actually built weight arrays, convolution against
explicit loops, and the bad-input messages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


def shapes(s):
    """The per-layer shape answers (shape1, shape2, …) as one list."""
    return [s.answer(f"shape{l}").value for l in range(1, len(s.answer("params").value) + 1)]


@pytest.mark.parametrize("name,total,want", [
    ("p14-cnn-valid.yaml", 2002698, [[26, 26, 32], [24, 24, 32], [22, 22, 32], [15488], [128], [10]]),
    ("p14-cnn-same-stride2.yaml", 85770, [[14, 14, 32], [7, 7, 32], [4, 4, 32], [512], [128], [10]]),
    ("p15-image-to-image-dense.yaml", 361200, [[300], [1200]]),
    ("arch-lenet5.yaml", 61706, None),
    ("arch-vgg16.yaml", 138357544, None),
])
def test_catalogue_and_published_totals(name, total, want):
    s = solve_file(P / name)
    assert s.answer("total_params").value == total
    if want:
        assert shapes(s) == want


def test_p14_layer_counts():
    assert solve_file(P / "p14-cnn-valid.yaml").answer("params").value == [320, 9248, 9248, 0, 1982592, 1290]
    assert solve_file(P / "p14-cnn-same-stride2.yaml").answer("params").value == [320, 9248, 9248, 0, 65664, 1290]


def test_keras_and_pytorch_recurrent_biases_differ():
    keras = solve_file(P / "arch-lstm-gru-keras.yaml").answer("params").value
    torch = solve_file(P / "arch-lstm-gru-pytorch.yaml").answer("params").value
    h, x = 16, 8
    assert keras[0] == 4 * (h * (h + x) + h) and torch[0] == 4 * (h * (h + x) + 2 * h)
    g, x2 = 12, 16
    assert keras[1] == 3 * (g * (g + x2) + g) and torch[1] == 3 * (g * (g + x2) + 2 * g)


def test_batchnorm_trainable_and_not():
    s = solve_data({"kind": "params", "input": [8, 8, 3], "layers": [{"conv2d": {"filters": 4, "kernel": 3}}, "batchnorm"]})
    assert s.answer("params").value == [112, 16]
    assert s.answer("trainable_params").value == 112 + 8 and s.answer("non_trainable_params").value == 8


# -- brute force ----------------------------------------------------------------------------
def windows(n, k, s, d, pad_before, pad_after):
    """Count window positions by sliding: start at −pad_before, step s, the window's last tap
    must stay inside the padded input."""
    count, start = 0, -pad_before
    while start + d * (k - 1) <= n - 1 + pad_after:
        count += 1
        start += s
    return count


def same_tf(n, k, s, d):
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def weight_entries(kind, c_in, p):
    """Build the arrays a framework allocates and count their entries."""
    if kind in ("conv2d", "conv1d"):
        k = p["kernel"] if isinstance(p["kernel"], list) else [p["kernel"]] * (2 if kind == "conv2d" else 1)
        w = np.zeros((p["filters"], c_in // p.get("groups", 1), *k))
        return w.size + (p["filters"] if p.get("bias", True) else 0)
    if kind == "dense":
        return np.zeros((c_in, p["units"])).size + p["units"]
    return 0


@st.composite
def conv_stacks(draw):
    n = draw(st.integers(5, 40))
    c = draw(st.integers(1, 4))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv2d", "maxpool2d"]))
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        pad = draw(st.sampled_from(["valid", "same", 0, 1, 2]))
        if kind == "conv2d":
            layers.append({"conv2d": {"filters": draw(st.integers(1, 8)), "kernel": k, "stride": s, "padding": pad,
                                      "dilation": draw(st.sampled_from([1, 1, 2]))}})
        else:
            layers.append({"maxpool2d": {"size": k, "stride": s, "padding": pad if pad != "same" else "valid"}})
    return n, c, layers


@given(conv_stacks(), st.sampled_from(["tensorflow", "symmetric"]))
def test_shapes_and_counts_against_brute_force(stack, convention):
    n, c, layers = stack
    h, ch, want, counts = n, c, [], []
    for layer in layers:
        (kind, p), = layer.items()
        k = p.get("kernel", p.get("size"))
        s = p.get("stride", k)
        d = p.get("dilation", 1)
        pad = p.get("padding", "valid")
        if pad == "same" and convention == "tensorflow":
            before, after = same_tf(h, k, s, d)
        elif pad == "same":
            before = after = (d * (k - 1)) // 2   # whole padding on each side, ⌊d(k − 1)/2⌋
        else:
            before = after = 0 if pad == "valid" else pad
        out = windows(h, k, s, d, before, after)
        assume(out >= 1)
        counts.append(weight_entries(kind, ch, p))
        ch = p["filters"] if kind == "conv2d" else ch
        h = out
        want.append([h, h, ch])
    s = solve_data({"kind": "conv", "input": [n, n, c], "same_padding": convention, "layers": layers})
    assert shapes(s) == want
    assert s.answer("params").value == counts
    assert verify_solution(s) == []


# -- convolve ---------------------------------------------------------------------------------
@given(st.integers(1, 3), st.integers(3, 7), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.sampled_from(["cross_correlation", "convolution"]), st.data())
def test_convolve_against_explicit_loops(C, n, k, s, p, op, data):
    x = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=C * n * n, max_size=C * n * n))).reshape(C, n, n)
    w = np.array(data.draw(st.lists(st.integers(-3, 3), min_size=C * k * k, max_size=C * k * k))).reshape(C, k, k)
    spec = {"kind": "convolve", "input": (x[0] if C == 1 else x).tolist(), "kernel": (w[0] if C == 1 else w).tolist(),
            "stride": s, "padding": p, "operation": op, "activation": "relu", "pool": {"type": "avg", "size": 1}}
    sol = solve_data(spec)
    ww = w[:, ::-1, ::-1] if op == "convolution" else w
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    m = (n + 2 * p - k) // s + 1
    want = np.array([[np.sum(xp[:, i * s:i * s + k, j * s:j * s + k] * ww) for j in range(m)] for i in range(m)])
    np.testing.assert_array_equal(sol.answer("output").value, want)
    np.testing.assert_array_equal(sol.answer("activated").value, np.maximum(want, 0))
    assert verify_solution(sol) == []


def test_1d_difference_filter_and_toeplitz():
    s = solve_file(P / "conv-1d-difference.yaml")
    assert s.answer("output").value == list(np.diff([1, 3, 6, 10, 15, 21]).astype(float))
    step = [st for st in s.steps() if st.quantity.key == "yT"][0]
    np.testing.assert_array_equal(step.value, s.answer("output").value)


def test_conv_by_hand_problem():
    s = solve_file(P / "conv-by-hand.yaml")
    assert s.answer("output").value == [[5, 7, 1], [-1, 5, 7], [1, -1, 5]]
    assert s.answer("pooled").value == [[7, 7], [5, 7]]


# -- errors -----------------------------------------------------------------------------------
def err(text: str) -> str:
    """The one-line message of `dlsolve solve` on a bad problem (exit 2, never a traceback)."""
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    return r.output.strip().replace("<stdin>", "p.yaml")


def test_bad_layer_stacks_name_the_layer():
    base = "kind: conv\ninput: [8, 8, 1]\nlayers:\n"
    assert err(base + "  - conv2d: {filters: 2, kernel: 11}\n").startswith(
        "p.yaml:4:13: layers[0].conv2d: the output height would be -2: the kernel (or window) is larger")
    assert err(base + "  - conv2d: {filters: 2, kernel: 3, stride: 0}\n") == \
        "p.yaml:4:45: layers[0].conv2d.stride: stride must be at least 1, got 0"
    assert err(base + "  - conv2d: {filters: 2, kernel: 3}\n  - dense: {units: 4}\n") == \
        ("p.yaml:5:12: layers[1].dense: dense after a 3-D output [6, 6, 2]: add a flatten layer first "
         "(or global_avg_pool)")
    assert err(base + "  - conv2D: {filters: 2, kernel: 3}\n").endswith("did you mean 'conv2d'?")
    assert err(base + "  - dense: {unit: 4}\n").startswith("p.yaml:4:13: layers[0].dense.unit: dense has no option 'unit'")


def test_convolve_kernel_channels_must_match():
    assert err("kind: convolve\ninput: [[[1, 2], [3, 4]], [[1, 2], [3, 4]]]\nkernel: [[1]]\n") == \
        "p.yaml:3:9: kernel: the input has 2 channels: give one kernel per channel"
    assert err("kind: convolve\ninput: [[1, 2], [3, 4]]\nkernel: [[1, 2, 3], [1, 2, 3], [1, 2, 3]]\n") == \
        "p.yaml:3:9: kernel: the kernel's height 3 is larger than the padded input's 2"


@pytest.mark.parametrize("convention,mine,other", [("tensorflow", 4, 3), ("symmetric", 3, 4)])
def test_same_padding_conventions_differ_for_even_kernels(convention, mine, other):
    s = solve_data({"kind": "conv", "input": [4, 4, 1], "same_padding": convention,
                    "layers": [{"conv2d": {"filters": 1, "kernel": 2, "padding": "same"}}]})
    assert shapes(s) == [[mine, mine, 1]]
    # brute force: TensorFlow pads 0 before and 1 after; symmetric pads ⌊1/2⌋ = 0 on each side
    pads = (0, 1) if convention == "tensorflow" else (0, 0)
    assert windows(4, 2, 1, 1, *pads) == mine
    notes = [st.note for st in s.steps() if st.note]
    assert any(f"would give {other}" in n for n in notes)
    if convention == "tensorflow":   # (out − 1)·s + k − n = 3 + 2 − 4 = 1: none before, one after
        assert any("total padding 1 (0 before, 1 after)" in n for n in notes)


def test_more_layer_types_against_built_arrays():
    s = solve_data({"kind": "params", "input": [20], "layers": [
        {"embedding": {"vocab": 1000, "dim": 64}},
        {"simple_rnn": {"units": 32, "return_sequences": True}},
        "layernorm",
        {"dropout": {"rate": 0.2}},
        {"gru": {"units": 8}},
        {"dense": {"units": 1}},
        {"activation": {"name": "sigmoid"}}]})
    emb = np.zeros((1000, 64)).size
    rnn = np.zeros((64, 32)).size + np.zeros((32, 32)).size + 32          # Keras: kernel, recurrent, bias
    ln = 2 * 32
    gru = 3 * (8 * 32 + 8 * 8) + 2 * 3 * 8                                 # reset_after: two biases
    assert s.answer("params").value == [emb, rnn, ln, 0, gru, 9, 0]
    assert shapes(s) == [[20, 64], [20, 32], [20, 32], [20, 32], [8], [1], [1]]


def test_transposed_conv_global_pool_and_channels_first():
    s = solve_data({"kind": "conv", "input": [16, 7, 7], "layout": "channels_first", "layers": [
        {"conv2d_transpose": {"filters": 8, "kernel": 3, "stride": 2, "padding": "same"}},
        {"conv2d_transpose": {"filters": 4, "kernel": 3, "stride": 2}},
        "global_avg_pool"]})
    # PyTorch ConvTranspose2d weight: (C_in, C_out, kh, kw) + bias
    assert s.answer("params").value == [np.zeros((16, 8, 3, 3)).size + 8, np.zeros((8, 4, 3, 3)).size + 4, 0]
    # same: n·s = 14; valid: (n − 1)·s + k = 29; shapes shown channels first
    assert shapes(s) == [[8, 14, 14], [4, 29, 29], [4]]
