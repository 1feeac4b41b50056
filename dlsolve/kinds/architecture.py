"""kinds conv and params — output shapes and parameter counts of a layer stack, with formulas.

One format, two emphases: `conv` leads each layer with its output shape, `params` with its
parameter count; both show both, and a summary table like Keras' `summary()` with running,
trainable and non-trainable totals. Every shape and count is a formula evaluated with the
layer's numbers, so nothing needs a framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.expr import Add, Expr, Mul, Num, Sym, call
from dlsolve.kinds import SolveOptions
from dlsolve.solution import Solution

KIND = "conv"

# type → {parameter: default}; a default of ... means required.
LAYERS: dict[str, dict[str, Any]] = {
    "conv1d": {"filters": ..., "kernel": ..., "stride": 1, "padding": "valid", "dilation": 1, "bias": True, "groups": 1},
    "conv2d": {"filters": ..., "kernel": ..., "stride": 1, "padding": "valid", "dilation": 1, "bias": True, "groups": 1},
    "conv2d_transpose": {"filters": ..., "kernel": ..., "stride": 1, "padding": "valid", "dilation": 1, "bias": True,
                         "groups": 1, "output_padding": 0},
    "maxpool1d": {"size": ..., "stride": None, "padding": "valid", "ceil_mode": False},
    "maxpool2d": {"size": ..., "stride": None, "padding": "valid", "ceil_mode": False},
    "avgpool1d": {"size": ..., "stride": None, "padding": "valid", "ceil_mode": False},
    "avgpool2d": {"size": ..., "stride": None, "padding": "valid", "ceil_mode": False},
    "global_avg_pool": {},
    "flatten": {},
    "dense": {"units": ..., "bias": True},
    "dropout": {"rate": 0.5},
    "batchnorm": {},
    "layernorm": {},
    "embedding": {"vocab": ..., "dim": ...},
    "simple_rnn": {"units": ..., "return_sequences": False, "bias_convention": "keras"},
    "lstm": {"units": ..., "return_sequences": False, "bias_convention": "keras"},
    "gru": {"units": ..., "return_sequences": False, "bias_convention": "keras", "reset_after": True},
    "activation": {"name": "relu"},
}


@dataclass
class LayerSpec:
    type: str
    params: dict
    path: tuple


def _pair(v: Any, path: tuple, what: str, allow_zero: bool = False) -> tuple[int, int]:
    vals = v if isinstance(v, list) else [v, v]
    if len(vals) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in vals):
        raise SpecInvalid(f"expected {what} as a whole number or [height, width], got {v!r}", path)
    low = 0 if allow_zero else 1
    for x in vals:
        if x < low:
            raise SpecInvalid(f"{what} must be {'≥ 0' if allow_zero else 'at least 1'}, got {x}", path)
    return int(vals[0]), int(vals[1])


def _single(v: Any, path: tuple, what: str, allow_zero: bool = False) -> int:
    if isinstance(v, list):
        if len(v) != 1:
            raise SpecInvalid(f"a 1-D layer takes one {what}, got {v!r}", path)
        v = v[0]
    if not isinstance(v, int) or isinstance(v, bool) or v < (0 if allow_zero else 1):
        raise SpecInvalid(f"expected {what} as a whole number {'≥ 0' if allow_zero else '≥ 1'}, got {v!r}", path)
    return v


def _parse_layer(item: Any, i: int) -> LayerSpec:
    path = ("layers", i)
    if isinstance(item, str):
        kind, params = item, {}
    elif isinstance(item, dict) and len(item) == 1:
        kind, params = next(iter(item.items()))
        params = params or {}
        if not isinstance(params, dict):
            raise SpecInvalid(f"expected the options of {kind} as a mapping, e.g. {{units: 128}}", path + (kind,))
    else:
        raise SpecInvalid("expected a layer such as `flatten` or `dense: {units: 128}`", path)
    if kind not in LAYERS:
        raise SpecInvalid(f"unknown layer type: {did_you_mean(kind, LAYERS)}", path)
    schema = LAYERS[kind]
    out = {}
    for key in params:
        if key not in schema:
            raise SpecInvalid(f"{kind} has no option '{key}'; " + (did_you_mean(key, schema) if schema else
                                                                      "it takes no options"), path + (kind, key, "<key>"))
    for key, default in schema.items():
        if key in params:
            out[key] = params[key]
        elif default is ...:
            raise SpecInvalid(f"{kind} needs {key}", path + (kind,) if isinstance(item, dict) else path)
        else:
            out[key] = default
    return LayerSpec(kind, out, path + ((kind,) if isinstance(item, dict) else ()))


class Spec(BaseModel):
    """kinds conv / params — see the README for the layer list."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["conv", "params"]
    title: Optional[str] = None
    input: Any
    layout: Literal["channels_last", "channels_first"] = "channels_last"
    same_padding: Literal["tensorflow", "symmetric"] = "tensorflow"
    layers: list[Any]

    _layers: list[LayerSpec]
    _input: tuple[int, ...]

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        raw = self.input if isinstance(self.input, list) else [self.input]
        if not raw or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in raw):
            raise SpecInvalid("expected the input shape as whole numbers ≥ 1, e.g. [28, 28, 1]", ("input",))
        if len(raw) > 3:
            raise SpecInvalid(f"expected at most 3 dimensions (height, width, channels), got {len(raw)}", ("input",))
        shape = tuple(raw)
        if self.layout == "channels_first" and len(shape) >= 2:
            shape = shape[1:] + shape[:1]
        self._input = shape
        if not self.layers:
            raise SpecInvalid("expected at least one layer", ("layers",))
        self._layers = [_parse_layer(item, i) for i, item in enumerate(self.layers)]
        Planner(self, Derivation(), check_only=True).run()
        return self


@dataclass
class Row:
    name: str
    shape: tuple[int, ...]
    params: int
    trainable: int
    keys: tuple[str, ...] = field(default_factory=tuple)


class Planner:
    """Walks the layers: for each, the output-shape formulas and the parameter formula."""

    def __init__(self, spec: Spec, d: Derivation, check_only: bool = False) -> None:
        self.spec, self.d, self.check_only = spec, d, check_only
        self.rows: list[Row] = []
        self.shape = spec._input
        self.dims: list[Sym] = []  # symbols holding the current shape's entries

    # -- shapes ---------------------------------------------------------------------------
    def show(self, shape: tuple[int, ...]) -> list[int]:
        """A shape as the user writes it (channels first when asked)."""
        if self.spec.layout == "channels_first" and len(shape) >= 2:
            return [shape[-1], *shape[:-1]]
        return list(shape)

    def dim_syms(self, l: int, shape: tuple[int, ...]) -> list[Sym]:
        names = {1: ["n"], 2: ["T", "F"] if self._sequence(shape) else ["H", "C"], 3: ["H", "W", "C"]}[len(shape)] \
            if len(shape) <= 3 else ["n"] * len(shape)
        if len(shape) == 2 and not self._sequence(shape):
            names = ["L", "C"]
        return [Sym(f"{nm}{l}_{k}", f"{nm}^[{l}]", f"{nm}^{{[{l}]}}") for k, nm in enumerate(names)]

    def _sequence(self, shape: tuple[int, ...]) -> bool:
        return getattr(self, "_seq", False)

    def fail(self, layer: LayerSpec, message: str) -> SpecInvalid:
        return SpecInvalid(message, layer.path)

    # -- the walk ------------------------------------------------------------------------
    def run(self) -> list[Row]:
        d = self.d
        self._seq = False
        self._first_is_sequence()
        self.dims = self.dim_syms(0, self.shape)
        for s, v in zip(self.dims, self.shape):
            d.bind(s, float(v))
        if not self.check_only:
            d.section("Input")
            d.text(f"input shape {tuple(self.show(self.shape))}" +
                   (" (channels first)" if self.spec.layout == "channels_first" else ""))
        for l, layer in enumerate(self.spec._layers, 1):
            if not self.check_only:
                d.section(f"Layer {l}: {layer.type}")
            getattr(self, "_" + layer.type)(l, layer)
        return self.rows

    def _first_is_sequence(self) -> None:
        recurrent = ("simple_rnn", "lstm", "gru", "embedding")
        first = self.spec._layers[0].type
        self._seq = first in recurrent or (len(self.shape) == 2 and first in ("conv1d", "maxpool1d", "avgpool1d"))

    def _out(self, l: int, shape: tuple[int, ...], params: int, trainable: int, name: str,
             keys: tuple[str, ...] = ()) -> None:
        self.rows.append(Row(name, shape, params, trainable, keys))
        self.shape = shape

    def _set_dims(self, l: int, values: list[Expr], notes: list[Optional[str]] | None = None) -> tuple[int, ...]:
        """Derive each output dimension from its formula; returns the new shape."""
        syms = self.dim_syms(l, tuple(0 for _ in values))
        out = []
        for k, (s, f) in enumerate(zip(syms, values)):
            note = notes[k] if notes else None
            v = self.d.derive(s, f, note=note)
            out.append(int(round(float(v))))
        self.dims = syms
        return tuple(out)

    def _param_step(self, l: int, formula: Expr, note: Optional[str] = None) -> int:
        P = Sym(f"P{l}", f"P^[{l}]", f"P^{{[{l}]}}")
        return int(round(float(self.d.derive(P, formula, note=note))))

    def _const(self, key: str, uni: str, value: float, l: int) -> Sym:
        s = Sym(f"{key}{l}", uni, uni)
        self.d.bind(s, float(value))
        return s

    # -- convolution and pooling ---------------------------------------------------------
    def _spatial(self, layer: LayerSpec, n_spatial: int) -> list[int]:
        if len(self.shape) != n_spatial + 1:
            want = "(length, channels)" if n_spatial == 1 else "(height, width, channels)"
            raise self.fail(layer, f"{layer.type} needs a {n_spatial + 1}-D input {want}, got {self.show(self.shape)}")
        return list(self.shape[:n_spatial])

    def _window_dims(self, l: int, layer: LayerSpec, n_spatial: int, k: list[int], s: list[int], d_: list[int],
                     padding: Any, transpose: bool = False, output_padding: list[int] | None = None,
                     ceil_mode: bool = False) -> tuple[int, ...]:
        sizes = self._spatial(layer, n_spatial)
        formulas: list[Expr] = []
        notes: list[Optional[str]] = []
        labels = ["H", "W"] if n_spatial == 2 else ["L"]
        for a in range(n_spatial):
            n_sym = self.dims[a]
            n = sizes[a]
            kk = self._const(f"k{labels[a]}", "k", k[a], l)
            ss = self._const(f"s{labels[a]}", "s", s[a], l)
            dd = self._const(f"d{labels[a]}", "d", d_[a], l)
            eff = d_[a] * (k[a] - 1) + 1
            note = None
            if transpose:
                op = (output_padding or [0, 0])[a]
                if padding == "same":
                    f = n_sym * ss
                    note = "'same' transposed convolution: out = n·s (TensorFlow)"
                else:
                    p = 0 if padding == "valid" else self._pad_value(padding, a, layer)
                    pp = self._const(f"p{labels[a]}", "p", p, l)
                    op_s = self._const(f"op{labels[a]}", "output_padding", op, l)
                    f = (n_sym - Num(1)) * ss - Num(2) * pp + dd * (kk - Num(1)) + op_s + Num(1)
                formulas.append(f)
                notes.append(note)
                continue
            if padding == "same" and self.spec.same_padding == "tensorflow":
                f = call("ceil", n_sym / ss)
                other = (n + 2 * ((eff - 1) // 2) - eff) // s[a] + 1
                mine = -(-n // s[a])
                total_pad = max((mine - 1) * s[a] + eff - n, 0)
                note = (f"'same' as TensorFlow: out = ⌈n/s⌉; total padding {total_pad} "
                        f"({total_pad // 2} before, {total_pad - total_pad // 2} after)")
                if other != mine:
                    note += f"; the symmetric convention p = ⌊(k − 1)/2⌋ on each side would give {other}"
            else:
                if padding == "same":
                    p_val = (eff - 1) // 2
                    p = self._const(f"p{labels[a]}", "p", p_val, l)
                    self.d.derive(Sym(f"pcalc{labels[a]}{l}", "p", "p"), call("floor", (dd * (kk - Num(1))) / Num(2)),
                                  note="'same' as the course notes: p = d(k − 1)/2 on each side" +
                                       ("; an even kernel makes that a half, so ⌊·⌋ is used (PyTorch's "
                                        "padding = (k − 1)//2)" if (eff - 1) % 2 else ""))
                    mine = (n + 2 * p_val - eff) // s[a] + 1
                    tf = -(-n // s[a])
                    if int(mine) != tf:
                        note = f"TensorFlow's 'same' (⌈n/s⌉, padding split unevenly) would give {tf}"
                else:
                    p = self._const(f"p{labels[a]}", "p", 0 if padding == "valid" else self._pad_value(padding, a, layer), l)
                rnd = "ceil" if ceil_mode else "floor"
                if d_[a] == 1:
                    f = call(rnd, (n_sym + Num(2) * p - kk) / ss) + Num(1)
                else:
                    f = call(rnd, (n_sym + Num(2) * p - dd * (kk - Num(1)) - Num(1)) / ss) + Num(1)
            formulas.append(f)
            notes.append(note)
        if self.check_only:
            out = [int(round(float(_eval_plain(f, self.d.env)))) for f in formulas]
        else:
            out = list(self._set_dims_partial(l, formulas, notes, n_spatial))
        for a, v in enumerate(out):
            if v < 1:
                raise self.fail(layer, f"the output {['height', 'width'][a] if n_spatial == 2 else 'length'} "
                                       f"would be {v}: the kernel (or window) is larger than the padded input "
                                       f"{sizes[a]}")
        if self.check_only:
            syms = self.dim_syms(l, tuple(out) + (0,))
            for sym, v in zip(syms, out):
                self.d.bind(sym, float(v))
            self._pending = syms[:n_spatial]
        return tuple(out)

    def _set_dims_partial(self, l: int, formulas: list[Expr], notes: list[Optional[str]], n_spatial: int) -> tuple[int, ...]:
        syms = self.dim_syms(l, tuple(0 for _ in range(n_spatial + 1)))
        out = []
        for s, f, note in zip(syms, formulas, notes):
            out.append(int(round(float(self.d.derive(s, f, note=note)))))
        self._pending = syms[:n_spatial]
        return tuple(out)

    def _channels(self, l: int, spatial: tuple[int, ...], formula: Expr, note: str) -> None:
        C_out = self.dim_syms(l, spatial + (0,))[-1]
        if self.check_only:
            self.d.bind(C_out, _eval_plain(formula, self.d.env))
        else:
            self.d.derive(C_out, formula, note=note)
        self.dims = list(self._pending) + [C_out]

    def _pad_value(self, padding: Any, a: int, layer: LayerSpec) -> int:
        if isinstance(padding, list):
            if len(padding) != 2:
                raise self.fail(layer, f"expected padding as [ph, pw], got {padding}")
            return int(padding[a])
        if isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0:
            return padding
        raise self.fail(layer, f"expected padding valid, same, a whole number or [ph, pw], got {padding!r}")

    def _conv(self, l: int, layer: LayerSpec, n_spatial: int, transpose: bool = False) -> None:
        p = layer.params
        path = layer.path
        two = n_spatial == 2
        k = list(_pair(p["kernel"], path + ("kernel",), "kernel")) if two else [_single(p["kernel"], path + ("kernel",), "kernel")]
        s = list(_pair(p["stride"], path + ("stride",), "stride")) if two else [_single(p["stride"], path + ("stride",), "stride")]
        dl = list(_pair(p["dilation"], path + ("dilation",), "dilation")) if two else [_single(p["dilation"], path + ("dilation",), "dilation")]
        F = _single(p["filters"], path + ("filters",), "filters")
        g = _single(p["groups"], path + ("groups",), "groups")
        if p["padding"] not in ("valid", "same"):
            for a in range(n_spatial):
                self._pad_value(p["padding"], a, layer)
        opad = None
        if transpose:
            opad = list(_pair(p["output_padding"], path + ("output_padding",), "output_padding", allow_zero=True))
        C_in = self.shape[-1]
        if C_in % g or F % g:
            raise self.fail(layer, f"groups = {g} must divide the input channels ({C_in}) and the filters ({F})")
        C_sym = self.dims[-1]
        spatial = self._window_dims(l, layer, n_spatial, k, s, dl, p["padding"], transpose, opad)
        self._channels(l, spatial, Num(F), "one output channel per filter")
        # parameters
        kh = self._const("KH", "k_h" if two else "k", k[0], l)
        kw = self._const("KW", "k_w", k[-1], l) if two else None
        Fs = self._const("F", "F", F, l)
        gs = self._const("G", "g", g, l)
        per_filter: Expr = Mul.of(kh, kw) if two else kh
        cin: Expr = C_sym if g == 1 else C_sym / gs
        fan: Expr = Fs if not transpose or g == 1 else Fs / gs
        if transpose:
            weights = Mul.of(per_filter, C_sym, fan) if g == 1 else Mul.of(per_filter, C_sym, Fs / gs)
        else:
            weights = Mul.of(per_filter, cin, Fs)
        formula = Add.of(weights, Fs) if p["bias"] else weights
        count = self._count(l, formula, "weights k·k·C_in·F, plus one bias per filter" if p["bias"] else
                            "weights only (bias: false)")
        self._out(l, spatial + (F,), count, count, layer.type)

    def _count(self, l: int, formula: Expr, note: Optional[str] = None) -> int:
        if self.check_only:
            return int(round(float(_eval_plain(formula, self.d.env))))
        return self._param_step(l, formula, note)

    def _conv1d(self, l: int, layer: LayerSpec) -> None:
        self._conv(l, layer, 1)

    def _conv2d(self, l: int, layer: LayerSpec) -> None:
        self._conv(l, layer, 2)

    def _conv2d_transpose(self, l: int, layer: LayerSpec) -> None:
        self._conv(l, layer, 2, transpose=True)

    def _pool(self, l: int, layer: LayerSpec, n_spatial: int) -> None:
        p = layer.params
        path = layer.path
        two = n_spatial == 2
        k = list(_pair(p["size"], path + ("size",), "size")) if two else [_single(p["size"], path + ("size",), "size")]
        stride = p["stride"] if p["stride"] is not None else p["size"]
        s = list(_pair(stride, path + ("stride",), "stride")) if two else [_single(stride, path + ("stride",), "stride")]
        C_sym = self.dims[-1]
        C = self.shape[-1]
        spatial = self._window_dims(l, layer, n_spatial, k, s, [1] * n_spatial, p["padding"], ceil_mode=bool(p["ceil_mode"]))
        self._channels(l, spatial, C_sym, "pooling keeps the channels")
        if not self.check_only:
            if p["stride"] is None:
                self.d.note("the stride defaults to the window size")
            self._param_step(l, Num(0), note="pooling has no parameters")
        self._out(l, spatial + (C,), 0, 0, layer.type)

    def _maxpool1d(self, l: int, layer: LayerSpec) -> None:
        self._pool(l, layer, 1)

    def _maxpool2d(self, l: int, layer: LayerSpec) -> None:
        self._pool(l, layer, 2)

    def _avgpool1d(self, l: int, layer: LayerSpec) -> None:
        self._pool(l, layer, 1)

    def _avgpool2d(self, l: int, layer: LayerSpec) -> None:
        self._pool(l, layer, 2)

    def _global_avg_pool(self, l: int, layer: LayerSpec) -> None:
        if len(self.shape) < 2:
            raise self.fail(layer, f"global_avg_pool needs spatial dimensions, got {self.show(self.shape)}")
        self._reshape(l, (self.shape[-1],), [self.dims[-1]], "the mean over every position of each channel")
        self._zero(l)
        self._out(l, (self.shape[-1],), 0, 0, layer.type)

    def _flatten(self, l: int, layer: LayerSpec) -> None:
        n = int(np.prod(self.shape))
        formula = Mul.of(*self.dims) if len(self.dims) > 1 else self.dims[0]
        self._reshape(l, (n,), [formula], "the product of the dimensions")
        self._zero(l)
        self._seq = False
        self._out(l, (n,), 0, 0, layer.type)

    def _reshape(self, l: int, shape: tuple[int, ...], formulas: list[Expr], note: str) -> None:
        syms = self.dim_syms(l, shape)
        for s, f in zip(syms, formulas):
            if self.check_only:
                self.d.bind(s, float(_eval_plain(f, self.d.env)))
            else:
                self.d.derive(s, f, note=note)
        self.dims = syms

    def _zero(self, l: int) -> None:
        if not self.check_only:
            self._param_step(l, Num(0), note="no parameters")

    def _same(self, l: int, note: str) -> None:
        syms = self.dim_syms(l, self.shape)
        for s, prev in zip(syms, self.dims):
            if self.check_only:
                self.d.bind(s, self.d.env[prev.key])
            else:
                self.d.derive(s, prev, note=None)
        self.dims = syms
        if not self.check_only:
            self.d.note(note)

    def _dense(self, l: int, layer: LayerSpec) -> None:
        p = layer.params
        units = _single(p["units"], layer.path + ("units",), "units")
        if len(self.shape) > 2 or (len(self.shape) == 2 and not self._seq):
            raise self.fail(layer, f"dense after a {len(self.shape)}-D output {self.show(self.shape)}: add a flatten "
                                   "layer first (or global_avg_pool)")
        n_in = self.dims[-1]
        out_shape = self.shape[:-1] + (units,)
        U = self._const("U", "units", units, l)
        syms = self.dim_syms(l, out_shape)
        for s, prev in zip(syms[:-1], self.dims[:-1]):
            (self.d.bind(s, self.d.env[prev.key]) if self.check_only else self.d.derive(s, prev))
        (self.d.bind(syms[-1], float(units)) if self.check_only else
         self.d.derive(syms[-1], U, note="applied at every time step" if len(out_shape) == 2 else None))
        self.dims = syms
        formula = Add.of(Mul.of(n_in, U), U) if p["bias"] else Mul.of(n_in, U)
        count = self._count(l, formula, "n_in·n_out weights" + (" + n_out biases" if p["bias"] else ""))
        self._out(l, out_shape, count, count, layer.type)

    def _dropout(self, l: int, layer: LayerSpec) -> None:
        rate = layer.params["rate"]
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
            raise self.fail(layer, f"expected a dropout rate in [0, 1), got {rate!r}")
        self._same(l, "dropout keeps the shape and has no parameters")
        self._zero(l)
        self._out(l, self.shape, 0, 0, layer.type)

    def _activation(self, l: int, layer: LayerSpec) -> None:
        self._same(l, "an activation keeps the shape and has no parameters")
        self._zero(l)
        self._out(l, self.shape, 0, 0, layer.type)

    def _batchnorm(self, l: int, layer: LayerSpec) -> None:
        C = self.dims[-1]
        self._same(l, "batch normalisation keeps the shape")
        count = self._count(l, Mul.of(Num(4), C), "γ and β (trainable) and the moving μ and σ² (non-trainable), "
                                                  "one of each per channel")
        self._out(l, self.shape, count, count // 2, layer.type)

    def _layernorm(self, l: int, layer: LayerSpec) -> None:
        C = self.dims[-1]
        self._same(l, "layer normalisation keeps the shape")
        count = self._count(l, Mul.of(Num(2), C), "γ and β over the last axis, both trainable")
        self._out(l, self.shape, count, count, layer.type)

    def _embedding(self, l: int, layer: LayerSpec) -> None:
        p = layer.params
        V_ = _single(p["vocab"], layer.path + ("vocab",), "vocab")
        D = _single(p["dim"], layer.path + ("dim",), "dim")
        if len(self.shape) != 1:
            raise self.fail(layer, f"embedding takes a sequence length as input, e.g. input: [20]; got {self.show(self.shape)}")
        Vs, Ds = self._const("V", "vocab", V_, l), self._const("D", "dim", D, l)
        self._seq = True
        syms = self.dim_syms(l, (self.shape[0], D))
        if self.check_only:
            self.d.bind(syms[0], float(self.shape[0]))
            self.d.bind(syms[1], float(D))
        else:
            self.d.derive(syms[0], self.dims[0], note="one vector per token")
            self.d.derive(syms[1], Ds)
        self.dims = syms
        count = self._count(l, Mul.of(Vs, Ds), "one dim-long vector per word of the vocabulary")
        self._out(l, (self.shape[0], D), count, count, layer.type)

    def _recurrent(self, l: int, layer: LayerSpec, gates: int) -> None:
        p = layer.params
        h = _single(p["units"], layer.path + ("units",), "units")
        if len(self.shape) != 2:
            raise self.fail(layer, f"{layer.type} needs a (timesteps, features) input, got {self.show(self.shape)}")
        if p["bias_convention"] not in ("keras", "pytorch"):
            raise self.fail(layer, f"bias_convention: expected keras or pytorch, got {p['bias_convention']!r}")
        x = self.dims[-1]
        hs = self._const("h", "h", h, l)
        two_biases = p["bias_convention"] == "pytorch" or (layer.type == "gru" and p.get("reset_after"))
        bias: Expr = Mul.of(Num(2), hs) if two_biases else hs
        inner = Add.of(Mul.of(hs, Add.of(hs, x)), bias)
        formula = inner if gates == 1 else Mul.of(Num(gates), inner)
        why = {"keras": "one bias vector per gate", "pytorch": "two bias vectors per gate (b_ih and b_hh), as PyTorch"}
        note = why[p["bias_convention"]]
        if layer.type == "gru" and p["bias_convention"] == "keras":
            note = ("reset_after: true (TensorFlow 2's default) keeps two bias vectors per gate" if p["reset_after"]
                    else "reset_after: false keeps one bias vector per gate")
        T = self.dims[0]
        out_shape = (self.shape[0], h) if p["return_sequences"] else (h,)
        syms = self.dim_syms(l, out_shape)
        if self.check_only:
            for s, v in zip(syms, out_shape):
                self.d.bind(s, float(v))
        else:
            if p["return_sequences"]:
                self.d.derive(syms[0], T, note="return_sequences: the state at every time step")
                self.d.derive(syms[1], hs)
            else:
                self.d.derive(syms[0], hs, note="the last state only")
        self.dims = syms
        self._seq = bool(p["return_sequences"])
        count = self._count(l, formula, note)
        self._out(l, out_shape, count, count, layer.type)

    def _simple_rnn(self, l: int, layer: LayerSpec) -> None:
        self._recurrent(l, layer, 1)

    def _lstm(self, l: int, layer: LayerSpec) -> None:
        self._recurrent(l, layer, 4)

    def _gru(self, l: int, layer: LayerSpec) -> None:
        self._recurrent(l, layer, 3)


def _eval_plain(f: Expr, env: dict) -> float:
    from dlsolve.expr import evaluate

    return float(evaluate(f, {s.key: env[s.key] for s in f.symbols()}))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    if spec.same_padding == "tensorflow":
        d.convention("'same' padding as TensorFlow: out = ⌈n/s⌉, any odd padding pixel goes after")
    else:
        d.convention("'same' padding as the course notes: p = (k − 1)/2 on each side, then ⌊(n + 2p − k)/s⌋ + 1")
    d.convention("shapes are (height, width, channels)" if spec.layout == "channels_last"
                 else "shapes are (channels, height, width)")
    planner = Planner(spec, d)
    rows = planner.run()
    d.section("Summary")
    total = 0
    table = []
    for i, r in enumerate(rows, 1):
        total += r.params
        table.append((i, r.name, "×".join(map(str, planner.show(r.shape))), r.params, total))
    lead = ("layer", "type", "output shape", "parameters", "running total")
    d.table(lead, table)
    trainable = sum(r.trainable for r in rows)
    d.table(("", "parameters"), [("total", total), ("trainable", trainable), ("non-trainable", total - trainable)])
    shapes = [planner.show(r.shape) for r in rows]
    counts = [r.params for r in rows]
    if spec.kind == "conv":
        d.answer("shapes", shapes, "output shape of each layer")
        d.answer("params", counts, "parameters of each layer")
    else:
        d.answer("params", counts, "parameters of each layer")
        d.answer("shapes", shapes, "output shape of each layer")
    d.answer("total_params", total, "total parameters", depends=("params",))
    d.answer("trainable_params", trainable, "trainable parameters", depends=("params",))
    d.answer("non_trainable_params", total - trainable, "non-trainable parameters", depends=("params",))
    solution = d.solution(spec.kind, spec.title)
    if spec.kind == "params":
        solution = _counts_first(solution)
    return solution


def _counts_first(sol: Solution) -> Solution:
    """The params emphasis: each layer's parameter count before its shape."""
    import dataclasses

    from dlsolve.solution import Step

    sections = []
    for sec in sol.sections:
        counts = [b for b in sec.blocks if isinstance(b, Step) and b.quantity.key.startswith("P")]
        rest = [b for b in sec.blocks if b not in counts]
        sections.append(dataclasses.replace(sec, blocks=tuple(counts + rest)))
    return dataclasses.replace(sol, sections=tuple(sections))
