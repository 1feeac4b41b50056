"""Symbolic problems (layers with `units:` only): every answer is a formula, no numbers."""

from __future__ import annotations

import numpy as np

from dlsolve import notation as N
from dlsolve.expr import Mul, drop_ones
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.solution import GIVEN


class Symbolic(SolverBase):
    def solve_symbolic(self) -> None:
        d, net = self.d, self.net
        nm = Names(net)
        d.section("Given")
        d.text(f"A symbolic problem: inputs x₁ … x{N.subscript(net.n_input)}, every weight and bias a symbol, "
               "target y. Each answer is a formula; no numbers are computed.", part=GIVEN)
        d.text(self.model_text(), part=GIVEN)
        self.rules()
        d.section("Forward pass")
        self.forward_units(nm, np.array([]))
        d.section("Loss")
        self.loss_units(nm, None)
        d.section("Backward pass")
        local = self.backward_units(nm)
        for layer in net.layers:
            l = layer.index
            grads = [[drop_ones(Mul.of(local[nm.dz(l, j).key], nm.a(l - 1, i)))
                      for j in range(1, layer.n_out + 1)] for i in range(1, layer.n_in + 1)]
            if net.layout == "out_in":
                grads = [list(r) for r in zip(*grads)]
            rows, cols = len(grads), len(grads[0])
            wkeys = tuple(nm.param_grad(nm.w_given(l, r, c)).key for r in range(1, rows + 1) for c in range(1, cols + 1))
            d.answer(f"dW{l}", grads, f"∂L/∂W^[{l}]", keys=wkeys)
            d.answer(f"db{l}", [drop_ones(local[nm.dz(l, j).key]) for j in range(1, layer.n_out + 1)],
                     f"∂L/∂b^[{l}]", keys=tuple(nm.param_grad(nm.b(l, j)).key for j in range(1, layer.n_out + 1)))
