"""The course's notation in one place: every quantity's key, unicode and LaTeX names.

Layers are numbered 1..L from the input and written as a bracketed superscript (z₁^[1],
w₁₂^[2]); a^[0] is the input x and the output layer's activation is ŷ. A weight is named by its
row and column in the matrix as the problem gives it, so w₁₂^[2] is always "row 1, column 2 of
W^[2]" — with the default in_out layout that joins input 1 to unit 2. With several samples in
one batch, a sample index follows in parentheses: z₁^[1](2) (Andrew Ng's z^{[l](i)}).
"""

from __future__ import annotations

from dlsolve.expr import Sym

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int | str) -> str:
    """Digits as unicode subscripts: 12 → ₁₂."""
    return str(n).translate(_SUB)


def tex_word(w: str) -> str:
    """A word (a vocabulary word, a class name) as LaTeX text, its special characters escaped."""
    out = "".join("\\" + ch if ch in "#$%&_{}" else {"\\": r"\textbackslash{}", "^": r"\^{}",
                                                      "~": r"\~{}"}.get(ch, ch) for ch in w)
    return rf"\text{{{out}}}"


def _sub_uni(idx: tuple[int, ...]) -> str:
    if not idx:
        return ""
    sep = "," if any(i >= 10 for i in idx) else ""
    return sep.join(str(i).translate(_SUB) for i in idx)


def _sub_tex(idx: tuple[int, ...]) -> str:
    if not idx:
        return ""
    sep = "," if any(i >= 10 for i in idx) else ""
    return "_{" + sep.join(str(i) for i in idx) + "}"


def _sup(layer: int | None, sample: int | None) -> tuple[str, str]:
    uni = tex = ""
    if layer is not None:
        uni += f"^[{layer}]"
        tex += f"[{layer}]"
    if sample is not None:
        uni += f"({sample})" if layer is None else f"({sample})"
        tex += f"({sample})"
    return uni, ("^{" + tex + "}" if tex else "")


def quantity(base_key: str, uni: str, tex: str, idx: tuple[int, ...] = (),
             layer: int | None = None, sample: int | None = None) -> Sym:
    """A symbol such as z₁^[1]: base name, subscript indices, layer, sample."""
    key = base_key + (str(layer) if layer is not None else "")
    if idx:
        key += "_" + "_".join(map(str, idx))
    if sample is not None:
        key += f"@{sample}"
    sup_uni, sup_tex = _sup(layer, sample)
    return Sym(key, uni + _sub_uni(idx) + sup_uni, tex + _sub_tex(idx) + sup_tex)


def partial(num: Sym, den: Sym) -> Sym:
    """∂num/∂den as a symbol of its own (its value is bound like any quantity's)."""
    return Sym(
        f"d({num.key})/d({den.key})",
        f"∂{num.uni}/∂{den.uni}",
        r"\frac{\partial " + num.tex + r"}{\partial " + den.tex + "}",
        kind="partial",
    )


def renamed(sym: Sym, uni: str, tex: str) -> Sym:
    """The same quantity (same key, same value) shown under another name, e.g. δ for ∂L/∂z."""
    return Sym(sym.key, uni, tex, sym.kind)


def new(sym: Sym) -> Sym:
    """The value of a parameter after the update step."""
    return Sym(sym.key + "'new", sym.uni + " (new)", sym.tex + r"\,(\text{new})")


def batch_avg(sym: Sym) -> Sym:
    """A gradient averaged over a mini-batch: ∂J/∂w for the cost J of the batch."""
    return Sym(sym.key + "'avg", sym.uni.replace("∂L", "∂J", 1),
               sym.tex.replace(r"\partial L", r"\partial J", 1), sym.kind)


ETA = Sym("eta", "η", r"\eta")


def label_number(x: float) -> str:
    """A given number as part of a name or label (p[T=2], T = 0.5): as the problem file wrote it.

    Names are notation, not results: the values a solution computes are never written here,
    they go to the renderer (a Phrase) to be formatted at the sheet's precision.
    """
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
