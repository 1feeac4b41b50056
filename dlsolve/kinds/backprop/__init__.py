"""kind: backprop — the worked forward and backward pass of a multilayer perceptron.

Small networks (at most DETAIL_LIMIT parameters) are worked unit by unit: every z, a, δ and
every weight's chain-rule product with its factors' values. Larger ones are worked a layer at a
time with vectors and matrices; `explain` expands chosen parameters unit by unit. With several
samples, the first update is worked in full and the later ones give the loss and the new
parameters. Symbolic problems (layers with `units:` only) give the formulas, no numbers. Where
a layer's GELU in its other form (exact or tanh) would change ŷ or L, an "Other conventions"
note gives them, from the problem solved again under it.

The modules follow the solution's sections: spec (the YAML schema and its checks), names (the
notation), base (conventions, given values, derivatives used), units (the unit pass), layers
(the layer pass), training (updates), explain, symbolic, answers.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

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
from dlsolve.solution import Phrase, Solution

KIND = "backprop"

# GELU exact or its tanh approximation, where a layer uses either (`activation: gelu_tanh`): no
# fixed factor says what the other form changes, so the solution solves again under it
FORMS = form_conventions(("layers", "*", "activation", "name"),
                         lambda s: [layer.activation for layer in s.problem.layers])

# Where sources write the same network differently (`dlsolve check` solves again under each to
# name the one a student's value follows).
CONVENTIONS = (
    Convention(("loss", "half"), (False, True), False, {True: "½(y − ŷ)²"}),
    Convention(("loss", "reduction"), ("mean", "sum"), "mean"),
    Convention(("weights_layout",), ("in_out", "out_in"), "in_out", {"in_out": "Keras", "out_in": "PyTorch"}),
    Convention(("update_bias",), (True, False), True),
    Convention(("regularization", "half"), (False, True), False, {True: "λ/2·Σw²"}),
    *FORMS,
)

__all__ = ["KIND", "CONVENTIONS", "DETAIL_LIMIT", "Explain", "Solver", "Spec", "parse_explain", "solve"]


class Solver(UnitPass, LayerPass, Training, Explaining, Symbolic, Answers):
    """Works one problem through a Derivation (see the sibling modules for each part)."""


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    """The worked solution of a backprop problem."""
    return _solve(spec, options or SolveOptions(), other_forms=True)


def _solve(spec: Spec, options: SolveOptions, other_forms: bool) -> Solution:
    net = spec.problem
    # the other activation forms first (solved without theirs): their answers name the steps to compare
    others = _other_forms(spec, options) if other_forms and not net.symbolic else []
    solver = Solver(net, tuple(parse_explain(t, net) for t in options.explain), options)
    solver.conventions()
    if net.symbolic:
        solver.solve_symbolic()
    elif net.loss is None:
        solver.solve_forward()
    else:
        solver.solve_training()
    _form_notes(solver, others)
    return solver.d.solution(KIND, spec.title)


# the answers a note on another activation form gives: the network's output and its loss
_NOTED = (("yhat", "ŷ"), ("loss", "L"))


def _other_forms(spec: Spec, options: SolveOptions) -> list[tuple[str, Solution]]:
    """(label, solution) under each other form of an activation the network uses (FORMS)."""
    data = spec.model_dump(exclude_none=True)
    return [(label, _solve(Spec.model_validate(changed), SolveOptions(detail=options.detail, round=options.round),
                           other_forms=False))
            for conv in FORMS if conv.applies(spec) for label, changed in conv.alternatives(data)]
    # (the other form of the same function takes every layer the first one does: no spec refuses it)


def _form_notes(solver: Solver, others: list[tuple[str, Solution]]) -> None:
    """A note for each other activation form that changes ŷ or L (by more than 1e−9 relative),
    with what it gives: the sheet states the form used, and this what the other would change."""
    d, notes = solver.d, []
    for label, other in others:
        given: dict[str, float | np.ndarray] = {}
        for name, symbol in _NOTED:
            answer = next((a for a in other.answers if a.name == name), None)
            if answer is None or not answer.keys or not all(k in d.env for k in answer.keys):
                continue  # not an answer of this problem (a forward pass has no L)
            theirs = np.asarray(answer.value, dtype=float)
            ours = np.concatenate([np.ravel(np.asarray(d.env[k], dtype=float)) for k in answer.keys])
            if ours.size == theirs.size and not np.allclose(ours, np.ravel(theirs), rtol=1e-9, atol=1e-12):
                given[symbol] = float(theirs) if theirs.ndim == 0 else theirs
        if given:
            names = list(given)
            notes.append(Phrase(f"with {label}: " + ", ".join(f"{s} = {{v{i}}}" for i, s in enumerate(names)),
                                **{f"v{i}": given[s] for i, s in enumerate(names)}))
    if notes:
        d.section("Other conventions", level=1)
        d.text("What the same problem gives under the other form of its activation (solved again under it):")
        for text in notes:
            d.note(text)
