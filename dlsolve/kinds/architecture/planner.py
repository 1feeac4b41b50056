"""The one planner: walks the layers, asks each for its shape and parameter formulas, then sums.

`solve` is the only caller: the Spec's validators check each layer's own options; whether the
layers fit together (a dense layer after a 3-D output, a kernel larger than its input) is found
here, while planning, and reported as a `SpecError` at the layer's place in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from dlsolve.derivation import Derivation
from dlsolve.expr import Add, Expr, Num, Sym
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.architecture.base import Context, Layer, dim_symbols, layout_order
from dlsolve.kinds.architecture.spec import Spec
from dlsolve.solution import Solution, Stack


@dataclass(frozen=True)
class Row:
    """One planned layer: its output (channels last) and the symbols of its results."""

    layer: Layer
    shape: tuple[int, ...]
    dims: tuple[Sym, ...]
    P: Sym
    N: Optional[Sym]


def walk(spec: Spec, d: Derivation, counts_first: bool) -> list[Row]:
    """Derive every layer's output dimensions and parameter count, layer by layer."""
    layers = spec.layer_list()
    channels_first = spec.channels_first
    shape = spec.input_shape()
    sequence = layers[0].reads_sequences
    dims = dim_symbols(0, len(shape), sequence)
    for s, v in zip(dims, shape):
        d.bind(s, float(v))
    d.section("Input")
    shown = layout_order(list(shape), channels_first)
    d.text("input shape (" + ", ".join(f"{{n{i}:int}}" for i in range(len(shown))) + ")" +
           (" (channels first)" if channels_first else ""), **{f"n{i}": n for i, n in enumerate(shown)})
    rows = []
    for l, layer in enumerate(layers, 1):
        d.section(f"Layer {l}: {layer.type}")
        path = ("layers", l - 1) + (() if layer._bare else (layer.type,))
        c = Context(d, l, path, shape, list(dims), sequence, channels_first, spec.same_padding == "tensorflow")
        layer.check(c)
        for part in (layer.count, layer.shape) if counts_first else (layer.shape, layer.count):
            part(c)
        assert c.out_shape is not None and c.P is not None, f"{type(layer).__name__} derived no shape or count"
        rows.append(Row(layer, c.out_shape, tuple(c.out_dims), c.P, c.N))
        shape, dims = c.out_shape, c.out_dims
        sequence = sequence if c.out_sequence is None else c.out_sequence
    return rows


def _describe(layer: Layer) -> str:
    """A layer as its file states it: conv2d (filters 6, kernel 5×5)."""
    options = []
    for key, v in layer.model_dump(exclude_defaults=True, mode="json").items():
        if v is True:
            options.append(key)
        elif isinstance(v, list):
            options.append(f"{key} {'×'.join(map(str, v))}")
        elif v is not False and v is not None and not isinstance(v, dict):
            options.append(f"{key} {v}")
    return layer.type + (f" ({', '.join(options)})" if options else "")


def _sum(terms: list[Expr]) -> Expr:
    return terms[0] if len(terms) == 1 else Add.of(*terms)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    layers = spec.layer_list()
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
    rows = walk(spec, d, counts_first=spec.kind == "params")

    def value(s: Sym) -> int:
        return int(round(float(d.env[s.key])))

    d.section("Summary")
    running, table = 0, []
    for i, r in enumerate(rows, 1):
        running += value(r.P)
        table.append((i, r.layer.type, "×".join(map(str, layout_order(list(r.shape), spec.channels_first))),
                      value(r.P), running))
    d.table(("layer", "type", "output shape", "parameters", "running total"), table)
    d.figure(Stack(tuple(layout_order(list(spec.input_shape()), spec.channels_first)),
                   tuple((f"{i} {_describe(r.layer)}", tuple(layout_order(list(r.shape), spec.channels_first)), value(r.P))
                         for i, r in enumerate(rows, 1))),
             caption="the layer stack: each layer's output shape and parameters")
    total = Sym("P", "P", "P")
    d.derive(total, _sum([r.P for r in rows]), note="the sum over the layers")
    fixed = [r.N for r in rows if r.N is not None]
    non_trainable = Sym("Pn", "P_non-trainable", "P_{\\text{non-trainable}}")
    d.derive(non_trainable, _sum(fixed) if fixed else Num(0),
             note=None if fixed else "no layer has non-trainable parameters")
    trainable = Sym("Pt", "P_trainable", "P_{\\text{trainable}}")
    d.derive(trainable, total - non_trainable)

    shape_answers = [(f"shape{l}", layout_order(list(r.shape), spec.channels_first), f"output shape of layer {l}",
                      tuple(s.key for s in layout_order(list(r.dims), spec.channels_first)))
                     for l, r in enumerate(rows, 1)]
    count_answer = ("params", [value(r.P) for r in rows], "parameters of each layer", tuple(r.P.key for r in rows))
    first = [count_answer] + shape_answers if spec.kind == "params" else shape_answers + [count_answer]
    for name, val, label, keys in first:
        d.answer(name, val, label, keys=keys)
    d.answer("total_params", value(total), "total parameters", keys=(total.key,))
    d.answer("trainable_params", value(trainable), "trainable parameters", keys=(trainable.key,))
    d.answer("non_trainable_params", value(non_trainable), "non-trainable parameters", keys=(non_trainable.key,))
    return d.solution(spec.kind, spec.title)
