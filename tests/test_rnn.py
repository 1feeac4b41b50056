"""kind: rnn against an independent implementation written here: plain loops over units for the
forward pass of every cell and convention, central finite differences of that loop for every
gradient, PyTorch's packed format against the per-gate one, and the parameter count against
kind: params. (PyTorch itself is not installed; the loops follow its documented equations.)
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsolve.cli import main
from tests.conftest import ROOT, solve_data, solve_file

GATES = {"rnn": [""], "lstm": ["i", "f", "g", "o"], "gru": ["r", "z", "n"]}


# -- the independent reference: scalar loops, parameters kept out_in (rows = units) -------------
def sig(v):
    return 1.0 / (1.0 + math.exp(-v))


ACT = {"tanh": math.tanh, "sigmoid": sig, "linear": lambda v: v, "relu": lambda v: max(0.0, v)}


def affine(Wm, x, Um, h, b, bh, j):
    s = b[j] + (bh[j] if bh is not None else 0.0)
    for k in range(len(x)):
        s += Wm[j][k] * x[k]
    for k in range(len(h)):
        s += Um[j][k] * h[k]
    return s


def reference(cfg, params):
    """Forward pass and loss by loops. params: {gate: {W, U, b, bh}} and optionally V, c."""
    cell, H = cfg["cell"], cfg["H"]
    h = list(cfg["h0"])
    c = list(cfg.get("c0", [0.0] * H))
    out = {"h": [], "c": [], "y": [], **{g: [] for g in GATES[cell] if g}}
    L = 0.0
    for t, x in enumerate(cfg["xs"]):
        p = params
        if cell == "rnn":
            q = p[""]
            h = [ACT[cfg["activation"]](affine(q["W"], x, q["U"], h, q["b"], q.get("bh"), j)) for j in range(H)]
        elif cell == "lstm":
            gate = {}
            for g in "ifgo":
                q = p[g]
                f = math.tanh if g == "g" else sig
                gate[g] = [f(affine(q["W"], x, q["U"], h, q["b"], q.get("bh"), j)) for j in range(H)]
                out[g].append(gate[g])
            c = [gate["f"][j] * c[j] + gate["i"][j] * gate["g"][j] for j in range(H)]
            h = [gate["o"][j] * math.tanh(c[j]) for j in range(H)]
            out["c"].append(c)
        else:
            r = [sig(affine(p["r"]["W"], x, p["r"]["U"], h, p["r"]["b"], p["r"].get("bh"), j)) for j in range(H)]
            z = [sig(affine(p["z"]["W"], x, p["z"]["U"], h, p["z"]["b"], p["z"].get("bh"), j)) for j in range(H)]
            q = p["n"]
            n = []
            for j in range(H):
                s = q["b"][j]
                for k in range(len(x)):
                    s += q["W"][j][k] * x[k]
                bh = q["bh"][j] if q.get("bh") is not None else 0.0
                if cfg["reset_after"]:
                    rec = bh + sum(q["U"][j][k] * h[k] for k in range(H))
                    s += r[j] * rec
                else:
                    s += bh + sum(q["U"][j][k] * r[k] * h[k] for k in range(H))
                n.append(math.tanh(s))
            if cfg["gru_update"] == "keep_old":
                h = [(1 - z[j]) * n[j] + z[j] * h[j] for j in range(H)]
            else:
                h = [z[j] * n[j] + (1 - z[j]) * h[j] for j in range(H)]
            out["r"].append(r)
            out["z"].append(z)
            out["n"].append(n)
        out["h"].append(h)
        if "V" in params:
            V, cc = params["V"], params["c"]
            y = [ACT[cfg.get("readout_act", "linear")](cc[m] + sum(V[m][j] * h[j] for j in range(H)))
                 for m in range(len(cc))]
            out["y"].append(y)
            target = cfg["targets"][t]
            if target is not None:
                if cfg["loss"] == "mse":
                    terms = [(target[m] - y[m]) ** 2 for m in range(len(y))]
                    L += sum(terms) / len(terms) * (0.5 if cfg.get("half") else 1.0)
                else:  # bce
                    terms = [-(target[m] * math.log(y[m]) + (1 - target[m]) * math.log(1 - y[m]))
                             for m in range(len(y))]
                    L += sum(terms) / len(terms)
    out["L"] = L
    return out


def finite_difference(cfg, params, path, eps=1e-6):
    """∂L/∂(the parameter entry at `path`) by the central difference of the reference loop."""
    def at(delta):
        import copy

        p = copy.deepcopy(params)
        node = p
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = node[path[-1]] + delta
        return reference(cfg, p)["L"]

    return (at(eps) - at(-eps)) / (2 * eps)


# -- building problems -------------------------------------------------------------------------
def to_yaml(cfg, params, layout="out_in", packed=False):
    """The problem as kind: rnn reads it (matrices transposed for in_out)."""
    tr = (lambda m: [list(r) for r in zip(*m)]) if layout == "in_out" else (lambda m: [list(r) for r in m])
    data = {"kind": "rnn", "cell": cfg["cell"], "inputs": [list(x) for x in cfg["xs"]], "h0": list(cfg["h0"])}
    if cfg["cell"] == "lstm":
        data["c0"] = list(cfg["c0"])
    if cfg["cell"] == "rnn":
        data["activation"] = cfg["activation"]
    if cfg["cell"] == "gru":
        data["reset_after"] = cfg["reset_after"]
        data["gru_update"] = cfg["gru_update"]
    if packed:
        gs = GATES[cfg["cell"]]
        data["pytorch"] = {"weight_ih": [r for g in gs for r in params[g]["W"]],
                           "weight_hh": [r for g in gs for r in params[g]["U"]],
                           "bias_ih": [v for g in gs for v in params[g]["b"]]}
        if params[gs[0]].get("bh") is not None:
            data["pytorch"]["bias_hh"] = [v for g in gs for v in params[g]["bh"]]
    else:
        data["weights_layout"] = layout
        blocks = {}
        for g in GATES[cfg["cell"]]:
            q = params[g]
            blk = {"W": tr(q["W"]), "U": tr(q["U"]), "b": list(q["b"])}
            if q.get("bh") is not None:
                blk["bh"] = list(q["bh"])
            blocks[g] = blk
        data["weights"] = blocks[""] if cfg["cell"] == "rnn" else blocks
    if "V" in params:
        data["readout"] = {"V": tr(params["V"]), "c": list(params["c"]),
                           "activation": cfg.get("readout_act", "linear")}
        data["targets"] = cfg["targets"]
        data["loss"] = {"name": cfg["loss"], **({"half": True} if cfg.get("half") else {})}
    return data


def random_problem(draw_floats, cell, H, I, T, O, bh, readout_act="linear"):
    it = iter(draw_floats)
    nxt = lambda: next(it)  # noqa: E731
    mat = lambda r, c: [[nxt() for _ in range(c)] for _ in range(r)]  # noqa: E731
    vec = lambda n: [nxt() for _ in range(n)]  # noqa: E731
    params = {}
    for g in GATES[cell]:
        params[g] = {"W": mat(H, I), "U": mat(H, H), "b": vec(H), "bh": vec(H) if bh else None}
    params["V"], params["c"] = mat(O, H), vec(O)
    cfg = {"cell": cell, "H": H, "xs": [vec(I) for _ in range(T)], "h0": vec(H), "c0": vec(H),
           "activation": "tanh", "reset_after": True, "gru_update": "keep_old", "loss": "mse",
           "readout_act": readout_act}
    cfg["targets"] = [vec(O) for _ in range(T)]
    return cfg, params


def check_against_reference(cfg, params, layout="out_in", detail="auto", packed=False):
    sol = solve_data(to_yaml(cfg, params, layout, packed), detail=detail)
    ref = reference(cfg, params)
    for name in ["h", "c", "y"] + [g for g in GATES[cfg["cell"]] if g]:
        if ref.get(name):
            got = np.asarray(sol.answer(name).value, dtype=float).reshape(len(ref[name]), -1)
            np.testing.assert_allclose(got, np.array(ref[name]), rtol=1e-9, atol=1e-12, err_msg=name)
    assert sol.answer("loss").value == pytest.approx(ref["L"], rel=1e-9, abs=1e-12)
    tr = layout == "in_out"
    for g in GATES[cfg["cell"]]:
        sfx = f"_{g}" if g else ""
        for kind in ("W", "U", "b", "bh"):
            val = params[g].get(kind)
            if val is None:
                continue
            got = np.asarray(sol.answer(f"d{kind}{sfx}").value, dtype=float)
            if kind in ("W", "U"):
                want = np.array([[finite_difference(cfg, params, (g, kind, r, k)) for k in range(len(val[0]))]
                                 for r in range(len(val))])
                want = want.T if tr else want
            else:
                want = np.array([finite_difference(cfg, params, (g, kind, r)) for r in range(len(val))])
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, err_msg=f"d{kind}{sfx}")
    dV = np.array([[finite_difference(cfg, params, ("V", m, j)) for j in range(cfg["H"])]
                   for m in range(len(params["c"]))])
    np.testing.assert_allclose(np.asarray(sol.answer("dV").value, dtype=float), dV.T if tr else dV,
                               rtol=1e-5, atol=1e-7)
    dc = np.array([finite_difference(cfg, params, ("c", m)) for m in range(len(params["c"]))])
    np.testing.assert_allclose(np.asarray(sol.answer("dc").value, dtype=float), dc, rtol=1e-5, atol=1e-7)
    return sol


# -- tests ---------------------------------------------------------------------------------------
CASES = [
    ("rnn", {}), ("lstm", {}),
    ("gru", {"reset_after": True, "gru_update": "keep_old"}),
    ("gru", {"reset_after": False, "gru_update": "keep_old"}),
    ("gru", {"reset_after": True, "gru_update": "take_new"}),
    ("gru", {"reset_after": False, "gru_update": "take_new"}),
]


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
@pytest.mark.parametrize("detail", ["units", "layers"])
@pytest.mark.parametrize("cell,conv", CASES, ids=[f"{c}-{'-'.join(map(str, v.values()))}" for c, v in CASES])
def test_every_cell_and_convention_matches_the_loop_and_finite_differences(cell, conv, layout, detail):
    rng = np.random.default_rng(17)
    floats = list(rng.uniform(-1, 1, 400).round(3))
    cfg, params = random_problem(floats, cell, H=2, I=3, T=3, O=2, bh=True)
    cfg.update(conv)
    cfg["targets"][1] = None       # a step without a target
    check_against_reference(cfg, params, layout, detail)


@settings(max_examples=15)
@given(cell=st.sampled_from(["rnn", "lstm", "gru"]), H=st.integers(1, 3), I=st.integers(1, 3),
       T=st.integers(1, 3), O=st.integers(1, 2), bh=st.booleans(), reset_after=st.booleans(),
       take_new=st.booleans(), act=st.sampled_from(["tanh", "sigmoid", "linear"]),
       floats=st.lists(st.floats(-1.5, 1.5, allow_nan=False).map(lambda v: round(v, 2)), min_size=200, max_size=200))
def test_random_cells_match_the_reference(cell, H, I, T, O, bh, reset_after, take_new, act, floats):
    cfg, params = random_problem(floats, cell, H, I, T, O, bh)
    cfg.update(reset_after=reset_after, gru_update="take_new" if take_new else "keep_old", activation=act)
    check_against_reference(cfg, params)


def test_readout_sigmoid_with_bce():
    rng = np.random.default_rng(3)
    cfg, params = random_problem(list(rng.uniform(-1, 1, 300).round(3)), "lstm", 2, 2, 2, 1, False, "sigmoid")
    cfg.update(loss="bce", targets=[[1.0], [0.0]])
    check_against_reference(cfg, params)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_packed_pytorch_tensors_equal_the_per_gate_form(cell):
    rng = np.random.default_rng(5)
    cfg, params = random_problem(list(rng.uniform(-1, 1, 300).round(3)), cell, 2, 2, 2, 1, True)
    a = solve_data(to_yaml(cfg, params, packed=True))
    b = solve_data(to_yaml(cfg, params))
    assert [x.name for x in a.answers] == [x.name for x in b.answers]
    for x, y in zip(a.answers, b.answers):
        np.testing.assert_array_equal(np.asarray(x.value, dtype=float), np.asarray(y.value, dtype=float), x.name)
    check_against_reference(cfg, params, packed=True)


@pytest.mark.parametrize("cell,bh,reset_after", [("rnn", False, None), ("rnn", True, None), ("lstm", False, None),
                                                  ("lstm", True, None), ("gru", False, False), ("gru", True, True)])
def test_parameter_count_equals_kind_params(cell, bh, reset_after):
    rng = np.random.default_rng(1)
    H, I = 3, 2
    cfg, params = random_problem(list(rng.uniform(-1, 1, 300).round(3)), cell, H, I, 2, 1, bh)
    if reset_after is not None:
        cfg["reset_after"] = reset_after
    sol = solve_data(to_yaml(cfg, params))
    layer = {"rnn": "simple_rnn", "lstm": "lstm", "gru": "gru"}[cell]
    spec = {"units": H, "bias_convention": "pytorch" if bh else "keras"}
    if cell == "gru" and not bh:
        spec["reset_after"] = False
    count = solve_data({"kind": "params", "input": [2, I], "layers": [{layer: spec}, {"dense": {"units": 1}}]})
    per_layer = count.answer("params").value
    assert sol.answer("params").value == per_layer[0]
    assert sol.answer("params_readout").value == per_layer[1]


def test_catalogue_p22_one_lstm_step():
    sol = solve_file(ROOT / "problems" / "rnn-lstm-step.yaml")
    want = {"f": [0.622459, 0.386986], "i": [0.591459, 0.552308], "g": [0.571670, -0.309507],
            "o": [0.552308, 0.593873], "c": [0.649349, -0.054847], "h": [0.315496, -0.032540]}
    for name, values in want.items():
        np.testing.assert_allclose(np.ravel(sol.answer(name).value), values, atol=1e-6, err_msg=name)


def test_notes_bptt_exercise_matches_the_closed_form():
    """The notes' three-step RNN: ∂L/∂w_h as the three path terms, each computed here by hand."""
    sol = solve_file(ROOT / "problems" / "rnn-bptt-three-steps.yaml")
    wx, wh, wy, h0, xs = 0.5, 0.8, 1.2, 0.2, [1.0, 0.5, -1.0]
    hs = [h0]
    for x in xs:
        hs.append(math.tanh(wx * x + wh * hs[-1]))
    yhat = sig(wy * hs[3])
    dh3 = (yhat - 1.0) * wy          # BCE with σ: ∂L/∂z = ŷ − y
    d = [1 - hs[k] ** 2 for k in range(4)]
    paths = [dh3 * d[3] * hs[2], dh3 * d[3] * wh * d[2] * hs[1], dh3 * d[3] * wh * d[2] * wh * d[1] * hs[0]]
    assert float(np.ravel(sol.answer("dU").value)[0]) == pytest.approx(sum(paths), rel=1e-12)
    assert sol.answer("loss").value == pytest.approx(-math.log(yhat), rel=1e-12)
    totals = [s for s in sol.steps() if s.quantity.key.startswith("paths(U")]
    assert totals and totals[0].value == pytest.approx(sum(paths), rel=1e-12)


def test_notes_bptt_agrees_with_kind_graph():
    a = solve_file(ROOT / "problems" / "rnn-bptt-three-steps.yaml")
    g = solve_file(ROOT / "problems" / "graph-rnn-bptt.yaml")
    assert float(np.ravel(a.answer("dU").value)[0]) == pytest.approx(g.answer("dL/dWh").value, rel=1e-12)
    assert float(np.ravel(a.answer("dW").value)[0]) == pytest.approx(g.answer("dL/dWx").value, rel=1e-12)


def test_gru_problems_differ_only_by_reset_placement_and_each_names_the_other():
    after = solve_file(ROOT / "problems" / "rnn-gru-reset-after.yaml")
    before = solve_file(ROOT / "problems" / "rnn-gru-reset-before.yaml")
    la, lb = after.answer("loss").value, before.answer("loss").value
    assert la != pytest.approx(lb)
    notes = [b.text for s in after.sections for b in s.blocks if getattr(b, "role", None) == "note"]
    text = " ".join(str(n) for n in notes)
    assert "reset_after: false" in text
    # the number the note gives for the other convention is the other problem's loss
    m = re.search(r"with reset_after: false[^:]*: h_2 = \[[^\]]*\], L = ([0-9.e+-]+)", text)
    assert m and float(m.group(1)) == pytest.approx(lb, rel=1e-5)


BAD = [
    ("kind: rnn\ncell: lstm\ninputs: []\nweights: {}\n", "inputs"),
    ("kind: rnn\ncell: rnn\ninputs: [[1, 2], [1]]\nweights: {W: [[1, 1]], U: [[1]]}\n", "inputs[1]"),
    ("kind: rnn\ncell: rnn\ninputs: [[1, 2]]\nweights: {W: [[1]], U: [[1]]}\n", "weights.W"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nh0: [0, 0]\nweights: {W: [[1], [1]], U: [[1]]}\n", "weights.U"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: [[1]], U: [[1]], b: [1, 2]}\n", "weights.b"),
    ("kind: rnn\ncell: lstm\ninputs: [1]\nweights:\n  i: {W: 1, U: 1}\n  f: {W: 1, U: 1}\n  g: {W: 1, U: 1}\n",
     "weights"),
    ("kind: rnn\ncell: gru\ninputs: [1]\nweights:\n  r: {W: 1, U: 1}\n  z: {W: 1, U: 1}\n  q: {W: 1, U: 1}\n",
     "weights.q"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\npytorch: {weight_ih: [[1]], weight_hh: [[1]]}\n",
     "pytorch"),
    ("kind: rnn\ncell: lstm\ninputs: [1]\npytorch: {weight_ih: [[1], [1], [1]], weight_hh: [[1], [1], [1]]}\n",
     "pytorch.weight_ih"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\ntargets: [[1]]\nloss: mse\n", "targets"),
    ("kind: rnn\ncell: rnn\ninputs: [1, 2]\nweights: {W: 1, U: 1}\nreadout: {V: 1}\ntargets: [1]\nloss: mse\n",
     "targets"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: [[1, 2]]}\n", "readout.V"),
    ("kind: rnn\ncell: lstm\ninputs: [1]\nactivation: relu\nweights: {}\n", "weights"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1, B: 1}\n", "weights.B"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreset_after: true\n", "reset_after"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 1}\ntarget: 1\nloss: mse\n"
     "learning_rate: -1\n", "learning_rate"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 1, activation: softmax}\n",
     "readout.activation"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights_layout: in_out\npytorch: {weight_ih: [[1]], weight_hh: [[1]]}\n",
     "weights_layout"),
    ("kind: rnn\ncell: gru\ninputs: [1]\nc0: [0]\npytorch: {weight_ih: [[1], [1], [1]], weight_hh: [[1], [1], [1]]}\n",
     "c0"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 1}\ntarget: [1, 2]\nloss: mse\n",
     "target"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 1}\ntarget: 1\nloss: msee\n", "loss"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 2}\ntarget: 1\nloss: bce\n", "readout"),
]


@pytest.mark.parametrize("text,path", BAD, ids=[p + f"-{k}" for k, (_, p) in enumerate(BAD)])
def test_bad_input_is_a_located_error(text, path):
    r = CliRunner().invoke(main, ["solve", "-"], input=text)
    assert r.exit_code == 2, r.output
    assert re.match(r"<stdin>:\d+:\d+: ", r.output), r.output
    assert f" {path}:" in r.output or f" {path} " in r.output, r.output
    assert "Traceback" not in r.output


def test_a_forward_only_problem_does_not_load_sympy(tmp_path):
    from tests.test_layering import loaded_after

    f = tmp_path / "fwd.yaml"
    f.write_text("kind: rnn\ncell: gru\ninputs: [[1], [2]]\nh0: [0.1, 0.2]\nweights:\n"
                 "  r: {W: [[1], [2]], U: [[1, 0], [0, 1]]}\n  z: {W: [[1], [2]], U: [[1, 0], [0, 1]]}\n"
                 "  n: {W: [[1], [2]], U: [[1, 0], [0, 1]]}\n", encoding="utf-8")
    mods = loaded_after("import sys; sys.argv = ['dlsolve', 'solve', " + repr(str(f)) + "]\n"
                        "from dlsolve.cli import main\n"
                        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "dlsolve.kinds.rnn" in mods and "sympy" not in mods


def test_the_other_bias_convention_count_is_the_one_kind_params_gives():
    sol = solve_file(ROOT / "problems" / "rnn-lstm-step.yaml")   # one bias per gate
    notes = " ".join(str(b.text) for s in sol.sections for b in s.blocks if getattr(b, "role", None) == "note")
    count = solve_data({"kind": "params", "input": [1, 1],
                        "layers": [{"lstm": {"units": 2, "bias_convention": "pytorch"}}]})
    assert f"the cell has {count.answer('params').value[0]} parameters" in notes


def _pytorch_cell(cell, W_ih, W_hh, b_ih, b_hh, x, h, c):
    """One step of PyTorch's RNNCell / LSTMCell / GRUCell, written from its documented equations on
    the packed tensors (gate order i, f, g, o for LSTM and r, z, n for GRU; the GRU's reset gate
    multiplies W_hn h + b_hn) — in plain NumPy, independent of dlsolve's per-gate form."""
    gi, gh = W_ih @ x + b_ih, W_hh @ h + b_hh
    sig = lambda v: 1 / (1 + np.exp(-v))
    if cell == "rnn":
        return np.tanh(gi + gh), c
    n = len(h)
    if cell == "lstm":
        g = gi + gh
        i, f, gg, o = sig(g[:n]), sig(g[n:2 * n]), np.tanh(g[2 * n:3 * n]), sig(g[3 * n:])
        c = f * c + i * gg
        return o * np.tanh(c), c
    r, z = sig(gi[:n] + gh[:n]), sig(gi[n:2 * n] + gh[n:2 * n])
    nn = np.tanh(gi[2 * n:] + r * gh[2 * n:])
    return (1 - z) * nn + z * h, c


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_pytorch_cells_from_their_documented_equations(cell):
    """PyTorch's RNNCell / LSTMCell / GRUCell equations on the packed tensors agree with dlsolve."""
    rng = np.random.default_rng(11)
    cfg, params = random_problem(list(rng.uniform(-1, 1, 300).round(3)), cell, 3, 2, 3, 1, True)
    gs = GATES[cell]
    W_ih = np.array([r for g in gs for r in params[g]["W"]], dtype=float)
    W_hh = np.array([r for g in gs for r in params[g]["U"]], dtype=float)
    b_ih = np.array([v for g in gs for v in params[g]["b"]], dtype=float)
    b_hh = np.array([v for g in gs for v in params[g]["bh"]], dtype=float)
    h, c = np.array(cfg["h0"], dtype=float), np.array(cfg.get("c0", cfg["h0"]), dtype=float)
    rows = []
    for x in cfg["xs"]:
        h, c = _pytorch_cell(cell, W_ih, W_hh, b_ih, b_hh, np.array(x, dtype=float), h, c)
        rows.append(h.tolist())
    sol = solve_data(to_yaml(cfg, params, packed=True))
    np.testing.assert_allclose(np.asarray(sol.answer("h").value, dtype=float), np.array(rows), rtol=1e-9, atol=1e-12)


def test_check_names_the_gru_convention_a_student_used(tmp_path):
    """A loss computed with the original paper's reset placement is recognised by `dlsolve check`."""
    before = solve_file(ROOT / "problems" / "rnn-gru-reset-before.yaml").answer("loss").value
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"loss: {before:.6f}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "rnn-gru-reset-after.yaml"), str(answers)])
    assert r.exit_code == 1, r.output
    assert "reset_after: false" in r.output and "convention gives" in r.output, r.output


def test_a_recurrent_bias_on_some_gates_only_counts_those_given():
    """rnn-gru-reset-before gives bʰ for the candidate n only: its parameters are the arrays written
    in the file (W, U, b of three gates and one bʰ), not zero bʰ vectors for r and z."""
    from dlsolve.load import load_problem
    weights = load_problem(str(ROOT / "problems" / "rnn-gru-reset-before.yaml")).spec.weights
    arrays = [np.asarray(v) for gate in weights.values() for v in gate.values()]
    sol = solve_file(ROOT / "problems" / "rnn-gru-reset-before.yaml")
    assert sol.answer("params").value == sum(a.size for a in arrays) == 32


RULED = {"kind": "rnn", "cell": "rnn", "inputs": [1.0, 0.5], "weights": {"W": 0.5, "U": 0.8},
         "readout": {"V": 1.2, "activation": "sigmoid"}, "target": 1, "loss": "bce", "learning_rate": 0.1}


@pytest.mark.parametrize("change, where, words", [
    ({"weights": None}, "weights", "give weights (per gate) or pytorch"),
    ({"pytorch": {"weight_ih": [[0.5]], "weight_hh": [[0.8]]}}, "pytorch", "give weights (per gate) or pytorch"),
    ({"readout": None}, "target", "target needs a readout"),
    ({"target": None, "targets": [None, 1], "readout": None}, "targets", "targets need a readout"),
    ({"loss": None, "learning_rate": None}, "target", "target needs a loss"),
    ({"loss": None, "target": None}, "learning_rate", "a learning rate needs a loss"),
])
def test_a_rule_between_keys_is_refused_by_the_loader_and_the_schema_alike(change, where, words):
    from tests.test_backprop_features import refused_alike

    refused_alike(RULED, change, where, words)
