"""The function registry (dlsolve/functions.py): every record is checked against itself from
independent sides — NumPy against the 30-digit SymPy evaluator, the SymPy form through a round
trip, the derivative against central finite differences — and every written name parses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from dlsolve import expr as E
from dlsolve.errors import DlsolveError
from dlsolve.functions import FUNCTIONS, WRITTEN
from dlsolve.kinds.graph import FUNCS as GRAPH_FUNCS
from dlsolve.parse import FUNCTIONS as PARSE_FUNCTIONS
from dlsolve.parse import parse_formula
from dlsolve.render.mathprint import LatexPrinter, UnicodePrinter
from dlsolve.symbolic import from_sympy, to_sympy
from dlsolve.verify import exact_value, verify_solution
from tests.conftest import solve_data

x = E.Sym("x", "x", "x")
y = E.Sym("y", "y", "y")
POINTS = [-1.7, -0.4, 0.3, 0.7, 1.5, 2.2]          # none at a kink (0) or an integer (floor)
MAP = [f for f in FUNCTIONS.values() if f.shape == "map"]
ids = lambda fs: [f.name for f in fs]  # noqa: E731


def finite_points(f):
    with np.errstate(all="ignore"):
        return [p for p in POINTS if np.isfinite(f.numpy(np.float64(p)))]


def n30(v):
    return float(sp.N(v, 30))


@pytest.mark.parametrize("f", MAP, ids=ids(MAP))
def test_numpy_and_exact_forms_agree(f):
    e = E.call(f.name, x)
    for p in finite_points(f):
        assert math.isclose(E.evaluate(e, {"x": p}), n30(exact_value(e, {"x": p})), rel_tol=1e-12, abs_tol=1e-14)


def test_functions_of_several_arguments_or_of_all_entries():
    v = np.array([0.5, -2.0, 3.0])
    env = {"x": 1.5, "y": -0.25, "v": v}
    vs = E.Sym("v", "v", "v")
    cases = {"max": ([x, y], 1.5), "min": ([x, y], -0.25), "sum": ([vs], 1.5), "mean": ([vs], 0.5)}
    for name, (args, want) in cases.items():
        e = E.call(name, *args)
        assert E.evaluate(e, env) == pytest.approx(want)          # hand-computed values
        assert n30(exact_value(e, env)) == pytest.approx(want)
    assert E.evaluate(E.call("max", vs), env) == 3.0               # one argument: of all its entries
    soft = np.exp(v) / np.exp(v).sum()
    assert np.allclose(E.evaluate(E.call("softmax", vs), env), soft)
    assert np.allclose([n30(t) for t in exact_value(E.call("softmax", vs), env)], soft)
    assert np.array_equal(E.evaluate(E.call("diag", vs), env), np.diag(v))


ROUND_TRIP = [f for f in FUNCTIONS.values() if f.sympy is not None and f.shape in ("map", "pick")]


@pytest.mark.parametrize("f", ROUND_TRIP, ids=ids(ROUND_TRIP))
def test_sympy_round_trip(f):
    e = E.call(f.name, x) if f.shape == "map" else E.call(f.name, x, y)
    s = to_sympy(e)
    back = from_sympy(s, {"x": x, "y": y})
    if f.sympy_head:  # SymPy's class comes back as this very function
        assert isinstance(back, E.Call) and back.fn is f
    for p in finite_points(f):
        env = {"x": p, "y": 0.9}
        assert math.isclose(E.evaluate(back, env), E.evaluate(e, env), rel_tol=1e-12, abs_tol=1e-14)
        assert math.isclose(n30(to_sympy(back).subs({sp.Symbol("x", real=True): p, sp.Symbol("y", real=True): 0.9})),
                            E.evaluate(e, env), rel_tol=1e-12, abs_tol=1e-14)


@pytest.mark.parametrize("f", [f for f in MAP if f.derivative], ids=ids([f for f in MAP if f.derivative]))
def test_derivative_matches_central_differences(f):
    d = f.derivative(x)
    h = 1e-6
    for p in finite_points(f):
        fd = (f.numpy(np.float64(p + h)) - f.numpy(np.float64(p - h))) / (2 * h)
        assert math.isclose(E.evaluate(d, {"x": p}), fd, rel_tol=1e-6, abs_tol=1e-7), (f.name, p)
        # and SymPy's own derivative of the SymPy form says the same
        sd = sp.diff(f.sympy_form(sp, sp.Symbol("x", real=True)), sp.Symbol("x", real=True))
        if sd.has(sp.Derivative):  # SymPy leaves d floor(x)/dx unevaluated
            continue
        assert math.isclose(n30(sd.subs(sp.Symbol("x", real=True), p)), fd, rel_tol=1e-6, abs_tol=1e-7)


@pytest.mark.parametrize("written", sorted(WRITTEN))
def test_every_written_name_parses_and_prints(written):
    f = FUNCTIONS[WRITTEN[written]]
    assert written in GRAPH_FUNCS
    data = {"kind": "graph", "given": {"x": [[0.5], [1.5]]}, "define": {"f": f"sum({written}(x))"},
            "find": ["f", "df/dx"]}
    if f.no_gradient:  # argmax, onehot: the derivative is refused with the record's reason
        with pytest.raises(DlsolveError, match="has no gradient"):
            solve_data(data)
        data["find"] = ["f"]
    sol = solve_data(data)
    assert verify_solution(sol) == []
    if f.shape == "map":
        assert PARSE_FUNCTIONS[written] == f.name
        e = parse_formula(f"{written}(x)", {"x": x})
        assert isinstance(e, E.Call) and e.fn is f
        assert UnicodePrinter().print(e) and LatexPrinter().print(e)


def test_softplus_is_one_record_everywhere():
    """softplus was added as a single record; every part of dlsolve knows it."""
    e = parse_formula("softplus(x)", {"x": x})
    for p in POINTS:
        assert math.isclose(E.evaluate(e, {"x": p}), math.log1p(math.exp(p)), rel_tol=1e-14)
    assert UnicodePrinter().print(e) == "softplus(x)"
    assert LatexPrinter().print(e) == r"\operatorname{softplus}\left(x\right)"
    sol = solve_data({"kind": "graph", "given": {"w": 0.8, "x": -1.5},
                      "define": {"L": "softplus(w*x)"}, "find": ["L", "dL/dw"]})
    assert math.isclose(sol.answer("L").value, math.log1p(math.exp(-1.2)), rel_tol=1e-12)
    assert math.isclose(sol.answer("dL/dw").value, -1.5 / (1 + math.exp(1.2)), rel_tol=1e-12)
    assert verify_solution(sol) == []


def test_nodes_rebuild_from_their_children():
    from fractions import Fraction

    parts = [x + y, x - y, x * y, E.hadamard(x, y), x / y, x ** E.Num(2), -x, E.call("max", x, y),
             E.Piecewise(((x, E.Cmp(">", x, E.Num(0))),), E.Num(Fraction(1, 2))), x @ y, E.Transpose(x),
             E.Outer(x, y, rows=False)]
    u = UnicodePrinter()
    for e in parts:
        again = e.rebuild(*e.children())
        assert type(again) is type(e) and u.print(again) == u.print(e)
    swapped = E.substitute(parts[8] + parts[11], {"x": E.call("tanh", y)})
    assert u.print(swapped) == "{tanh(y) if tanh(y) > 0; 1/2 otherwise} + tanh(y)·yᵀ"
    assert u.print(E.drop_ones(E.call("exp", E.Num(1) * x * E.Num(1)) + E.Num(0))) == "e^(x)"


def test_graph_names_come_from_the_registry():
    assert set(GRAPH_FUNCS) == {w for w, k in WRITTEN.items() if FUNCTIONS[k].sympy is not None}
    assert json.dumps(sorted(PARSE_FUNCTIONS)) and "ln" in PARSE_FUNCTIONS and "sum" not in PARSE_FUNCTIONS


def test_sympy_forms_stop_where_float64_ends():
    """e^x, softplus, sin and cos of numbers far beyond float64 give what float64 gives (∞, 0, x,
    NaN) instead of SymPy computing e^(2^6000) or reducing 2^6000 modulo 2π digit by digit."""
    big = sp.Integer(2 ** 6000)
    assert FUNCTIONS["exp"].sympy_form(sp, big) == sp.oo and FUNCTIONS["exp"].sympy_form(sp, -big) == 0
    assert FUNCTIONS["exp"].sympy_form(sp, sp.Integer(2 ** 60) * sp.log(-8)) is sp.nan
    assert FUNCTIONS["softplus"].sympy_form(sp, big) == big and FUNCTIONS["softplus"].sympy_form(sp, -big) == 0
    assert FUNCTIONS["sin"].sympy_form(sp, big) is sp.nan and FUNCTIONS["cos"].sympy_form(sp, sp.oo) is sp.nan
    assert FUNCTIONS["sigma"].sympy_form(sp, -big) == 0 and FUNCTIONS["sigma"].sympy_form(sp, big) == 1
    # within float64's range nothing changes
    assert FUNCTIONS["exp"].sympy_form(sp, sp.Integer(700)) == sp.exp(700)


def test_a_call_node_holds_its_record_and_pickles_as_a_reference():
    import copy
    import pickle

    e = E.call("tanh", x) + E.call("logit", y)
    again = pickle.loads(pickle.dumps(e))
    assert again.terms[0].fn is FUNCTIONS["tanh"] and again.terms[1].fn is FUNCTIONS["logit"]
    assert copy.deepcopy(e).terms[0].fn is FUNCTIONS["tanh"]
    assert E.evaluate(again, {"x": 0.5, "y": 0.25}) == pytest.approx(math.tanh(0.5) + math.log(0.25 / 0.75), rel=1e-15)


def test_prose_typesets_function_names_as_their_records_do():
    """render/notation reads the records' TeX (it kept a second table that disagreed: sigmoid, relu)."""
    from dlsolve.render.notation import to_tex

    for written in ("sigmoid", "relu", "gelu", "tanh", "logit"):
        assert to_tex(f"{written}(z)").startswith(FUNCTIONS[WRITTEN[written]].tex), written
    assert to_tex("sigmoid(z)") == r"\sigma(z)"
    assert to_tex("ln(x)") == r"\ln(x)" and to_tex("sqrt(x)") == r"\mathrm{sqrt}(x)"  # √ needs its argument
