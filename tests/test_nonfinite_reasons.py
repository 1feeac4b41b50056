"""Every NaN or ∞ shown carries its reason (issue 26): a graph formula SymPy reduces to 1/0 before
any value is put in, and an optimizer with ε = 0 and a zero gradient (α = 0.1/√0 = ∞, then ∞·0)."""

from __future__ import annotations

import math

from dlsolve.solution import Step
from tests.conftest import solve_data


def steps(solution):
    return {b.quantity.uni: b for s in solution.sections for b in s.blocks if isinstance(b, Step)}


def test_a_graph_formula_that_is_1_over_0_whatever_the_values_says_so():
    sol = solve_data({"kind": "graph", "given": {"h0": 2}, "define": {"y": "1/(h0 - h0)", "w": "0**-1"},
                      "find": ["y", "w"]})
    for name in ("y", "w"):
        step = steps(sol)[name]
        assert math.isinf(float(step.value))          # 1/0 in the extended reals, as float64 says
        assert "divides by 0" in str(step.note), step


def test_an_optimizer_with_zero_epsilon_and_zero_gradient_names_0_times_infinity():
    sol = solve_data({"kind": "optimizer", "optimizer": "rmsprop", "learning_rate": 0.1, "beta": 0.9,
                      "epsilon": 0, "initial_weight": 1.0, "gradients": [0, 0.5]})
    shown = steps(sol)
    alpha, dw = shown["α₁"], shown["Δw₁"]
    assert math.isinf(float(alpha.value)) and "divides by 0" in str(alpha.note)      # 0.1/√(0 + 0)
    assert math.isnan(float(dw.value)) and "0·∞ is undefined" in str(dw.note) and "α₁ is ∞" in str(dw.note)
