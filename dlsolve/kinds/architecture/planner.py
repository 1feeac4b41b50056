"""The one planner: walks the layers, asks each for its shape and parameter formulas, then sums.

`solve` is the only caller: the Spec's validators check each layer's own options; whether the
layers fit together (a dense layer after a 3-D output, a kernel larger than its input) is found
here, while planning, and reported as a `SpecError` at the layer's place in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from dlsolve.derivation import Derivation
from dlsolve.errors import Path
from dlsolve.expr import Expr, Mul, Num, Sym, substitute, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.architecture.base import Context, FieldState, Layer, dim_symbols, layout_order
from dlsolve.kinds.architecture.figures import Figures, LayerFigures
from dlsolve.kinds.architecture.spec import Spec
from dlsolve.solution import Phrase, Solution, Stack


@dataclass(frozen=True)
class Row:
    """One planned layer: its output (channels last), the symbols of its results, and the rows
    of the layers nested in it (a residual block's paths), labelled 3.1, 3.2, 3.s1, …"""

    label: str
    layer: Layer
    shape: tuple[int, ...]
    dims: tuple[Sym, ...]
    P: Sym
    N: Optional[Sym]
    P_formula: Expr
    fig: LayerFigures
    inner: tuple["Row", ...] = ()

    def flat(self) -> list["Row"]:
        """This row after the rows nested in it, in the order they were worked."""
        return [r for i in self.inner for r in i.flat()] + [self]


@dataclass
class Walker:
    """Plans a list of layers from an input: each layer's check, shape, count and figures, in
    the kind's order. A block (a residual add) asks it for its paths through `Context.nest`."""

    d: Derivation
    fig: Figures
    counts_first: bool
    full: bool
    channels_first: bool
    tensorflow_same: bool

    def run(self, layers: list[Layer], prefix: str, path: Path, shape: tuple[int, ...], dims: list[Sym],
            sequence: bool, level: int = 1) -> tuple[list[Row], tuple[int, ...], list[Sym], bool]:
        rows = []
        for i, layer in enumerate(layers, 1):
            label = f"{prefix}{i}"
            if self.full:
                self.d.section(f"Layer {label}: {layer.type}", level=level)
            where = path + (i - 1,) + (() if layer.bare else (layer.type,))
            c = Context(self.d, label, where, shape, list(dims), sequence, self.channels_first,
                        self.tensorflow_same, nest=self, level=level)
            layer.check(c)
            for part in (layer.count, layer.shape) if self.counts_first else (layer.shape, layer.count):
                if part != layer.shape or c.out_shape is None:
                    part(c)
            assert c.out_shape is not None and c.P is not None, f"{type(layer).__name__} derived no shape or count"
            rows.append(Row(label, layer, c.out_shape, tuple(c.out_dims), c.P, c.N, c.P_formula,
                            self.fig.layer(c, layer, c.P), tuple(c.inner)))
            shape, dims = c.out_shape, c.out_dims
            sequence = sequence if c.out_sequence is None else c.out_sequence
        return rows, shape, list(dims), sequence

    def field_state(self) -> FieldState:
        """The receptive field reached so far."""
        return self.fig.rf

    def resume_field(self, state: FieldState) -> None:
        """Continue from an earlier field (a block's shortcut starts from its input's)."""
        self.fig.rf = state

    def join_fields(self, c: Context, main: FieldState) -> None:
        """After a block's two paths: the field of the sum, from the main path's and the shortcut's."""
        self.fig.join(c, main)


def walk(spec: Spec, d: Derivation, counts_first: bool, fig: Figures, full: bool) -> list[Row]:
    """Derive every layer's output dimensions, parameter count and figures, layer by layer.

    `full`: each layer in its own section, every step shown; otherwise the steps are kept
    (for `check`) but hidden, and the summary's tables stand for them."""
    layers = spec.layer_list()
    channels_first = spec.channels_first
    shape = spec.input_shape()
    sequence = layers[0].reads_sequences
    dims = dim_symbols(0, len(shape), sequence)
    for s, v in zip(dims, shape):
        d.bind(s, float(v))
    d.section("Input" if full else "Layers")
    shown = layout_order(list(shape), channels_first)
    d.text(Phrase("input shape (" + ", ".join(f"{{n{i}:int}}" for i in range(len(shown))) + ")" +
                  (" (channels first)" if channels_first else ""), **{f"n{i}": n for i, n in enumerate(shown)}))
    if not full:
        d.record = lambda q: False
    spatial = len(shape) - 1 if len(shape) == 3 or (len(shape) == 2 and not sequence) else 0
    if len(shape) == 2 and type(layers[0]).rf_window is not Layer.rf_window:
        spatial = 1     # a conv1d or pooling over a sequence: its steps are positions
    fig.start(list(dims), spatial)
    walker = Walker(d, fig, counts_first, full, channels_first, spec.same_padding == "tensorflow")
    return walker.run(layers, "", ("layers",), shape, list(dims), sequence)[0]


def _describe(layer: Layer) -> str:
    """A layer as its file states it: conv2d (filters 6, kernel 5×5)."""
    options = []
    for key, v in layer.model_dump(exclude_unset=True, mode="json").items():
        if v is True:
            options.append(key)
        elif v is False:
            options.append(f"{key} false")  # bias false: a given the parameter count depends on
        elif isinstance(v, list) and all(isinstance(x, int) for x in v):
            options.append(f"{key} {'×'.join(map(str, v))}")
        elif isinstance(v, list):
            options.append(f"{key}: {len(v)}")
        elif v is not False and v is not None and not isinstance(v, dict):
            options.append(f"{key} {v}")
    return layer.type + (f" ({', '.join(options)})" if options else "")


def _sum(terms: Sequence[Expr]) -> Expr:
    return total(terms)


def _name(r: Row) -> str:
    """A row's label in an answer name: 3, or 3_1 inside a block."""
    return r.label.replace(".", "_")


def _numbers(formula: Expr, d: Derivation) -> Expr:
    """A formula with each symbol replaced by its value (5·5·1·6 + 6), for the layer table."""
    return substitute(formula, {k.key: Num(int(round(float(d.env[k.key])))) for k in formula.symbols()})


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    options = options or SolveOptions()
    d = Derivation(options)
    full = options.detail == "full"
    layers = [x for layer in spec.layer_list() for x in (layer, *layer.inner())]
    # only the conventions that apply: 'same' padding where a layer pads 'same'; the axis order
    # where the input has channels (an image), not for a sequence of vectors
    if any(getattr(layer, "padding", None) == "same" for layer in layers):
        if spec.same_padding == "tensorflow":
            d.convention("'same' padding as TensorFlow: out = ⌈n/s⌉, any odd padding pixel goes after")
        else:
            d.convention("'same' padding as the course notes: p = (k − 1)/2 on each side, then ⌊(n + 2p − k)/s⌋ + 1")
    if len(spec.input_shape()) == 3:
        d.convention("shapes are (height, width, channels)" if not spec.channels_first
                     else "shapes are (channels, height, width)")
    fig = Figures(d, spec.batch, spec.dtype, spec.flop_unit, spec.bias_adds)
    fig.conventions()
    rows = walk(spec, d, spec.kind == "params", fig, full)
    d.record = True

    def value(s: Sym) -> int:
        return int(round(float(d.env[s.key])))

    if full:
        d.section("Summary")
    running, table = 0, []
    every = [f for r in rows for f in r.flat()]
    for r in every:
        top = "." not in r.label
        running += value(r.P) if top else 0
        table.append((r.label, r.layer.type, "×".join(map(str, layout_order(list(r.shape), spec.channels_first))),
                      _numbers(r.P_formula, d), value(r.P), running if top else None))
    d.table(("layer", "type", "output shape", "parameter formula", "parameters", "running total"), table)
    fields = any(r.fig.rf for r in every)   # a stack with no window (an MLP, an RNN) has no field column
    figures = []
    for r in every:
        rf = r.fig.rf
        row = (r.label, value(r.fig.A), value(r.fig.M), value(r.fig.F))
        figures.append(row + (("×".join(str(value(t[0])) for t in rf) if rf else "—",
                               "×".join(str(value(t[1])) for t in rf) if rf else "—") if fields else ()))
    d.table(("layer", "activations", "memory (bytes)", fig.word) + (("receptive field", "jump") if fields else ()),
            figures, title=f"activations and {fig.word} per sample; memory for the batch")
    d.figure(Stack(tuple(layout_order(list(spec.input_shape()), spec.channels_first)),
                   tuple((f"{r.label} {_describe(r.layer)}", tuple(layout_order(list(r.shape), spec.channels_first)),
                          value(r.P)) for r in every)),
             caption="the layer stack (inside blocks too): each layer's output shape and parameters")
    total = Sym("P", "P", "P")
    d.derive(total, _sum([r.P for r in rows]), note="the sum over the layers")
    fixed = [r.N for r in rows if r.N is not None]
    non_trainable = Sym("Pn", "P_non-trainable", "P_{\\text{non-trainable}}")
    d.derive(non_trainable, _sum(fixed) if fixed else Num(0),
             note=None if fixed else "no layer has non-trainable parameters")
    trainable = Sym("Pt", "P_trainable", "P_{\\text{trainable}}")
    d.derive(trainable, total - non_trainable)
    totals = _totals(d, fig, rows, total, spec.training)

    shape_answers = [(f"shape{_name(r)}", layout_order(list(r.shape), spec.channels_first),
                      f"output shape of layer {r.label}",
                      tuple(s.key for s in layout_order(list(r.dims), spec.channels_first))) for r in every]
    count_answer = ("params", [value(r.P) for r in rows], "parameters of each layer", tuple(r.P.key for r in rows))
    first = [count_answer] + shape_answers if spec.kind == "params" else shape_answers + [count_answer]
    for name, val, label, keys in first:
        d.answer(name, val, label, keys=keys)
    d.answer("total_params", value(total), "total parameters", keys=(total.key,))
    d.answer("trainable_params", value(trainable), "trainable parameters", keys=(trainable.key,))
    d.answer("non_trainable_params", value(non_trainable), "non-trainable parameters", keys=(non_trainable.key,))
    for r in every:
        l, n = r.label, _name(r)
        d.answer(f"activations{n}", value(r.fig.A), f"values output by layer {l}, per sample", keys=(r.fig.A.key,))
        d.answer(f"memory{n}", value(r.fig.M), f"bytes of layer {l}'s output for the batch", keys=(r.fig.M.key,))
        d.answer(f"flops{n}", value(r.fig.F), f"{fig.word} of layer {l}, per sample", keys=(r.fig.F.key,))
        if r.fig.rf:
            sizes = [value(t[0]) for t in r.fig.rf]
            d.answer(f"rf{n}", sizes if len(sizes) > 1 else sizes[0], f"receptive field of layer {l}'s units",
                     keys=tuple(t[0].key for t in r.fig.rf))
    for name, sym, label in totals:
        d.answer(name, value(sym), label, keys=(sym.key,))
    return d.solution(spec.kind, spec.title)


def _totals(d: Derivation, fig: Figures, rows: list[Row], total: Sym, training: bool) -> list[tuple[str, Sym, str]]:
    """The forward pass's values and memory, the parameters' memory, the FLOPs of the whole stack."""
    assert fig.A0 is not None
    A = Sym("A", "A", "A")
    every = [f for r in rows for f in r.flat()]
    d.derive(A, _sum([fig.A0] + [r.fig.A for r in every]),
             note="every layer's output (inside blocks too) and the input, per sample")
    M = Sym("M", "M", "M")
    d.derive(M, Mul.of(fig.B, A, fig.b), note="bytes of the forward pass's activations for the batch")
    d.derive(Sym("MMiB", "M_MiB", "M_{\\text{MiB}}"), M / Num(2 ** 20), note="in MiB (2²⁰ bytes)")
    out = [("activations_total", A, "values of the forward pass, per sample"),
           ("memory_total", M, "bytes of the forward pass's activations for the batch")]
    if training:
        Mt = Sym("Mtrain", "M_training", "M_{\\text{training}}")
        d.derive(Mt, Mul.of(Num(2), M), note="training keeps each activation and its gradient "
                                               "(the optimiser's state not counted)")
        out.append(("memory_training", Mt, "bytes training keeps: activations and their gradients"))
    MP = Sym("MP", "M_P", "M_P")
    d.derive(MP, Mul.of(total, fig.b), note="bytes of the parameters")
    d.derive(Sym("MPMiB", "M_P,MiB", "M_{P,\\text{MiB}}"), MP / Num(2 ** 20), note="in MiB (2²⁰ bytes)")
    out.append(("param_memory", MP, "bytes of the parameters"))
    F = Sym("FL", fig.word, f"\\text{{{fig.word}}}")
    d.derive(F, _sum([r.fig.F for r in rows]), note="the sum over the layers, per sample")
    out.append(("flops_total", F, f"{fig.word} of a forward pass, per sample"))
    return out
