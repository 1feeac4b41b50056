"""kind: style — the losses of neural style transfer (Gatys, Ecker & Bethge 2016), by hand.

A layer's feature maps are a matrix F with one row per filter (N_l rows) and one column per
position (M_l = height × width columns): maps given as N × H × W nested lists are flattened row
by row first. The content loss is ½·Σ(F − P)² against the content image's maps P; a style
layer's Gram matrix is G = F·Fᵀ (the correlations between filters, whatever their positions),
its loss E_l = Σ(G − A)²/(4·N_l²·M_l²) against the style image's Gram matrix A, the style loss
Σ_l w_l·E_l, and the total α·L_content + β·L_style. The gradients with respect to F are given
too: F − P and (G − A)·F/(N_l²·M_l²).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Optional

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import Path, SpecInvalid
from dlsolve.expr import Expr, MatMul, Num, Sym, Transpose, call, hadamard, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import AtLeastOne, ExactlyOne, PreparedSpec, frozen
from dlsolve.solution import Solution
from dlsolve.schema import Tensor3  # field types with a JSON Schema

KIND = "style"
MAX_MAP_ENTRIES = 10_000   # one layer's feature maps: a hand exercise has a few dozen


def feature_matrix(value: Any, path: Path) -> np.ndarray:
    """Feature maps as N × M (one row per filter): a matrix as given, or N maps of H × W each
    flattened row by row (the notes' "vectorising the layer")."""
    if isinstance(value, list) and value and all(isinstance(c, list) and c and isinstance(c[0], list)
                                                 for c in value):
        maps = [V.matrix(c, path + (i,)) for i, c in enumerate(value)]
        for i, m in enumerate(maps):
            if m.shape != maps[0].shape:
                raise SpecInvalid(f"expected every map to be {maps[0].shape[0]}×{maps[0].shape[1]} like the "
                                  f"first, got {m.shape[0]}×{m.shape[1]}", path + (i,))
        out = np.array([m.reshape(-1) for m in maps])
    else:
        out = V.matrix(value, path)
    if out.size > MAX_MAP_ENTRIES:
        raise SpecInvalid(f"{out.size:,} feature values; at most {MAX_MAP_ENTRIES:,} are worked by hand", path)
    return out


@dataclass(frozen=True)
class ContentMaps:
    """The content layer's maps, checked: F and P as N × M matrices of one shape."""

    F: np.ndarray
    P: np.ndarray


class Content(PreparedSpec[ContentMaps]):
    """The content layer: the generated image's maps F against the content image's P."""

    model_config = ConfigDict(extra="forbid")
    F: Tensor3 = Field(description="the generated image's feature maps (N × M, or N maps of H × W)")
    P: Tensor3 = Field(description="the content image's feature maps, shaped like F")

    def prepare(self) -> ContentMaps:
        F, P = feature_matrix(self.F, ("F",)), feature_matrix(self.P, ("P",))
        if F.shape != P.shape:
            raise SpecInvalid(f"expected {F.shape[0]}×{F.shape[1]} maps like F, "
                              f"got {P.shape[0]}×{P.shape[1]}", ("P",))
        return ContentMaps(frozen(F), frozen(P))


@dataclass(frozen=True)
class LayerMaps:
    """A style layer's maps, checked: F (N × M), and the style image's maps S (N × M) or its Gram
    matrix A (N × N), whichever was given."""

    F: np.ndarray
    S: Optional[np.ndarray]
    A: Optional[np.ndarray]
    weight: float


class StyleLayer(PreparedSpec[LayerMaps]):
    """One style layer: the generated image's maps F, and the style image's maps S (or its Gram A)."""

    model_config = ConfigDict(extra="forbid")
    RULES = (ExactlyOne(("S", "A"),
                        message="give exactly one of S (the style image's maps, A = S·Sᵀ) and A (its Gram matrix)"),)
    F: Tensor3 = Field(description="the generated image's feature maps (N × M, or N maps of H × W)")
    S: Optional[Tensor3] = Field(default=None, description="the style image's feature maps (A = S·Sᵀ)")
    A: Optional[Tensor3] = Field(default=None, description="the style image's Gram matrix, N × N (instead of S)")
    weight: float = Field(default=1.0, ge=0, description="w_l, this layer's weight in the style loss")

    def prepare(self) -> LayerMaps:
        F = feature_matrix(self.F, ("F",))
        n = F.shape[0]
        if self.S is not None:
            S = feature_matrix(self.S, ("S",))
            if S.shape != F.shape:
                raise SpecInvalid(f"expected {n}×{F.shape[1]} maps like F, got {S.shape[0]}×{S.shape[1]}", ("S",))
            return LayerMaps(frozen(F), frozen(S), None, self.weight)
        A = V.matrix(self.A, ("A",))
        if A.shape != (n, n):
            raise SpecInvalid(f"expected a {n}×{n} Gram matrix (F has {n} filters), got {A.shape[0]}×{A.shape[1]}",
                              ("A",))
        return LayerMaps(frozen(F), None, frozen(A), self.weight)


@dataclass(frozen=True)
class Problem:
    """A style problem: the content layer's maps (if given) and the style layers' (possibly none)."""

    content: Optional[ContentMaps]
    layers: tuple[LayerMaps, ...]


_NOTHING = "nothing to compute: give content, style (a list of layers), or both"


class Spec(PreparedSpec[Problem]):
    """kind: style — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (AtLeastOne(("content", "style"), message=_NOTHING),)
    kind: Literal["style"]
    title: Optional[str] = None
    content: Optional[Content] = Field(default=None, description="the content layer: F against P")
    style: Optional[list[StyleLayer]] = Field(default=None, description="the style layers, each F against S or A")
    alpha: float = Field(default=1.0, ge=0, description="the content weight α of the total loss")
    beta: float = Field(default=1.0, ge=0, description="the style weight β of the total loss")

    def prepare(self) -> Problem:
        if self.content is None and not self.style:   # style: [] (the rule sees a list)
            raise SpecInvalid(_NOTHING, ("content",))
        return Problem(None if self.content is None else self.content.problem,
                       tuple(layer.problem for layer in self.style or ()))


WRITTEN_OUT = 16   # entries of a difference written term by term beside its matrix form


def _sum_of_squares(x: Expr) -> Expr:
    """Σ of the squared entries of a matrix, Σ(X⊙X)."""
    return call("sum", hadamard(x, x))


def _entries(d: Derivation, sym: Sym, values: np.ndarray) -> list[list[Sym]]:
    """The entries of a shown matrix as symbols (F₁₂), bound without steps."""
    out = []
    for i, row in enumerate(values, 1):
        syms = []
        for j, x in enumerate(row, 1):
            e = N.quantity(f"{sym.key}e", sym.uni, sym.tex.replace(r"\mathbf{", "{"), (i, j))
            d.bind(e, float(x))
            syms.append(e)
        out.append(syms)
    return out


def _squared_differences(d: Derivation, a: Sym, b: Sym) -> list[Expr]:
    """(a₁₁ − b₁₁)² + (a₁₂ − b₁₂)² + … when the matrices are small enough to write out, else nothing."""
    av, bv = np.asarray(d.env[a.key]), np.asarray(d.env[b.key])
    if av.size > WRITTEN_OUT:
        return []
    ea, eb = _entries(d, a, av), _entries(d, b, bv)
    return [total([(x - y) ** Num(2) for ra, rb in zip(ea, eb) for x, y in zip(ra, rb)])]


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    d.convention("feature maps as N × M matrices: one row per filter (N), one column per position (M = height × "
                 "width, flattened row by row) — Gatys et al.'s N_l and M_l")
    problem = spec.problem
    content = _content(d, problem.content) if problem.content is not None else None
    style = _style(d, problem.layers) if problem.layers else None
    if content is not None and style is not None:
        d.section("Total loss")
        a, b = Sym("alpha", "α", r"\alpha"), Sym("beta", "β", r"\beta")
        d.given(a, spec.alpha, note="the content weight")
        d.given(b, spec.beta, note="the style weight (a smaller α/β gives a more stylised image)")
        L = Sym("L_total", "L_total", r"L_{\text{total}}")
        d.derive(L, a * content + b * style)
        d.answer("total_loss", d.env[L.key], "α·L_content + β·L_style", keys=(L.key,))
    return d.solution(KIND, spec.title or "Style transfer losses")


def _content(d: Derivation, c: ContentMaps) -> Sym:
    d.section("Content loss")
    F, P = Sym("Fc", "F", r"\mathbf{F}"), Sym("Pc", "P", r"\mathbf{P}")
    d.given(F, c.F, note="the generated image's feature maps at the content layer (one row per filter)")
    d.given(P, c.P, note="the content image's feature maps at the same layer")
    L = Sym("L_content", "L_content", r"L_{\text{content}}")
    half = Num(Fraction(1, 2))
    d.derive(L, half * _sum_of_squares(F - P), *[half * x for x in _squared_differences(d, F, P)],
             note="½·Σ_ij (F_ij − P_ij)²")
    d.answer("content_loss", d.env[L.key], "L_content = ½·Σ(F − P)²", keys=(L.key,))
    g = Sym("dLc_dF", "∂L_content/∂F", r"\frac{\partial L_{\text{content}}}{\partial \mathbf{F}}", kind="partial")
    d.derive(g, F - P, note="Gatys et al. write 0 where F_ij < 0 (the ReLU before the layer); with respect to F "
                            "itself there is no gate")
    d.answer("content_gradient", d.env[g.key], "∂L_content/∂F = F − P", keys=(g.key,))
    return L


def _style(d: Derivation, layers: tuple[LayerMaps, ...]) -> Sym:
    E_syms, w_syms = [], []
    grads = []
    for l, layer in enumerate(layers, 1):
        tag = f"{l}" if len(layers) > 1 else ""
        sup = f"^[{l}]" if len(layers) > 1 else ""
        tsup = f"^{{[{l}]}}" if len(layers) > 1 else ""
        d.section(f"Style layer {l}" if len(layers) > 1 else "Style loss")
        F = Sym(f"Fs{tag}", f"F{sup}", rf"\mathbf{{F}}{tsup}")
        d.given(F, layer.F, note="the generated image's feature maps (one row per filter)")
        n, m = layer.F.shape
        N = Sym(f"N{tag}", f"N{sup}", f"N{tsup}")
        M = Sym(f"M{tag}", f"M{sup}", f"M{tsup}")
        d.given(N, float(n), note="the number of filters (rows of F)")
        d.given(M, float(m), note="the positions per map (columns of F: height × width)")
        G = Sym(f"G{tag}", f"G{sup}", rf"\mathbf{{G}}{tsup}")
        d.derive(G, MatMul(F, Transpose(F)), note="the Gram matrix: G_ij = Σ_k F_ik·F_jk, how strongly filters "
                                                 "i and j fire together, wherever they fire")
        A = Sym(f"A{tag}", f"A{sup}", rf"\mathbf{{A}}{tsup}")
        if layer.S is not None:
            S = Sym(f"Ss{tag}", f"S{sup}", rf"\mathbf{{S}}{tsup}")
            d.given(S, layer.S, note="the style image's feature maps")
            d.derive(A, MatMul(S, Transpose(S)), note="the style image's Gram matrix")
        elif layer.A is not None:
            d.given(A, layer.A, note="the style image's Gram matrix")
        else:
            raise TypeError("a style layer with neither S nor A passed its RULES")
        E = Sym(f"E{tag}", f"E{sup}", f"E{tsup}")
        scale = Num(4) * N ** Num(2) * M ** Num(2)
        d.derive(E, _sum_of_squares(G - A) / scale, *[x / scale for x in _squared_differences(d, G, A)],
                 note="Σ_ij (G_ij − A_ij)² / (4·N²·M²)")
        g = Sym(f"dE_dF{tag}", f"∂E{sup}/∂F{sup}", rf"\frac{{\partial E{tsup}}}{{\partial \mathbf{{F}}{tsup}}}",
                kind="partial")
        d.derive(g, MatMul(G - A, F) / (N ** Num(2) * M ** Num(2)),
                 note="Gatys et al.'s (Fᵀ(G − A))ᵀ/(N²M²), with G − A symmetric; they write 0 where F_ij < 0")
        grads.append(g)
        w = Sym(f"w{tag}", f"w{sup}" if sup else "w", f"w{tsup}")
        d.given(w, layer.weight, note="this layer's weight in the style loss")
        E_syms.append(E)
        w_syms.append(w)
    L = Sym("L_style", "L_style", r"L_{\text{style}}")
    d.section("Style loss" if len(layers) > 1 else "Weighted style loss")
    d.derive(L, total([w * E for w, E in zip(w_syms, E_syms)]), note="Σ_l w_l·E_l")
    d.answer("layer_losses", [d.env[E.key] for E in E_syms], "E_l, one per style layer",
             keys=tuple(E.key for E in E_syms))
    d.answer("style_loss", d.env[L.key], "L_style = Σ_l w_l·E_l", keys=(L.key,))
    for l, (E, g) in enumerate(zip(E_syms, grads), 1):
        suffix = f"[{l}]" if len(layers) > 1 else ""
        gram = f"G{l if len(layers) > 1 else ''}"
        d.answer(f"gram{suffix}", d.env[gram], f"the Gram matrix G = F·Fᵀ{' of layer ' + str(l) if suffix else ''}",
                 keys=(gram,))
        d.answer(f"style_gradient{suffix}", d.env[g.key],
                 f"∂E/∂F = (G − A)·F/(N²M²){' of layer ' + str(l) if suffix else ''}", keys=(g.key,))
    return L
