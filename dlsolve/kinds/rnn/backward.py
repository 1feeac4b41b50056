"""Backpropagation through time: δ of every gate at every step, each step's share of every
gradient and their sum; for a one-unit simple RNN also the course's sum over paths; the update.

The recursion (t from the last step with a target down to 1):
  ∂L/∂h_t = Vᵀ·δʸ_t (where step t has a target) + what step t + 1 sends back through h_t;
  each gate's δ = ∂L/∂(its output) ⊙ its activation's derivative (taken from the activation
  object, σ' = a(1 − a), tanh' = 1 − a²);
  step t's share of ∂L/∂W = δ_t·x_tᵀ, of ∂L/∂U = δ_t·h_{t−1}ᵀ, of ∂L/∂b = δ_t.
"""

from __future__ import annotations

from typing import Callable, Optional

from dlsolve import notation as N
from dlsolve.expr import Add, Expr, Mul, Num, Sym, total
from dlsolve.kinds.rnn.forward import Entry, Solver
from dlsolve.kinds.rnn.names import Handle


def _d_act(s: Solver, g: str, t: int, j: Optional[int]) -> Expr:
    """f'(z) of gate g at step t, from the activation object, written with its output a."""
    act, params = s.activation_of(g)
    return act.slope(s.nm.pre(g, t)(j), s.nm.gate(g, t)(j), params)


def recurrent_inputs(s: Solver, g: str, t: int) -> tuple[Handle, Handle]:
    """(the δ that multiplies into U_g's gradient, the vector U_g multiplied at step t): the cell's rule."""
    return s.pr.cell_class.recurrent_input(s, g, t)


def _sent_back(s: Solver, t: int, j: Optional[int]) -> list[Expr]:
    """The terms of ∂L/∂h_{t−1} that come from step t (through every path that uses h_{t−1}): the cell's rule."""
    return s.pr.cell_class.sent_back(s, t, j)


def step_back(s: Solver, t: int) -> None:
    nm, pr, d = s.nm, s.pr, s.d
    d.section(f"Step t = {t}", level=2)
    has_target = pr.targets[t - 1] is not None
    if has_target:
        n_out = pr.n_out
        if s.linear_readout:
            s.derive_units(nm.dy(t), lambda j: s.dL_dyhat(t, j), n_out,
                           note="ŷ = zʸ (linear read-out), so δʸ = ∂L/∂ŷ")
        else:
            s.derive_units(nm.dL(nm.yhat(t)), lambda j: s.dL_dyhat(t, j), n_out)
            ro = s.ro
            s.derive_units(nm.dy(t), lambda j: nm.had(j, nm.dL(nm.yhat(t))(j),
                                                       ro.activation.slope(nm.zy(t)(j), nm.yhat(t)(j), ro.params)),
                           n_out)
    dh = nm.dL(nm.h(t))

    def dh_terms(j: Optional[int]) -> Expr:
        terms = []
        if has_target:
            terms.append(nm.back(s.P["V"], nm.dy(t), pr.n_out, j))
        if t < s.last_target:
            terms += _sent_back(s, t + 1, j)
        return total(terms)

    s.derive_units(dh, dh_terms, note=_dh_note(s, t, has_target))
    cell_deltas(s, t)
    contributions(s, t)


def _dh_note(s: Solver, t: int, has_target: bool) -> Optional[str]:
    parts = []
    if has_target:
        parts.append(f"through ŷ_{t}")
    if t < s.last_target:
        parts.append(f"back from step {t + 1}")
    return "; ".join(parts) if len(parts) > 1 else None


def cell_deltas(s: Solver, t: int) -> None:
    """The gates' δ at step t: the cell's rule (dlsolve.cells), with f'(z) from each gate's activation."""
    s.pr.cell_class.deltas(s, t, lambda g, j: _d_act(s, g, t, j))


def _grad_parts(s: Solver, name: str, t: int) -> tuple[Handle, Optional[Handle]]:
    """For parameter `name` at step t: (the δ, the input it multiplies); input None for a bias."""
    nm = s.nm
    if name in ("V", "c"):
        return nm.dy(t), (nm.h(t) if name == "V" else None)
    kind, _, g = name.partition("_")
    if kind == "W":
        return nm.delta(g, t), nm.x(t)
    if kind == "b":
        return nm.delta(g, t), None
    d, v = recurrent_inputs(s, g, t)
    return d, (v if kind == "U" else None)


def _steps_for(s: Solver, name: str) -> list[int]:
    if name in ("V", "c"):
        return [t for t, y in enumerate(s.pr.targets, 1) if y is not None]
    return list(range(1, s.last_target + 1))


def contributions(s: Solver, t: int) -> None:
    """Step t's share of every gradient (only where more than one step contributes)."""
    for e in s.entries:
        steps = _steps_for(s, e.answer)
        if t not in steps or len(steps) == 1:
            continue
        for key, build in _entry_forms(s, e, t):
            s.d.derive(s.nm.contribution(key, t), build)


def _entry_forms(s: Solver, e: Entry, t: int) -> list[tuple[Sym, Expr]]:
    nm = s.nm
    delta, v = _grad_parts(s, e.answer, t)
    if not s.units:
        return [(e.p.sym, delta(None) if v is None else nm.outer(delta, v))]
    out: list[tuple[Sym, Expr]] = []
    for r, c in e.p.entries():
        if v is None:
            out.append((e.p.el(r, c), delta(r)))
        else:
            out.append((e.p.el(r, c), nm.outer(delta, v, r, c)))
    return out


def gradients(s: Solver) -> None:
    """∂L/∂(each parameter) = the sum of the steps' shares."""
    d = s.d
    d.section("Gradients (sum over the steps)", level=1)
    for e in s.entries:
        steps = _steps_for(s, e.answer)
        keys = [e.p.sym] if not s.units else [e.p.el(r, c) for r, c in e.p.entries()]
        for i, key in enumerate(keys):
            if len(steps) == 1:
                form = _entry_forms(s, e, steps[0])[i][1]
                note = (f"only step {steps[0]} contributes" if i == 0 and s.pr.T > 1 else None)
                d.derive(s.nm.grad(key), form, note=note)
            else:
                d.derive(s.nm.grad(key), Add.of(*(s.nm.contribution(key, t) for t in steps)))


def sum_over_paths(s: Solver) -> None:
    """The course's form for a one-unit simple RNN with one target: ∂L/∂w = Σ_k ∂L/∂h_T ·
    Π_{m>k} ∂h_m/∂h_{m−1} · ∂⁺h_k/∂w, every factor a number (the notes' three-term ∂L/∂w_h)."""
    pr, nm, d = s.pr, s.nm, s.d
    T = s.last_target
    d.section("The same gradients as the course's sum over paths", level=1)
    d.text(f"Every path from the parameter to L runs through one h_k, then along h_k → … → h_{T}. "
           "∂⁺h_k/∂w is the direct (immediate) derivative of h_k with h_{k−1} held fixed.")
    u = s.P["U"].el(1, 1)
    local = {}
    for m in range(1, T + 1):
        da = N.partial(nm.h(m)(1), nm.pre("", m)(1))
        d.derive(da, _d_act(s, "", m, 1))
        local[m] = da
        if m > 1:
            d.derive(N.partial(nm.h(m)(1), nm.h(m - 1)(1)), Mul.of(da, u))
    top = nm.dL(nm.h(T))(1)
    targets: list[tuple[Sym, Callable[[int], Expr]]] = [(s.P["U"].el(1, 1), lambda k: nm.h(k - 1)(1))]
    targets += [(s.P["W"].el(1, c), (lambda c: lambda k: nm.x(k)(c))(c)) for c in range(1, pr.n_in + 1)]
    targets += [(s.P["b"].el(1), lambda k: Num(1))]
    if "bh" in s.P:
        targets.append((s.P["bh"].el(1), lambda k: Num(1)))
    for w, inp in targets:
        terms = []
        for k in range(T, 0, -1):
            direct = _immediate(nm.h(k)(1), w)
            d.derive(direct, Mul.of(local[k], inp(k)) if not isinstance(inp(k), Num) else local[k])
            chain = [N.partial(nm.h(m)(1), nm.h(m - 1)(1)) for m in range(T, k, -1)]
            path = _path_sym(w, k)
            d.derive(path, Mul.of(top, *chain, direct))
            terms.append(path)
        d.derive(_paths_total(w), Add.of(*terms),
                 note=f"equal to ∂L/∂{w.uni} of the recursion above (the same products, grouped by step)")


def _immediate(h: Sym, w: Sym) -> Sym:
    """∂⁺h_k/∂w: the derivative of h_k with h_{k−1} held fixed."""
    return Sym(f"d+({h.key})/d({w.key})", f"∂⁺{h.uni}/∂{w.uni}",
               rf"\frac{{\partial^{{+}} {h.tex}}}{{\partial {w.tex}}}", kind="partial")


def _path_sym(w: Sym, k: int) -> Sym:
    return Sym(f"path({w.key})@{k}", f"(path through h{N.subscript(k)})", rf"\text{{path through }} h_{{{k}}}")


def _paths_total(w: Sym) -> Sym:
    return Sym(f"paths({w.key})", f"∂L/∂{w.uni} (Σ over paths)",
               rf"\frac{{\partial L}}{{\partial {w.tex}}}\ (\textstyle\sum \text{{paths}})")


def update(s: Solver) -> None:
    d, nm = s.d, s.nm
    d.section("Update", level=1)
    d.note("every gradient uses the old parameters; all are updated together")
    for e in s.entries:
        keys = [e.p.sym] if not s.units else [e.p.el(r, c) for r, c in e.p.entries()]
        for key in keys:
            d.derive(N.new(key), key - N.ETA * nm.grad(key))


def backward(s: Solver) -> None:
    d = s.d
    d.section("Backward pass through time")
    if s.last_target < s.pr.T:
        d.note(f"no target after step {s.last_target}: later steps do not change L, and the backward pass "
               f"starts at step {s.last_target}")
    for t in range(s.last_target, 0, -1):
        step_back(s, t)
    gradients(s)
    if s.pr.cell_class.takes_activation and s.pr.n_h == 1 and s.units and \
            sum(y is not None for y in s.pr.targets) == 1:
        sum_over_paths(s)
    if s.pr.eta is not None:
        update(s)
