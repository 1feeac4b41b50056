"""kind: graph — catalogue P5, BPTT's three paths, random expressions against central finite
differences, hostile strings refused without running anything, and the error messages."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from dlsolve.errors import DlsolveError
from dlsolve.kinds.graph import FUNCS
from dlsolve.load import load_text
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file

P = ROOT / "problems"


def close(got, want, tol=1e-9):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


def test_p5():
    s = solve_file(P / "p5-awx-squared.yaml")
    close(s.answer("h").value, [-1.5, 6.5, -5])
    close(s.answer("yhat").value, 2.25)
    close(s.answer("L").value, 7.5625)
    close(s.answer("dL/dW[1,:]").value, [4.95, 2.475, -14.85, 4.95])
    close(s.answer("dL/dA").value, [-24.75, 107.25, -82.5])


def test_bptt_sums_three_paths_and_matches_finite_differences():
    s = solve_file(P / "graph-rnn-bptt.yaml")
    step = [st for st in s.steps() if st.quantity.uni == "∂L/∂W_h"][0]
    assert "the sum over the 3 paths" in step.note

    def loss(Wx, Wh, Wy):
        h = 0.2
        for x in (1.0, 0.5, -1.0):
            h = np.tanh(Wx * x + Wh * h)
        p = 1 / (1 + np.exp(-Wy * h))
        return -np.log(p)
    e = 1e-6
    close(s.answer("dL/dWh").value, (loss(0.5, 0.8 + e, 1.2) - loss(0.5, 0.8 - e, 1.2)) / (2 * e), tol=1e-7)
    close(s.answer("dL/dWx").value, (loss(0.5 + e, 0.8, 1.2) - loss(0.5 - e, 0.8, 1.2)) / (2 * e), tol=1e-7)
    assert verify_solution(s) == []


def test_symbolic_mode_gives_formulas():
    s = solve_file(P / "graph-symbolic.yaml")
    from dlsolve.symbolic import to_sympy
    import sympy as sp
    x, w, b, y, a, z = (sp.Symbol(n, real=True) for n in "xwbyaz")
    got = to_sympy(s.answer("dL/dw").value)
    # the course's form, σ′ written with a = σ(z): −2(y − a)·a(1 − a)·x …
    assert sp.simplify(got - (-2 * (y - a) * a * (1 - a) * x)) == 0
    # … which is sympy.diff's once a = σ(z) is put in
    want = -2 * (y - a) * sp.exp(-z) / (1 + sp.exp(-z)) ** 2 * x
    assert sp.simplify((got - want).subs(a, 1 / (1 + sp.exp(-z)))) == 0


# -- random expressions against finite differences ---------------------------------------------
UNARY = ["exp({})", "tanh({})", "sigmoid({})", "({})**2", "sqrt(1 + ({})**2)", "log(2 + tanh({}))", "-({})"]
BINARY = ["({}) + ({})", "({}) - ({})", "({}) * ({})", "({}) / (2 + ({})**2)"]


@st.composite
def expressions(draw):
    n = draw(st.integers(1, 3))
    names = {"u": (n, 1), "V": (2, n), "c": (1, 1)}
    vals = {k: np.array(draw(st.lists(st.floats(-1.5, 1.5), min_size=r * c, max_size=r * c))).reshape(r, c)
            for k, (r, c) in names.items()}
    terms = ["V @ u", "c * (V @ u)", "V @ (u * u)", "tanh(V @ u) + c"]
    expr = draw(st.sampled_from(terms))
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            expr = draw(st.sampled_from(UNARY)).format(expr)
        else:
            other = draw(st.sampled_from(["V @ u", "c", "sigmoid(V @ u)"]))
            expr = draw(st.sampled_from(BINARY)).format(expr, other)
    return vals, expr


def np_eval(expr: str, vals: dict) -> float:
    """The same expression evaluated by NumPy — independently of dlsolve's parser and SymPy."""
    env = {"exp": np.exp, "tanh": np.tanh, "sqrt": np.sqrt, "log": np.log,
           "sigmoid": lambda t: 1 / (1 + np.exp(-t)), "sum": np.sum, **vals}
    return float(np.sum(eval(f"sum({expr})", {"__builtins__": {}}, env)))   # test-side oracle only


@given(expressions())
def test_gradients_match_central_differences(case):
    vals, expr = case
    data = {"kind": "graph", "given": {k: v.tolist() for k, v in vals.items()},
            "define": {"f": f"sum({expr})"}, "find": ["f", "df/du", "df/dV", "df/dc"]}
    s = solve_data(data)
    close(s.answer("f").value, np_eval(expr, vals), tol=1e-9)
    for name in ("u", "V", "c"):
        grad = np.zeros_like(vals[name])
        for idx in np.ndindex(grad.shape):
            def f(e):
                shifted = {k: v.copy() for k, v in vals.items()}
                shifted[name][idx] += e
                return np_eval(expr, shifted)
            h = 1e-5
            grad[idx] = (4 * (f(h / 2) - f(-h / 2)) / h - (f(h) - f(-h)) / (2 * h)) / 3
        got = np.asarray(s.answer(f"df/d{name}").value, dtype=float)
        close(got.reshape(-1), grad.reshape(-1), tol=1e-6)
    assert verify_solution(s) == []


# -- hostile strings ---------------------------------------------------------------------------
@pytest.mark.parametrize("hostile", [
    "__import__('os').system('id')", "().__class__", "lambda: 0", "[x for x in y]", "x.__class__",
    "open('/etc/passwd')", "x if x else x", "'text'", "{1: 2}", "x[0]", "exp(" * 60 + "x" + ")" * 60,
    "x + " * 200 + "x", "globals()", "x.real", "(x := 3)", "sum(x, start=1)",
])
def test_hostile_definitions_are_refused(hostile, tmp_path):
    marker = tmp_path / "ran"
    text = json.dumps({"kind": "graph", "given": {"x": [[1], [2]]}, "define": {"y": hostile}, "find": ["y"]})
    with pytest.raises(DlsolveError) as info:
        load_text(text.replace("/etc/passwd", str(marker)), "p.yaml")
    assert "define.y" in str(info.value)
    assert not marker.exists()


# -- errors ------------------------------------------------------------------------------------
def err(data: dict) -> str:
    with pytest.raises(DlsolveError) as info:
        load_text(json.dumps(data), "p.yaml")
    return str(info.value)


G = {"x": [[1], [2]], "W": [[1, 2], [3, 4], [5, 6]], "y": 1}


def test_graph_errors():
    base = {"kind": "graph", "given": G, "find": ["z"]}
    assert "unknown name 'q' (known so far: x, W, y) (column 5 of \"W @ q\")" in \
        err({**base, "define": {"z": "W @ q"}})
    assert "shape mismatch in @: x is 2×1, W is 3×2" in err({**base, "define": {"z": "x @ W"}})
    assert "shape mismatch in +: W @ x is 3×1, x is 2×1 (elementwise needs equal shapes)" in \
        err({**base, "define": {"z": "W @ x + x"}})
    assert "index 4 is out of range 1..3" in err({**base, "define": {"z": "W[4, 1]"}})
    assert "'x' is defined twice (it is already given)" in err({**base, "define": {"x": "y + 1"}})
    assert "definitions are evaluated in order" in err({**base, "define": {"a": "b + 1", "b": "a + 1", "z": "a"}})
    assert "only a scalar can be differentiated" in \
        err({"kind": "graph", "given": G, "define": {"z": "W @ x"}, "find": ["dz/dx"]})
    assert "attribute access '.real' is not allowed (only .T)" in err({**base, "define": {"z": "x.real"}})


def test_max_min_relu_derivatives():
    s = solve_data({"kind": "graph", "given": {"x": 2, "y": 1},
                    "define": {"m": "max(x, y)", "n": "min(x, y)", "r": "relu(x - 3)", "L": "m**2 + 3*n + r"},
                    "find": ["L", "dL/dx", "dL/dy"]})

    def L(x, y):
        return max(x, y) ** 2 + 3 * min(x, y) + max(x - 3, 0)
    e = 1e-6
    close(s.answer("L").value, L(2, 1))
    close(s.answer("dL/dx").value, (L(2 + e, 1) - L(2 - e, 1)) / (2 * e), tol=1e-6)
    close(s.answer("dL/dy").value, (L(2, 1 + e) - L(2, 1 - e)) / (2 * e), tol=1e-6)
    assert verify_solution(s) == []


ATOMS = ["x", "W", "c", "x.T", "W.T", "W[1,:]", "W[:,2]", "x[2]", "W[1:2,1]", "1", "2.5"]
FUNCTIONS = list(FUNCS)  # every function the graph language offers, from the registry
programs = st.recursive(
    st.sampled_from(ATOMS),
    lambda inner: st.one_of(
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(FUNCTIONS), inner),
        st.builds(lambda a, b: f"max({a}, {b})", inner, inner),
        st.builds(lambda a, o, b: f"({a}) {o} ({b})", inner, st.sampled_from(["+", "-", "*", "/", "**", "@"]), inner)),
    max_leaves=8)


@given(programs)
def test_any_program_solves_or_raises_a_typed_error(text):
    from dlsolve.kinds import SolveOptions
    from dlsolve.render import FORMATS, renderer

    data = {"kind": "graph", "given": {"x": [[1], [-0.5], [2]], "W": [[1, 2, -1], [0.5, -2, 3]], "c": 0.7},
            "define": {"f": f"sum({text})"}, "find": ["f", "df/dx", "df/dW", "df/dc"]}
    try:
        p = load_text(json.dumps(data), "p.yaml")
        sol = p.module.solve(p.spec, SolveOptions())
    except DlsolveError:
        return
    for fmt in FORMATS:
        assert renderer(fmt)(precision=4).render(sol)
