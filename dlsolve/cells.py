"""The recurrent cells — simple RNN, LSTM, GRU — each one class: its names, its gates (in
PyTorch's packing order) with their titles and activations, the equations the course writes,
its state, and its parameter count. `kind: rnn` and the recurrent layers of `conv`/`params`
both read them, so a cell's rules are written once.

Parameter count of a cell with h units on x inputs:
    gates · (h·x + h·h + biases·h)
with one bias vector per gate (Keras), two (PyTorch's b_ih and b_hh; Keras' GRU with
reset_after), or none (`bias: false`: Keras' use_bias=False, PyTorch's bias=False).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from dlsolve.activations import ACTIVATIONS, Activation

_SIGMOID, _TANH = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]


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
    gates: ClassVar[tuple[Gate, ...]]
    aliases: ClassVar[dict[str, str]] = {}   # other names a gate may be written with
    has_cell_state: ClassVar[bool] = False   # the LSTM's c_t
    takes_activation: ClassVar[bool] = False   # the simple RNN's activation is a choice
    resets: ClassVar[bool] = False            # the GRU's reset placement and update forms
    reset_into: ClassVar[Optional[str]] = None   # the gate whose recurrent part the reset gate scales

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
    gates = (Gate("i", "input gate", _SIGMOID), Gate("f", "forget gate", _SIGMOID),
             Gate("g", "candidate (cell input)", _TANH), Gate("o", "output gate", _SIGMOID))
    aliases = {"c": "g"}
    has_cell_state = True

    @classmethod
    def equations(cls, packed: bool = False) -> Optional[str]:
        return ("LSTM: i, f, o = σ(·), g = tanh(·); c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, h_t = o_t ⊙ tanh(c_t)" +
                ("; packed gate order i, f, g, o (PyTorch)" if packed else ""))


class GRUCell(Cell):
    name = "gru"
    layer = "gru"
    title = "GRU"
    gates = (Gate("r", "reset gate", _SIGMOID), Gate("z", "update gate", _SIGMOID),
             Gate("n", "candidate (new state)", _TANH))
    resets = True
    reset_into = "n"

    @classmethod
    def equations(cls, packed: bool = False) -> Optional[str]:
        return "GRU: r, z = σ(·), n = tanh(·)" + ("; packed gate order r, z, n (PyTorch)" if packed else "")


CELLS: tuple[type[Cell], ...] = (SimpleRNNCell, LSTMCell, GRUCell)
BY_NAME: dict[str, type[Cell]] = {c.name: c for c in CELLS}
BY_LAYER: dict[str, type[Cell]] = {c.layer: c for c in CELLS}
