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
    shown = to_sympy(diff(act.definition(Z, params), Z))   # what the "Derivatives used" section shows
    for zval in (-2.5, -0.3, 0.7, 3.1):
        zs = {sp.Symbol("z", real=True): zval}
        assert abs(float(shown.subs(zs)) - float(by_sympy.subs(zs))) < 1e-12


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu"])
def test_kink_convention_at_zero_matches_pytorch(name):
    act = ACTIVATIONS[name]
    params = {"alpha": 0.2} if act.params else {}
    from dlsolve.expr import evaluate
    value = evaluate(act.derivative(Z, A, params), {"z": 0.0, "a": 0.0})
    assert value == {"relu": 0.0, "leaky_relu": 0.2, "elu": 0.2}[name]


# -- every activation against the independent reference of tests/reference.py -----------------
import numpy as np  # noqa: E402
import mpmath as mp  # noqa: E402

from dlsolve.expr import evaluate  # noqa: E402
from dlsolve.solution import Phrase  # noqa: E402
from tests import reference as ref  # noqa: E402

ZS = np.array([-3.0, -0.4, 0.0, 0.25, 2.0])


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_has_a_reference_and_matches_it(name):
    # a new activation needs its independent form in tests/reference.py (ValueError otherwise)
    act = ACTIVATIONS[name]
    alpha = 0.2 if "alpha" in act.params else None
    params = {"alpha": alpha} if alpha is not None else {}
    want = ref.act(name, ZS, alpha)
    if act.coupled:
        zs = [Sym(f"z{k}", f"z{k}", f"z{k}") for k in range(len(ZS))]
        env = {z.key: float(v) for z, v in zip(zs, ZS)}
        got = [evaluate(act.layer_forms(zs, j)[-1], env) for j in range(len(ZS))]
        vec = evaluate(act.vector_form(Z), {"z": ZS})
        np.testing.assert_allclose(vec, want, rtol=1e-14)
    else:
        got = [evaluate(f, {"z": float(v)}) for v in ZS for f in act.forms(Z, params)[-1:]]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-300)


def test_the_softmax_jacobian_matches_finite_differences():
    act = ACTIVATIONS["softmax"]
    z = np.array([0.3, -1.2, 2.0])
    p = ref.act("softmax", z, None)
    h = 1e-6
    for j in range(3):
        for k in range(3):
            dz = np.zeros(3)
            dz[k] = h
            fd = (ref.act("softmax", z + dz, None)[j] - ref.act("softmax", z - dz, None)[j]) / (2 * h)
            a_j, a_k = Sym("aj", "aj", "aj"), Sym("ak", "ak", "ak")
            got = evaluate(act.jacobian(a_j, a_k, j == k), {"aj": p[j], "ak": p[k]})
            assert got == pytest.approx(fd, abs=1e-9)
    jac = evaluate(act.vector_jacobian(Sym("a", "a", "a")), {"a": p})
    np.testing.assert_allclose(jac, np.diag(p) - np.outer(p, p), rtol=1e-15)


@pytest.mark.parametrize("name,z", [("sigmoid", 35.0), ("sigmoid", -30.0), ("tanh", 20.0), ("tanh", -19.0)])
def test_exact_derivative_against_mpmath(name, z):
    mp.mp.dps = 50
    act = ACTIVATIONS[name]
    zz = mp.mpf(z)
    want = (1 / (1 + mp.e ** -zz)) * (1 / (1 + mp.e ** zz)) if name == "sigmoid" else 1 / mp.cosh(zz) ** 2
    assert act.exact_derivative(z) == pytest.approx(float(want), rel=1e-13)


def test_saturation_and_precision_notes_carry_their_values():
    sig = ACTIVATIONS["sigmoid"]
    note = sig.saturation_note(35.0, float(ref.act("sigmoid", np.array(35.0), None)))
    assert isinstance(note, Phrase) and dict(note.values)["gap"] == pytest.approx(float(mp.e ** -35), rel=1e-12)
    assert sig.saturation_note(1.0, 0.73) is None
    a = float(ref.act("sigmoid", np.array(35.0), None))
    assert isinstance(sig.precision_note(35.0, a * (1 - a)), Phrase)      # float64 a(1 − a) lost digits
    assert sig.precision_note(1.0, 0.19661193324148185) is None
