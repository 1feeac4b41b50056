"""Each activation's course-form derivative equals sympy.diff of its definition."""

from __future__ import annotations

import pytest
import sympy as sp

from dlsolve.activations import ACTIVATIONS
from dlsolve.expr import Sym
from dlsolve.symbolic import diff, to_sympy

Z, A = Sym("z", "z", "z"), Sym("a", "a", "a")


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.derivative is not None])
@pytest.mark.parametrize("alpha", [0.01, 0.3, 1.0])
def test_course_derivative_equals_sympy_diff(name, alpha):
    act = ACTIVATIONS[name]
    params = {"alpha": alpha} if act.params else {}
    definition = to_sympy(act.definition(Z, params))
    course = to_sympy(act.derivative(Z, A, params)).subs(sp.Symbol("a", real=True), definition)
    by_sympy = sp.diff(definition, sp.Symbol("z", real=True))
    for zval in (-2.5, -0.3, 0.7, 3.1):   # away from the kink at 0
        zs = {sp.Symbol("z", real=True): zval}
        assert abs(float(course.subs(zs)) - float(by_sympy.subs(zs))) < 1e-12
    ours = to_sympy(diff(act.definition(Z, params), Z))  # dlsolve's own symbolic derivative
    for zval in (-2.5, -0.3, 0.7, 3.1):
        zs = {sp.Symbol("z", real=True): zval}
        assert abs(float(ours.subs(zs)) - float(by_sympy.subs(zs))) < 1e-12


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu"])
def test_kink_convention_at_zero_matches_pytorch(name):
    act = ACTIVATIONS[name]
    params = {"alpha": 0.2} if act.params else {}
    from dlsolve.expr import evaluate
    value = evaluate(act.derivative(Z, A, params), {"z": 0.0, "a": 0.0})
    assert value == {"relu": 0.0, "leaky_relu": 0.2, "elu": 0.2}[name]
