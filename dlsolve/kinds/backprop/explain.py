"""`--explain W2[1,2]`: one parameter's gradient expanded unit by unit inside a solution that
is worked a layer at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dlsolve import notation as N
from dlsolve.errors import OptionError
from dlsolve.expr import Mul, total
from dlsolve.kinds.backprop.base import SolverBase
from dlsolve.kinds.backprop.names import Names
from dlsolve.kinds.backprop.spec import Problem
from dlsolve.solution import Phrase


@dataclass(frozen=True)
class Explain:
    """A parameter named on the command line: W2[1,2] (1-based, as the matrix is given) or b2[1]."""

    text: str
    layer: int
    row: int
    col: int  # for a bias, col is the unit and row is 0


def parse_explain(text: str, net: Problem) -> Explain:
    m = re.fullmatch(r"\s*([Wwb])\s*(\d+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*", text)
    if not m:
        raise OptionError("--explain", f"expected a parameter like 'W2[1,2]' or 'b2[1]', got '{text}'")
    which, l = m.group(1), int(m.group(2))
    if not 1 <= l <= len(net.layers):
        raise OptionError("--explain", f"'{text}': layers are numbered 1 to {len(net.layers)}")
    layer = net.layers[l - 1]
    if which == "b":
        if m.group(4) is not None:
            raise OptionError("--explain", f"'{text}': a bias has one index, b{l}[j]")
        j = int(m.group(3))
        if not 1 <= j <= layer.n_out:
            raise OptionError("--explain", f"'{text}': layer {l} has units 1 to {layer.n_out}")
        return Explain(text.strip(), l, 0, j)
    if m.group(4) is None:
        raise OptionError("--explain", f"'{text}': a weight has two indices, W{l}[row,column]")
    r, c = int(m.group(3)), int(m.group(4))
    rows, cols = (layer.n_in, layer.n_out) if net.layout == "in_out" else (layer.n_out, layer.n_in)
    if not (1 <= r <= rows and 1 <= c <= cols):
        raise OptionError("--explain", f"'{text}': W{l} is {rows}×{cols} (as given)")
    return Explain(text.strip(), l, r, c)


class Explaining(SolverBase):
    def explain_param(self, nm: Names, ex: Explain, units: bool) -> None:
        d, net = self.d, self.net
        layer = net.layers[ex.layer - 1]
        l = ex.layer
        if ex.row == 0:
            j, i = ex.col, None
        else:
            i, j = (ex.row, ex.col) if net.layout == "in_out" else (ex.col, ex.row)
        p = nm.b(l, j) if i is None else nm.w(l, i, j)
        d.section(f"Explained: ∂L/∂{p.uni} ({ex.text})")
        if units:
            d.note("every parameter is already worked unit by unit above")
            return
        if any(nm.dropped(k) for k in range(1, self.L + 1)):
            d.note("with dropout, δ and ∂L/∂W above already go through the mask; --explain expands "
                   "networks without dropout (use --detail units to see every unit)")
            return
        # values of the units involved, read off the layer vectors computed above
        for ll in range(0, self.L + 1):
            size = net.n_input if ll == 0 else net.layers[ll - 1].n_out
            vec = self.array(nm.av(ll))
            for k in range(1, size + 1):
                d.bind(nm.a(ll, k), float(vec[k - 1]))
        zvec = self.array(nm.zv(l))
        d.bind(nm.z(l, j), float(zvec[j - 1]))
        if l == self.L:
            d.bind(nm.delta(l, j), float(self.array(nm.deltav(l))[j - 1]))
            d.text(f"{nm.delta(l, j).uni} is entry {j} of δ^[{l}] computed above.")
        else:
            nxt = net.layers[l]
            dnext = self.array(nm.deltav(l + 1))
            for k in range(1, nxt.n_out + 1):
                d.bind(nm.delta(l + 1, k), float(dnext[k - 1]))
                d.bind(nm.w(l + 1, j, k), float(self.W[l][j - 1, k - 1]))
            da = N.partial(nm.a(l, j), nm.z(l, j))
            d.derive(da, layer.activation.slope(nm.z(l, j), nm.a(l, j), layer.act_params))
            paths_v = [Mul.of(nm.delta(l + 1, k), nm.w(l + 1, j, k)) for k in range(1, nxt.n_out + 1)]
            paths_p = [Mul.of(nm.dz(l + 1, k), N.partial(nm.z(l + 1, k), nm.a(l, j))) for k in range(1, nxt.n_out + 1)]
            sum_v = total(paths_v)
            sum_p = total(paths_p)
            d.derive(nm.delta(l, j), nm.dz(l, j), Mul.of(sum_p, da), Mul.of(sum_v, da),
                     note=Phrase(f"sum over the {{n:int}} paths through layer {l + 1}; δ^[{l + 1}] from above",
                                 n=nxt.n_out))
        if i is None:
            d.derive(nm.param_grad(p), Mul.of(nm.dz(l, j), N.partial(nm.z(l, j), p)), nm.delta(l, j))
        else:
            d.derive(nm.param_grad(p), Mul.of(nm.dz(l, j), N.partial(nm.z(l, j), p)),
                     Mul.of(nm.delta(l, j), nm.a(l - 1, i)))
