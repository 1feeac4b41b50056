"""The figures of kinds conv/params beyond shapes and counts: activations and their memory,
parameter memory, FLOPs (or MACs) and receptive fields, per layer and in total.

Each figure is a step derived from the layer's symbols, so the formula and the number are one
computation: A^[l] = H^[l]·W^[l]·C^[l] values per sample; M^[l] = B·A^[l]·b bytes for a batch
of B in a b-byte dtype; M_P^[l] = P^[l]·b; FLOPs^[l] from the layer's `cost` (one multiply-add
= 2 FLOPs, or 1 MAC; comparisons and adds of pooling one each; bias adds as the problem says);
and the receptive field by the recurrence over the layer's `rf_window`
    r^[l] = r^[l−1] + d(k − 1)·j^[l−1],  j^[l] = j^[l−1]·s,  start^[l] = start^[l−1] + (d(k − 1)/2 − p)·j^[l−1],
from r^[0] = 1, j^[0] = 1, start^[0] = 0 (positions are 0-based input indices; start is the
centre of the first unit's field, p the zeros before the first input position).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from dlsolve.derivation import Derivation
from dlsolve.expr import Expr, Mul, Num, Sym, total
from dlsolve.kinds.architecture.base import Context, FieldState, Layer
from dlsolve.kinds.architecture.window import Window, pad_before

# Bytes per value of each dtype `dtype:` may name.
DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}


def _sym(name: str, l: object, axis: str = "") -> Sym:
    sub = f"_{axis}" if axis else ""
    tex_name = f"\\text{{{name}}}" if len(name) > 1 else name
    return Sym(f"{name}{axis}{l}", f"{name}{sub}^[{l}]", f"{tex_name}{sub}^{{[{l}]}}")


@dataclass
class LayerFigures:
    """The symbols of one layer's figures (rf: one (r, j, start) per spatial axis, or None)."""

    A: Sym
    M: Sym
    MP: Sym
    F: Sym
    rf: FieldState


@dataclass
class Figures:
    """The walk's state for the figures: the batch and dtype symbols, the FLOP convention and
    the receptive field reached so far (None once a layer mixes every position)."""

    d: Derivation
    batch: int
    dtype: str
    unit: str                 # "flops": a multiply-add is 2 FLOPs; "macs": 1 MAC
    bias_adds: bool
    B: Sym = field(init=False)
    b: Sym = field(init=False)
    rf: FieldState = None
    A0: Optional[Sym] = None

    def __post_init__(self) -> None:
        self.B, self.b = Sym("Bbatch", "B", "B"), Sym("bytes", "b", "b")
        self.d.bind(self.B, float(self.batch))
        self.d.bind(self.b, float(DTYPE_BYTES[self.dtype]))

    @property
    def word(self) -> str:
        return "FLOPs" if self.unit == "flops" else "MACs"

    def conventions(self) -> None:
        d = self.d
        d.convention("memory: {dtype}, {b:int} bytes per value; a batch of {B:int}", dtype=self.dtype,
                     b=DTYPE_BYTES[self.dtype], B=self.batch)
        if self.unit == "flops":
            d.convention("FLOPs: one multiply-add is 2 FLOPs; a comparison, add or divide of pooling is 1")
        else:
            d.convention("MACs: one multiply-add is 1 MAC; a comparison, add or divide of pooling counts 1")
        d.convention("bias adds counted, one per output value" if self.bias_adds
                     else "bias adds not counted (bias_adds: false)")
        d.convention(self.word + " per sample; activations, dropout, normalisation and the gates' elementwise "
                     "products not counted")

    def start(self, dims: list[Sym], spatial: int) -> None:
        """The input's values A^[0], and r^[0] = j^[0] = 1, start^[0] = 0 on each spatial axis."""
        self.A0 = _sym("A", 0)
        self.d.derive(self.A0, Mul.of(*dims) if len(dims) > 1 else dims[0], note="values of the input, per sample")
        if spatial:
            axes = _axes(spatial, square=True)
            self.rf = []
            for ax in axes:
                trio = (_sym("r", 0, ax), _sym("j", 0, ax), _sym("start", 0, ax))
                for s, v in zip(trio, (1.0, 1.0, 0.0)):
                    self.d.bind(s, v)
                self.rf.append(trio)
            if spatial == 2:
                self.rf = self.rf * 2

    def layer(self, c: Context, layer: Layer, P: Sym) -> LayerFigures:
        """Derive layer l's activations, memories, FLOPs and receptive field."""
        d, l = self.d, c.l
        A = _sym("A", l)
        d.derive(A, Mul.of(*c.out_dims) if len(c.out_dims) > 1 else c.out_dims[0],
                 note="values this layer outputs, per sample")
        M = _sym("M", l)
        d.derive(M, Mul.of(self.B, A, self.b), note="bytes of those values for the batch")
        MP = Sym(f"MP{l}", f"M_P^[{l}]", f"M_P^{{[{l}]}}")
        d.derive(MP, Mul.of(P, self.b), note="bytes of the parameters")
        F = Sym(f"FL{l}", f"{self.word}^[{l}]", f"\\text{{{self.word}}}^{{[{l}]}}")
        formula, note = self._cost(c, layer)
        d.derive(F, formula, note=note)
        self._field(c, layer)
        return LayerFigures(A, M, MP, F, self.rf)

    def _cost(self, c: Context, layer: Layer) -> tuple[Expr, Optional[str]]:
        cost = layer.cost(c)
        terms: list[Expr] = []
        if cost.macs is not None:
            terms.append(Mul.of(Num(2), cost.macs) if self.unit == "flops" else cost.macs)
        if cost.ops is not None:
            terms.append(cost.ops)
        bias_note = ""
        if cost.bias is not None:
            if self.bias_adds:
                terms.append(cost.bias)
                bias_note = "; plus one add per bias"
            else:
                bias_note = "; bias adds not counted"
        if not terms:
            return Num(0), cost.note
        formula = total(terms)
        unit = ("; a multiply-add is 2 FLOPs" if self.unit == "flops" else "; a multiply-add is 1 MAC") \
            if cost.macs is not None else ""
        return formula, (cost.note or "") + unit + bias_note

    def join(self, c: Context, main: FieldState) -> None:
        """The field of a block's sum: the main path's, when the shortcut's (now in self.rf) lies
        inside it with the same jump on every axis; otherwise none is given from here on."""
        short, self.rf = self.rf, None
        if main is None or short is None:
            return

        def v(s: Sym) -> float:
            return float(self.d.env[s.key])

        for (rm, jm, sm), (rs, js, ss) in zip(main, short):
            lo_m, hi_m = v(sm) - (v(rm) - 1) / 2, v(sm) + (v(rm) - 1) / 2
            lo_s, hi_s = v(ss) - (v(rs) - 1) / 2, v(ss) + (v(rs) - 1) / 2
            if v(jm) != v(js) or lo_s < lo_m or hi_s > hi_m:
                self.d.note("the shortcut's receptive field is not inside the main path's: none is given "
                            "from here on")
                return
        self.rf = main
        self.d.note("the shortcut's receptive field lies inside the main path's, so the sum's units see "
                    "the main path's field")

    def _field(self, c: Context, layer: Layer) -> None:
        if self.rf is None or layer.keeps_field or layer.nests:
            return
        w = layer.rf_window(c)
        if w is None or len(w.kernel) != c.rank - 1:
            self.rf = None
            self.d.note("this layer mixes every position: its units' receptive field is no longer a window, "
                        "so none is given from here on")
            return
        pads = [pad_before(c, w, a) for a in range(w.n_spatial)]
        square = (w.n_spatial == 2 and self.rf[0] is self.rf[1] and w.kernel[0] == w.kernel[1]
                  and w.stride[0] == w.stride[1] and w.dilation[0] == w.dilation[1] and pads[0] == pads[1])
        axes = _axes(w.n_spatial, square)
        new = []
        for a, ax in enumerate(axes):
            new.append(self._axis(c, w, a, ax, self.rf[a], pads[a]))
        self.rf = new * 2 if square else new

    def _axis(self, c: Context, w: Window, a: int, ax: str, prev: tuple[Sym, Sym, Sym],
              pad: tuple[int, bool]) -> tuple[Sym, Sym, Sym]:
        d, l = self.d, c.l
        r0, j0, s0 = prev
        label = ax or ("L" if w.n_spatial == 1 else "H")
        k, s, dil = w.kernel[a], w.stride[a], w.dilation[a]
        kk, ss = c.const(f"k{label}", "k", k), c.const(f"s{label}", "s", s)
        span: Expr = kk - Num(1)
        if dil != 1:
            span = Mul.of(c.const(f"d{label}", "d", dil), span)
        p_value, tensorflow = pad
        pp = c.const(f"pb{label}", "p_before" if tensorflow else "p", p_value)
        r, j, st = _sym("r", l, ax), _sym("j", l, ax), _sym("start", l, ax)
        d.derive(r, r0 + Mul.of(span, j0), note="receptive field: each tap beyond the first adds a jump")
        d.derive(j, Mul.of(j0, ss), note="jump: input positions between neighbouring units")
        d.derive(st, s0 + Mul.of(span / Num(2) - pp, j0),
                 note="centre of the first unit's field (0-based input position)" +
                      ("; TensorFlow's 'same' puts ⌊total/2⌋ zeros before" if tensorflow else ""))
        return r, j, st


def _axes(spatial: int, square: bool) -> list[str]:
    if spatial == 2:
        return [""] if square else ["H", "W"]
    return [""]
