"""The groups of kind normalize: which entries are normalised together (a column of a batch,
a channel of an NHWC tensor, a row for layer norm), their symbols, and the mean and variance
formulas written over them. Used by dlsolve/kinds/normalize.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlsolve import notation as N
from dlsolve.choice import Choice
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Expr, Num, Sym, call
from dlsolve.kinds import values as V

TERMS_WRITTEN = 12  # a mean over more values than this is written with Σ instead of term by term
TERMS_WRITTEN_NHWC = 4  # (x₁,₁,₂,₁ is wide: fewer terms fit on a line)


class Method(Choice):
    """What `kind: normalize` does (method: …). Two of its words are also layer types of
    conv/params (batchnorm, layernorm): code compares these members, never the words."""

    BATCHNORM = "batchnorm"       # each feature (channel) over the batch
    LAYERNORM = "layernorm"       # each sample over its features
    STANDARDIZE = "standardize"   # each column: (x − μ)/σ
    MINMAX = "minmax"             # each column: (x − min)/(max − min)


def read_input(value: Any, method: Method, key: str = "input") -> tuple[np.ndarray, str]:
    """A flat list, a matrix (rows × features) or, for batchnorm, a 4-D list (N, H, W, C)."""
    depth, v = 0, value
    while isinstance(v, list) and v:
        depth, v = depth + 1, v[0]
    if depth == 4:
        if method is not Method.BATCHNORM:
            raise SpecInvalid(f"a 4-D input (batch, height, width, channels) is for batchnorm; {method} takes "
                              "a list or a matrix (rows are samples)", (key,))
        mats = [[V.matrix(ch, (key, n, h)) for h, ch in enumerate(img)] if isinstance(img, list) else None
                for n, img in enumerate(value)]
        images: list[np.ndarray] = []
        for n, img in enumerate(mats):
            first = mats[0]
            if img is None or first is None or len(img) != len(first) or any(m.shape != first[0].shape for m in img):
                raise SpecInvalid("expected every sample to have the same height, width and channels", (key, n))
            images.append(np.stack(img))
        return np.array(images), "nhwc"
    if depth == 2:
        return V.matrix(value, (key,)), "matrix"
    if depth in (0, 1):
        return V.vector(value, (key,), scalar_ok=False)[:, None] if method is not Method.LAYERNORM else \
            V.vector(value, (key,), scalar_ok=False)[None, :], "flat"
    raise SpecInvalid("expected a list (one feature), a matrix (rows are samples, columns features) or a 4-D "
                      "list (batch, height, width, channels)", (key,))


def shape_text(x: np.ndarray, layout: str) -> str:
    return str(x.size) + " values" if layout == "flat" else "×".join(map(str, x.shape))


def per_feature(value: Any, feats: int, default: float, key: str, prefix: tuple[str, ...] = ()) -> np.ndarray:
    if value is None:
        return np.full(feats, default)
    v = V.vector(value, prefix + (key,))
    if len(v) == 1:
        return np.full(feats, v[0])
    if len(v) != feats:
        raise SpecInvalid(f"expected one value per feature ({feats}) or one number, got {len(v)}", prefix + (key,))
    return v


def group_word(method: Method, layout: str) -> str:
    return "sample" if method is Method.LAYERNORM else "channel" if layout == "nhwc" else "feature"


def group_arrays(x: np.ndarray, layout: str, method: Method) -> list[np.ndarray]:
    if method is Method.LAYERNORM:
        return [x[i] for i in range(x.shape[0])]
    return [x[..., c].ravel() for c in range(x.shape[-1])]


def group_size(x: np.ndarray, layout: str, method: Method) -> int:
    return len(group_arrays(x, layout, method)[0])


# -- symbols -------------------------------------------------------------------------------------
@dataclass
class Group:
    """One set of values normalised together: their positions in the input and their symbols."""

    number: int                       # 1-based
    cells: list[tuple[int, ...]]      # positions in the input array
    syms: list[Sym]                   # x at each position
    sub: tuple[int, ...]              # the index of μ, σ² … (empty when there is one group)


def x_sym(name: str, uni: str, tex: str, pos: tuple[int, ...], layout: str) -> Sym:
    idx = tuple(p + 1 for p in pos)
    if layout == "flat":   # (N, 1) for batch norm, (1, F) for layer norm: one index is always 1
        idx = (max(idx),)
    if len(idx) > 2:  # (n, h, w, c): commas always, or x₁₁₂₁ would be ambiguous
        return Sym(f"{name}_" + "_".join(map(str, idx)), uni + ",".join(N.subscript(i) for i in idx),
                   tex + "_{" + ",".join(map(str, idx)) + "}")
    return N.quantity(name, uni, tex, idx)


def build_groups(x: np.ndarray, layout: str, method: Method) -> list[Group]:
    if method is Method.LAYERNORM:
        cells: list[list[tuple[int, ...]]] = [[(i, j) for j in range(x.shape[1])] for i in range(x.shape[0])]
    else:
        cells = [[tuple(int(a) for a in p) + (c,) for p in np.ndindex(*x.shape[:-1])] for c in range(x.shape[-1])]
    one = len(cells) == 1
    return [Group(g + 1, cs, [x_sym("x", "x", "x", p, layout) for p in cs], () if one else (g + 1,))
            for g, cs in enumerate(cells)]


def group_vector(g: Group, layout: str, method: Method) -> Sym:
    """All the values of a group as one vector, for the Σ form of a long sum."""
    k = g.number
    if layout == "flat":
        return Sym("xg", "x", r"\mathbf{x}")
    if method is Method.LAYERNORM:
        return Sym(f"xg{k}", f"x[{k}, :]", rf"x_{{{k},:}}")
    if layout == "nhwc":
        return Sym(f"xg{k}", f"x[:, :, :, {k}]", rf"x_{{:,:,:,{k}}}")
    return Sym(f"xg{k}", f"x[:, {k}]", rf"x_{{:,{k}}}")


def stat_sym(name: str, uni: str, tex: str, sub: tuple[int, ...], sq: bool = False) -> Sym:
    sym = N.quantity(name, uni, tex, sub)
    if sq:
        return Sym(sym.key, sym.uni + "²", sym.tex + "^{2}")
    return sym


def std_sym(var: Sym) -> Sym:
    return Sym("std" + var.key[3:], f"√({var.uni} + ε)", rf"\sqrt{{{var.tex} + \epsilon}}")


L = Sym("L", "L", "L")
EPS = Sym("eps", "ε", r"\epsilon")
MOM = Sym("momentum", "m", "m")


def mean_form(syms: list[Sym], vec: Sym | None) -> Expr:
    if vec is not None:
        return call("sum", vec) / Num(len(syms))
    return (Add.of(*syms) / Num(len(syms))) if len(syms) > 1 else syms[0]


def var_form(syms: list[Sym], mu: Sym, vec: Sym | None, ddof: int = 0) -> Expr:
    n = len(syms) - ddof
    if vec is not None:
        return call("sum", (vec - mu) ** Num(2)) / Num(n)
    return Add.of(*((s - mu) ** Num(2) for s in syms)) / Num(n)


# -- solve ---------------------------------------------------------------------------------------
