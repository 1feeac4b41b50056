"""The recurrent cells — simple RNN, LSTM, GRU — each one class: its names, its gates (in
PyTorch's packing order) with their titles and activations, the equations the course writes,
its state, its parameter count, and its two worked rules: the new state after the gates
(`new_state`) and the gates' δ from ∂L/∂h_t (`deltas`). `kind: rnn` and the recurrent layers of
`conv`/`params` both read them, so a cell's rules are written once.

`new_state` and `deltas` work through the rnn kind's solver `s` (its names `s.nm`, its
`s.derive_units`, its problem `s.pr`), as a step of its walk.

Parameter count of a cell with h units on x inputs:
    gates · (h·x + h·h + biases·h)
with one bias vector per gate (Keras), two (PyTorch's b_ih and b_hh; Keras' GRU with
reset_after), or none (`bias: false`: Keras' use_bias=False, PyTorch's bias=False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, ClassVar, Optional

from dlsolve import notation as N
from dlsolve.activations import SIGMOID, TANH, Activation
from dlsolve.expr import Add, Expr, Num

if TYPE_CHECKING:   # the rnn kind's solver, whose walk a cell's rules are steps of
    from dlsolve.kinds.rnn.forward import Solver
    from dlsolve.kinds.rnn.names import Handle

_SIGMOID, _TANH = SIGMOID, TANH  # the gates' activations: the records themselves


@dataclass(frozen=True)
class Gate:
    """One gate: its letter ("" for the simple RNN's single transform), title and activation
    (None: the problem chooses it, as the simple RNN's)."""

    name: str
    title: str
    activation: Optional[Activation]


class Cell:
    """A recurrent cell. Subclasses set the class attributes; nothing is instantiated."""

    name: ClassVar[str]            # `cell:` of kind rnn
    layer: ClassVar[str]           # the layer type of conv/params
    title: ClassVar[str]
    in_words: ClassVar[str | None] = None  # the cell as an exam's sentence names it ("an LSTM cell"); None: its equation
    gates: ClassVar[tuple[Gate, ...]]
    aliases: ClassVar[dict[str, str]] = {}   # other names a gate may be written with
    has_cell_state: ClassVar[bool] = False   # the LSTM's c_t
    takes_activation: ClassVar[bool] = False   # the simple RNN's activation is a choice
    resets: ClassVar[bool] = False            # the GRU's reset placement and update forms

    @classmethod
    def gate_names(cls) -> tuple[str, ...]:
        return tuple(g.name for g in cls.gates)

    @classmethod
    def n_gates(cls) -> int:
        return len(cls.gates)

    @classmethod
    def gate(cls, name: str) -> Gate:
        return next(g for g in cls.gates if g.name == name)

    @classmethod
    def count(cls, h: int, x: int, biases: int) -> int:
        """gates·(h·x + h·h + biases·h)."""
        return cls.count_gates(h, x, [biases] * cls.n_gates())

    @classmethod
    def count_gates(cls, h: int, x: int, biases: list[int]) -> int:
        """Σ over the gates of h·x + h·h + (its bias vectors)·h: a bias vector a problem does not give
        (the GRU's bʰ on n only) is not a parameter."""
        return sum(h * x + h * h + b * h for b in biases)

    @classmethod
    def equations(cls, packed: bool = False) -> Optional[str]:
        """The cell's equations in the course's words (None: the simple RNN's depend on its activation)."""
        return None

    @classmethod
    def pre_activation(cls, s: Solver, g: str, t: int) -> None:
        """Gate g's pre-activation at step t: W_g·x_t + U_g·h_(t−1) + b_g (+ bʰ_g)."""
        s.derive_units(s.nm.pre(g, t), lambda j: s.affine(g, t, j))

    @classmethod
    def recurrent_input(cls, s: Solver, g: str, t: int) -> tuple[Handle, Handle]:
        """(the δ that multiplies into U_g's gradient, the vector U_g multiplied at step t)."""
        return s.nm.delta(g, t), s.nm.h(t - 1)

    @classmethod
    def sent_back(cls, s: Solver, t: int, j: Optional[int]) -> list[Expr]:
        """The terms of ∂L/∂h_(t−1) that come from step t: back through each gate's U."""
        nm = s.nm
        terms: list[Expr] = []
        for g in s.pr.gates:
            d, _ = cls.recurrent_input(s, g, t)
            terms.append(nm.back(s.P["U" + (f"_{g}" if g else "")], d, s.pr.n_h, j))
        return terms

    @classmethod
    def new_state(cls, s: Solver, t: int) -> None:
        """After the gates of step t: the new state (the simple RNN's h_t is its gate's output)."""

    @classmethod
    def deltas(cls, s: Solver, t: int, d_act: Callable[[str, Optional[int]], Expr]) -> None:
        """The gates' δ at step t from ∂L/∂h_t; d_act(g, j) is f'(z) of gate g (unit j, or None)."""
        nm = s.nm
        dh = nm.dL(nm.h(t))
        s.derive_units(nm.delta("", t), lambda j: nm.had(j, dh(j), d_act("", j)))


def _s(t: int) -> str:
    return N.subscript(t)


class SimpleRNNCell(Cell):
    name = "rnn"
    layer = "simple_rnn"
    title = "simple RNN"
    gates = (Gate("", "hidden state", None),)
    takes_activation = True


class LSTMCell(Cell):
    name = "lstm"
    layer = "lstm"
    title = "LSTM"
    in_words = "an LSTM cell"
    gates = (Gate("i", "input gate", _SIGMOID), Gate("f", "forget gate", _SIGMOID),
             Gate("g", "candidate (cell input)", _TANH), Gate("o", "output gate", _SIGMOID))
    aliases = {"c": "g"}
    has_cell_state = True

    @classmethod
    def equations(cls, packed: bool = False) -> Optional[str]:
        return ("LSTM: i, f, o = σ(·), g = tanh(·); c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, h_t = o_t ⊙ tanh(c_t)" +
                ("; packed gate order i, f, g, o (PyTorch)" if packed else ""))

    @classmethod
    def new_state(cls, s: Solver, t: int) -> None:
        """c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, then h_t = o_t ⊙ tanh(c_t)."""
        nm = s.nm
        c, h = nm.c(t), nm.h(t)
        if s.units:
            s.d.text(f"c{_s(t)} = f{_s(t)} ⊙ c{_s(t - 1)} + i{_s(t)} ⊙ g{_s(t)} and h{_s(t)} = o{_s(t)} ⊙ "
                     f"tanh(c{_s(t)}), ⊙ (the notes' ⊗) multiplying unit by unit:")
        s.derive_units(c, lambda j: Add.of(nm.had(j, nm.gate("f", t)(j), nm.c(t - 1)(j)),
                                           nm.had(j, nm.gate("i", t)(j), nm.gate("g", t)(j))))
        s.derive_units(h, lambda j: nm.had(j, nm.gate("o", t)(j), _TANH.definition(c(j), {})))

    @classmethod
    def deltas(cls, s: Solver, t: int, d_act: Callable[[str, Optional[int]], Expr]) -> None:
        """δᵒ through h_t = o ⊙ tanh(c_t); ∂L/∂c_t through h_t and c_(t+1); then δⁱ, δᶠ, δᵍ."""
        nm = s.nm
        dh = nm.dL(nm.h(t))
        c = nm.c(t)
        def tc(j: Optional[int]) -> Expr:
            return _TANH.definition(c(j), {})

        s.derive_units(nm.delta("o", t), lambda j: nm.had(j, dh(j), tc(j), d_act("o", j)))
        dc = nm.dL(c)

        def dc_build(j: Optional[int]) -> Expr:
            own: Expr = nm.had(j, dh(j), nm.gate("o", t)(j), _TANH.slope(c(j), tc(j), {}))
            if t < s.last_target:
                return Add.of(own, nm.had(j, nm.dL(nm.c(t + 1))(j), nm.gate("f", t + 1)(j)))
            return own

        s.derive_units(dc, dc_build, note="through h_t, and through c_{t+1} = f_{t+1} ⊙ c_t + …"
                       if t < s.last_target else None)
        s.derive_units(nm.delta("i", t), lambda j: nm.had(j, dc(j), nm.gate("g", t)(j), d_act("i", j)))
        s.derive_units(nm.delta("f", t), lambda j: nm.had(j, dc(j), nm.c(t - 1)(j), d_act("f", j)))
        s.derive_units(nm.delta("g", t), lambda j: nm.had(j, dc(j), nm.gate("i", t)(j), d_act("g", j)))


class GRUCell(Cell):
    name = "gru"
    layer = "gru"
    title = "GRU"
    in_words = "a GRU cell"
    gates = (Gate("r", "reset gate", _SIGMOID), Gate("z", "update gate", _SIGMOID),
             Gate("n", "candidate (new state)", _TANH))
    resets = True

    @classmethod
    def equations(cls, packed: bool = False) -> Optional[str]:
        return "GRU: r, z = σ(·), n = tanh(·)" + ("; packed gate order r, z, n (PyTorch)" if packed else "")

    @classmethod
    def pre_activation(cls, s: Solver, g: str, t: int) -> None:
        """The candidate n: its recurrent part scaled by the reset gate r, after the product
        (reset_after: r ⊙ (U_n·h_(t−1) + bʰ_n)) or before it (U_n·(r ⊙ h_(t−1)))."""
        if g != "n":
            super().pre_activation(s, g, t)
            return
        nm, pr, P = s.nm, s.pr, s.P

        def bh(j: Optional[int]) -> list[Expr]:
            """The second bias of the candidate (PyTorch's b_hn, Keras' reset_after), if any."""
            if "bh_n" not in P:
                return []
            return [P["bh_n"].el(j) if j else P["bh_n"].sym]

        if pr.reset_after:
            zh = nm.handle("z", t, "nh")
            s.derive_units(zh, lambda j: Add.of(nm.matvec(P["U_n"], nm.h(t - 1), pr.n_h, j), *bh(j)),
                           note="the recurrent part of the candidate, before the reset gate scales it")
            s.derive_units(nm.pre("n", t), lambda j: Add.of(s.affine("n", t, j, with_recurrent=False),
                                                            nm.had(j, nm.gate("r", t)(j), zh(j))))
            return
        sv = nm.handle("s", t)
        s.derive_units(sv, lambda j: nm.had(j, nm.gate("r", t)(j), nm.h(t - 1)(j)),
                       note="the previous state after the reset gate (reset_after: false)")
        s.derive_units(nm.pre("n", t), lambda j: Add.of(
            nm.matvec(P["W_n"], nm.x(t), pr.n_in, j), nm.matvec(P["U_n"], sv, pr.n_h, j),
            P["b_n"].el(j) if j else P["b_n"].sym, *bh(j)))

    @classmethod
    def recurrent_input(cls, s: Solver, g: str, t: int) -> tuple[Handle, Handle]:
        """U_n multiplies h_(t−1) (reset_after, its δ the recurrent part's) or r ⊙ h_(t−1) (reset before)."""
        nm = s.nm
        if g == "n":
            return (nm.delta("nh", t), nm.h(t - 1)) if s.pr.reset_after else (nm.delta("n", t), nm.handle("s", t))
        return super().recurrent_input(s, g, t)

    @classmethod
    def sent_back(cls, s: Solver, t: int, j: Optional[int]) -> list[Expr]:
        """Through the update's z ⊙ h_(t−1) (or (1 − z) ⊙ …), and back through each gate; with the reset
        before the product, the candidate's path runs through r ⊙ h_(t−1)."""
        nm, pr = s.nm, s.pr
        z = nm.gate("z", t)(j)
        keep = z if pr.gru_update == "keep_old" else Num(1) - z
        terms: list[Expr] = [nm.had(j, nm.dL(nm.h(t))(j), keep)]
        for g in pr.gates:
            if g == "n" and not pr.reset_after:
                terms.append(nm.had(j, nm.dL(nm.handle("s", t))(j), nm.gate("r", t)(j)))
                continue
            d, _ = cls.recurrent_input(s, g, t)
            terms.append(nm.back(s.P["U_" + g], d, pr.n_h, j))
        return terms

    @classmethod
    def new_state(cls, s: Solver, t: int) -> None:
        """h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1) (keep_old), or with z and 1 − z swapped (take_new)."""
        nm, keep_old = s.nm, s.pr.gru_update == "keep_old"
        z, n, hp = nm.gate("z", t), nm.gate("n", t), nm.h(t - 1)
        if s.units:
            a, b = (f"(1 − z{_s(t)})", f"z{_s(t)}") if keep_old else (f"z{_s(t)}", f"(1 − z{_s(t)})")
            s.d.text(f"h{_s(t)} = {a} ⊙ n{_s(t)} + {b} ⊙ h{_s(t - 1)}, ⊙ multiplying unit by unit:")
        if keep_old:
            build = lambda j: Add.of(nm.had(j, Num(1) - z(j), n(j)), nm.had(j, z(j), hp(j)))  # noqa: E731
        else:
            build = lambda j: Add.of(nm.had(j, z(j), n(j)), nm.had(j, Num(1) - z(j), hp(j)))  # noqa: E731
        s.derive_units(nm.h(t), build)

    @classmethod
    def deltas(cls, s: Solver, t: int, d_act: Callable[[str, Optional[int]], Expr]) -> None:
        """δⁿ and δᶻ from the update; δʳ through the reset, after (reset_after) or before the recurrent product."""
        nm, pr = s.nm, s.pr
        dh = nm.dL(nm.h(t))
        z, n, hp = nm.gate("z", t), nm.gate("n", t), nm.h(t - 1)
        keep_old = pr.gru_update == "keep_old"
        s.derive_units(nm.delta("n", t), lambda j: nm.had(j, dh(j), (Num(1) - z(j)) if keep_old else z(j),
                                                          d_act("n", j)))
        s.derive_units(nm.delta("z", t), lambda j: nm.had(j, dh(j), (hp(j) - n(j)) if keep_old else (n(j) - hp(j)),
                                                          d_act("z", j)))
        if pr.reset_after:
            s.derive_units(nm.delta("nh", t), lambda j: nm.had(j, nm.delta("n", t)(j), nm.gate("r", t)(j)),
                           note="zⁿ = … + r ⊙ zⁿʰ, so the recurrent part receives δⁿ ⊙ r")
            s.derive_units(nm.delta("r", t), lambda j: nm.had(j, nm.delta("n", t)(j), nm.handle("z", t, "nh")(j),
                                                              d_act("r", j)))
        else:
            ds = nm.dL(nm.handle("s", t))
            s.derive_units(ds, lambda j: nm.back(s.P["U_n"], nm.delta("n", t), pr.n_h, j))
            s.derive_units(nm.delta("r", t), lambda j: nm.had(j, ds(j), hp(j), d_act("r", j)))


CELLS: tuple[type[Cell], ...] = (SimpleRNNCell, LSTMCell, GRUCell)
BY_NAME: dict[str, type[Cell]] = {c.name: c for c in CELLS}
BY_LAYER: dict[str, type[Cell]] = {c.layer: c for c in CELLS}
