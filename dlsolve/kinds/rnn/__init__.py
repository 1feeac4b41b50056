"""kind: rnn — a simple (Elman) RNN, an LSTM or a GRU over a sequence, step by step, and
backpropagation through time.

Forward: every gate of every step as a worked line (per unit when the cell is small, as vectors
when it is large), c_t and h_t with ⊙ spelled out, an optional read-out y_t = act(V·h_t + c) and
the loss summed over the steps that have targets. Backward: δ of every gate at every step, each
step's share of each gradient and their sum (for a one-unit simple RNN also the course's sum over
paths), then one update. The parameter count of the cell is shown once. Where a convention
(layout, GRU reset placement, GRU update form, loss reduction, GELU's form) would change the
numbers, a note says what the other choice gives, computed by solving the problem again under it.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
from pydantic import ValidationError

from dlsolve.activations import form_conventions
from dlsolve.conventions import Convention
from dlsolve.errors import SpecInvalid
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.rnn.backward import backward
from dlsolve.kinds.rnn.forward import Entry, Solver
from dlsolve.kinds.rnn.spec import Problem, Spec
from dlsolve.expr import Num, Sym
from dlsolve.solution import Phrase, Solution

KIND = "rnn"

# The choices that change the numbers; the solution's notes and `dlsolve check`'s diagnoses both
# solve the problem again under each other choice (one a cell cannot take is skipped).
CONVENTIONS = (
    Convention(("weights_layout",), ("out_in", "in_out"), "out_in", {"out_in": "PyTorch", "in_out": "Keras"}),
    Convention(("reset_after",), (True, False), True,
               {True: "PyTorch, Keras TF2", False: "Cho et al. 2014, Keras reset_after=False"}),
    Convention(("gru_update",), ("keep_old", "take_new"), "keep_old",
               {"keep_old": "PyTorch, Keras", "take_new": "Chung et al. 2014"}),
    Convention(("loss", "half"), (False, True), False),
    # GELU exact or its tanh approximation, as the simple RNN's activation or the read-out's
    *form_conventions(("activation",), lambda s: [s.problem.activation]),
    *form_conventions(("readout", "activation"),
                      lambda s: [s.problem.readout.activation if s.problem.readout else None],
                      name="readout.activation"),
)

__all__ = ["KIND", "CONVENTIONS", "Spec", "solve", "parameter_count"]

_ANSWER_TITLES = {"h": "hidden state h_t (one row per step)", "c": "cell state c_t (one row per step)",
                  "i": "input gate i_t", "f": "forget gate f_t", "g": "candidate g_t", "o": "output gate o_t",
                  "r": "reset gate r_t", "z": "update gate z_t", "n": "candidate n_t", "y": "read-out ŷ_t"}


def parameter_count(problem: Problem) -> tuple[int, int]:
    """(parameters of the cell, parameters of the read-out) as the problem gives them."""
    cell = problem.cell_class.count_gates(problem.n_h, problem.n_in, problem.biases_per_gate)
    return cell, (problem.n_out * problem.n_h + problem.n_out if problem.readout is not None else 0)


def _final(problem: Problem, options: SolveOptions) -> tuple[np.ndarray, Optional[float]]:
    """h_T and L of a problem, computed silently (for the notes on other conventions)."""
    s = Solver(problem, dataclasses.replace(options, detail="layers"), record=False)
    s.given()
    s.forward()
    h = s.d.env[s.nm.h(problem.T)(None).key]
    return np.asarray(h), (float(s.d.env["L"]) if problem.loss is not None else None)


def conventions(s: Solver) -> None:
    d, pr = s.d, s.pr
    # the course's words first; the problem file's key last, for a TA who wants the other choice
    if pr.layout == "out_in":
        d.convention("W and U have one row per unit: z = W·x_t + U·h_(t−1) + b "
                     "(PyTorch's layout; weights_layout: out_in)")
    else:
        d.convention("W and U have one row per input: z = x_t·W + h_(t−1)·U + b "
                     "(Keras' layout; weights_layout: in_out)")
    equations = pr.cell_class.equations(pr.packed)
    if equations:
        d.convention(equations)
    if pr.cell_class.resets:
        d.convention("the reset gate acts after the recurrent product: n_t = tanh(W_n·x_t + b_n + r_t ⊙ "
                     "(U_n·h_(t−1) + bʰ_n)) (PyTorch; Keras' TF2 default; reset_after: true)" if pr.reset_after else
                     "the reset gate acts before the recurrent product: n_t = tanh(W_n·x_t + U_n·(r_t ⊙ h_(t−1)) "
                     "+ b_n) (Cho et al. 2014; Keras' reset_after=False; reset_after: false)")
        d.convention("the update gate keeps the old state: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1) "
                     "(Cho et al. 2014, PyTorch, Keras; gru_update: keep_old)"
                     if pr.gru_update == "keep_old" else
                     "the update gate takes the new state: h_t = z_t ⊙ n_t + (1 − z_t) ⊙ h_(t−1) "
                     "(Chung et al. 2014 and texts that follow it; gru_update: take_new)")
    for act, params in ((pr.activation, pr.act_params),
                        (pr.readout.activation, pr.readout.params) if pr.readout else (None, {})):
        text = act.convention_text(params) if act is not None else None
        if text:  # which GELU, SELU's constants: the activation states its own choice
            d.convention(text)
    if pr.has_bh and len(set(pr.biases_per_gate)) > 1:
        d.convention("one bias b per gate, and a recurrent bias bʰ on gate " +
                     ", ".join(g for g, n in zip(pr.gates, pr.biases_per_gate) if n == 2) + " only")
    elif pr.cell_class.n_gates() > 1 or pr.has_bh:
        d.convention("two biases per gate, b + bʰ (PyTorch's bias_ih and bias_hh)" if pr.has_bh else
                     "one bias per gate (no recurrent bias bʰ; PyTorch's two biases act as their sum)")
    if pr.loss is not None:
        n_steps = sum(y is not None for y in pr.targets)
        d.convention("log is the natural logarithm")
        if n_steps > 1:
            d.convention(f"L is the sum of the losses of the {n_steps} steps with a target")
        if pr.n_out > 1 and len(pr.loss.reductions) > 1:
            d.convention(f"each step's loss is the {pr.reduction} over its {pr.n_out} read-out units")
        if "half" in pr.loss.options:
            d.convention("the squared error carries the factor 1/2: ℓ = (1/2)·(y − ŷ)²"
                         if pr.loss_options.get("half") else "the squared error has no factor 1/2: ℓ = (y − ŷ)²")


def _under(spec: Spec, conv: Convention, choice: object) -> Optional[Problem]:
    """The problem with one convention changed, validated again; None when it cannot take it."""
    data = conv.with_choice(spec.model_dump(exclude_none=True), choice)
    try:
        return Spec.model_validate(data).problem
    except (ValidationError, SpecInvalid):
        return None


def alternatives(s: Solver, spec: Spec, options: SolveOptions) -> None:
    """A note for each convention (CONVENTIONS) whose other choice changes the numbers, with what
    it gives — the problem solved again under that choice."""
    d, pr = s.d, s.pr
    T = pr.T
    L = float(d.env["L"]) if pr.loss is not None else None
    own_h = _gather(s, "h")[-1]
    notes: list[Phrase] = []
    for conv in CONVENTIONS:
        if not conv.applies(spec):  # GELU's forms where no GELU is used: nothing to solve again
            continue
        for choice in conv.choices:
            if choice == conv.current(spec.model_dump(exclude_none=True)):
                continue
            alt = _under(spec, conv, choice)
            if alt is None:
                continue
            h, l2 = _final(alt, options)
            same_h = np.allclose(h, own_h, rtol=1e-9, atol=1e-12)
            same_l = l2 is None or L is None or bool(np.isclose(l2, L, rtol=1e-9, atol=1e-12))
            if same_h and same_l:
                continue
            label = f"with {conv.label(choice)}"
            if same_h:
                notes.append(Phrase(label + ": L = {L} (h is unchanged)", L=l2))
            elif l2 is None:
                notes.append(Phrase(label + f": h_{T} = {{h}}", h=h))
            else:
                notes.append(Phrase(label + f": h_{T} = {{h}}, L = {{L}}", h=h, L=l2))
    if L is not None:
        n_steps = sum(y is not None for y in pr.targets)
        if n_steps > 1:
            notes.append(Phrase("a mean over the {k:int} steps instead of the sum (a framework's default reduction "
                                "over a sequence) gives L = {L} and every gradient divided by {k:int}",
                                k=n_steps, L=L / n_steps))
    if notes:
        d.section("Other conventions", level=1)
        d.text("What the same problem gives under the other choice of each convention that changes the numbers "
               "(solved again under it):")
        for text in notes:
            d.note(text)


def _gather(s: Solver, what: str, width: Optional[int] = None) -> list[np.ndarray]:
    nm, pr = s.nm, s.pr
    handles = {"h": nm.h, "c": nm.c, "y": nm.yhat}
    rows = []
    for t in range(1, pr.T + 1):
        h = handles[what](t) if what in handles else nm.gate(what, t)
        if s.units:
            rows.append(np.array([s.d.env[h(j).key] for j in range(1, (width or pr.n_h) + 1)]))
        else:
            rows.append(np.asarray(s.d.env[h(None).key]))
    return rows


def _keys(s: Solver, what: str, width: Optional[int] = None) -> tuple[str, ...]:
    nm, pr = s.nm, s.pr
    handles = {"h": nm.h, "c": nm.c, "y": nm.yhat}
    out = []
    for t in range(1, pr.T + 1):
        h = handles[what](t) if what in handles else nm.gate(what, t)
        out += [h(j).key for j in range(1, (width or pr.n_h) + 1)] if s.units else [h(None).key]
    return tuple(out)


def answers(s: Solver) -> None:
    d, pr, nm = s.d, s.pr, s.nm
    names = ["h"] + (["c"] if pr.cell_class.has_cell_state else []) + [g for g in pr.gates if g]
    if pr.readout is not None:
        names.append("y")
    for name in names:
        width = pr.n_out if name == "y" else None
        d.answer(name, np.array(_gather(s, name, width)), _ANSWER_TITLES[name], keys=_keys(s, name, width))
    if pr.loss is None:
        return
    d.answer("loss", float(d.env["L"]), "the loss L", keys=("L",))
    for e in s.entries:
        keys = [e.p.sym] if not s.units else [e.p.el(r, c) for r, c in e.p.entries()]
        grads = [nm.grad(k) for k in keys]
        value = _collect(s, e, grads)
        d.answer("d" + e.answer, value, f"∂L/∂{e.p.uni}", keys=tuple(g.key for g in grads))
    if pr.eta is not None:
        from dlsolve import notation as N

        for e in s.entries:
            keys = [e.p.sym] if not s.units else [e.p.el(r, c) for r, c in e.p.entries()]
            news = [N.new(k) for k in keys]
            d.answer(e.answer + "_new", _collect(s, e, news), f"{e.p.uni} after the update",
                     keys=tuple(n.key for n in news))


def _collect(s: Solver, e: Entry, syms: list[Sym]) -> np.ndarray:
    """The values of `syms` in the shape of e's parameter (one matrix symbol, or its entries)."""
    if not s.units:
        return np.array(s.d.env[syms[0].key])
    flat = np.array([s.d.env[k.key] for k in syms])
    return flat.reshape(e.value.shape)


def count_section(s: Solver) -> None:
    d, pr = s.d, s.pr
    d.section("Parameters")
    G, H, I = pr.cell_class.n_gates(), pr.n_h, pr.n_in
    given = pr.biases_per_gate
    nb = 2 if pr.has_bh else 1
    sym = Sym("count", "parameters of the cell", r"\#\text{parameters}")
    if len(set(given)) == 1:
        per = Num(H) * Num(I) + Num(H) * Num(H) + (Num(nb) * Num(H) if nb > 1 else Num(H))
        formula = per if G == 1 else Num(G) * per
        note = (f"{G} gate{'s' if G > 1 else ''} × (W: {H}×{I}, U: {H}×{H}, " + ("b and bʰ" if nb > 1 else "b")
                + f": {H} each)")
    else:   # bʰ on some gates only (the GRU's candidate): only the bias vectors given are parameters
        with_bh = [g or "h" for g, n in zip(pr.gates, given) if n == 2]
        per = Num(H) * Num(I) + Num(H) * Num(H) + Num(H)
        formula = Num(G) * per + (Num(len(with_bh)) * Num(H) if len(with_bh) > 1 else Num(H))
        note = (f"{G} gates × (W: {H}×{I}, U: {H}×{H}, b: {H}), and bʰ: {H} on gate "
                + ", ".join(with_bh) + " only")
    value = d.scalar(sym, formula, note=note)
    d.answer("params", int(value), "parameters of the cell", keys=("count",))
    other = G * (H * I + H * H + H * (1 if nb == 2 else 2))
    gru = pr.cell_class.resets
    if len(set(given)) > 1:
        d.note(Phrase("with one bias per gate the cell has {one:int} parameters, with two (PyTorch) {two:int}",
                      one=G * (H * I + H * H + H), two=G * (H * I + H * H + 2 * H)))
    elif nb == 2:
        who = "Keras' GRU with reset_after=False" if gru else "Keras"
        d.note(Phrase(f"with one bias per gate ({who}) the cell has {{n:int}} parameters", n=other))
    else:
        who = "PyTorch; Keras' GRU with reset_after=True" if gru else "PyTorch"
        d.note(Phrase(f"with two biases per gate ({who}) the cell has {{n:int}} parameters", n=other))
    if pr.readout is not None:
        ro = d.scalar(Sym("count_y", "parameters of the read-out", r"\#\text{read-out}"),
                      Num(pr.n_out) * Num(H) + Num(pr.n_out), note=f"V: {pr.n_out}×{H}, b_y: {pr.n_out}")
        d.answer("params_readout", int(ro), "parameters of the read-out", keys=("count_y",))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    options = options or SolveOptions()
    pr = spec.problem
    s = Solver(pr, options)
    s.given()
    count_section(s)
    s.forward()
    if pr.loss is not None:
        backward(s)
    conventions(s)
    alternatives(s, spec, options)
    answers(s)
    return s.d.solution(KIND, spec.title)
