"""The YAML schema of `kind: rnn` and its preparation into a checked recurrent problem.

Every shape is checked here, before solving, and reported with the path of the offending key.
Whatever the YAML gives (per-gate matrices in either layout, or PyTorch's packed tensors), the
prepared `Problem` keeps each parameter exactly as written in the layout the student used, so
that gradients come back in that layout too. Rules between keys (weights or pytorch; the keys
of weights, and the settings, each cell takes; targets with a readout and a loss; a learning
rate with a loss) are records in `RULES`, so the JSON Schema states them too; the solver reads
the frozen `spec.problem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve import limits
from dlsolve.activations import ACTIVATIONS, Activation, Params
from dlsolve.cells import BY_NAME, CELLS, Cell
from dlsolve.errors import Path, SpecInvalid, describe, did_you_mean
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import (AtMostOne, BelongsTo, ExactlyOne, KeysWhen, NeedsOneOf, PreparedSpec, Requires,
                                    Ruled, ValueWhen, frozen)
from dlsolve.losses import LOSSES, NETWORK_LOSSES, Loss, Options
# field types with a JSON Schema
from dlsolve.schema import NUMBER, ROWS, VECTOR, Matrix, NumberOrVector, listed, typed

_STRICT = ConfigDict(extra="forbid")

# The gates of each cell in PyTorch's packing order, their titles and other names: read from the
# cell classes (dlsolve.cells), their one home.
GATES: dict[str, tuple[str, ...]] = {c.name: c.gate_names() for c in CELLS}
GATE_TITLES = {g.name: g.title for c in CELLS for g in c.gates}
GATE_ALIASES = {c.name: c.aliases for c in CELLS}
NEEDED, OPTIONAL = ("W", "U"), ("b", "bh")   # a gate's parameters: the weights, and the biases (default 0)
PARAMS = NEEDED + OPTIONAL
_PARAMS_SCHEMA = {
    "W": {"anyOf": [NUMBER, ROWS], "description": "the input weights W"},
    "U": {"anyOf": [NUMBER, ROWS], "description": "the recurrent weights U"},
    "b": {"anyOf": [NUMBER, VECTOR], "description": "the biases b (default 0)"},
    "bh": {"anyOf": [NUMBER, VECTOR], "description": "the recurrent biases bʰ (PyTorch; optional)"}}
_BLOCK = {"type": "object", "additionalProperties": False, "required": list(NEEDED), "properties": _PARAMS_SCHEMA}
# rnn: W, U, b, bh; lstm and gru: one such mapping per gate (by its letter or another name)
_WEIGHTS = typed({"anyOf": [
    _BLOCK,
    {"type": "object", "minProperties": 1, "additionalProperties": _BLOCK, "propertyNames": {"enum": list(
        dict.fromkeys([g for c in CELLS for g in c.gate_names()] + [a for c in CELLS for a in c.aliases]))}}]},
    "rnn: W, U, b (and bh); lstm and gru: one mapping {W, U, b, bh} per gate")


def _of_units(loss: Loss) -> bool:
    """A loss of the read-out's units: no whole-row form (multiclass SVM, cosine, KL) and no
    options but half and delta. The check of `loss` and the schema's list both read this."""
    return not (loss.scores or loss.free_rows or any(k not in ("half", "delta") for k in loss.options))


def _unit_activation(act: Activation) -> bool:
    """An activation of a cell or a read-out: one with a derivative of each unit alone (not softmax,
    which acts on the whole vector, nor step). The check of a name and the schema's list both read this."""
    return act.derivative is not None


_UNIT_ACTIVATION = listed(lambda: {n: a.title for n, a in ACTIVATIONS.items() if _unit_activation(a)},
                          "the activation")
_UNIT_LOSS_NAME = listed(lambda: {n: loss.title for n, loss in LOSSES.items() if _of_units(loss)}, "the loss")
if TYPE_CHECKING:   # what the fields hold once checked (their JSON Schema is built at run time)
    UnitLossName = str
    UnitActivation = str
    Weights = dict[str, Any]
else:
    UnitLossName, UnitActivation, Weights = _UNIT_LOSS_NAME, _UNIT_ACTIVATION, _WEIGHTS


def _weights_keys(cell: type[Cell]) -> KeysWhen:
    """The rule for the keys of `weights` with this cell, read from its class: one mapping
    {W, U, b, bh} per gate, by its letter or another name (lstm: i, f, g or c, o); a one-gate cell
    (the simple RNN) writes that mapping's keys directly."""
    if cell.n_gates() == 1:
        return KeysWhen("weights", "cell", cell.name, NEEDED, may=OPTIONAL)
    return KeysWhen("weights", "cell", cell.name, cell.gate_names(), aliases=tuple(cell.aliases.items()),
                    noun=f"{cell.name} gate", titles=tuple((g.name, g.title) for g in cell.gates))


def _cells(takes: Callable[[type[Cell]], bool]) -> tuple[str, ...]:
    """The names of the cells that take a key (as their class says)."""
    return tuple(c.name for c in CELLS if takes(c))


def _cell_settings() -> tuple[BelongsTo, ...]:
    """The keys only some cells take, read from their classes: the simple RNN's activation, the
    LSTM's c0 (its cell state), the GRU's reset_after and gru_update."""
    return (
        BelongsTo("activation", "cell", _cells(lambda c: c.takes_activation),
                  message="activation is the simple RNN's; the {held} cell uses σ for its gates and tanh for its "
                          "candidate"),
        BelongsTo("c0", "cell", _cells(lambda c: c.has_cell_state),
                  message="c0 is the LSTM's cell state; the {held} cell has none"),
        *(BelongsTo(key, "cell", _cells(lambda c: c.resets), message=f"{key} is a GRU setting; this cell is {{held}}")
          for key in ("reset_after", "gru_update")),
    )


class LossSpec(Ruled):
    """The loss as a mapping: the same keys as in kind backprop; half and delta belong to the
    losses whose record takes them."""

    model_config = _STRICT
    RULES = (*(BelongsTo(option, "name", tuple(n for n, l in LOSSES.items() if _of_units(l) and option in l.options),
                         message=f"{option} does not apply to {{held}}") for option in ("half", "delta")),
             ValueWhen("reduction", "name", tuple((n, l.reductions) for n, l in LOSSES.items() if _of_units(l)),
                       message="{held} takes reduction {allowed} only"))
    name: UnitLossName = Field(description="the loss of the read-out's outputs y_t")
    half: Optional[bool] = Field(None, description="mse/sse: use ½(y − ŷ)²")
    reduction: Optional[Literal["mean", "sum"]] = Field(None, description="mean or sum over the output units")
    delta: Optional[float] = Field(None, description="huber's δ (default 1)")


class ReadoutSpec(BaseModel):
    model_config = _STRICT
    V: Matrix = Field(description="V, the output weights")
    c: Optional[NumberOrVector] = Field(None, description="c, the output biases (default 0)")
    activation: UnitActivation = Field("linear", description="the output activation (default linear)")


class PytorchSpec(BaseModel):
    """PyTorch's packed tensors: gates stacked row-wise (i, f, g, o for LSTM; r, z, n for GRU)."""

    model_config = _STRICT
    weight_ih: Matrix = Field(description="weight_ih: the input weights of every gate stacked row-wise")
    weight_hh: Matrix = Field(description="weight_hh: the recurrent weights of every gate stacked row-wise")
    bias_ih: Optional[NumberOrVector] = Field(None, description="bias_ih: the input biases of every gate")
    bias_hh: Optional[NumberOrVector] = Field(None, description="bias_hh: the recurrent biases of every gate")


@dataclass(frozen=True)
class Gate:
    """One gate's parameters, each as given (layout of the problem); bh is None when not given."""

    name: str
    W: np.ndarray
    U: np.ndarray
    b: np.ndarray
    bh: Optional[np.ndarray]


@dataclass(frozen=True)
class Readout:
    V: np.ndarray
    c: np.ndarray
    activation: Activation
    params: Params


@dataclass(frozen=True)
class Problem:
    """An rnn problem checked: the sequence, the initial states, each gate's parameters as given,
    the read-out, the targets and the loss (None: the forward pass only)."""

    cell: str
    xs: tuple[np.ndarray, ...]      # x_1 … x_T
    h0: np.ndarray
    c0: Optional[np.ndarray]
    layout: str                     # "out_in" | "in_out"
    gates: dict[str, Gate]
    activation: Optional[Activation]  # rnn only
    act_params: Params
    reset_after: bool
    gru_update: str                 # "keep_old" | "take_new"
    packed: bool                    # given as PyTorch's packed tensors
    readout: Optional[Readout]
    targets: tuple[Optional[np.ndarray], ...]  # one per step, None where there is none
    loss: Optional[Loss]
    loss_options: Options
    reduction: str
    eta: Optional[float]

    @property
    def T(self) -> int:
        return len(self.xs)

    @property
    def n_in(self) -> int:
        return len(self.xs[0])

    @property
    def n_h(self) -> int:
        return len(self.h0)

    @property
    def n_out(self) -> int:
        return 0 if self.readout is None else len(self.readout.c)

    @property
    def cell_class(self) -> type[Cell]:
        """The cell's class: its gates, activations, state and count."""
        return BY_NAME[self.cell]

    @property
    def biases_per_gate(self) -> list[int]:
        """Bias vectors of each gate: b, and bʰ where the problem gives it."""
        return [1 + (g.bh is not None) for g in self.gates.values()]

    @property
    def has_bh(self) -> bool:
        return any(g.bh is not None for g in self.gates.values())


class Spec(PreparedSpec[Problem]):
    """kind: rnn — see the README for every key and its default."""

    model_config = _STRICT
    RULES = (
        ExactlyOne(("weights", "pytorch"), message="give weights (per gate) or pytorch (PyTorch's packed tensors), "
                                                   "one of them"),
        Requires("targets", ("readout",), message="targets need a readout (y_t = act(V·h_t + c)) to compare with; "
                                                  "add readout:"),
        Requires("target", ("readout",), message="target needs a readout (y_t = act(V·h_t + c)) to compare with; "
                                                 "add readout:"),
        Requires("targets", ("loss",), message="targets need a loss to compare them with; add loss: (e.g. mse)"),
        Requires("target", ("loss",), message="target needs a loss to compare it with; add loss: (e.g. mse)"),
        Requires("learning_rate", ("loss",), message="a learning rate needs a loss to minimise (and targets)"),
        NeedsOneOf(("loss",), ("targets", "target"), at="loss",
                   message="a loss needs targets (one per step) or a target for the last step"),
        AtMostOne(("targets", "target"), message="give targets (one per step) or target (the last step), not both"),
        *(_weights_keys(c) for c in CELLS),
        *_cell_settings(),
    )
    kind: Literal["rnn"]
    title: Optional[str] = None
    cell: Literal["rnn", "lstm", "gru"] = Field(description="the cell: rnn (simple), lstm or gru")
    inputs: list[NumberOrVector] = Field(min_length=1, max_length=limits.MAX_TIME_STEPS,
                                         description="x₁ … x_T, one input (number or vector) per time step")
    h0: Optional[NumberOrVector] = Field(None, description="h₀, the initial hidden state (default zeros)")
    c0: Optional[NumberOrVector] = Field(None, description="lstm: c₀, the initial cell state (default zeros)")
    weights_layout: Optional[Literal["out_in", "in_out"]] = Field(None,
                                                                  description="out_in: each matrix one row per unit, "
                                                                              "one column per input (W·x); in_out: one "
                                                                              "row per input (x·W)")
    # The keys of `weights` depend on the cell (W, U, b, bh for rnn; gate names for lstm/gru): RULES
    # (KeysWhen, one per cell) check them; each gate's mapping is checked by hand below.
    weights: Optional[Weights] = Field(None,
                                       description="the weights per gate as given (or give pytorch's packed tensors)")
    pytorch: Optional[PytorchSpec] = Field(None,
                                           description="PyTorch's packed tensors: {weight_ih, weight_hh, bias_ih, "
                                                       "bias_hh}, gates stacked row-wise")
    activation: Optional[UnitActivation] = Field(None,
                                                 description="rnn: the activation of the hidden state (default tanh)")
    reset_after: Optional[bool] = Field(None,
                                        description="gru: true applies the reset gate after the recurrent product, r "
                                                    "⊙ (U·h + bʰ) (PyTorch); false before it, U·(r ⊙ h)")
    gru_update: Optional[Literal["keep_old", "take_new"]] = Field(None,
                                                                  description="gru: keep_old, h_t = (1 − z_t) ⊙ n_t + "
                                                                              "z_t ⊙ h_(t−1); take_new, h_t = z_t ⊙ n_t"
                                                                              " + (1 − z_t) ⊙ h_(t−1)")
    readout: Optional[ReadoutSpec] = Field(None,
                                           description="an output layer on each h_t: {V, c, activation}, y_t = "
                                                       "g(V·h_t + c)")
    targets: Optional[list[Optional[NumberOrVector]]] = Field(None,
                                                              description="the expected output at each step (null "
                                                                          "where there is none)")
    target: Optional[NumberOrVector] = Field(None, description="the expected output at the last step")
    loss: Union[UnitLossName, LossSpec, None] = Field(None,
                                             description="the loss on the outputs: a name (mse, bce, …) or {name, "
                                                         "half, reduction, delta}; adds backpropagation through time")
    learning_rate: Optional[float] = Field(None, description="η: adds the update w ← w − η·∂L/∂w")

    def prepare(self) -> Problem:
        return prepare(self)


# -- pieces ------------------------------------------------------------------------------------
def _inputs(spec: Spec) -> list[np.ndarray]:
    xs: list[np.ndarray] = []
    for t, raw in enumerate(spec.inputs):
        path = ("inputs", t)
        if isinstance(raw, list) and raw and isinstance(raw[0], list):
            raise SpecInvalid("expected one input vector per step (a list of numbers), got a matrix", path)
        x = V.vector(raw, path)
        if xs and len(x) != len(xs[0]):
            raise SpecInvalid(f"mixed input widths: step 1 has {len(xs[0])} value{'s' if len(xs[0]) > 1 else ''}, "
                              f"this step has {len(x)}", path)
        xs.append(x)
    return xs


def _matrix(raw: Any, path: Path, rows: int, cols: int, what: str, layout: str) -> np.ndarray:
    """A parameter matrix checked against (units × inputs) in out_in, (inputs × units) in in_out."""
    if raw is None:
        raise SpecInvalid(f"missing {path[-1]} ({what})", path)
    M = V.matrix(raw, path)
    want = (rows, cols) if layout == "out_in" else (cols, rows)
    if M.shape != want:
        side = "one row per unit, one column per input" if layout == "out_in" else \
            "one row per input, one column per unit"
        raise SpecInvalid(f"expected a {want[0]}×{want[1]} matrix ({what}; weights_layout {layout}: {side}), "
                          f"got {M.shape[0]}×{M.shape[1]}", path)
    return M


def _bias(raw: Any, path: Path, n: int, what: str) -> np.ndarray:
    if raw is None:
        return np.zeros(n)
    b = V.vector(raw, path)
    if len(b) != n:
        raise SpecInvalid(f"expected {n} {what} (one per unit), got {len(b)}", path)
    return b


def _hidden_size(spec: Spec, gates: list[str], layout: str) -> int:
    """The number of hidden units, read from the first gate's W (or from h0)."""
    if spec.h0 is not None:
        return len(V.vector(spec.h0, ("h0",)))
    if spec.pytorch is not None:
        W = V.matrix(spec.pytorch.weight_hh, ("pytorch", "weight_hh"))
        return int(W.shape[1])
    weights = spec.weights or {}
    blocks = [(weights, ("weights", "U"))] if BY_NAME[spec.cell].n_gates() == 1 else \
        [(block, ("weights", key, "U")) for key, block in weights.items()]
    for block, path in blocks:
        if isinstance(block, dict) and block.get("U") is not None:
            return int(V.matrix(block["U"], path).shape[0])
    raise SpecInvalid("cannot tell the number of hidden units: give h0 or the recurrent weights U", ("weights",))


def _gate_block(raw: Any, path: Path, name: str, n_h: int, n_in: int, layout: str) -> Gate:
    if not isinstance(raw, dict):
        raise SpecInvalid(f"expected a mapping with W, U, b (and optionally bh), got {describe(raw)}", path)
    for key in raw:
        if key not in PARAMS:
            raise SpecInvalid(f"unknown key: {did_you_mean(key, PARAMS)}", path + (key, "<key>"))
    title = GATE_TITLES[name]
    W = _matrix(raw.get("W"), path + ("W",), n_h, n_in, f"input weights of the {title}", layout)
    U = _matrix(raw.get("U"), path + ("U",), n_h, n_h, f"recurrent weights of the {title}", layout)
    b = _bias(raw.get("b"), path + ("b",), n_h, "biases")
    bh = None if raw.get("bh") is None else _bias(raw.get("bh"), path + ("bh",), n_h, "recurrent biases")
    return Gate(name, frozen(W), frozen(U), frozen(b), None if bh is None else frozen(bh))


def _per_gate(spec: Spec, gates: tuple[str, ...], n_h: int, n_in: int, layout: str) -> dict[str, Gate]:
    weights = spec.weights or {}
    if BY_NAME[spec.cell].n_gates() == 1:
        return {"": _gate_block(weights, ("weights",), "", n_h, n_in, layout)}
    aliases = GATE_ALIASES[spec.cell]
    # RULES (KeysWhen): each gate is given once, under its letter or another name, and no other key
    found = {aliases.get(key, key): (block, ("weights", key)) for key, block in weights.items()}
    return {g: _gate_block(found[g][0], found[g][1], g, n_h, n_in, layout) for g in gates}


def _packed(spec: Spec, gates: tuple[str, ...], n_h: int, n_in: int) -> dict[str, Gate]:
    p = spec.pytorch
    assert p is not None
    G = len(gates)
    base = ("pytorch",)
    Wih = V.matrix(p.weight_ih, base + ("weight_ih",))
    Whh = V.matrix(p.weight_hh, base + ("weight_hh",))
    order = ", ".join(g or "h" for g in gates)
    if Wih.shape != (G * n_h, n_in):
        raise SpecInvalid(f"expected a {G * n_h}×{n_in} matrix ({G} gates {order} × {n_h} units stacked, "
                          f"one column per input), got {Wih.shape[0]}×{Wih.shape[1]}", base + ("weight_ih",))
    if Whh.shape != (G * n_h, n_h):
        raise SpecInvalid(f"expected a {G * n_h}×{n_h} matrix ({G} gates {order} × {n_h} units stacked, "
                          f"one column per hidden unit), got {Whh.shape[0]}×{Whh.shape[1]}", base + ("weight_hh",))
    bih = _bias(p.bias_ih, base + ("bias_ih",), G * n_h, f"biases ({G} gates × {n_h} units)")
    bhh = None if p.bias_hh is None else _bias(p.bias_hh, base + ("bias_hh",), G * n_h,
                                                f"recurrent biases ({G} gates × {n_h} units)")
    out = {}
    for k, g in enumerate(gates):
        rows = slice(k * n_h, (k + 1) * n_h)
        out[g] = Gate(g, frozen(Wih[rows].copy()), frozen(Whh[rows].copy()), frozen(bih[rows].copy()),
                      None if bhh is None else frozen(bhh[rows].copy()))
    return out


def _activation(name: str, path: Path) -> tuple[Activation, Params]:
    if name not in ACTIVATIONS:
        raise SpecInvalid(f"unknown activation: {did_you_mean(name, ACTIVATIONS)}", path)
    act = ACTIVATIONS[name]
    if not _unit_activation(act):
        raise SpecInvalid(f"{name} acts on a whole vector or has no useful derivative; "
                          "use an elementwise activation here", path)
    return act, dict(act.params)


def _loss(spec: Spec) -> tuple[Optional[Loss], Options, str]:
    """The loss object of dlsolve.losses and its options, as kind backprop reads the same mapping."""
    if spec.loss is None:
        return None, {}, "mean"
    ls = spec.loss if isinstance(spec.loss, LossSpec) else LossSpec.model_validate({"name": spec.loss})
    npath = ("loss",) if isinstance(spec.loss, str) else ("loss", "name")
    if ls.name not in LOSSES:
        raise SpecInvalid(f"unknown loss: {did_you_mean(ls.name, LOSSES)}", npath)
    loss = LOSSES[ls.name]
    if not _of_units(loss):
        raise SpecInvalid(f"{loss.name} is not a loss of the read-out's units; use "
                          f"{', '.join(NETWORK_LOSSES)}", npath)
    options: Options = {}   # LossSpec's RULES: half and delta only with a loss that takes them
    if ls.half is not None:
        options["half"] = ls.half
    if ls.delta is not None and ls.delta <= 0:
        raise SpecInvalid(f"expected a positive delta, got {ls.delta:g}", ("loss", "delta"))
    if "delta" in loss.options:
        options["delta"] = ls.delta if ls.delta is not None else 1.0
    reduction = ls.reduction or loss.default_reduction   # LossSpec's RULES: one the loss takes
    return loss, options, reduction


def _targets(spec: Spec, T: int, n_out: int, loss: Optional[Loss]) -> list[Optional[np.ndarray]]:
    # RULES (AtMostOne): targets or target, not both
    given = spec.targets is not None or spec.target is not None
    key = "targets" if spec.targets is not None else "target"
    if not given:   # RULES: a loss needs targets or target
        return [None] * T
    assert loss is not None   # RULES: targets and target need a loss (and a readout)
    if spec.targets is not None:
        if len(spec.targets) != T:
            raise SpecInvalid(f"expected {T} targets (one per step; null for a step without one), "
                              f"got {len(spec.targets)}", ("targets",))
        raw = list(spec.targets)
        paths: list[Path] = [("targets", t) for t in range(T)]
    else:
        raw = [None] * (T - 1) + [spec.target]
        paths = [("target",)] * T
    out: list[Optional[np.ndarray]] = []
    for value, path in zip(raw, paths):
        if value is None:
            out.append(None)
            continue
        y = V.vector(value, path)
        if len(y) != n_out:
            raise SpecInvalid(f"expected {n_out} target value{'s' if n_out > 1 else ''} "
                              f"(one per readout unit), got {len(y)}", path)
        if loss.probabilities and np.any((y < 0) | (y > 1)):
            raise SpecInvalid(f"{loss.name} targets are probabilities in [0, 1], got {describe(value)}", path)
        out.append(frozen(y))
    if all(y is None for y in out):
        raise SpecInvalid("every target is null: at least one step needs a target", (key,))
    return out


def prepare(spec: Spec) -> Problem:
    cell = spec.cell
    gates = GATES[cell]
    xs = _inputs(spec)
    n_in = len(xs[0])
    if spec.pytorch is not None and spec.weights_layout == "in_out":
        raise SpecInvalid("PyTorch's packed tensors are out_in (one row per unit); drop weights_layout: in_out",
                          ("weights_layout",))
    layout = spec.weights_layout or "out_in"
    n_h = _hidden_size(spec, list(gates), layout)
    h0 = _bias(spec.h0, ("h0",), n_h, "initial hidden values")
    c0 = None
    if BY_NAME[cell].has_cell_state:   # RULES (BelongsTo): c0 only then
        c0 = frozen(_bias(spec.c0, ("c0",), n_h, "initial cell values"))
    if spec.pytorch is not None:
        gate_params = _packed(spec, gates, n_h, n_in)
    else:
        gate_params = _per_gate(spec, gates, n_h, n_in, layout)

    act: Optional[Activation] = None
    act_params: Params = {}
    if BY_NAME[cell].takes_activation:   # RULES (BelongsTo): activation only then, reset_after and gru_update
        act, act_params = _activation(spec.activation or "tanh", ("activation",))   # only with a cell that resets

    readout = None
    if spec.readout is not None:
        rs = spec.readout
        V_ = V.matrix(rs.V, ("readout", "V"))
        n_out = V_.shape[0] if layout == "out_in" else V_.shape[1]
        V_ = _matrix(rs.V, ("readout", "V"), n_out, n_h, "read-out weights", layout)
        c = _bias(rs.c, ("readout", "c"), n_out, "read-out biases")
        ract, rparams = _activation(rs.activation, ("readout", "activation"))
        readout = Readout(frozen(V_), frozen(c), ract, rparams)
    loss, loss_options, reduction = _loss(spec)
    targets = _targets(spec, len(xs), 0 if readout is None else len(readout.c), loss)
    if spec.learning_rate is not None:   # RULES: with a loss
        if spec.learning_rate <= 0:
            raise SpecInvalid(f"expected a positive learning rate, got {spec.learning_rate:g}", ("learning_rate",))
    return Problem(cell, tuple(frozen(x) for x in xs), frozen(h0), c0, layout, gate_params, act, act_params,
                   True if spec.reset_after is None else spec.reset_after,
                   spec.gru_update or "keep_old", spec.pytorch is not None, readout, tuple(targets),
                   loss, loss_options, reduction, spec.learning_rate)
