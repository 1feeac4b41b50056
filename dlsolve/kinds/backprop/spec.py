"""The YAML schema of `kind: backprop` and its preparation into a checked network.

Everything that can be wrong with a problem is found here, before solving, and reported with
the path of the offending key (the loader turns the path into file:line:col). Rules between
keys (input, samples or input_units; weights or units; what a loss goes with, in each sample
too) are records in `RULES`, so the JSON Schema states them too; `prepare()` makes the frozen
`Problem` the solver reads as `spec.problem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve import limits
from dlsolve.activations import ACTIVATIONS, Activation, Params
from dlsolve.errors import Path, SpecInvalid, describe, did_you_mean
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import (AtLeastOne, AtMostOne, BelongsTo, ExactlyOne, NeedsOneOf, PreparedSpec, Requires, Ruled,
                                    ValueWhen, frozen)
from dlsolve.kinds.backprop.regularize import (Dropout, DropoutSpec, Regularization, RegularizationSpec,
                                               prepare_dropout, prepare_regularization)
from dlsolve.kinds.prob import class_index
from dlsolve.losses import NETWORK_LOSSES, Loss, Options
# field types with a JSON Schema
from dlsolve.schema import ActivationName, BackpropLossName, Matrix, NumberOrVector, VectorOrMatrix, ZeroOrOne

_STRICT = ConfigDict(extra="forbid")


class ActivationSpec(BaseModel):
    model_config = _STRICT
    name: ActivationName = Field(description="the activation g, a = g(z)")
    alpha: Optional[float] = Field(None, description="α of leaky_relu (0.01) or elu (1)")
    at_zero: Optional[ZeroOrOne] = Field(None,
                                         description="step only: step(0), 1 means y = 1 if z ≥ 0, 0 means y = 1 if z "
                                                     "> 0")


def _takers(option: str) -> str:
    """The losses that take an option: "mse and sse"."""
    names = [l.name for l in NETWORK_LOSSES.values() if option in l.options]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


class LossSpec(Ruled):
    """The loss as a mapping; half and delta belong to the losses whose record takes them."""

    model_config = _STRICT
    RULES = (*(BelongsTo(option, "name", tuple(n for n, l in NETWORK_LOSSES.items() if option in l.options),
                         message=f"{option} applies to {_takers(option)}, not {{held}}") for option in ("half", "delta")),
             ValueWhen("reduction", "name", tuple((n, l.reductions) for n, l in NETWORK_LOSSES.items()),
                       message="{held} sums over the classes by definition; drop reduction"))
    name: BackpropLossName = Field(description="the loss L of the network's output")
    half: Optional[bool] = Field(None, description="mse/sse: use ½(y − ŷ)² (the delta-rule convention)")
    reduction: Optional[Literal["mean", "sum"]] = Field(None,
                                                        description="mean or sum over the output units (sse: sum; cce"
                                                                    " always sums over the classes)")
    delta: Optional[float] = Field(None, description="huber's δ: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond (default 1)")


class LayerSpec(Ruled):
    model_config = _STRICT
    RULES = (AtLeastOne(("weights", "units"), message="missing weights (or give units: N for a symbolic problem)"),)
    weights: Optional[Matrix] = Field(None,
                                      description="the weight matrix W as a list of rows ([[0.4], [-0.2]] for 2 "
                                                  "inputs and 1 unit); a bare number is 1×1")
    bias: Optional[NumberOrVector] = Field(None,
                                           description="the biases b: one number per unit, or one for all (default 0,"
                                                       " still updated)")
    activation: Union[ActivationName, ActivationSpec] = Field(
        description="the activation g of the layer: a name, or {name, alpha, at_zero}")
    units: Optional[int] = Field(default=None, ge=1,
                                 description="symbolic mode: the number of units, with no weights or bias")
    dropout: Optional[DropoutSpec] = Field(None,
                                           description="dropout on this hidden layer's output: {rate, mask, scaling}")


class SampleSpec(BaseModel):
    model_config = _STRICT
    input: VectorOrMatrix = Field(description="this sample's input x")
    target: Optional[NumberOrVector] = Field(None, description="this sample's expected output y")
    label: Union[int, str, None] = Field(None,
                                         description="cce: this sample's true class, a 0-based index or a name from "
                                                     "classes")


@dataclass(frozen=True)
class Layer:
    """Layer l (1-based) with W in in_out orientation (n_in × n_out) whatever the YAML layout;
    W and b are None in a symbolic problem."""

    index: int
    n_in: int
    n_out: int
    W: Optional[np.ndarray]
    b: Optional[np.ndarray]
    activation: Activation
    act_params: Params
    dropout: Optional[Dropout] = None


@dataclass(frozen=True)
class Sample:
    raw_input: np.ndarray   # as given (a matrix for an image)
    x: np.ndarray           # flattened row-major
    y: Optional[np.ndarray]  # None without a loss

    @property
    def target(self) -> np.ndarray:
        """y, in a problem with a loss (where every sample has one)."""
        if self.y is None:
            raise TypeError("a sample's target was asked for in a problem without a loss")
        return self.y


@dataclass(frozen=True)
class Problem:
    """A backprop problem checked: the layers (weights in_out), the samples, the loss and how
    the network is trained. `loss` is None for a forward pass only."""

    layers: tuple[Layer, ...]
    samples: tuple[Sample, ...]
    n_input: int
    layout: str
    loss: Optional[Loss]
    loss_options: Options
    reduction: str
    eta: Optional[float]
    update_bias: bool
    epochs: int
    batch_size: int
    symbolic: bool
    regularization: Optional[Regularization] = None

    @property
    def n_params(self) -> int:
        return sum(l.n_in * l.n_out + l.n_out for l in self.layers)

    @property
    def n_out(self) -> int:
        return self.layers[-1].n_out


_SAMPLES_OWN = "with samples, each sample gives its own target or label; a symbolic problem has none"
_TARGET_NEEDS_LOSS = "a target needs a loss to compare it with; add loss: (e.g. mse)"
_LABEL_NEEDS_LOSS = "a label needs a loss to compare it with; add loss: (e.g. cce)"


class Spec(PreparedSpec[Problem]):
    """kind: backprop — see the README for every key and its default."""

    model_config = _STRICT
    RULES = (
        ExactlyOne(("input", "samples", "input_units"),
                   message="give exactly one of input (a vector, or a matrix for an image), samples (several data points) "
                           "and input_units (a symbolic problem)"),
        Requires("target", ("input",), message="target is the expected output for input; " + _SAMPLES_OWN),
        Requires("label", ("input",), message="label is the class of input; " + _SAMPLES_OWN),
        *(Requires("target", ("loss",), each=each, message=_TARGET_NEEDS_LOSS) for each in ("", "samples")),
        *(Requires("label", ("loss",), each=each, message=_LABEL_NEEDS_LOSS) for each in ("", "samples")),
        Requires("learning_rate", ("loss",),
                 message="a learning rate needs a loss to minimise; add loss: (e.g. mse)"),
        Requires("regularization", ("loss",),
                 message="regularisation adds a penalty to a loss; add loss: (e.g. mse)"),
        Requires("input_units", ("loss",),
                 message="a symbolic problem (input_units) differentiates a loss; add loss: (e.g. mse)"),
        NeedsOneOf(("input", "loss"), ("target", "label"), message="missing target (the expected output y)"),
        NeedsOneOf(("loss",), ("target", "label"), each="samples", message="missing target (the expected output y)"),
        *(AtMostOne(("target", "label"), each=each, message="give either target or label, not both")
          for each in ("", "samples")),
    )
    kind: Literal["backprop"]
    title: Optional[str] = None
    input: Optional[VectorOrMatrix] = Field(None,
                                            description="the input x: a number, a vector, or a matrix (an image, "
                                                        "flattened row-major); required unless samples or input_units")
    input_units: Optional[int] = Field(default=None, ge=1,
                                       description="symbolic mode: the number of inputs x₁ … xₙ (with layers[].units,"
                                                   " no numbers)")
    target: Optional[NumberOrVector] = Field(None,
                                             description="the expected output y, one value per output unit (bce: in "
                                                         "[0, 1]; cce: one-hot); required with a loss")
    label: Union[int, str, None] = Field(None,
                                         description="cce: the true class, a 0-based index or a name from classes "
                                                     "(instead of target)")
    classes: Optional[list[str]] = Field(None, description="names of the output units' classes, for label")
    samples: Optional[list[SampleSpec]] = Field(None,
                                                description="several data points, a list of {input, target} (or "
                                                            "label), instead of input/target")
    layers: list[LayerSpec] = Field(min_length=1,
                                    description="the layers in order, each {weights, bias, activation} (or units in "
                                                "symbolic mode)")
    weights_layout: Literal["in_out", "out_in"] = Field("in_out",
                                                        description="in_out: row i, column j joins input i to unit j,"
                                                                    " z = a·W + b (the course); out_in: z = W·a + b "
                                                                    "(PyTorch's Linear.weight)")
    loss: Union[BackpropLossName, LossSpec, None] = Field(None,
                                                          description="the loss L: mse, sse, mae, huber, bce, cce, or"
                                                                      " {name, half, reduction, delta}; none = "
                                                                      "forward pass only")
    learning_rate: Optional[float] = Field(None, description="η in w ← w − η·∂L/∂w; without it there is no update")
    update_bias: bool = Field(True, description="false keeps the biases fixed (as sources that never update them)")
    epochs: int = Field(default=1, ge=1, description="passes over samples")
    batch_size: Optional[int] = Field(default=None, ge=1,
                                      description="samples per update: 1 = stochastic gradient descent, all = batch "
                                                  "gradient descent, between = mini-batches (a batch's gradient is "
                                                  "the mean)")
    regularization: Optional[RegularizationSpec] = Field(None,
                                                         description="a penalty Ω on the weights: {l2: λ} adds λΣw², "
                                                                     "{l1: λ} adds λΣ|w|")

    def prepare(self) -> Problem:
        return prepare(self)


def _activation(spec: LayerSpec, l: int, final: bool) -> tuple[Activation, Params]:
    path = ("layers", l, "activation")
    name = spec.activation if isinstance(spec.activation, str) else spec.activation.name
    npath = path if isinstance(spec.activation, str) else path + ("name",)
    if name not in ACTIVATIONS:
        raise SpecInvalid(f"unknown activation: {did_you_mean(name, ACTIVATIONS)}", npath)
    act = ACTIVATIONS[name]
    params = dict(act.params)
    if isinstance(spec.activation, ActivationSpec):
        for key in ("alpha", "at_zero"):
            value = getattr(spec.activation, key)
            if value is None:
                continue
            if key not in act.params:
                takers = " and ".join(a.name for a in ACTIVATIONS.values() if key in a.params)
                raise SpecInvalid(f"{name} takes no {key} (only {takers} {'does' if ' and ' not in takers else 'do'})",
                                  path + (key,))
            params[key] = value
    if act.output_only and not final:
        raise SpecInvalid(f"{name} belongs to the output layer (the last one)", npath)
    return act, params


def _check_coupled_width(act: Activation, n_out: int, path: Path) -> None:
    if act.coupled and n_out < 2:
        raise SpecInvalid(f"{act.name} over one unit is always 1; use sigmoid for a single output",
                          path + ("activation",))


def _loss(spec: Spec) -> tuple[Optional[Loss], Options, str]:
    if spec.loss is None:
        return None, {}, "mean"
    ls = spec.loss if isinstance(spec.loss, LossSpec) else LossSpec.model_validate({"name": spec.loss})
    npath = ("loss",) if isinstance(spec.loss, str) else ("loss", "name")
    if ls.name not in NETWORK_LOSSES:
        raise SpecInvalid(f"unknown loss: {did_you_mean(ls.name, NETWORK_LOSSES)}", npath)
    loss = NETWORK_LOSSES[ls.name]
    options: Options = {}
    if ls.half is not None:   # LossSpec's RULES: half and delta only with a loss that takes them
        options["half"] = ls.half
    if ls.delta is not None and ls.delta <= 0:
        raise SpecInvalid(f"expected a positive delta, got {ls.delta:g}", ("loss", "delta"))
    if "delta" in loss.options:
        options["delta"] = ls.delta if ls.delta is not None else 1.0
    reduction = ls.reduction or loss.default_reduction   # LossSpec's RULES: one the loss takes
    return loss, options, reduction


def _target(value: Any, label: Any, path: Path, label_path: Path, spec: Spec,
            n_out: int, loss: Loss) -> np.ndarray:
    if label is not None:   # RULES (AtMostOne): then no target
        if not loss.takes_labels:
            takers = ", ".join(l.name for l in NETWORK_LOSSES.values() if l.takes_labels)
            raise SpecInvalid(f"label (a class) goes with loss {takers}; give target for other losses", label_path)
        k = class_index(label, spec.classes, n_out, label_path)
        y = np.zeros(n_out)
        y[k] = 1.0
        return y
    # RULES (NeedsOneOf): with a loss, the input and each sample give a target or a label
    y = V.vector(value, path)
    if len(y) != n_out:
        raise SpecInvalid(f"expected {n_out} target value{'s' if n_out > 1 else ''} (one per output unit), "
                          f"got {len(y)}", path)
    if loss.probabilities and np.any((y < 0) | (y > 1)):
        raise SpecInvalid(f"{loss.name} targets are probabilities in [0, 1], got {describe(value)}", path)
    if loss.classwise and not np.isclose(y.sum(), 1.0):
        raise SpecInvalid(f"a {loss.name} target is a one-hot vector (or a distribution summing to 1); "
                          f"this one sums to {y.sum():g}", path)
    return y


def _samples(spec: Spec, n_out: int, loss: Optional[Loss]) -> list[Sample]:
    """The data points: `samples`, or the one of input/target (RULES: exactly one of them)."""
    entries: list[tuple[Any, Any, Any, Path]] = []
    if spec.samples is not None:
        entries = [(s.input, s.target, s.label, ("samples", i)) for i, s in enumerate(spec.samples)]
    else:
        entries = [(spec.input, spec.target, spec.label, ())]
    out: list[Sample] = []
    for raw, target, label, base in entries:
        ipath = base + ("input",)
        arr = V.tensor(raw, ipath)
        x = arr.reshape(-1)
        if out and x.size != out[0].x.size:
            raise SpecInvalid(f"expected {out[0].x.size} input values like the first sample, got {x.size}", ipath)
        y: Optional[np.ndarray] = None
        if loss is not None:   # RULES: a target or a label (not both) goes with a loss, which needs one
            y = _target(target, label, base + ("target",), base + ("label",), spec, n_out, loss)
        out.append(Sample(frozen(arr), frozen(x), None if y is None else frozen(y)))
    return out


def prepare(spec: Spec) -> Problem:
    symbolic = any(l.units is not None for l in spec.layers)
    loss, loss_options, reduction = _loss(spec)
    n_layers = len(spec.layers)
    if symbolic:
        return _prepare_symbolic(spec, loss, loss_options, reduction)

    samples_first = _samples_inputs_only(spec)
    n_prev = samples_first
    layers: list[Layer] = []
    for l, ls in enumerate(spec.layers):
        path = ("layers", l)
        if ls.weights is None:
            raise SpecInvalid("missing weights (or give units: N for a symbolic problem)", path + ("weights",))
        W = V.matrix(ls.weights, path + ("weights",))
        if spec.weights_layout == "in_out":
            rows_needed, got, what = n_prev, W.shape[0], "rows"
        else:
            rows_needed, got, what = n_prev, W.shape[1], "columns"
        if got != rows_needed:
            source = (f"layers[{l - 1}] has {n_prev} unit{'s' if n_prev != 1 else ''}" if l
                      else f"the input has {n_prev} value{'s' if n_prev != 1 else ''}")
            layout = "" if spec.weights_layout == "in_out" else " (weights_layout: out_in)"
            raise SpecInvalid(f"expected {rows_needed} {what} ({source}){layout}, got {got}",
                              path + ("weights",))
        W_io = W if spec.weights_layout == "in_out" else W.T
        n_out = W_io.shape[1]
        b = np.zeros(n_out)
        if ls.bias is not None:
            bv = V.vector(ls.bias, path + ("bias",))
            if len(bv) == 1:
                b = np.full(n_out, bv[0])
            elif len(bv) != n_out:
                raise SpecInvalid(f"expected {n_out} biases (one per unit) or one number, got {len(bv)}",
                                  path + ("bias",))
            else:
                b = bv
        if ls.units is not None and ls.units != n_out:
            raise SpecInvalid(f"units says {ls.units} but the weights have {n_out}", path + ("units",))
        act, params = _activation(ls, l, l == n_layers - 1)
        _check_coupled_width(act, n_out, path)
        dropout = prepare_dropout(ls.dropout, n_out, path, l == n_layers - 1)
        layers.append(Layer(l + 1, n_prev, n_out, frozen(np.array(W_io, dtype=float)), frozen(b), act, params,
                            dropout))
        n_prev = n_out

    _check_training(spec, layers, loss)
    regularization = prepare_regularization(spec.regularization)
    samples = _samples(spec, layers[-1].n_out, loss)
    batch = spec.batch_size or 1
    if batch > len(samples):
        raise SpecInvalid(f"batch_size {batch} is larger than the {len(samples)} sample(s)", ("batch_size",))
    updates = spec.epochs * -(-len(samples) // batch)
    if updates > limits.MAX_UPDATES:
        raise SpecInvalid(f"{spec.epochs:,} epochs of {-(-len(samples) // batch):,} batches are {updates:,} updates: "
                          f"at most {limits.MAX_UPDATES:,} are worked (limit MAX_UPDATES)", ("epochs",))
    return Problem(tuple(layers), tuple(samples), samples_first, spec.weights_layout, loss, loss_options, reduction,
                   spec.learning_rate, spec.update_bias, spec.epochs, batch, False, regularization)


def _samples_inputs_only(spec: Spec) -> int:
    """The input size, from the first data point (RULES: input or samples is given)."""
    if spec.samples is not None:
        if not spec.samples:
            raise SpecInvalid("expected at least one sample", ("samples",))
        return V.tensor(spec.samples[0].input, ("samples", 0, "input")).size
    return V.tensor(spec.input, ("input",)).size


def _check_training(spec: Spec, layers: list[Layer], loss: Optional[Loss]) -> None:
    if loss is None:   # RULES: then there is no learning rate either
        return
    for layer in layers:
        if not layer.activation.trainable:
            raise SpecInvalid(
                f"{layer.activation.name} has no useful derivative (it is flat almost everywhere), "
                "so no backward pass goes through it; drop loss: for a forward pass only",
                ("layers", layer.index - 1, "activation"))
    out_act = layers[-1].activation
    if loss.probabilities and not out_act.probabilities:
        takers = " or ".join(a.name for a in ACTIVATIONS.values() if a.probabilities)
        raise SpecInvalid(f"{loss.name} needs probabilities ŷ in (0, 1), but the output layer is "
                          f"{out_act.name}; use a {takers} output", ("loss",))
    if spec.learning_rate is not None and spec.learning_rate <= 0:
        raise SpecInvalid(f"expected a positive learning rate, got {spec.learning_rate:g}", ("learning_rate",))


MAX_SYMBOLIC_UNITS = 12  # symbolic formulas for wider layers are work without a reader
MAX_SYMBOLIC_LAYERS = 6  # nor for deeper networks (each δ nests every layer above it)


def _prepare_symbolic(spec: Spec, loss: Optional[Loss], loss_options: Options, reduction: str) -> Problem:
    for key in ("input", "samples", "learning_rate", "regularization"):
        if getattr(spec, key) is not None:
            raise SpecInvalid(f"a symbolic problem (layers with units: and no weights) takes no {key}; "
                              "its answers are formulas", (key,))
    if spec.input_units is None:
        raise SpecInvalid("missing input_units (how many inputs x₁, x₂, … the network has)", ("input_units",))
    if len(spec.layers) > MAX_SYMBOLIC_LAYERS:
        raise SpecInvalid(f"a symbolic problem writes every weight's formula: at most {MAX_SYMBOLIC_LAYERS} layers, "
                          f"got {len(spec.layers)}", ("layers",))
    sizes: list[Path] = [("input_units",)] + [("layers", l, "units") for l in range(len(spec.layers))]
    for where, n in zip(sizes, [spec.input_units] + [ls.units or 0 for ls in spec.layers]):
        if n > MAX_SYMBOLIC_UNITS:
            raise SpecInvalid(f"a symbolic problem writes every weight's formula: at most {MAX_SYMBOLIC_UNITS} "
                              f"units a layer, got {n}", where)
    assert loss is not None   # RULES: input_units needs a loss
    layers: list[Layer] = []
    n_prev = spec.input_units
    for l, ls in enumerate(spec.layers):
        path = ("layers", l)
        if ls.dropout is not None:
            raise SpecInvalid("dropout needs numbers (a mask over the units); a symbolic problem takes none",
                              path + ("dropout",))
        if ls.units is None or ls.weights is not None or ls.bias is not None:
            raise SpecInvalid("in a symbolic problem every layer gives units: and no weights or bias",
                              path)
        act, params = _activation(ls, l, l == len(spec.layers) - 1)
        _check_coupled_width(act, ls.units, path)
        layers.append(Layer(l + 1, n_prev, ls.units, None, None, act, params))
        n_prev = ls.units
    _check_training(spec, layers, loss)
    return Problem(tuple(layers), (), spec.input_units, spec.weights_layout, loss, loss_options, reduction,
                   None, spec.update_bias, 1, 1, True)
