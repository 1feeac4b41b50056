"""kind: init — the spread of Xavier (Glorot), He (Kaiming) and LeCun weight initialisation.

Each scheme keeps the variance of the signal about the same from layer to layer by scaling the
random weights with the layer's fans: Var(w) = g²·2/(n_in + n_out) (Xavier), g²/n (He, with
g = √2 for ReLU; LeCun with g = 1), where n is n_in (or n_out with `mode: fan_out`). A normal
scheme draws w ~ N(0, σ²); a uniform one w ~ U(−a, a) with a = √3·σ (a uniform on [−a, a] has
variance a²/3). The fans come from the numbers, or from a layer of the architecture registry
written as in conv/params (`input: [784]`, `layer: {dense: {units: 128}}`), whose class gives
them; the older `layer: {type: dense, inputs: …, units: …}` form still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Callable, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from dlsolve.activations import ACTIVATIONS, LINEAR, RELU, Activation
from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, describe, did_you_mean
from dlsolve.expr import Expr, Num, Sym, call
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.architecture.base import Context, Layer, dim_symbols
from dlsolve.kinds.architecture.fields import InputShape
from dlsolve.kinds.architecture.registry import LayerEntry
from dlsolve.kinds.prepared import AtLeastOne, BelongsTo, PreparedSpec
from dlsolve.solution import Cell, Phrase, Solution
from dlsolve.schema import typed  # field types with a JSON Schema

KIND = "init"
# Where frameworks differ; read by `dlsolve check`'s diagnoses.
CONVENTIONS = (Convention(("mode",), ("fan_in", "fan_out"), "fan_in"),)
KERAS_TRUNCATION = 0.87962566103423978  # std of N(0, 1) truncated to [−2, 2]


@dataclass(frozen=True)
class Family:
    """Xavier, He or LeCun: the gain it takes when none is given and its variance in the fans.

    Var(w) = g²·c/D with c = 2, D = n_in + n_out (Xavier) or c = 1, D = n (He and LeCun, n the fan
    chosen by `mode`); the uniform bound is a = g·√(3c/D).
    """

    name: str
    default_gain: Activation                          # whose gain is taken when none is given
    c: int
    denominator: Callable[[Expr, Expr, Expr], Expr]   # (n_in, n_out, n) → D
    uses_mode: bool                                   # True: n is fan_in or fan_out as `mode` says
    needs_fan_out: bool

    def variance(self, g: Expr, n_in: Expr, n_out: Expr, n: Expr) -> Expr:
        top = g ** Num(2) * Num(self.c) if self.c != 1 else g ** Num(2)
        return top / self.denominator(n_in, n_out, n)

    def bound(self, g: Expr, n_in: Expr, n_out: Expr, n: Expr) -> Expr:
        return g * call("sqrt", Num(3 * self.c) / self.denominator(n_in, n_out, n))


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("Xavier", LINEAR, 2, lambda n_in, n_out, n: n_in + n_out, False, True),
    Family("He", RELU, 1, lambda n_in, n_out, n: n, True, False),
    Family("LeCun", LINEAR, 1, lambda n_in, n_out, n: n, True, False),
)}


@dataclass(frozen=True)
class Scheme:
    """One initialisation rule: its family (which fans and default gain) and its distribution."""

    name: str
    family: Family
    uniform: bool
    title: str

    @property
    def short(self) -> str:
        """The title without the second name: 'Xavier uniform' (answer labels stay short)."""
        return self.title.replace(" (Glorot)", "").replace(" (Kaiming)", "")


SCHEMES: dict[str, Scheme] = {s.name: s for s in (
    Scheme("xavier_uniform", FAMILIES["Xavier"], True, "Xavier (Glorot) uniform"),
    Scheme("xavier_normal", FAMILIES["Xavier"], False, "Xavier (Glorot) normal"),
    Scheme("he_uniform", FAMILIES["He"], True, "He (Kaiming) uniform"),
    Scheme("he_normal", FAMILIES["He"], False, "He (Kaiming) normal"),
    Scheme("lecun_uniform", FAMILIES["LeCun"], True, "LeCun uniform"),
    Scheme("lecun_normal", FAMILIES["LeCun"], False, "LeCun normal"),
)}


GAINS: dict[str, Activation] = {name: a for name, a in ACTIVATIONS.items() if a.gain is not None}
"""The nonlinearities of PyTorch's `calculate_gain`: the activations that carry a gain."""



class DenseLayer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["dense"] = Field(description="dense: a fully connected layer (inputs → units)")
    inputs: int = Field(ge=1, description="the layer's inputs (n_in)")
    units: int = Field(ge=1, description="the layer's units (n_out)")


class Conv2dLayer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["conv2d"] = Field(description="conv2d: a 2-D convolution (in_channels → filters)")
    kernel: Union[int, list[int]] = Field(description="the kernel size k, or [k_h, k_w]")
    in_channels: int = Field(ge=1, description="C_in, the input channels")
    filters: int = Field(ge=1, description="F, the number of filters (output channels)")

    @model_validator(mode="after")
    def _check(self) -> "Conv2dLayer":
        k = self.kernel
        if isinstance(k, list) and (len(k) != 2 or any(v < 1 for v in k)):
            raise SpecInvalid("expected one kernel size or [height, width], each at least 1", ("kernel",))
        if isinstance(k, int) and k < 1:
            raise SpecInvalid("a kernel size is at least 1", ("kernel",))
        return self


def _form(v: Any) -> str:
    """Which way the layer is written: the older `{type: dense, …}` or the conv/params form."""
    if isinstance(v, (DenseLayer, Conv2dLayer)) or (isinstance(v, dict) and "type" in v):
        return "Written"
    return "Registry"


if TYPE_CHECKING:
    # After validation the layer is one of these objects; the tagged union below is built at run time.
    LayerOfInit = Union[DenseLayer, Conv2dLayer, Layer]
else:
    LayerOfInit = Annotated[
        Union[Annotated[Annotated[Union[DenseLayer, Conv2dLayer], Field(discriminator="type")], Tag("Written")],
              Annotated[LayerEntry, Tag("Registry")]],
        Discriminator(_form)]

if TYPE_CHECKING:
    SchemeNames = object   # read by hand in prepare(): a name, or a list of names
else:
    SchemeNames = typed({"anyOf": [{"enum": list(SCHEMES)},
                                   {"type": "array", "minItems": 1, "items": {"enum": list(SCHEMES)}}]},
                        "the initialisation scheme, or a list of them to compare: " + ", ".join(SCHEMES))
SLOPED = tuple(name for name, a in GAINS.items() if a.gain_uses_slope)   # the gains that take negative_slope


@dataclass(frozen=True)
class Problem:
    """An init problem, checked: the schemes to compare, in the order given, each once."""

    schemes: tuple[Scheme, ...]


class Spec(PreparedSpec[Problem]):
    """kind: init — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        AtLeastOne(("fan_in", "layer"), message="an initialisation needs the layer's fans: give fan_in (and fan_out),"
                                               " or layer: {type: dense, inputs: …, units: …}"),
        BelongsTo("negative_slope", "nonlinearity", SLOPED,
                  message="negative_slope belongs to nonlinearity: leaky_relu"),
    )
    kind: Literal["init"]
    title: Optional[str] = None
    scheme: SchemeNames = Field(description="the initialisation scheme, or a list of them to compare")
    fan_in: Optional[int] = Field(default=None, ge=1,
                                  description="n_in, the inputs of each unit (instead of a layer)")
    fan_out: Optional[int] = Field(default=None, ge=1, description="n_out, the outputs (instead of a layer)")
    input: Optional[InputShape] = Field(None, description="the layer's input shape, as in conv/params "
                                                           "(with a layer written as there)")
    layer: Optional[LayerOfInit] = Field(None, description="a layer as in conv/params, e.g. {dense: {units: 128}} "
                                                          "(with input), or {type: dense, inputs: …, units: …}")
    gain: Optional[float] = Field(default=None, gt=0, description="g, the gain (default: the scheme's own)")
    nonlinearity: Optional[str] = Field(None,
                                        description="sets g to PyTorch's calculate_gain: linear and sigmoid 1, tanh "
                                                    "5/3, relu √2, leaky_relu √(2/(1 + a²)), selu 3/4")
    negative_slope: Optional[float] = Field(None, description="a, leaky_relu's slope for the gain (default 0.01)")
    mode: Literal["fan_in", "fan_out"] = Field("fan_in",
                                               description="fan_in (default) or fan_out: which n the variance divides"
                                                           " by")

    @field_validator("nonlinearity")
    @classmethod
    def _known_nonlinearity(cls, name: Optional[str]) -> Optional[str]:
        if name is not None and name not in GAINS:
            raise SpecInvalid(f"unknown nonlinearity: {did_you_mean(name, GAINS)}")
        return name

    def prepare(self) -> Problem:
        names = self.scheme if isinstance(self.scheme, list) else [self.scheme]
        if not names:
            raise SpecInvalid("expected at least one scheme", ("scheme",))
        schemes: list[Scheme] = []
        for k, name in enumerate(names):
            if not isinstance(name, str):
                raise SpecInvalid(f"expected a scheme name ({', '.join(SCHEMES)}), got {describe(name)}",
                                  ("scheme",) + ((k,) if isinstance(self.scheme, list) else ()))
            if name not in SCHEMES:
                raise SpecInvalid(f"unknown scheme: {did_you_mean(name, SCHEMES)}",
                                  ("scheme",) + ((k,) if isinstance(self.scheme, list) else ()))
            if SCHEMES[name] in schemes:
                raise SpecInvalid(f"'{name}' is listed twice", ("scheme", k))
            schemes.append(SCHEMES[name])
        if self.layer is not None and (self.fan_in is not None or self.fan_out is not None):
            raise SpecInvalid("give either the fans or a layer, not both", ("layer",))
        if isinstance(self.layer, Layer) and self.input is None:
            raise SpecInvalid("a layer written as in conv/params needs its input shape: input: [784] for a dense "
                              "layer, [height, width, channels] for a conv2d", ("input",))
        if self.input is not None and not isinstance(self.layer, Layer):
            raise SpecInvalid("input belongs to a layer written as in conv/params (layer: {dense: {units: …}})",
                              ("input",))
        if self.layer is None:
            needs_out = any(s.family.needs_fan_out or (self.mode == "fan_out" and s.family.uses_mode)
                            for s in schemes)
            if needs_out and self.fan_out is None:
                raise SpecInvalid("this scheme needs fan_out (Xavier averages n_in and n_out; mode: fan_out uses "
                                  "it)", ("fan_out",))
        if self.gain is not None and self.nonlinearity is not None:
            raise SpecInvalid("give either gain or nonlinearity (which sets the gain), not both", ("gain",))
        return Problem(tuple(schemes))


N_IN = Sym("n_in", "n_in", r"n_{\text{in}}")
N_OUT = Sym("n_out", "n_out", r"n_{\text{out}}")


def _fans(d: Derivation, spec: Spec) -> None:
    layer = spec.layer
    if layer is None:
        assert spec.fan_in is not None   # RULES: the fans or a layer
        d.given(N_IN, float(spec.fan_in), note="fan-in: the inputs each unit sums")
        if spec.fan_out is not None:
            d.given(N_OUT, float(spec.fan_out), note="fan-out: the units each input feeds")
        return
    if isinstance(layer, Layer):
        _registry_fans(d, spec, layer)
        return
    if isinstance(layer, DenseLayer):
        d.given(N_IN, float(layer.inputs), note="fan-in of a dense layer: its number of inputs")
        d.given(N_OUT, float(layer.units), note="fan-out of a dense layer: its number of units")
        return
    kh, kw = (layer.kernel, layer.kernel) if isinstance(layer.kernel, int) else layer.kernel
    KH, KW = Sym("k_h", "k_h", "k_h"), Sym("k_w", "k_w", "k_w")
    C, F = Sym("C_in", "C_in", r"C_{\text{in}}"), Sym("C_out", "C_out", r"C_{\text{out}}")
    d.given(KH, float(kh), note="the kernel's height")
    d.given(KW, float(kw), note="the kernel's width")
    d.given(C, float(layer.in_channels), note="input channels")
    d.given(F, float(layer.filters), note="filters (output channels)")
    d.derive(N_IN, KH * KW * C, note="each output value sums over a k_h × k_w window of every input channel")
    d.derive(N_OUT, KH * KW * F, note="each input value reaches a k_h × k_w window of every filter "
                                      "(PyTorch's and Keras's fan_out)")


def _registry_fans(d: Derivation, spec: Spec, layer: Layer) -> None:
    """The fans of a conv/params layer on the given input: the layer's class derives them."""
    assert spec.input is not None
    shape = tuple(spec.input)
    dims = dim_symbols(0, len(shape), layer.reads_sequences)
    for sym, v in zip(dims, shape):
        d.given(sym, float(v), note=None)
    c = Context(d, "1", ("layer",) + (() if layer.bare else (layer.type,)), shape, list(dims),
                layer.reads_sequences, False, True)
    layer.check(c)
    fans = layer.fans(c)
    if fans is None:
        raise c.fail(f"{layer.type} has no weights whose fans init knows: give a dense or convolution layer, "
                     "or fan_in and fan_out")
    fan_in, fan_out, in_note, out_note = fans
    d.derive(N_IN, fan_in, note=in_note)
    d.derive(N_OUT, fan_out, note=out_note)


def _gain(rec: Activation, slope: Sym) -> Expr:
    """PyTorch's gain of an activation that has one (GAINS, a family's default)."""
    assert rec.gain is not None
    return rec.gain(slope)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    d.convention("Var(w) keeps the variance of the signal about constant through the layers: Xavier "
                 "g²·2/(n_in + n_out), He g²/n with g = √2 (ReLU), LeCun g²/n with g = 1; n = n_in unless "
                 "mode: fan_out")
    d.convention("a uniform U(−a, a) has variance a²/3, so its bound is a = √3·σ")
    d.section("Given")
    _fans(d, spec)
    slope = Sym("neg_slope", "a", "a")
    gains: dict[str, Sym] = {}
    if spec.gain is not None:
        g = Sym("g", "g", "g")
        d.given(g, spec.gain, note="the gain, used by every scheme below")
        gains = {f: g for f in FAMILIES}
    elif spec.nonlinearity is not None:
        rec = GAINS[spec.nonlinearity]
        if rec.gain_uses_slope:
            d.given(slope, rec.params["alpha"] if spec.negative_slope is None else spec.negative_slope,
                    note=f"{rec.title}'s negative slope" + (" (PyTorch's default)" if spec.negative_slope is None else ""))
        g = Sym("g", "g", "g")
        d.derive(g, _gain(rec, slope), note=f"PyTorch's gain for {rec.name}, used by every scheme below")
        gains = {f: g for f in FAMILIES}
    else:
        for name, family in FAMILIES.items():
            if not any(s.family is family for s in spec.problem.schemes):
                continue
            rec = family.default_gain
            g = Sym(f"g[{name}]", f"g_{name}", rf"g_{{\text{{{name}}}}}")
            d.derive(g, _gain(rec, slope), note=f"{name}'s gain when none is given "
                                                 f"(PyTorch's gain for {rec.name})")
            gains[name] = g
    fan = N_OUT if spec.mode == "fan_out" else N_IN
    rows: list[list[Cell]] = []
    for s in spec.problem.schemes:
        fam = s.family
        d.section(s.title + (" (mode: fan_out)" if spec.mode == "fan_out" and fam.uses_mode else ""))
        g = gains[fam.name]
        var, std, lim = (Sym(f"{q}[{s.name}]", u, t) for q, u, t in
                         (("var", "Var(w)", r"\operatorname{Var}(w)"), ("std", "σ", r"\sigma"), ("limit", "a", "a")))
        row: list[Cell] = [s.name, d.scalar(var, fam.variance(g, N_IN, N_OUT, fan))]
        bound = d.scalar(lim, fam.bound(g, N_IN, N_OUT, fan), note="the bound of U(−a, a)") if s.uniform else None
        if s.uniform:
            row.append(d.scalar(std, lim / call("sqrt", Num(3)), note="the standard deviation of U(−a, a)"))
        else:
            row.append(d.scalar(std, call("sqrt", var)))
            trunc = Sym(f"keras_std[{s.name}]", "σ_Keras", r"\sigma_{\text{Keras}}")
            d.derive(trunc, std / Num(KERAS_TRUNCATION),
                     note=Phrase("Keras draws the normal schemes from a normal truncated at two standard deviations "
                                 "either side, with this stddev (σ/{c:given}) so that the kept values have standard "
                                 "deviation σ", c=0.87962566))
        row.append(bound)
        d.answer(f"var[{s.name}]", d.env[var.key], f"Var(w), {s.short}", keys=(var.key,))
        d.answer(f"std[{s.name}]", d.env[std.key], f"σ, {s.short}", keys=(std.key,))
        if s.uniform:
            d.answer(f"limit[{s.name}]", d.env[lim.key], f"bound a, {s.short}", keys=(lim.key,))
        rows.append(row)
    d.section("Framework defaults")
    d.text("PyTorch's nn.Linear and nn.Conv2d start from kaiming_uniform_ with a = √5, that is "
           "U(−1/√n_in, 1/√n_in), and their biases from the same range; Keras's Dense and Conv2D default to "
           "glorot_uniform (Xavier uniform) with zero biases. PyTorch's kaiming_* functions use mode fan_in "
           "and nonlinearity='leaky_relu' with a = 0 (g = √2) by default; its xavier_* functions take gain = 1 unless told.")
    d.table(["scheme", "Var(w)", "σ", "a (uniform)"], rows)
    return d.solution(KIND, spec.title)
