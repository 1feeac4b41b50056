"""kinds conv/params, one layer class at a time: every class's count against the arrays a
framework allocates for it, its shape against NumPy, the JSON Schema complete, `dlsolve check`
on the catalogue's P14, and no branch on a layer's name outside its class."""

from __future__ import annotations

import ast
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st

from dlsolve.cli import main
from dlsolve.kinds.architecture import Spec
from dlsolve.kinds.architecture.registry import LAYER_TYPES
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


# -- the arrays each layer type allocates, written from the frameworks' documented weight shapes ---
def conv_arrays(o, c_in, n_spatial, transpose=False):
    k = o["kernel"] if isinstance(o["kernel"], list) else [o["kernel"]] * n_spatial
    F, g = o["filters"], o.get("groups", 1)
    # PyTorch: Conv weight (F, C_in/g, *k); ConvTranspose weight (C_in, F/g, *k); bias (F,)
    w = (c_in, F // g, *k) if transpose else (F, c_in // g, *k)
    return [w] + ([(F,)] if o.get("bias", True) else [])


def recurrent_arrays(kind, o, x):
    h = o["units"]
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    if not o.get("bias", True):    # Keras use_bias=False, PyTorch bias=False: the two kernels only
        return [(gates * h, x), (gates * h, h)]
    if o.get("bias_convention", "keras") == "pytorch":      # weight_ih, weight_hh, bias_ih, bias_hh
        return [(gates * h, x), (gates * h, h), (gates * h,), (gates * h,)]
    two = kind == "gru" and o.get("reset_after", True)      # Keras: kernel, recurrent_kernel, bias
    return [(x, gates * h), (h, gates * h), (2, gates * h) if two else (gates * h,)]


def locally_connected_arrays(o, s):
    """Keras LocallyConnected2D (implementation 1): kernel (H_out·W_out, kh·kw·C_in, F), bias (H_out, W_out, F);
    'valid' windows, so H_out = ⌊(H − kh)/sh⌋ + 1."""
    k, st_ = o["kernel"], o.get("stride", 1)
    H, W = ((n - k) // st_ + 1 for n in s[:2])
    return [(H * W, k * k * s[-1], o["filters"])] + ([(H, W, o["filters"])] if o.get("bias", True) else [])


def bidirectional_arrays(o, s):
    """Keras Bidirectional: a forward and a backward copy of the wrapped layer's arrays."""
    inner = {"units": o["units"], "bias_convention": o.get("bias_convention", "keras"),
             "reset_after": o.get("reset_after", True), "bias": o.get("bias", True)}
    return 2 * recurrent_arrays(o["cell"], inner, s[-1])


def residual_arrays(o, s):
    """A residual block: its path's arrays, and the 1×1 projection torchvision's downsample allocates,
    weight (F, C_in, 1, 1) and no bias, when the path changes the channels."""
    conv = o["layers"][0]["conv2d"]
    arrays = conv_arrays(conv, s[-1], 2)
    return arrays + ([(conv["filters"], s[-1], 1, 1)] if conv["filters"] != s[-1] else [])


ARRAYS = {
    "residual": residual_arrays,
    # Keras DepthwiseConv2D: depthwise_kernel (kh, kw, C_in, m), bias (C_in·m,)
    "depthwise_conv2d": lambda o, s: [(o["kernel"], o["kernel"], s[-1], o.get("depth_multiplier", 1))] + (
        [(s[-1] * o.get("depth_multiplier", 1),)] if o.get("bias", True) else []),
    # Keras SeparableConv2D: depthwise_kernel (kh, kw, C_in, m), pointwise_kernel (1, 1, C_in·m, F), bias (F,)
    "separable_conv2d": lambda o, s: [(o["kernel"], o["kernel"], s[-1], o.get("depth_multiplier", 1)),
                                      (1, 1, s[-1] * o.get("depth_multiplier", 1), o["filters"])] + (
        [(o["filters"],)] if o.get("bias", True) else []),
    "locally_connected2d": locally_connected_arrays,
    "bidirectional": bidirectional_arrays,
    "conv1d": lambda o, s: conv_arrays(o, s[-1], 1),
    "conv2d": lambda o, s: conv_arrays(o, s[-1], 2),
    "conv2d_transpose": lambda o, s: conv_arrays(o, s[-1], 2, transpose=True),
    "dense": lambda o, s: [(s[-1], o["units"])] + ([(o["units"],)] if o.get("bias", True) else []),
    "batchnorm": lambda o, s: [(s[-1],)] * 4,        # γ, β, moving mean, moving variance
    "layernorm": lambda o, s: [(s[-1],)] * 2,        # γ, β
    "embedding": lambda o, s: [(o["vocab"], o["dim"])],
    "simple_rnn": lambda o, s: recurrent_arrays("simple_rnn", o, s[-1]),
    "lstm": lambda o, s: recurrent_arrays("lstm", o, s[-1]),
    "gru": lambda o, s: recurrent_arrays("gru", o, s[-1]),
    **{k: (lambda o, s: []) for k in ("maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "global_avg_pool",
                                      "flatten", "dropout", "activation")},
}
NON_TRAINABLE = {"batchnorm": lambda o, s: 2 * s[-1]}


def test_every_layer_type_has_its_arrays_written_here():
    assert sorted(ARRAYS) == sorted(cls.type for cls in LAYER_TYPES)


# -- one drawn layer of each type, with an input it accepts ---------------------------------------
small = st.integers(1, 6)


@st.composite
def one_layer(draw):
    kind = draw(st.sampled_from(sorted(ARRAYS)))
    bias = draw(st.booleans())
    if kind in ("conv1d", "conv2d", "conv2d_transpose"):
        n = 1 if kind == "conv1d" else 2
        g = draw(st.sampled_from([1, 2]))
        o = {"filters": g * draw(small), "kernel": draw(st.integers(1, 3)), "groups": g, "bias": bias}
        shape = [draw(st.integers(3, 9)) for _ in range(n)] + [g * draw(small)]
    elif kind in ("depthwise_conv2d", "separable_conv2d", "locally_connected2d"):
        o = {"kernel": draw(st.integers(1, 3)), "bias": bias}
        if kind != "depthwise_conv2d":
            o["filters"] = draw(small)
        if kind != "locally_connected2d":
            o["depth_multiplier"] = draw(st.integers(1, 3))
        else:
            o["stride"] = draw(st.integers(1, 2))
        shape = [draw(st.integers(3, 9)), draw(st.integers(3, 9)), draw(small)]
    elif kind == "residual":     # one 'same' convolution, its shortcut chosen by the block
        shape = [draw(st.integers(3, 9)), draw(st.integers(3, 9)), draw(small)]
        o = {"layers": [{"conv2d": {"filters": draw(st.sampled_from([shape[-1], draw(small)])),
                                    "kernel": draw(st.sampled_from([1, 3])), "padding": "same", "bias": bias}}]}
    elif kind == "bidirectional":
        o = {"cell": draw(st.sampled_from(["simple_rnn", "lstm", "gru"])), "units": draw(small),
             "return_sequences": draw(st.booleans()), "merge": draw(st.sampled_from(["concat", "sum", "mul", "ave"])),
             "bias_convention": draw(st.sampled_from(["keras", "pytorch"])), "reset_after": draw(st.booleans()),
             "bias": bias}
        shape = [draw(small), draw(small)]
    elif kind in ("maxpool1d", "avgpool1d", "maxpool2d", "avgpool2d"):
        n = 1 if kind.endswith("1d") else 2
        o = {"size": draw(st.integers(1, 3))}
        shape = [draw(st.integers(3, 9)) for _ in range(n)] + [draw(small)]
    elif kind in ("simple_rnn", "lstm", "gru"):
        o = {"units": draw(small), "return_sequences": draw(st.booleans()),
             "bias_convention": draw(st.sampled_from(["keras", "pytorch"])), "bias": bias}
        if kind == "gru":
            o["reset_after"] = draw(st.booleans())
        shape = [draw(small), draw(small)]
    elif kind == "embedding":
        o, shape = {"vocab": draw(st.integers(2, 50)), "dim": draw(small)}, [draw(small)]
    elif kind == "dense":
        o, shape = {"units": draw(small), "bias": bias}, [draw(st.integers(1, 20))]
    elif kind == "dropout":
        o, shape = {"rate": draw(st.sampled_from([0, 0.25, 0.5]))}, [draw(small), draw(small), draw(small)]
    else:
        o, shape = {}, [draw(small), draw(small), draw(small)]
    return kind, o, shape


def numpy_shape(kind, o, shape):
    """The output shape of the layer's operation done with NumPy (or its window count)."""
    x = np.zeros(shape)
    if kind == "flatten":
        return list(x.reshape(-1).shape)
    if kind == "dense":
        return list((x @ np.zeros((shape[-1], o["units"]))).shape)
    if kind == "embedding":
        return list(np.zeros((o["vocab"], o["dim"]))[np.zeros(shape, dtype=int)].shape)
    if kind == "global_avg_pool":
        return list(x.mean(axis=tuple(range(len(shape) - 1))).shape)
    if kind in ("dropout", "activation", "batchnorm", "layernorm"):
        return list(x.shape)
    if kind in ("simple_rnn", "lstm", "gru"):
        return [shape[0], o["units"]] if o["return_sequences"] else [o["units"]]
    if kind == "residual":         # the path's output plus the shortcut's: NumPy broadcasting must agree
        path = np.zeros(shape[:-1] + [o["layers"][0]["conv2d"]["filters"]])
        return list((path + np.zeros_like(path)).shape)
    if kind == "bidirectional":    # two (T, h) state sequences, merged
        states = np.zeros((2, shape[0], o["units"]))
        merged = np.concatenate(list(states), axis=-1) if o["merge"] == "concat" else states.sum(axis=0)
        return list(merged.shape) if o["return_sequences"] else list(merged[-1].shape)
    spatial = shape[:-1]
    if kind in ("depthwise_conv2d", "separable_conv2d", "locally_connected2d"):
        k, st_ = o["kernel"], o.get("stride", 1)
        windows = np.lib.stride_tricks.sliding_window_view(np.zeros(spatial), [k] * 2)[::st_, ::st_]
        channels = shape[-1] * o["depth_multiplier"] if kind == "depthwise_conv2d" else o["filters"]
        return list(windows.shape[:2]) + [channels]
    if kind in ("conv1d", "conv2d"):      # 'valid', stride 1: every window position
        k = o["kernel"]
        windows = np.lib.stride_tricks.sliding_window_view(np.zeros(spatial), [k] * len(spatial))
        return list(windows.shape[:len(spatial)]) + [o["filters"]]
    if kind == "conv2d_transpose":        # stride 1, no padding: a full convolution, n + k − 1
        return [np.convolve(np.zeros(n), np.zeros(o["kernel"]), "full").size for n in spatial] + [o["filters"]]
    if kind in ("maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d"):   # stride = size, whole windows only
        k = o["size"]
        windows = np.lib.stride_tricks.sliding_window_view(np.zeros(spatial), [k] * len(spatial))
        pooled = windows[tuple(slice(None, None, k) for _ in spatial)]
        return list(pooled.shape[:len(spatial)]) + [shape[-1]]
    raise AssertionError(f"no NumPy shape written for {kind}")


@given(one_layer())
def test_each_layer_counts_the_arrays_it_allocates(drawn):
    kind, o, shape = drawn
    s = solve_data({"kind": "params", "input": shape, "layers": [{kind: o} if o else kind]})
    arrays = ARRAYS[kind](o, shape)
    assert s.answer("params").value == [sum(np.zeros(a).size for a in arrays)]
    fixed = NON_TRAINABLE.get(kind, lambda o, s: 0)(o, shape)
    assert s.answer("non_trainable_params").value == fixed
    assert s.answer("trainable_params").value == sum(np.zeros(a).size for a in arrays) - fixed
    assert s.answer("shape1").value == numpy_shape(kind, o, shape)
    assert verify_solution(s) == []


# -- the schema ------------------------------------------------------------------------------------
TYPED = {"type", "$ref", "anyOf", "oneOf", "allOf", "const", "enum"}


def untyped(schema):
    """Paths of every property, item or union branch of the schema that says nothing of its type."""
    defs = schema.get("$defs", {})
    bad, seen = [], set()

    def walk(node, path):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(defs[name], name)
            return
        if not TYPED & node.keys():
            bad.append(path)
        for key in ("anyOf", "oneOf", "allOf"):
            for i, branch in enumerate(node.get(key, ())):
                walk(branch, f"{path}|{i}")
        for name, prop in node.get("properties", {}).items():
            walk(prop, f"{path}.{name}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]")
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], f"{path}{{}}")

    walk(schema, "Spec")
    return bad


def test_the_json_schema_types_every_property():
    schema = Spec.model_json_schema()
    assert untyped(schema) == []
    # the walker does find an untyped property
    assert untyped({"type": "object", "properties": {"x": {"description": "anything"}}}) == ["Spec.x"]


def test_the_schema_lists_every_layer_type_with_its_options():
    schema = Spec.model_json_schema()
    entries = schema["properties"]["layers"]["items"]["oneOf"]
    names = set()
    for e in entries:
        if "$ref" in e:
            names |= set(schema["$defs"][e["$ref"].rsplit("/", 1)[-1]]["properties"])
    assert names == {cls.type for cls in LAYER_TYPES}
    bare = [e for e in entries if "enum" in e or "const" in e]
    assert bare and set(bare[0].get("enum", [bare[0].get("const")])) == \
        {cls.type for cls in LAYER_TYPES if cls.takes_no_options()}
    for cls in LAYER_TYPES:
        for name, field in cls.model_fields.items():
            assert field.description, f"{cls.type}.{name} has no description for an editor"


# -- dlsolve check on the catalogue's P14 (issue 11: it crashed on the ragged list of shapes) --------
P14 = {   # shared/problem-catalogue.md, P14 first part
    "shape1": [26, 26, 32], "shape2": [24, 24, 32], "shape3": [22, 22, 32], "shape4": [15488],
    "shape5": [128], "shape6": [10], "params": [320, 9248, 9248, 0, 1982592, 1290],
    "total_params": 2002698, "trainable_params": 2002698, "non_trainable_params": 0,
}


def run_check(tmp_path, answers, fmt="text"):
    """Check against the catalogue's questions only (a marks file naming them: the problem also
    defines memory, FLOPs and receptive fields, which this exam does not ask)."""
    f = tmp_path / "answers.yaml"
    f.write_text(json.dumps(answers), encoding="utf-8")
    marks = tmp_path / "marks.yaml"
    marks.write_text("points: {" + ", ".join(f"{name}: 1" for name in P14) + "}\n", encoding="utf-8")
    return CliRunner().invoke(main, ["check", str(P / "p14-cnn-valid.yaml"), str(f), "--format", fmt,
                                     "--marks", str(marks)])


def test_check_p14_all_right(tmp_path):
    r = run_check(tmp_path, P14)
    assert r.exit_code == 0, r.output
    assert "10 of 10 right;" in r.output and "✗" not in r.output and r.output.count("✓") == 10


def test_check_p14_one_wrong_names_it_and_its_step(tmp_path):
    r = run_check(tmp_path, {**P14, "shape4": [15487]})
    assert r.exit_code == 1, r.output
    assert "9 of 10 right;" in r.output and r.output.count("✗") == 1
    assert "The first wrong answer is shape4." in r.output and "n^[4] = H^[3]·W^[3]·C^[3]" in r.output
    verdicts = json.loads(run_check(tmp_path, {**P14, "params": [320, 9248, 9248, 0, 1982592, 1291]}, "json")
                          .output)["verdicts"]
    assert [v["name"] for v in verdicts if not v["right"]] == ["params"]


@pytest.mark.parametrize("name", sorted(p.name for p in P.glob("*.yaml") if p.name.startswith(("arch-", "p14-", "p15-"))))
def test_every_answer_is_checkable_and_has_its_steps(name, tmp_path):
    """Every answer of every stack is a number or a flat list, and names the steps that produce it."""
    s = solve_file(P / name)
    keys = {st.quantity.key for st in s.steps()}
    for a in s.answers:
        assert np.asarray(a.value, dtype=float).ndim <= 1, a.name
        assert a.keys and set(a.keys) <= keys, a.name
    f = tmp_path / "a.yaml"
    f.write_text(json.dumps({a.name: a.value for a in s.answers}), encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(P / name), str(f)])
    assert r.exit_code == 0, r.output


# -- behaviour lives in the classes --------------------------------------------------------------------
def test_no_module_compares_a_layer_type_name():
    names = {cls.type for cls in LAYER_TYPES}
    found = []
    for path in sorted((ROOT / "dlsolve" / "kinds" / "architecture").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for const in ast.walk(node):
                    if isinstance(const, ast.Constant) and const.value in names:
                        found.append(f"{path.name}:{node.lineno}")
    assert found == []


def test_modules_stay_small():
    for path in (ROOT / "dlsolve" / "kinds" / "architecture").glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 500, path.name


def test_check_on_a_stack_that_does_not_fit_is_located_exit_2(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text("kind: conv\ninput: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n"
                       "  - dense: {units: 4}\n", encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("total_params: 1\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(problem), str(answers)])
    assert r.exit_code == 2, r.output
    assert "p.yaml:5:12: layers[1].dense: dense after a 3-D output [6, 6, 2]" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("name", ["arch-lenet5.yaml", "arch-lstm-gru-pytorch.yaml", "p14-cnn-valid.yaml"])
def test_a_spec_dumps_as_its_yaml_form_and_validates_again(name):
    from dlsolve.load import load_problem

    spec = load_problem(str(P / name)).spec
    for mode in ("python", "json"):
        dumped = spec.model_dump(mode=mode)
        assert all(isinstance(e, str) or (isinstance(e, dict) and len(e) == 1) for e in dumped["layers"])
        assert Spec.model_validate(dumped) == spec


@pytest.mark.parametrize("text, why", [
    ("kind: conv\ninput: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 1" + "0" * 400 + ", kernel: 3}\n",
     ":4:23: layers[0].conv2d.filters: this number is beyond float64"),   # the loader: no number past float64
    ("kind: conv\ninput: [100000000000, 2]\nlayers: [flatten]\n", "must be at most 1,000,000,000"),
    ("kind: conv\ninput: [8, 8, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: [3, 10000000000]}\n",
     "must be at most 1,000,000,000"),
])
def test_sizes_beyond_any_network_are_refused_not_a_crash(text, why):
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2, r.output
    assert why in r.output and "Traceback" not in r.output


def test_dimensions_that_grow_past_exact_floats_are_refused():
    layers = "".join("  - conv2d_transpose: {filters: 1, kernel: 3, stride: 1000}\n" for _ in range(8))
    r = CliRunner().invoke(main, ["solve", "-"], input="kind: conv\ninput: [1000, 1000, 1]\nlayers:\n" + layers)
    assert r.exit_code == 2, r.output
    assert "layers[4].conv2d_transpose: an output dimension would be" in r.output
