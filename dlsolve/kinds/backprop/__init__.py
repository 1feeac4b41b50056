"""kind: backprop — the worked forward and backward pass of a multilayer perceptron.

Small networks (at most DETAIL_LIMIT parameters) are worked unit by unit: every z, a, δ and
every weight's chain-rule product with its factors' values. Larger ones are worked a layer at a
time with vectors and matrices; `explain` expands chosen parameters unit by unit. With several
samples, the first update is worked in full and the later ones give the loss and the new
parameters. Symbolic problems (layers with `units:` only) give the formulas, no numbers.

The modules follow the solution's sections: spec (the YAML schema and its checks), names (the
notation), base (conventions, given values, derivatives used), units (the unit pass), layers
(the layer pass), training (updates), explain, symbolic, answers.
"""

from __future__ import annotations

from typing import Optional

from dlsolve.activations import form_conventions
from dlsolve.conventions import Convention
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.backprop.answers import Answers
from dlsolve.kinds.backprop.base import DETAIL_LIMIT
from dlsolve.kinds.backprop.explain import Explain, Explaining, parse_explain
from dlsolve.kinds.backprop.layers import LayerPass
from dlsolve.kinds.backprop.spec import Spec
from dlsolve.kinds.backprop.symbolic import Symbolic
from dlsolve.kinds.backprop.training import Training
from dlsolve.kinds.backprop.units import UnitPass
from dlsolve.solution import Solution

KIND = "backprop"

# Where sources write the same network differently (`dlsolve check` solves again under each to
# name the one a student's value follows).
CONVENTIONS = (
    Convention(("loss", "half"), (False, True), False, {True: "½(y − ŷ)²"}),
    Convention(("loss", "reduction"), ("mean", "sum"), "mean"),
    Convention(("weights_layout",), ("in_out", "out_in"), "in_out", {"in_out": "Keras", "out_in": "PyTorch"}),
    Convention(("update_bias",), (True, False), True),
    Convention(("regularization", "half"), (False, True), False, {True: "λ/2·Σw²"}),
    # GELU exact or its tanh approximation, where a layer uses either (`activation: gelu_tanh`)
    *form_conventions(("layers", "*", "activation"), lambda s: [layer.activation for layer in s.problem.layers]),
)

__all__ = ["KIND", "CONVENTIONS", "DETAIL_LIMIT", "Explain", "Solver", "Spec", "parse_explain", "solve"]


class Solver(UnitPass, LayerPass, Training, Explaining, Symbolic, Answers):
    """Works one problem through a Derivation (see the sibling modules for each part)."""


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    """The worked solution of a backprop problem."""
    net = spec.problem
    options = options or SolveOptions()
    solver = Solver(net, tuple(parse_explain(t, net) for t in options.explain), options)
    solver.conventions()
    if net.symbolic:
        solver.solve_symbolic()
    elif net.loss is None:
        solver.solve_forward()
    else:
        solver.solve_training()
    return solver.d.solution(KIND, spec.title)
