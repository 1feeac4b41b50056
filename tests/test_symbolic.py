"""Catalogue P2: a problem with units: and no weights gives exactly the nine formulas."""

from __future__ import annotations

import sympy as sp

from dlsolve.render.mathprint import UnicodePrinter
from dlsolve.symbolic import to_sympy
from tests.conftest import ROOT, solve_file


def R(name):
    return sp.Symbol(name, real=True)


def test_p2_nine_partial_derivatives():
    s = solve_file(ROOT / "problems" / "p2-symbolic-2-2-1.yaml")
    y, yh, x1, x2 = R("y"), R("yhat"), R("x_1"), R("x_2")
    w11_2, w21_2 = R("w2_1_1"), R("w2_2_1")
    a1, a2 = R("a1_1"), R("a1_2")
    g = -2 * (y - yh)
    dW1 = s.answer("dW1").value   # in_out: rows inputs, columns hidden units
    want_dW1 = [[g * w11_2 * x1, g * w21_2 * x1], [g * w11_2 * x2, g * w21_2 * x2]]
    for r in range(2):
        for c in range(2):
            assert sp.simplify(to_sympy(dW1[r][c]) - want_dW1[r][c]) == 0
    db1 = s.answer("db1").value
    assert sp.simplify(to_sympy(db1[0]) - g * w11_2) == 0
    assert sp.simplify(to_sympy(db1[1]) - g * w21_2) == 0
    dW2 = s.answer("dW2").value
    assert sp.simplify(to_sympy(dW2[0][0]) - g * a1) == 0
    assert sp.simplify(to_sympy(dW2[1][0]) - g * a2) == 0
    assert sp.simplify(to_sympy(s.answer("db2").value[0]) - g) == 0
    # written as the course writes them: −2(y − ŷ) first, no factors of 1
    text = UnicodePrinter().print(dW1[0][0])
    assert text == "−2·(y − ŷ)·w₁₁^[2]·x₁"
    # no numbers: every step whose formula has symbols stays a formula
    assert all(st.value is None for st in s.steps() if st.formula.symbols())


def test_symbolic_two_outputs_sums_over_paths():
    from tests.conftest import solve_data

    s = solve_data({"kind": "backprop", "input_units": 1,
                    "layers": [{"units": 1, "activation": "tanh"}, {"units": 2, "activation": "sigmoid"}],
                    "loss": "mse"})
    expr = to_sympy(s.answer("dW1").value[0][0])
    # two paths from w₁₁^[1] to L: through ŷ₁ and through ŷ₂
    assert expr.has(R("yhat_1")) and expr.has(R("yhat_2"))
