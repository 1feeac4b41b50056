"""kinds conv/params' figures against independent computations: activations by running an
explicit NumPy loop stack and counting its outputs, memory = count × bytes, FLOPs by counting
the multiply-adds (and comparisons, adds) an explicit loop implementation does, receptive fields
by back-propagating a one-hot gradient through an explicit stack, and the published figures of
LeNet-5, AlexNet, VGG-16 and a two-block ResNet."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file
from tests.test_convolve_pooling import out_size

P = ROOT / "problems"
BYTES = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2, "int8": 1}


def tf_same(n, k, s, d):
    """TensorFlow's 'same': out = ⌈n/s⌉, the total padding split with the odd pixel after."""
    total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
    return total // 2, total - total // 2


def pads(pad, n, k, s, d):
    if pad == "same":
        return tf_same(n, k, s, d)
    p = 0 if pad == "valid" else pad
    return p, p


# -- an explicit loop implementation that counts what it does ----------------------------------
class Counter:
    def __init__(self):
        self.macs = self.ops = self.bias = 0


def conv2d_loop(x, F, k, s, d, pad, counter, bias=True, groups=1):
    """A 2-D convolution by loops over output positions, filters, taps and channels."""
    H, W, C = x.shape
    (pt, pb), (pl, pr) = pads(pad, H, k[0], s[0], d[0]), pads(pad, W, k[1], s[1], d[1])
    xp = np.pad(x, ((pt, pb), (pl, pr), (0, 0)))
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 1.5, (F, C // groups, *k))
    Ho = (xp.shape[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    Wo = (xp.shape[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((Ho, Wo, F))
    cg, fg = C // groups, F // groups
    for i in range(Ho):
        for j in range(Wo):
            for f in range(F):
                g = f // fg
                acc = 0.0
                for a in range(k[0]):
                    for b in range(k[1]):
                        for c in range(cg):
                            acc += w[f, c, a, b] * xp[i * s[0] + a * d[0], j * s[1] + b * d[1], g * cg + c]
                            counter.macs += 1
                if bias:
                    acc += 1.0
                    counter.bias += 1
                out[i, j, f] = acc
    return out


def pool2d_loop(x, k, s, average, counter):
    H, W, C = x.shape
    Ho, Wo = (H - k) // s + 1, (W - k) // s + 1
    out = np.zeros((Ho, Wo, C))
    for i in range(Ho):
        for j in range(Wo):
            for c in range(C):
                window = [x[i * s + a, j * s + b, c] for a in range(k) for b in range(k)]
                best = window[0]
                for v in window[1:]:
                    best = best + v if average else max(best, v)
                    counter.ops += 1
                if average:
                    best /= len(window)
                    counter.ops += 1
                out[i, j, c] = best
    return out


def dense_loop(x, units, counter, bias=True):
    out = np.zeros(units)
    for u in range(units):
        for v in x:
            out[u] += v
            counter.macs += 1
        if bias:
            counter.bias += 1
    return out


@st.composite
def small_cnns(draw):
    n = draw(st.integers(5, 9))
    layers = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "maxpool2d", "avgpool2d"]))
        if kind == "conv2d":
            g = draw(st.sampled_from([1, 1, 2]))
            layers.append({"conv2d": {"filters": 2 * draw(st.integers(1, 2)), "kernel": [draw(st.integers(1, 3)), draw(st.integers(1, 3))],
                                      "stride": draw(st.integers(1, 2)), "padding": draw(st.sampled_from(["valid", "same", 1])),
                                      "dilation": draw(st.sampled_from([1, 2])), "groups": g,
                                      "bias": draw(st.booleans())}})
        else:
            layers.append({kind: {"size": 2}})
    layers += ["flatten", {"dense": {"units": draw(st.integers(1, 3))}}]
    return n, 2, layers


def run_loops(n, c, layers):
    """The explicit stack: each layer's output array and its counter."""
    x = np.ones((n, n, c))
    results = []
    for layer in layers:
        counter = Counter()
        if layer == "flatten":
            x = x.reshape(-1)
        else:
            (kind, o), = layer.items()
            if kind == "conv2d":
                x = conv2d_loop(x, o["filters"], o["kernel"], (o["stride"],) * 2, (o["dilation"],) * 2, o["padding"],
                                counter, o["bias"], o["groups"])
            elif kind == "dense":
                x = dense_loop(x, o["units"], counter)
            else:
                x = pool2d_loop(x, 2, 2, kind == "avgpool2d", counter)
        results.append((x, counter))
    return results


@settings(max_examples=25, deadline=None)
@given(small_cnns(), st.sampled_from(["flops", "macs"]), st.booleans(), st.sampled_from(sorted(BYTES)),
       st.integers(1, 4))
def test_counts_memory_and_flops_against_explicit_loops(cnn, unit, bias_adds, dtype, batch):
    n, c, layers = cnn
    try:
        results = run_loops(n, c, layers)
    except ValueError:   # a window larger than its input: the stack is refused (tested elsewhere)
        return
    if any(r[0].size == 0 for r in results):
        return
    s = solve_data({"kind": "conv", "input": [n, n, c], "layers": layers, "flop_unit": unit,
                    "bias_adds": bias_adds, "dtype": dtype, "batch": batch})
    for l, (out, counter) in enumerate(results, 1):
        assert s.answer(f"activations{l}").value == out.size
        assert s.answer(f"memory{l}").value == out.size * batch * BYTES[dtype]
        want = (2 if unit == "flops" else 1) * counter.macs + counter.ops + (counter.bias if bias_adds else 0)
        assert s.answer(f"flops{l}").value == want
    total = n * n * c + sum(r[0].size for r in results)
    assert s.answer("activations_total").value == total
    assert s.answer("memory_total").value == total * batch * BYTES[dtype]
    assert s.answer("param_memory").value == s.answer("total_params").value * BYTES[dtype]
    assert verify_solution(s) == []


def test_recurrent_and_global_pool_flops_against_loops():
    # an LSTM over T steps: at each step, 4 gates each W (h×x) x_t and U (h×h) h_(t−1), one bias add per unit
    T, x, h = 5, 3, 4
    macs = sum(1 for _ in range(T) for _ in range(4) for _ in range(h) for _ in range(x + h))
    s = solve_data({"kind": "params", "input": [T, x], "layers": [{"lstm": {"units": h}}], "flop_unit": "macs"})
    assert s.answer("flops1").value == macs + T * 4 * h
    s = solve_data({"kind": "params", "input": [T, x], "layers": [{"gru": {"units": h, "bias_convention": "pytorch"}}]})
    assert s.answer("flops1").value == 2 * T * 3 * h * (x + h) + T * 3 * 2 * h     # b_ih and b_hh
    counter = Counter()
    grid = np.ones((4, 3, 2))
    for ch in range(2):   # the mean of each channel: H·W − 1 adds and a divide
        values = list(grid[:, :, ch].reshape(-1))
        acc = values[0]
        for v in values[1:]:
            acc += v
            counter.ops += 1
        counter.ops += 1
    s = solve_data({"kind": "params", "input": [4, 3, 2], "layers": ["global_avg_pool"]})
    assert s.answer("flops1").value == counter.ops


def test_training_memory_doubles_the_forward():
    s = solve_data({"kind": "params", "input": [6, 6, 1], "layers": [{"conv2d": {"filters": 2, "kernel": 3}}],
                    "training": True, "batch": 3, "dtype": "float16"})
    forward = (36 + 16 * 2) * 3 * 2
    assert s.answer("memory_total").value == forward
    assert s.answer("memory_training").value == 2 * forward


# -- receptive fields by back-propagating a one-hot gradient -------------------------------------
def backprop_one_hot(n, layers, unit):
    """Which input positions of a 1-D stack of length n the output unit depends on: a one-hot
    gradient sent back through each window (max pooling counted over its whole window)."""
    sizes, geo = [n], []
    for kind, k, s, d, pad in layers:
        before, after = pads(pad, sizes[-1], k, s, d)
        out = (sizes[-1] + before + after - d * (k - 1) - 1) // s + 1
        geo.append((k, s, d, before))
        sizes.append(out)
    grad = np.zeros(sizes[-1])
    grad[unit] = 1.0
    for (k, s, d, before), n_in in zip(reversed(geo), reversed(sizes[:-1])):
        g_in = np.zeros(n_in)
        for o in np.nonzero(grad)[0]:
            for t in range(k):
                i = o * s + t * d - before
                if 0 <= i < n_in:
                    g_in[i] += grad[o] * (1.0 + t)      # any positive weight
        grad = g_in
    hit = np.nonzero(grad)[0]
    return (hit.min(), hit.max(), sizes[-1]) if hit.size else (-1, n, sizes[-1])


@st.composite
def stacks_1d(draw):
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv1d", "conv1d", "maxpool1d", "avgpool1d"]))
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 2))
        d = draw(st.sampled_from([1, 2])) if kind == "conv1d" else 1
        pad = draw(st.sampled_from(["valid", "same", 1, 2])) if kind == "conv1d" else draw(st.sampled_from(["valid", 1]))
        if kind != "conv1d" and pad == 1 and k < 2:
            pad = "valid"
        layers.append((kind, k, s, d, pad))
    return layers


@settings(max_examples=40, deadline=None)
@given(stacks_1d())
def test_receptive_field_against_one_hot_backprop(stack):
    n = 400
    entries = []
    for kind, k, s, d, pad in stack:
        if kind == "conv1d":
            entries.append({"conv1d": {"filters": 1, "kernel": k, "stride": s, "dilation": d, "padding": pad}})
        else:
            entries.append({kind: {"size": k, "stride": s, "padding": pad}})
    sol = solve_data({"kind": "conv", "input": [n, 1], "layers": entries})
    L = len(stack)
    r = sol.answer(f"rf{L}").value
    steps = {st_.quantity.key: st_.value for st_ in sol.steps}
    j, start = steps[f"j{L}"], steps[f"start{L}"]
    out = backprop_one_hot(n, stack, 0)[2]
    mid = out // 2
    lo, hi, _ = backprop_one_hot(n, stack, mid)
    assert lo > 0 and hi < n - 1      # the middle unit's field lies inside the input: nothing clipped
    assert hi - lo + 1 == r
    assert (lo + hi) / 2 == start + mid * j
    lo2, hi2, _ = backprop_one_hot(n, stack, mid + 1) if mid + 1 < out else (lo + j, hi + j, 0)
    assert lo2 - lo == j


def test_receptive_field_rectangular_and_dilated_2d():
    # per axis by hand from the one-hot rule: height k 3, dilation 2 → 5, then pool 2 → 6 with jump 2
    s = solve_data({"kind": "conv", "input": [40, 30, 1], "layers": [
        {"conv2d": {"filters": 1, "kernel": [3, 1], "dilation": [2, 1]}}, {"maxpool2d": {"size": [2, 3]}}]})
    for axis, (k, d, pool) in enumerate([(3, 2, 2), (1, 1, 3)]):
        lo, hi, _ = backprop_one_hot(40, [("conv1d", k, 1, d, "valid"), ("maxpool1d", pool, pool, 1, "valid")], 3)
        assert s.answer("rf2").value[axis] == hi - lo + 1


def test_no_receptive_field_after_a_layer_mixing_positions():
    s = solve_data({"kind": "conv", "input": [8, 8, 1], "layers": [{"conv2d": {"filters": 2, "kernel": 3}}, "flatten",
                                                                     {"dense": {"units": 2}}]})
    names = {a.name for a in s.answers}
    assert "rf1" in names and "rf2" not in names and "rf3" not in names


# -- the published networks ------------------------------------------------------------------------
def test_vgg16_memory_and_flops_as_cs231n():
    """CS231n's VGG-16 walk-through lists each layer's output (its per-layer values sum to 15.2M with
    the input; the total it prints, 24M, is a slip); 15.47 G multiply-adds (the cited ≈15.5 GMACs)."""
    s = solve_file(P / "arch-vgg16.yaml")
    shapes = [(224, 224, 64)] * 2 + [(112, 112, 64)] + [(112, 112, 128)] * 2 + [(56, 56, 128)] + \
        [(56, 56, 256)] * 3 + [(28, 28, 256)] + [(28, 28, 512)] * 3 + [(14, 14, 512)] + [(14, 14, 512)] * 3 + \
        [(7, 7, 512)] + [(25088,), (4096,), (4096,), (1000,)]
    values = 224 * 224 * 3 + sum(int(np.prod(sh)) for sh in shapes)
    assert s.answer("activations_total").value == values
    assert s.answer("memory_total").value == values * 4
    convs = [(224, 3, 64), (224, 64, 64), (112, 64, 128), (112, 128, 128), (56, 128, 256), (56, 256, 256),
             (56, 256, 256), (28, 256, 512), (28, 512, 512), (28, 512, 512), (14, 512, 512), (14, 512, 512),
             (14, 512, 512)]
    macs = sum(n * n * co * 9 * ci for n, ci, co in convs) + 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    assert round(macs / 1e9, 2) == 15.47
    pools = sum(n // 2 * n // 2 * c * 3 for n, c in [(224, 64), (112, 128), (56, 256), (28, 512), (14, 512)])
    biases = sum(n * n * co for n, _, co in convs) + 4096 + 4096 + 1000
    assert s.answer("flops_total").value == 2 * macs + pools + biases
    assert s.answer("param_memory").value == 138357544 * 4
    # receptive fields of VGG-16 (Araujo et al., Distill 2019): 212 at the last pool, conv5_3 196
    assert s.answer("rf17").value == [196, 196] and s.answer("rf18").value == [212, 212]


def test_lenet5_by_hand():
    s = solve_file(P / "arch-lenet5.yaml")
    assert [s.answer(f"activations{l}").value for l in range(1, 9)] == [4704, 1176, 1600, 400, 400, 120, 84, 10]
    assert s.answer("flops1").value == 2 * 28 * 28 * 6 * 25 + 28 * 28 * 6
    assert s.answer("rf3").value == [14, 14] and s.answer("rf4").value == [16, 16]


@pytest.mark.parametrize("detail", ["auto", "full"])
def test_detail_shows_one_table_or_every_step(detail):
    s = solve_file(P / "arch-lenet5.yaml", detail=detail)
    titles = [sec.title for sec in s.sections]
    shown = [st_ for st_ in s.steps if st_.shown]
    if detail == "full":
        assert "Layer 1: conv2d" in titles and any(st_.quantity.key == "P1" for st_ in shown)
    else:
        assert not any(str(t).startswith("Layer 1") for t in titles)
        assert not any(st_.quantity.key == "P1" for st_ in shown)
        assert any(st_.quantity.key == "P1" for st_ in s.steps)    # kept for `dlsolve check`


def test_new_layers_flops_against_explicit_loops():
    x = np.ones((6, 5, 3))
    # depthwise = a convolution with one group per input channel (PyTorch's groups = C_in), m filters each
    dw = Counter()
    y = conv2d_loop(x, 6, (3, 3), (1, 1), (1, 1), "valid", dw, True, groups=3)
    s = solve_data({"kind": "conv", "input": [6, 5, 3], "flop_unit": "macs",
                    "layers": [{"depthwise_conv2d": {"kernel": 3, "depth_multiplier": 2}}]})
    assert s.answer("flops1").value == dw.macs + dw.bias and s.answer("activations1").value == y.size
    # separable = depthwise (no bias) then a 1×1 convolution with bias
    dw, pw = Counter(), Counter()
    y = conv2d_loop(conv2d_loop(x, 6, (3, 3), (1, 1), (1, 1), "valid", dw, False, groups=3),
                    4, (1, 1), (1, 1), (1, 1), "valid", pw, True)
    s = solve_data({"kind": "conv", "input": [6, 5, 3], "flop_unit": "macs",
                    "layers": [{"separable_conv2d": {"filters": 4, "kernel": 3, "depth_multiplier": 2}}]})
    assert s.answer("flops1").value == dw.macs + pw.macs + pw.bias and s.answer("activations1").value == y.size
    # locally connected: a convolution's multiply-adds (its kernels differ by position, not their number)
    lc = Counter()
    conv2d_loop(x, 2, (2, 2), (2, 2), (1, 1), "valid", lc, True)
    s = solve_data({"kind": "conv", "input": [6, 5, 3], "layers": [{"locally_connected2d": {"filters": 2, "kernel": 2,
                                                                                             "stride": 2}}]})
    assert s.answer("flops1").value == 2 * lc.macs + lc.bias
    # bidirectional: the wrapped layer twice
    T, f, h = 4, 3, 2
    one = sum(1 for _ in range(T) for _ in range(3) for _ in range(h) for _ in range(f + h))
    s = solve_data({"kind": "conv", "input": [T, f], "flop_unit": "macs", "bias_adds": False,
                    "layers": [{"bidirectional": {"cell": "gru", "units": h}}]})
    assert s.answer("flops1").value == 2 * one


def test_alexnet_published_figures():
    s = solve_file(P / "arch-alexnet.yaml")
    assert s.answer("total_params").value == 62378344
    assert s.answer("rf8").value == [195, 195]           # AlexNet's pool5 field (Araujo et al., Distill 2019)
    shapes = [(55, 55, 96), (27, 27, 96), (27, 27, 256), (13, 13, 256), (13, 13, 384), (13, 13, 384),
              (13, 13, 256), (6, 6, 256), (9216,), (4096,), (4096,), (1000,)]
    values = 227 * 227 * 3 + sum(int(np.prod(sh)) for sh in shapes)
    assert s.answer("memory_total").value == values * 128 * 4
    assert s.answer("memory_training").value == 2 * values * 128 * 4
    # CS231n: conv1 "without parameter sharing" has 55·55·96 neurons each with 11·11·3 weights and a bias
    lc = solve_data({"kind": "params", "input": [227, 227, 3],
                     "layers": [{"locally_connected2d": {"filters": 96, "kernel": 11, "stride": 4}}]})
    assert lc.answer("total_params").value == 55 * 55 * 96 * (11 * 11 * 3 + 1) == 105705600


def torchvision_basic_block(inplanes, planes, downsample):
    """The arrays of torchvision's BasicBlock: conv1 (planes, inplanes, 3, 3), bn1, conv2 (planes, planes, 3, 3),
    bn2, and the downsample's conv (planes, inplanes, 1, 1) and bn; each bn weight, bias, running_mean and
    running_var (planes,) — the running statistics not trained."""
    convs = [(planes, inplanes, 3, 3), (planes, planes, 3, 3)] + ([(planes, inplanes, 1, 1)] if downsample else [])
    bns = 2 + downsample
    total = sum(np.zeros(c).size for c in convs) + bns * 4 * planes
    return total, bns * 2 * planes


def test_resnet_blocks_count_torchvision_arrays_and_add_their_outputs():
    s = solve_file(P / "arch-resnet-two-blocks.yaml")
    (p1, n1), (p2, n2) = torchvision_basic_block(64, 64, False), torchvision_basic_block(64, 128, True)
    assert s.answer("params").value == [p1, 0, p2, 0, 0, 128 * 10 + 10]
    assert s.answer("non_trainable_params").value == n1 + n2
    assert s.answer("shape3").value == [28, 28, 128] and s.answer("shape3_s1").value == [28, 28, 128]
    # FLOPs of a block: its layers' multiply-adds (2 FLOPs each), no biases, and one add per output value
    macs = 56 * 56 * 64 * 9 * 64 * 2
    assert s.answer("flops1").value == 2 * macs + 56 * 56 * 64
    # receptive field: two 3×3 convolutions on the main path → 5; the identity's 1 lies inside it
    assert s.answer("rf1").value == [5, 5]
    lo, hi, _ = backprop_one_hot(200, [("conv1d", 3, 1, 1, 1), ("conv1d", 3, 1, 1, 1),
                                       ("conv1d", 3, 2, 1, 1), ("conv1d", 3, 1, 1, 1)], 40)
    assert s.answer("rf3").value == [hi - lo + 1] * 2
    # activations: every layer's output inside the blocks too, and the input
    every = [56 * 56 * 64] * 6 + [56 * 56 * 64] + [28 * 28 * 128] * 7 + [28 * 28 * 128] * 2 + [128, 10]
    assert s.answer("activations_total").value == 56 * 56 * 64 + sum(every)


def test_residual_shapes_must_agree(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(json.dumps({"kind": "params", "input": [8, 8, 4], "layers": [
        {"residual": {"layers": [{"conv2d": {"filters": 8, "kernel": 3, "padding": 1}}], "shortcut": "identity"}}]}))
    r = CliRunner().invoke(main, ["solve", str(f)])
    assert r.exit_code == 2 and "shortcut" in r.output and "Traceback" not in r.output


def test_recurrent_layers_without_biases_count_and_add_none():
    # Keras GRU(use_bias=False): kernel (x, 3h) and recurrent_kernel (h, 3h) only, whatever reset_after says
    s = solve_data({"kind": "params", "input": [5, 3], "layers": [{"gru": {"units": 4, "bias": False}}]})
    assert s.answer("params").value == [np.zeros((3, 12)).size + np.zeros((4, 12)).size]
    assert s.answer("flops1").value == 2 * 5 * 3 * 4 * (3 + 4)


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 12), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.booleans())
def test_pooling_layer_shapes_follow_pytorch_ceil_mode_rule(n, k, s, p, d, ceil_mode):
    """PyTorch's MaxPool2d output size, from its docs (and the rule that the last window must start
    inside the input or the left padding), against the layer's shape."""
    if p > (d * (k - 1) + 1) // 2 or n + 2 * p < d * (k - 1) + 1:
        return
    sol = solve_data({"kind": "conv", "input": [n, n + 1, 2], "layers": [
        {"maxpool2d": {"size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil_mode}}]})
    assert sol.answer("shape1").value == [out_size(n, k, s, p, d, ceil_mode), out_size(n + 1, k, s, p, d, ceil_mode), 2]
