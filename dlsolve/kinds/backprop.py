"""kind: backprop — the worked forward and backward pass of a multilayer perceptron.

Small networks (at most DETAIL_LIMIT parameters) are worked unit by unit: every z, a, δ and
every weight's chain-rule product with its factors' values. Larger ones are worked a layer at a
time with vectors and matrices; `explain` expands chosen parameters unit by unit. With several
samples, the first update is worked in full and the later ones give the loss and the new
parameters. Symbolic problems (layers with `units:` only) give the formulas, no numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import OptionError
from dlsolve.expr import (Add, Expr, Mul, Num, Outer, Sym, Transpose, call, drop_ones,
                          hadamard, substitute, MatMul)
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.backprop_spec import Layer, Net, Spec  # noqa: F401 - Spec is this kind's schema
from dlsolve.solution import Solution

KIND = "backprop"
DETAIL_LIMIT = 60

# Generic scalar symbols for the rules shown once ("Derivatives used").
_Z = Sym("z", "z", "z")
_A = Sym("a", "a", "a")
_Y = Sym("y", "y", "y")
_YH = Sym("yhat", "ŷ", r"\hat{y}")


@dataclass(frozen=True)
class Explain:
    """A parameter named on the command line: W2[1,2] (1-based, as the matrix is given) or b2[1]."""

    text: str
    layer: int
    row: int
    col: int  # for a bias, col is the unit and row is 0


def parse_explain(text: str, net: Net) -> Explain:
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


class Names:
    """The symbols of one network (and one sample of a batch): the course's notation."""

    def __init__(self, net: Net, sample: Optional[int] = None) -> None:
        self.net = net
        self.L = len(net.layers)
        self.s = sample

    def _single(self, l: int) -> bool:
        return l == self.L and self.net.layers[-1].n_out == 1

    def x(self, i: int) -> Sym:
        return N.quantity("x", "x", "x", (i,), sample=self.s)

    def a(self, l: int, j: int) -> Sym:
        if l == 0:
            return self.x(j)
        if l == self.L:
            return self.yhat(j)
        return N.quantity("a", "a", "a", (j,), layer=l, sample=self.s)

    def z(self, l: int, j: int) -> Sym:
        return N.quantity("z", "z", "z", () if self._single(l) else (j,), layer=l, sample=self.s)

    def w(self, l: int, i: int, j: int) -> Sym:
        """The weight joining input i of layer l to its unit j, named by its place as given."""
        r, c = (i, j) if self.net.layout == "in_out" else (j, i)
        return N.quantity("w", "w", "w", (r, c), layer=l)

    def b(self, l: int, j: int) -> Sym:
        return N.quantity("b", "b", "b", () if self._single(l) else (j,), layer=l)

    def y(self, k: int) -> Sym:
        return N.quantity("y", "y", "y", () if self._single(self.L) else (k,), sample=self.s)

    def yhat(self, k: int) -> Sym:
        return N.quantity("yhat", "ŷ", r"\hat{y}", () if self._single(self.L) else (k,), sample=self.s)

    def loss(self) -> Sym:
        return N.quantity("L", "L", "L", sample=self.s)

    def dz(self, l: int, j: int) -> Sym:
        return N.partial(self.loss(), self.z(l, j))

    def delta(self, l: int, j: int) -> Sym:
        z = self.z(l, j)
        sub = z.uni[1:]
        return N.renamed(self.dz(l, j), "δ" + sub, r"\delta" + z.tex[1:])

    def param_grad(self, p: Sym) -> Sym:
        return N.partial(self.loss(), p)

    # -- whole-layer symbols (vector mode) ---------------------------------------------------
    def vec(self, base: str, uni: str, tex: str, l: Optional[int]) -> Sym:
        return N.quantity(base + "v", uni, tex, layer=l, sample=self.s)

    def xv(self) -> Sym:
        return self.vec("x", "x", r"\mathbf{x}", None)

    def av(self, l: int) -> Sym:
        if l == 0:
            return self.xv()
        if l == self.L:
            return self.vec("yhat", "ŷ", r"\hat{\mathbf{y}}", None)
        return self.vec("a", "a", r"\mathbf{a}", l)

    def zv(self, l: int) -> Sym:
        return self.vec("z", "z", r"\mathbf{z}", l)

    def yv(self) -> Sym:
        return self.vec("y", "y", r"\mathbf{y}", None)

    def Wm(self, l: int) -> Sym:
        return N.quantity("Wm", "W", "W", layer=l)

    def bv(self, l: int) -> Sym:
        return N.quantity("bv", "b", r"\mathbf{b}", layer=l)

    def deltav(self, l: int) -> Sym:
        return N.renamed(N.partial(self.loss(), self.zv(l)), f"δ^[{l}]" + (f"({self.s})" if self.s else ""),
                         r"\boldsymbol{\delta}" + self.zv(l).tex[len(r"\mathbf{z}"):])


def name_text(act, layer: Layer) -> str:
    params = ", ".join(f"{k} = {v:g}" for k, v in layer.act_params.items())
    label = {"sigmoid": "σ(z)", "tanh": "tanh(z)", "relu": "ReLU(z)", "linear": "z"}.get(act.name, f"{act.name}(z)")
    return label + (f" with {params}" if params else "")


def _fmt(x: float) -> str:
    return f"{x:.2g}".replace("-", "−")


def _saturation_note(act_name: str, z_value: float, a_value: float) -> Optional[str]:
    if act_name == "sigmoid" and a_value not in (0.0, 1.0) and min(a_value, 1 - a_value) < 1e-4:
        gap = float(_sigmoid_gap(z_value))
        near = "1 − " if a_value > 0.5 else ""
        return (f"σ({z_value:g}) = {near}{_fmt(gap)}, which rounds to {round(a_value)}; "
                f"its derivative a(1 − a) ≈ {_fmt(gap)} is small but not 0")
    if act_name == "sigmoid" and a_value in (0.0, 1.0):
        return (f"σ({z_value:g}) is {int(a_value)} in float64 (saturated): "
                "its derivative a(1 − a) is 0 here, so no gradient flows through this unit")
    if act_name == "tanh" and a_value not in (-1.0, 1.0) and 1 - abs(a_value) < 1e-4:
        return f"tanh({z_value:g}) = {np.sign(a_value):+.0f} ∓ {_fmt(1 - abs(a_value))}: saturated, derivative ≈ {_fmt(1 - a_value**2)}"
    return None


def _sigmoid_gap(z: float) -> float:
    """min(σ(z), 1 − σ(z)) = σ(−|z|), computed without the cancellation of 1 − σ(z)."""
    e = np.exp(-abs(z))
    return e / (1.0 + e)


def _derivative_precision_note(act_name: str, z: float, value: float) -> Optional[str]:
    """When float64 a(1 − a) (or 1 − a²) has lost digits to cancellation, say so and give the
    exact value from the stable closed form σ(z)·σ(−z) (or 1/cosh²z)."""
    if act_name == "sigmoid":
        exact = _sigmoid_gap(z) * (1.0 - _sigmoid_gap(z))
    elif act_name == "tanh":
        exact = 1.0 / np.cosh(z) ** 2 if abs(z) < 350 else 0.0
    else:
        return None
    if exact == 0.0 or abs(value - exact) <= 1e-6 * abs(exact):
        return None
    return (f"float64 cancellation: 1 − a keeps few digits when a is this close to "
            f"{'1' if z > 0 else '0' if act_name == 'sigmoid' else '−1'}; the exact value is {_fmt(exact)} "
            f"(from σ(z)·σ(−z)), a relative difference of {abs(value - exact) / abs(exact):.0%} — "
            "frameworks computing in float64 get the float64 value too")


class Solver:
    """Works one problem through a Derivation. State: the current parameters (in_out arrays)."""

    def __init__(self, net: Net, explain: tuple[Explain, ...] = (), detail: str = "auto",
                 options: Optional[SolveOptions] = None) -> None:
        self.net = net
        self.d = Derivation(options)
        self.explain = explain
        self.W = [None if l.W is None else l.W.copy() for l in net.layers]
        self.b = [None if l.b is None else l.b.copy() for l in net.layers]
        self.detail = net.symbolic or (net.n_params <= DETAIL_LIMIT if detail == "auto" else detail == "units")
        self.L = len(net.layers)
        self._dloss: Optional[Expr] = None

    # == rules ==============================================================================
    def loss_derivative(self) -> Expr:
        """∂ℓ/∂ŷ for generic y, ŷ, by sympy.diff (computed once)."""
        if self._dloss is None:
            from dlsolve.symbolic import diff

            net = self.net
            self._dloss = diff(net.loss.term(_Y, _YH, net.loss_options), _YH)
        return self._dloss

    def loss_scale(self) -> Expr | None:
        n = self.net.n_out
        if self.net.reduction == "mean" and n > 1:
            return Num(Fraction(1, n))
        return None

    def dL_dyhat(self, y: Expr, yhat: Expr) -> Expr:
        body = substitute(self.loss_derivative(), {_Y.key: y, _YH.key: yhat})
        scale = self.loss_scale()
        return body if scale is None else Mul.of(scale, body)

    def rules(self) -> None:
        """Show once the derivatives the backward pass uses, each from sympy.diff."""
        from dlsolve.symbolic import diff

        d, net = self.d, self.net
        d.section("Derivatives used")
        seen = set()
        for layer in net.layers:
            act = layer.activation
            key = (act.name, tuple(sorted(layer.act_params.items())))
            if key in seen or act.derivative is None:
                continue
            seen.add(key)
            fz = act.definition(_Z, layer.act_params)
            label = Sym(f"rule:{act.name}", f"a = {name_text(act, layer)}", "a")
            if not _same_text(fz, _Z) and act.name != "tanh":
                d.derive(label, fz)
            sympy_form = diff(fz, _Z)
            course = act.derivative(_Z, _A, layer.act_params)
            forms = [sympy_form] if _same_text(sympy_form, course) else [sympy_form, course]
            d.derive(Sym(f"rule:d{act.name}", "∂a/∂z", r"\frac{\partial a}{\partial z}"), *forms,
                     note=f"from sympy.diff of a = {name_text(act, layer)}" + (
                         ", then written with the unit's output a, as the course does" if len(forms) > 1 else ""))
        if any(l.activation.name == "softmax" for l in net.layers) and net.loss.name != "cce":
            d.note("softmax: ∂ŷ_j/∂z_k = ŷ_j(1 − ŷ_k) for j = k and −ŷ_j·ŷ_k for j ≠ k")
        term = net.loss.term(_Y, _YH, net.loss_options)
        d.derive(Sym("rule:loss", "ℓ(y, ŷ)", r"\ell(y, \hat{y})"), term, note=f"{net.loss.title} of one output unit")
        d.derive(Sym("rule:dloss", "∂ℓ/∂ŷ", r"\frac{\partial \ell}{\partial \hat{y}}"), self.loss_derivative(),
                 note="from sympy.diff")

    # == one sample, unit by unit ============================================================
    def forward_units(self, nm: Names, x: np.ndarray) -> None:
        d, net = self.d, self.net
        for i, xi in enumerate(x, 1):
            d.bind(nm.x(i), float(xi))
        for layer in net.layers:
            l = layer.index
            d.section(f"Layer {l}" + (" (output)" if l == self.L else ""), level=2)
            for j in range(1, layer.n_out + 1):
                terms = [self._product(nm, l, i, j) for i in range(1, layer.n_in + 1)]
                d.derive(nm.z(l, j), Add.of(*terms, nm.b(l, j)))
            self._activate_units(nm, layer)

    def _product(self, nm: Names, l: int, i: int, j: int) -> Expr:
        a, w = nm.a(l - 1, i), nm.w(l, i, j)
        return Mul.of(a, w) if self.net.layout == "in_out" else Mul.of(w, a)

    def _activate_units(self, nm: Names, layer: Layer) -> None:
        d, l, act = self.d, layer.index, layer.activation
        if act.name == "softmax":
            zs = [nm.z(l, k) for k in range(1, layer.n_out + 1)]
            zvals = [d.env.get(z.key) for z in zs]
            shift = None
            if all(v is not None for v in zvals) and max(zvals) > 700:
                shift = Sym(f"zmax{l}", f"max z^[{l}]", rf"\max z^{{[{l}]}}")
                d.derive(shift, call("max", *zs) if len(zs) == 2 else zs[int(np.argmax(zvals))],
                         note="subtracted before exponentiating so e^z does not overflow; the ratio is unchanged")
            for j in range(1, layer.n_out + 1):
                plain = call("exp", nm.z(l, j)) / Add.of(*(call("exp", z) for z in zs))
                forms = [plain]
                if shift is not None:
                    forms.append(call("exp", nm.z(l, j) - shift) / Add.of(*(call("exp", z - shift) for z in zs)))
                d.derive(nm.a(l, j), *forms)
            return
        for j in range(1, layer.n_out + 1):
            z = nm.z(l, j)
            forms = act.forms(z, layer.act_params)
            zval = d.env.get(z.key)
            value = d.derive(nm.a(l, j), *forms,
                             note=(lambda v, zv=zval: _saturation_note(act.name, zv, v)) if zval is not None else None)
            if act.kink_at_zero and zval == 0.0 and value is not None:
                d.note(f"{z.uni} = 0 exactly: {act.kink_at_zero}")

    def loss_units(self, nm: Names, y: Optional[np.ndarray]) -> None:
        d, net = self.d, self.net
        if y is not None:
            for k, yk in enumerate(y, 1):
                d.bind(nm.y(k), float(yk))
        terms = [net.loss.term(nm.y(k), nm.yhat(k), net.loss_options) for k in range(1, net.n_out + 1)]
        scale = self.loss_scale()
        formula = terms[0] if len(terms) == 1 else Add.of(*terms)
        if scale is not None:
            formula = Mul.of(scale, formula)
        d.derive(nm.loss(), formula)

    def backward_units(self, nm: Names) -> dict[str, Expr]:
        """δ of every unit and ∂L/∂(every parameter). Returns each δ's formula in local terms
        (for symbolic answers)."""
        d, net = self.d, self.net
        local: dict[str, Expr] = {}
        for layer in reversed(net.layers):
            l = layer.index
            d.section(f"Layer {l}" + (" (output)" if l == self.L else ""), level=2)
            if l == self.L:
                self._output_deltas(nm, layer, local)
            else:
                nxt = net.layers[l]  # layer l + 1
                for j in range(1, layer.n_out + 1):
                    da = N.partial(nm.a(l, j), nm.z(l, j))
                    self._act_derivative(nm, layer, j, da, local)
                    paths_p = [Mul.of(nm.dz(l + 1, k), N.partial(nm.z(l + 1, k), nm.a(l, j)))
                               for k in range(1, nxt.n_out + 1)]
                    paths_v = [Mul.of(nm.delta(l + 1, k), nm.w(l + 1, j, k)) for k in range(1, nxt.n_out + 1)]
                    sum_p = paths_p[0] if len(paths_p) == 1 else Add.of(*paths_p)
                    sum_v = paths_v[0] if len(paths_v) == 1 else Add.of(*paths_v)
                    note = (f"sum over the {len(paths_p)} paths from {nm.a(l, j).uni} through layer {l + 1}"
                            if len(paths_p) > 1 else None)
                    expanded = drop_ones(Mul.of(
                        Add.of(*(Mul.of(local[nm.dz(l + 1, k).key], nm.w(l + 1, j, k))
                                 for k in range(1, nxt.n_out + 1))) if nxt.n_out > 1 else
                        Mul.of(local[nm.dz(l + 1, 1).key], nm.w(l + 1, j, 1)),
                        local[da.key]))
                    local[nm.dz(l, j).key] = expanded
                    extra = [expanded] if net.symbolic else []
                    d.derive(nm.delta(l, j), nm.dz(l, j), Mul.of(sum_p, da), Mul.of(sum_v, da), *extra, note=note)
            self._param_grads_units(nm, layer, local)
        return local

    def _act_derivative(self, nm: Names, layer: Layer, j: int, da: Sym, local: dict[str, Expr]) -> None:
        z, a = nm.z(layer.index, j), nm.a(layer.index, j)
        formula = layer.activation.derivative(z, a, layer.act_params)
        zval = self.d.env.get(z.key)
        value = self.d.derive(da, formula, note=None if zval is None else (
            lambda v, zv=zval: _derivative_precision_note(layer.activation.name, zv, v)))
        local[da.key] = formula
        if layer.activation.kink_at_zero and zval == 0.0 and value is not None:
            self.d.note(f"{z.uni} = 0 exactly: {layer.activation.kink_at_zero}")

    def _output_deltas(self, nm: Names, layer: Layer, local: dict[str, Expr]) -> None:
        d, net, l = self.d, self.net, layer.index
        n = layer.n_out
        if layer.activation.name == "softmax" and net.loss.name == "cce":
            d.note("softmax output with cross-entropy: ∂L/∂z_k = Σ_j ∂L/∂ŷ_j·∂ŷ_j/∂z_k "
                   "= Σ_j (−y_j/ŷ_j)·ŷ_j(1[j = k] − ŷ_k) = ŷ_k·Σ_j y_j − y_k = ŷ_k − y_k, because Σ_j y_j = 1")
            for k in range(1, n + 1):
                f = nm.yhat(k) - nm.y(k)
                d.derive(nm.delta(l, k), nm.dz(l, k), f)
                local[nm.dz(l, k).key] = f
            return
        for k in range(1, n + 1):
            f = self.dL_dyhat(nm.y(k), nm.yhat(k))
            d.derive(N.partial(nm.loss(), nm.yhat(k)), f)
            local[N.partial(nm.loss(), nm.yhat(k)).key] = f
        if layer.activation.name == "softmax":
            for j in range(1, n + 1):
                for k in range(1, n + 1):
                    jac = N.partial(nm.yhat(j), nm.z(l, k))
                    f = (nm.yhat(j) * (Num(1) - nm.yhat(k))) if j == k else -(nm.yhat(j) * nm.yhat(k))
                    d.derive(jac, f)
                    local[jac.key] = f
            for k in range(1, n + 1):
                paths = [Mul.of(N.partial(nm.loss(), nm.yhat(j)), N.partial(nm.yhat(j), nm.z(l, k)))
                         for j in range(1, n + 1)]
                d.derive(nm.delta(l, k), nm.dz(l, k), Add.of(*paths) if n > 1 else paths[0],
                         note="softmax couples the outputs: a sum over every ŷ_j")
                local[nm.dz(l, k).key] = drop_ones(Add.of(*(
                    Mul.of(local[N.partial(nm.loss(), nm.yhat(j)).key], local[N.partial(nm.yhat(j), nm.z(l, k)).key])
                    for j in range(1, n + 1))))
            return
        for k in range(1, n + 1):
            da = N.partial(nm.yhat(k), nm.z(l, k))
            self._act_derivative(nm, layer, k, da, local)
            prod = Mul.of(N.partial(nm.loss(), nm.yhat(k)), da)
            note = None
            if layer.activation.name == "sigmoid" and net.loss.name == "bce" and net.n_out == 1:
                note = "for a sigmoid output with BCE this product simplifies to ŷ − y"
            expanded = drop_ones(Mul.of(local[N.partial(nm.loss(), nm.yhat(k)).key], local[da.key]))
            local[nm.dz(l, k).key] = expanded
            extra = [expanded] if net.symbolic else []
            d.derive(nm.delta(l, k), nm.dz(l, k), prod, *extra, note=note)

    def chain(self, nm: Names, l: int, j: int) -> tuple[list[Expr], list[Expr]]:
        """∂L/∂z_j^[l] as factors: (in partials, in evaluable quantities). Expanded while the path
        is single (every later layer has one unit); otherwise the unit's δ."""
        layer = self.net.layers[l - 1]
        if l == self.L:
            if layer.activation.name == "softmax":
                return [nm.dz(l, j)], [nm.delta(l, j)]
            da = N.partial(nm.yhat(j), nm.z(l, j))
            dy = N.partial(nm.loss(), nm.yhat(j))
            return [dy, da], [dy, da]
        if self.net.layers[l].n_out == 1:
            disp, ev = self.chain(nm, l + 1, 1)
            da = N.partial(nm.a(l, j), nm.z(l, j))
            return disp + [N.partial(nm.z(l + 1, 1), nm.a(l, j)), da], ev + [nm.w(l + 1, j, 1), da]
        return [nm.dz(l, j)], [nm.delta(l, j)]

    def _param_grads_units(self, nm: Names, layer: Layer, local: dict[str, Expr]) -> None:
        d, l = self.d, layer.index
        symbolic = self.net.symbolic
        for j in range(1, layer.n_out + 1):
            disp, ev = self.chain(nm, l, j)
            for i in range(1, layer.n_in + 1):
                w = nm.w(l, i, j)
                forms: list[Expr] = [Mul.of(*disp, N.partial(nm.z(l, j), w)), Mul.of(*ev, nm.a(l - 1, i))]
                if symbolic:
                    forms.append(drop_ones(Mul.of(local[nm.dz(l, j).key], nm.a(l - 1, i))))
                d.derive(nm.param_grad(w), *forms)
            b = nm.b(l, j)
            forms = [Mul.of(*disp, N.partial(nm.z(l, j), b)), Mul.of(*ev) if len(ev) > 1 else ev[0]]
            if symbolic:
                forms.append(drop_ones(local[nm.dz(l, j).key]))
            d.derive(nm.param_grad(b), *forms)

    # == one sample, a layer at a time =======================================================
    def forward_vectors(self, nm: Names, x: np.ndarray) -> None:
        d, net = self.d, self.net
        d.bind(nm.xv(), x)
        for layer in net.layers:
            l = layer.index
            W, a_prev, bv = nm.Wm(l), nm.av(l - 1), nm.bv(l)
            prod = MatMul(a_prev, W) if net.layout == "in_out" else MatMul(W, a_prev)
            d.derive(nm.zv(l), Add.of(prod, bv))
            z, act = nm.zv(l), layer.activation
            if act.name == "softmax":
                zval = d.env[z.key]
                shift = Num(float(np.max(zval))) if np.max(zval) > 700 else None
                ez = call("exp", z if shift is None else z - shift)
                d.derive(nm.av(l), ez / call("sum", ez),
                         note="elementwise e^z, divided by the sum over the layer" +
                              ("; the largest z is subtracted first so e^z cannot overflow" if shift is not None else ""))
            else:
                d.derive(nm.av(l), *act.forms(z, layer.act_params), note="elementwise" if act.name != "linear" else None)

    def loss_vectors(self, nm: Names, y: np.ndarray) -> None:
        d, net = self.d, self.net
        d.bind(nm.yv(), y)
        term = net.loss.term(nm.yv(), nm.av(self.L), net.loss_options)
        if net.n_out == 1:
            d.derive(nm.loss(), call("sum", term), note="one output unit")
            return
        reduce = "mean" if net.reduction == "mean" and net.loss.name != "cce" else "sum"
        d.derive(nm.loss(), call(reduce, term), note=f"{reduce} over the {net.n_out} output units")

    def backward_vectors(self, nm: Names) -> None:
        d, net = self.d, self.net
        for layer in reversed(net.layers):
            l = layer.index
            z = nm.zv(l)
            if l == self.L:
                yhat, y = nm.av(l), nm.yv()
                if layer.activation.name == "softmax" and net.loss.name == "cce":
                    d.derive(nm.deltav(l), yhat - y, note="softmax with cross-entropy: δ = ŷ − y")
                else:
                    dy = N.partial(nm.loss(), yhat)
                    d.derive(dy, self.dL_dyhat(y, yhat), note="elementwise")
                    if layer.activation.name == "softmax":
                        jac = N.partial(yhat, z)
                        d.derive(jac, call("diag", yhat) - Outer(yhat, yhat, rows=False),
                                 note="the softmax Jacobian, diag(ŷ) − ŷŷᵀ (symmetric)")
                        d.derive(nm.deltav(l), MatMul(jac, dy))
                    else:
                        da = N.partial(yhat, z)
                        d.derive(da, layer.activation.derivative(z, yhat, layer.act_params), note="elementwise")
                        d.derive(nm.deltav(l), hadamard(dy, da))
            else:
                a = nm.av(l)
                da = N.partial(a, z)
                d.derive(da, layer.activation.derivative(z, a, layer.act_params), note="elementwise")
                Wn = nm.Wm(l + 1)
                back = (MatMul(nm.deltav(l + 1), Transpose(Wn)) if net.layout == "in_out"
                        else MatMul(Transpose(Wn), nm.deltav(l + 1)))
                d.derive(nm.deltav(l), hadamard(back, da))
            a_prev = nm.av(l - 1)
            grad = (Outer(a_prev, nm.deltav(l), rows=True) if net.layout == "in_out"
                    else Outer(nm.deltav(l), a_prev, rows=False))
            d.derive(nm.param_grad(nm.Wm(l)), grad, note="the same layout as W" + f"^[{l}]")
            d.derive(nm.param_grad(nm.bv(l)), nm.deltav(l))

    # == parameters ==========================================================================
    def _given_W(self, l: int) -> np.ndarray:
        W = self.W[l - 1]
        return (W if self.net.layout == "in_out" else W.T).copy()

    def bind_params(self, nm: Names, show: bool, notes: bool = True) -> None:
        """Make the current parameters known, unit by unit and as matrices."""
        d = self.d
        for layer in self.net.layers:
            l = layer.index
            Wg = self._given_W(l)
            if show:
                note = ("rows: inputs, columns: units (z = a·W + b)" if self.net.layout == "in_out"
                        else "rows: units, columns: inputs (z = W·a + b)")
                d.given(nm.Wm(l), Wg, note=note if notes else None)
                d.given(nm.bv(l), self.b[l - 1].copy())
            else:
                d.bind(nm.Wm(l), Wg)
                d.bind(nm.bv(l), self.b[l - 1].copy())
            if not self.detail:
                continue  # layer by layer: only the matrices are used
            for i in range(1, layer.n_in + 1):
                for j in range(1, layer.n_out + 1):
                    d.bind(nm.w(l, i, j), float(self.W[l - 1][i - 1, j - 1]))
            for j in range(1, layer.n_out + 1):
                d.bind(nm.b(l, j), float(self.b[l - 1][j - 1]))

    def update(self, grads: list[tuple[Names, ...]], units: bool, new_section: bool = True) -> None:
        """w ← w − η·∂J/∂w with J the loss of the batch; batch gradients averaged first."""
        d, net = self.d, self.net
        eta = N.ETA
        d.bind(eta, float(net.eta))
        names = grads[0]
        m = len(names)
        if new_section:
            d.section("Update" if m == 1 else "Batch gradient and update", level=1)
            if m > 1:
                d.text(f"The cost J of the batch is the mean of its {m} sample losses, so each gradient "
                       f"is the mean of the samples' gradients.")
            d.note("every gradient was computed with the old parameters; all are updated together")
        for layer in net.layers:
            l = layer.index
            params: list[tuple[Sym, Sym | None, int, int]] = []
            if units:
                params += [(names[0].w(l, i, j), None, i, j) for i in range(1, layer.n_in + 1)
                           for j in range(1, layer.n_out + 1)]
                params += [(names[0].b(l, j), None, 0, j) for j in range(1, layer.n_out + 1)]
            else:
                params += [(names[0].Wm(l), None, -1, -1), (names[0].bv(l), None, -2, -2)]
            for p, _, i, j in params:
                is_bias = i == 0 or i == -2
                grad = names[0].param_grad(p)
                if m > 1:
                    avg = N.batch_avg(grad)
                    d.derive(avg, Mul.of(Num(Fraction(1, m)), Add.of(*(nm.param_grad(p) for nm in names))))
                    grad = avg
                if is_bias and not net.update_bias:
                    continue
                value = d.derive(N.new(p), p - eta * grad)
                if i > 0:
                    self.W[l - 1][i - 1, j - 1] = value
                elif i == 0:
                    self.b[l - 1][j - 1] = value
                elif i == -1:
                    self.W[l - 1] = np.array(value if net.layout == "in_out" else value.T, dtype=float)
                else:
                    self.b[l - 1] = np.array(value, dtype=float)
        if not net.update_bias:
            d.note("update_bias: false — the biases keep their values (as in sources that never update them)")

    # == sections around the passes ==========================================================
    def conventions(self) -> None:
        d, net = self.d, self.net
        if net.layout == "in_out":
            d.convention("weights_layout in_out: w_ij^[l] is row i, column j of W^[l] and joins input i "
                         "to unit j; z^[l] = a^[l−1]·W^[l] + b^[l]")
        else:
            d.convention("weights_layout out_in: w_ji^[l] is row j, column i of W^[l] and joins input i "
                         "to unit j; z^[l] = W^[l]·a^[l−1] + b^[l]")
        if net.loss is None:
            return
        d.convention("log is the natural logarithm")
        n = net.n_out
        if net.loss.name == "cce":
            d.convention("cce sums −y_k·log ŷ_k over the classes")
        elif n > 1:
            other = "sum" if net.reduction == "mean" else "mean"
            factor = f"{n}× larger" if other == "sum" else f"{n}× smaller"
            d.convention(f"L is the {net.reduction} of ℓ over the {n} output units "
                         f"(reduction: {other} would make L and every gradient {factor})")
        if "half" in net.loss.options:
            if net.loss_options.get("half"):
                d.convention("the squared error carries ½: ℓ = ½(y − ŷ)² (without it L and every gradient double)")
            else:
                d.convention("the squared error has no ½: ℓ = (y − ŷ)² (half: true would halve L and every gradient)")
        if net.eta is not None and not net.symbolic:
            if len(net.samples) > 1:
                m = net.batch_size
                mode = ("stochastic gradient descent: one update per sample, in the given order" if m == 1 else
                        "batch gradient descent: one update per epoch, gradients averaged over all samples"
                        if m == len(net.samples) else
                        f"mini-batch gradient descent: batches of {m}, gradients averaged over each batch")
                d.convention(mode + f"; {net.epochs} epoch{'s' if net.epochs > 1 else ''}")
            d.convention("update_bias true: biases are updated like the weights" if net.update_bias else
                         "update_bias false: biases are never updated")

    def given_section(self) -> None:
        d, net = self.d, self.net
        nm = Names(net)
        d.section("Given")
        if len(net.samples) == 1:
            s = net.samples[0]
            if s.raw_input.ndim == 2:
                d.given(Sym("X", "X", "X"), s.raw_input, note="the input image")
                d.given(nm.xv(), s.x, note="the image flattened row by row (row-major): x₁ … x"
                        + N.subscript(s.x.size))
            else:
                d.given(nm.xv(), s.x)
            if s.y is not None:
                d.given(nm.yv(), s.y if net.n_out > 1 else float(s.y[0]))
        else:
            rows = []
            for k, s in enumerate(net.samples, 1):
                rows.append((str(k), _vec_text(s.x), "" if s.y is None else _vec_text(s.y)))
            d.table(("sample", "input x", "target y"), rows)
        self.bind_params(nm, show=True)
        if net.eta is not None:
            d.given(N.ETA, float(net.eta), note="learning rate")

    def solve_forward(self) -> None:
        d, net = self.d, self.net
        self.given_section()
        nm = Names(net)
        for k, s in enumerate(net.samples, 1):
            nm = Names(net, k if len(net.samples) > 1 else None)
            d.section("Forward pass" + (f": sample {k}" if len(net.samples) > 1 else ""))
            if self.detail:
                self.forward_units(nm, s.x)
            else:
                self.forward_vectors(nm, s.x)
            if k == 1:
                self.answers_forward(nm)

    def solve_training(self) -> None:
        d, net = self.d, self.net
        self.given_section()
        self.rules()
        m = net.batch_size
        batches = [list(range(i, min(i + m, len(net.samples)))) for i in range(0, len(net.samples), m)]
        updates = [(e, batch) for e in range(1, net.epochs + 1) for batch in batches]
        losses: list[float] = []
        several = len(updates) > 1
        for u, (epoch, batch) in enumerate(updates):
            first = u == 0
            units = self.detail and first
            d.record = True if first else _compact
            names = [Names(net, k + 1 if len(batch) > 1 else None) for k in batch]
            what = _batch_words(batch, len(net.samples), epoch, net.epochs)
            if not first:
                d.record = True
                d.section(f"Update {u + 1}: {what}")
                d.text("Worked like the first update, starting from the parameters the previous update "
                       "left; shown: those parameters, the loss and the new parameters.")
                self.bind_params(names[0], show=True, notes=False)
                d.record = _compact
            else:
                self.bind_params(names[0], show=False)
            for nm, k in zip(names, batch):
                sample = net.samples[k]
                if first:
                    head = "Forward pass" if not several else f"Update 1 ({what}): forward pass"
                    d.section(head + (f", sample {k + 1}" if len(batch) > 1 else ""))
                (self.forward_units if units else self.forward_vectors)(nm, sample.x)
                if first:
                    d.section("Loss" + (f", sample {k + 1}" if len(batch) > 1 else ""))
                (self.loss_units if units else self.loss_vectors)(nm, sample.y)
                losses.append(d.env[nm.loss().key])
                if first:
                    d.section("Backward pass" + (f", sample {k + 1}" if len(batch) > 1 else ""))
                if units:
                    self.backward_units(nm)
                else:
                    self.backward_vectors(nm)
                if first and len(batch) == 1 and k == batch[0]:
                    self.answers_single(nm, units)
            if first:
                for ex in self.explain:
                    self.explain_param(names[0], ex, units)
            if net.eta is None:
                break
            self.update([tuple(names)], units, new_section=first)
            if first and not several:
                self.answers_update(names[0], units)
        d.record = True
        if several and net.eta is not None:
            d.section("Summary of the updates")
            per_update = []
            i = 0
            for u, (epoch, batch) in enumerate(updates, 1):
                batch_losses = losses[i:i + len(batch)]
                i += len(batch)
                per_update.append(float(np.mean(batch_losses)))
            d.table(("update", "epoch", "samples", "loss"),
                    [(u, e, ", ".join(str(k + 1) for k in b), per_update[u - 1])
                     for u, (e, b) in enumerate(updates, 1)])
            d.answer("losses", per_update, "loss of each update (batch mean)", depends=())
            self.answers_final_params()

    # == explain =============================================================================
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
        # values of the units involved, read off the layer vectors computed above
        for ll in range(0, self.L + 1):
            size = net.n_input if ll == 0 else net.layers[ll - 1].n_out
            vec = d.env[nm.av(ll).key]
            for k in range(1, size + 1):
                d.bind(nm.a(ll, k), float(vec[k - 1]))
        zvec = d.env[nm.zv(l).key]
        d.bind(nm.z(l, j), float(zvec[j - 1]))
        if l == self.L:
            d.bind(nm.delta(l, j), float(d.env[nm.deltav(l).key][j - 1]))
            d.text(f"{nm.delta(l, j).uni} is entry {j} of δ^[{l}] computed above.")
        else:
            nxt = net.layers[l]
            dnext = d.env[nm.deltav(l + 1).key]
            for k in range(1, nxt.n_out + 1):
                d.bind(nm.delta(l + 1, k), float(dnext[k - 1]))
                d.bind(nm.w(l + 1, j, k), float(self.W[l][j - 1, k - 1]))
            da = N.partial(nm.a(l, j), nm.z(l, j))
            d.derive(da, layer.activation.derivative(nm.z(l, j), nm.a(l, j), layer.act_params))
            paths_v = [Mul.of(nm.delta(l + 1, k), nm.w(l + 1, j, k)) for k in range(1, nxt.n_out + 1)]
            paths_p = [Mul.of(nm.dz(l + 1, k), N.partial(nm.z(l + 1, k), nm.a(l, j))) for k in range(1, nxt.n_out + 1)]
            sum_v = paths_v[0] if len(paths_v) == 1 else Add.of(*paths_v)
            sum_p = paths_p[0] if len(paths_p) == 1 else Add.of(*paths_p)
            d.derive(nm.delta(l, j), nm.dz(l, j), Mul.of(sum_p, da), Mul.of(sum_v, da),
                     note=f"sum over the {nxt.n_out} paths through layer {l + 1}; δ^[{l + 1}] from above")
        if i is None:
            d.derive(nm.param_grad(p), Mul.of(nm.dz(l, j), N.partial(nm.z(l, j), p)), nm.delta(l, j))
        else:
            d.derive(nm.param_grad(p), Mul.of(nm.dz(l, j), N.partial(nm.z(l, j), p)),
                     Mul.of(nm.delta(l, j), nm.a(l - 1, i)))

    # == symbolic =============================================================================
    def solve_symbolic(self) -> None:
        d, net = self.d, self.net
        nm = Names(net)
        d.section("Given")
        d.text(f"A symbolic problem: inputs x₁ … x{N.subscript(net.n_input)}, every weight and bias a symbol, "
               "target y. Each answer is a formula; no numbers are computed.")
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
            d.answer(f"dW{l}", grads, f"∂L/∂W^[{l}]")
            d.answer(f"db{l}", [drop_ones(local[nm.dz(l, j).key]) for j in range(1, layer.n_out + 1)],
                     f"∂L/∂b^[{l}]")

    # == answers ==============================================================================
    def _collect(self, syms: list[Sym]) -> list[float]:
        return [float(self.d.env[s.key]) for s in syms]

    def _layer_values(self, nm: Names, l: int, kind: str, units: bool) -> tuple[list[float], tuple[str, ...]]:
        layer = self.net.layers[l - 1]
        if units:
            syms = [getattr(nm, kind)(l, j) for j in range(1, layer.n_out + 1)]
            return self._collect(syms), tuple(s.key for s in syms)
        vsym = {"z": nm.zv(l), "a": nm.av(l), "delta": nm.deltav(l)}[kind]
        return [float(v) for v in np.atleast_1d(self.d.env[vsym.key])], (vsym.key,)

    def answers_forward(self, nm: Names, units: Optional[bool] = None) -> None:
        units = self.detail if units is None else units
        d = self.d
        prev: tuple[str, ...] = ()
        for layer in self.net.layers:
            l = layer.index
            z, zk = self._layer_values(nm, l, "z", units)
            a, ak = self._layer_values(nm, l, "a", units)
            d.answer(f"z{l}", z, f"z^[{l}]", depends=prev, keys=zk)
            d.answer(f"a{l}", a, f"a^[{l}]", depends=(f"z{l}",), keys=ak)
            prev = (f"a{l}",)
        vals = self._layer_values(nm, self.L, "a", units)
        d.answer("yhat", vals[0][0] if self.net.n_out == 1 else vals[0], "ŷ", depends=(f"z{self.L}",), keys=vals[1])

    def answers_single(self, nm: Names, units: bool) -> None:
        d, net = self.d, self.net
        self.answers_forward(nm, units)
        d.answer("loss", float(d.env[nm.loss().key]), "L", depends=("yhat",), keys=(nm.loss().key,))
        for layer in reversed(net.layers):
            l = layer.index
            deltas, dk = self._layer_values(nm, l, "delta", units)
            dep = ("yhat",) if l == self.L else (f"delta{l + 1}", f"z{l}")
            d.answer(f"delta{l}", deltas, f"δ^[{l}] = ∂L/∂z^[{l}]", depends=dep, keys=dk)
        for layer in net.layers:
            l = layer.index
            dW, keys = self._grad_matrix(nm, layer, units)
            src = "x" if l == 1 else f"a{l - 1}"
            d.answer(f"dW{l}", dW, f"∂L/∂W^[{l}]", depends=(f"delta{l}",) + ((src,) if l > 1 else ()), keys=keys)
            if units:
                bsyms = [nm.param_grad(nm.b(l, j)) for j in range(1, layer.n_out + 1)]
                db, bkeys = self._collect(bsyms), tuple(s.key for s in bsyms)
            else:
                db = [float(v) for v in d.env[nm.param_grad(nm.bv(l)).key]]
                bkeys = (nm.param_grad(nm.bv(l)).key,)
            d.answer(f"db{l}", db, f"∂L/∂b^[{l}]", depends=(f"delta{l}",), keys=bkeys)

    def _grad_matrix(self, nm: Names, layer: Layer, units: bool) -> tuple[list[list[float]], tuple[str, ...]]:
        l = layer.index
        if units:
            rows, cols = ((layer.n_in, layer.n_out) if self.net.layout == "in_out" else (layer.n_out, layer.n_in))
            syms = [[nm.param_grad(self._w_given(nm, l, r, c)) for c in range(1, cols + 1)] for r in range(1, rows + 1)]
            return ([[float(self.d.env[s.key]) for s in row] for row in syms],
                    tuple(s.key for row in syms for s in row))
        key = nm.param_grad(nm.Wm(l)).key
        return np.asarray(self.d.env[key]).tolist(), (key,)

    def _w_given(self, nm: Names, l: int, r: int, c: int) -> Sym:
        """The weight at row r, column c of W^[l] as given."""
        return nm.w(l, r, c) if self.net.layout == "in_out" else nm.w(l, c, r)

    def answers_update(self, nm: Names, units: bool) -> None:
        self.answers_final_params(units=units, nm=nm)

    def answers_final_params(self, units: bool = False, nm: Optional[Names] = None) -> None:
        d, net = self.d, self.net
        for layer in net.layers:
            l = layer.index
            Wg = self._given_W(l)
            keys = (N.new(nm.Wm(l)).key,) if nm is not None and not units else ()
            d.answer(f"W{l}_new", Wg.tolist(), f"W^[{l}] (new)", depends=(f"dW{l}",), keys=keys)
            d.answer(f"b{l}_new", self.b[l - 1].tolist(), f"b^[{l}] (new)", depends=(f"db{l}",))


def _compact(sym: Sym) -> bool:
    """What a later update shows: its loss and the new parameter matrices."""
    return sym.key.startswith("L") or (sym.key.endswith("'new") and sym.key[:2] in ("Wm", "bv"))


def _vec_text(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{x:g}" for x in v) + ")"


def _same_text(a: Expr, b: Expr) -> bool:
    return repr(a) == repr(b)


def _batch_words(batch: list[int], n: int, epoch: int, epochs: int) -> str:
    ep = f"epoch {epoch}, " if epochs > 1 else ""
    if len(batch) == 1:
        return f"{ep}sample {batch[0] + 1}"
    if len(batch) == n:
        return f"{ep}all {n} samples"
    return f"{ep}samples {batch[0] + 1}–{batch[-1] + 1}"


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    """The worked solution of a backprop problem."""
    net = spec.net
    options = options or SolveOptions()
    solver = Solver(net, tuple(parse_explain(t, net) for t in options.explain), options.detail, options)
    solver.conventions()
    if net.symbolic:
        solver.solve_symbolic()
    elif net.loss is None:
        solver.solve_forward()
    else:
        solver.solve_training()
    return solver.d.solution(KIND, spec.title)
