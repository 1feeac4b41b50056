"""Names of the quantities of a recurrent cell, and formula builders for a vector or one unit.

Every formula of the kind is built through `Names`: called with a unit index j it writes the
scalar line of unit j (w_f₁₁·x₁,₁ + u_f₁₁·h₀,₁ + …), called with j = None it writes the vector
line (W_f·x₁ + U_f·h₀ + …, products ⊙). One builder per formula serves both displays, so the
line shown per unit and the vector line can never say different things.

Notation: x_t, h_t, c_t and the gates i_t, f_t, g_t, o_t (LSTM) / r_t, z_t, n_t (GRU) are
vectors indexed by the step t; unit j of h_t is h_{t,j}. The pre-activation of gate f is zᶠ_t and
its error signal δᶠ_t = ∂L/∂zᶠ_t. Parameters keep the gate as a subscript (W_f, U_f, b_f, and
bʰ_f for the recurrent-side bias); their entries are lower case in the row/column of the matrix
as the problem gives it (w_f₁₂ = row 1, column 2 of W_f).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from dlsolve import notation as N
from dlsolve.expr import Add, Expr, MatMul, Mul, Outer, Sym, Transpose

SUP = {"i": "ⁱ", "f": "ᶠ", "g": "ᵍ", "o": "ᵒ", "r": "ʳ", "z": "ᶻ", "n": "ⁿ", "h": "ʰ", "y": "ʸ", "": ""}

Handle = Callable[[Optional[int]], Sym]   # j ↦ unit j of a vector quantity; None ↦ the vector


def _sub(*idx: int) -> str:
    sep = "," if any(i >= 10 for i in idx) else ""
    return sep.join(N.subscript(i) for i in idx)


def _sup_uni(sup: str) -> str:
    return "".join(SUP[c] for c in sup)


@dataclass(frozen=True)
class Param:
    """A parameter matrix or bias vector, as given. `rows`, `cols`: its shape (cols 0 = vector)."""

    key: str
    uni: str
    tex: str
    el_uni: str
    el_tex: str         # with %s where the indices go
    rows: int
    cols: int = 0

    @property
    def sym(self) -> Sym:
        return Sym(self.key, self.uni, self.tex)

    def el(self, r: int, c: int = 0) -> Sym:
        """Row r, column c (1-based) of the matrix; entry r of a vector."""
        if self.cols == 0:
            return Sym(f"{self.key}_{r}", self.el_uni + _sub(r), self.el_tex % r)
        sep = "," if r >= 10 or c >= 10 else ""
        return Sym(f"{self.key}_{r}_{c}", self.el_uni + _sub(r, c), self.el_tex % f"{r}{sep}{c}")

    def entries(self) -> list[tuple[int, int]]:
        if self.cols == 0:
            return [(r, 0) for r in range(1, self.rows + 1)]
        return [(r, c) for r in range(1, self.rows + 1) for c in range(1, self.cols + 1)]


def param(kind: str, gate: str, shape: tuple[int, ...]) -> Param:
    """W, U, b, bh of a gate ("" for the simple RNN), or the read-out's V and c."""
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (shape[0], 0)
    g_uni = f"_{gate}" if gate else ""
    g_tex = f"_{{{gate}}}" if gate else ""
    def el_tex(base: str) -> str:
        return base + "_{" + (f"{gate}," if gate else "") + "%s}"

    if kind == "bh":
        return Param(f"bh_{gate}", "bʰ" + g_uni, "b^{h}" + g_tex, "bʰ" + g_uni, el_tex("b^{h}"), rows, cols)
    if kind == "c":   # the read-out bias, shown b_y so it is never confused with the cell state c_t
        return Param("c_y", "b_y", "b_{y}", "b_y", "b_{y,%s}", rows, cols)
    low = kind.lower()
    return Param(f"{kind}_{gate}", kind + g_uni, kind + g_tex, low + g_uni, el_tex(low), rows, cols)


class Names:
    """Symbols of one problem and the formula builders; `units` chooses unit lines or vectors."""

    def __init__(self, n_in: int, n_h: int, n_out: int, layout: str, units: bool) -> None:
        self.n_in, self.n_h, self.n_out, self.layout, self.units = n_in, n_h, n_out, layout, units
        self.loss = Sym("L", "L", "L")

    # -- quantities of a step ------------------------------------------------------------------
    def seq(self, base: str, t: int, j: Optional[int] = None, sup: str = "", width: Optional[int] = None,
            key: Optional[str] = None, tex: Optional[str] = None) -> Sym:
        """base_t (a vector) or unit j of it; `sup` a gate letter written as a superscript."""
        width = self.n_h if width is None else width
        k = (key or base + sup) + f"@{t}" + ("" if j is None else f"_{j}")
        tb = tex or base
        ts = f"^{{{sup}}}" if sup else ""
        if j is None:
            if tb == r"\hat{y}":
                bold = r"\hat{\mathbf{y}}"
            else:
                bold = tb if tb.startswith("\\") else rf"\mathbf{{{tb}}}"
            return Sym(k, base + _sup_uni(sup) + _sub(t), f"{bold}{ts}_{{{t}}}")
        idx_uni = _sub(t) if width == 1 else N.subscript(t) + "," + N.subscript(j)
        idx_tex = f"{t}" if width == 1 else f"{t},{j}"
        return Sym(k, base + _sup_uni(sup) + idx_uni, f"{tb}{ts}_{{{idx_tex}}}")

    def handle(self, base: str, t: int, sup: str = "", width: Optional[int] = None, **kw: str) -> Handle:
        return lambda j: self.seq(base, t, j, sup, width, **kw)

    def x(self, t: int) -> Handle:
        return self.handle("x", t, width=self.n_in)

    def h(self, t: int) -> Handle:
        return self.handle("h", t)

    def c(self, t: int) -> Handle:
        return self.handle("c", t)

    def gate(self, g: str, t: int) -> Handle:
        return self.handle(g or "h", t)

    def pre(self, g: str, t: int) -> Handle:
        return self.handle("z", t, g)

    def delta(self, g: str, t: int) -> Handle:
        return self.handle("δ", t, g, key="delta" + g, tex=r"\delta")

    def yhat(self, t: int) -> Handle:
        return self.handle("ŷ", t, width=self.n_out, key="yhat", tex=r"\hat{y}")

    def target(self, t: int) -> Handle:
        return self.handle("y", t, width=self.n_out)

    def zy(self, t: int) -> Handle:
        return self.handle("z", t, "y", width=self.n_out)

    def dy(self, t: int) -> Handle:
        return self.handle("δ", t, "y", width=self.n_out, key="deltay", tex=r"\delta")

    def step_loss(self, t: int) -> Sym:
        return Sym(f"L@{t}", "L" + _sub(t), f"L_{{{t}}}")

    def dL(self, h: Handle) -> Handle:
        """∂L/∂(quantity), for a quantity handle."""
        return lambda j: N.partial(self.loss, h(j))

    # -- formula builders ------------------------------------------------------------------------
    @staticmethod
    def had(j: Optional[int], *factors: Expr) -> Expr:
        """Elementwise product: ⊙ between vectors, a plain product between units."""
        return Mul.of(*factors, hadamard=j is None)

    def matvec(self, P: Param, v: Handle, width: int, j: Optional[int]) -> Expr:
        """P·v (out_in) or v·P (in_out), or unit j of it written out as a sum of products."""
        if j is None:
            return MatMul(P.sym, v(None)) if self.layout == "out_in" else MatMul(v(None), P.sym)
        if self.layout == "out_in":
            return Add.of(*(Mul.of(P.el(j, k), v(k)) for k in range(1, width + 1)))
        return Add.of(*(Mul.of(v(k), P.el(k, j)) for k in range(1, width + 1)))

    def back(self, P: Param, d: Handle, height: int, j: Optional[int]) -> Expr:
        """The gradient with respect to the input of P·v: Pᵀ·d (out_in) or d·Pᵀ (in_out)."""
        if j is None:
            return (MatMul(Transpose(P.sym), d(None)) if self.layout == "out_in"
                    else MatMul(d(None), Transpose(P.sym)))
        if self.layout == "out_in":
            return Add.of(*(Mul.of(P.el(i, j), d(i)) for i in range(1, height + 1)))
        return Add.of(*(Mul.of(d(i), P.el(j, i)) for i in range(1, height + 1)))

    def outer(self, d: Handle, v: Handle, r: Optional[int] = None, c: Optional[int] = None) -> Expr:
        """The gradient of P from one step, δ·vᵀ in P's layout; entry (r, c) of it when given."""
        if r is None:
            if self.layout == "out_in":
                return Outer(d(None), v(None), rows=False)
            return Outer(v(None), d(None), rows=True)
        return Mul.of(d(r), v(c)) if self.layout == "out_in" else Mul.of(v(r), d(c))

    # -- gradients of parameters -----------------------------------------------------------------
    @staticmethod
    def grad(s: Sym) -> Sym:
        return N.partial(Sym("L", "L", "L"), s)

    @staticmethod
    def contribution(s: Sym, t: int) -> Sym:
        """Step t's share of ∂L/∂s."""
        return Sym(f"d(L)/d({s.key})@{t}", f"∂L/∂{s.uni}|t={t}",
                   rf"\left.\frac{{\partial L}}{{\partial {s.tex}}}\right|_{{t={t}}}")
