"""The optimiser's iterations: one Run records each iteration's steps through a Derivation.

Used by kind optimizer (dlsolve/kinds/optimizer.py): the first iteration is worked in full,
every later one is computed by the same formulas and kept as hidden steps (for checking) and a
table row; the rule in symbols is the same code run with the index "i".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import GIVEN
from dlsolve.expr import Expr, Num, Sym, call, substitute
from dlsolve.kinds import clipping as CL

ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")
W = Sym("w", "w", "w")
Spec = Any  # dlsolve.kinds.optimizer.Spec (not imported: that module imports this one)


@dataclass(frozen=True)
class Config:
    """The conventions of one run; the alternatives are runs with one of them changed."""

    optimizer: str
    placement: str
    accumulate: str
    G0: float
    momentum_form: str
    bias_correction: bool


Index = Any  # an iteration number, or "i" / "i−1" for the rule written in symbols
_SUB = {"i": ("ᵢ", "i"), "i−1": ("ᵢ₋₁", "i-1")}


def _q(base: str, uni: str, tex: str, i: Index) -> Sym:
    if isinstance(i, str):
        sub_uni, sub_tex = _SUB[i]
        return Sym(f"{base}_{i}", uni + sub_uni, f"{tex}_{{{sub_tex}}}")
    return N.quantity(base, uni, tex, (i,))


def weight_variable(k: int) -> Sym:
    """w_k, the k-th weight an objective of several weights is written in (`w1`, `w2`, …)."""
    return Sym(f"wvar{k}", f"w{N.subscript(k)}", f"w_{{{k}}}")


def _tex_index(i: Index) -> str:
    """An iteration number, or i / i-1 in TeX (no unicode minus for pdflatex)."""
    return _SUB[i][1] if isinstance(i, str) else str(i)


def _prev(i: Index) -> Index:
    return "i−1" if isinstance(i, str) else i - 1


class Run:
    """One pass of the optimiser through the iterations, recorded in a Derivation."""

    def __init__(self, spec: Spec, cfg: Config, d: Derivation) -> None:
        self.spec, self.cfg, self.d = spec, cfg, d
        self.alpha = Sym("alpha", "α", r"\alpha")
        self.eps = Sym("eps", "ε", r"\varepsilon")
        self.beta = Sym("beta", "β", r"\beta")
        self.b1 = Sym("beta1", "β₁", r"\beta_1")
        self.b2 = Sym("beta2", "β₂", r"\beta_2")
        self.lam = Sym("lambda", "λ", r"\lambda")
        self.growth = Sym("r", "r", "r")
        self.rows: list[dict[str, Any]] = []
        self.tracked = spec._w0 is not None
        self._df: Optional[Expr] = None
        self._dfs: Optional[list[Expr]] = None
        self.lrd = Sym("lr_decay", "lr_decay", r"\text{lr\_decay}")

    # symbols of iteration i
    def g(self, i: Index) -> Sym: return _q("g", "g", "g", i)
    def gd(self, i: Index) -> Sym: return _q("gd", "g′", "g'", i)
    def gsq(self, i: Index) -> Sym:
        s = _q("gsq", "g", "g", i)
        return Sym(s.key, s.uni + "²", s.tex + "^{2}")
    def acc(self, i: Index) -> Sym:
        name = {"adagrad": ("G", "G"), "rmsprop": ("s", "s")}.get(self.cfg.optimizer, ("m", "m"))
        if self.cfg.optimizer in ("momentum", "nesterov") and self.cfg.momentum_form == "sum":
            name = ("v", "v")
        return _q("acc", name[0], name[1], i)
    def m(self, i: Index) -> Sym: return _q("m", "m", "m", i)
    def v(self, i: Index) -> Sym: return _q("v", "v", "v", i)
    def mhat(self, i: Index) -> Sym: return _q("mhat", "m̂", r"\hat{m}", i)
    def vhat(self, i: Index) -> Sym: return _q("vhat", "v̂", r"\hat{v}", i)
    def lr(self, i: Index) -> Sym: return _q("lr", "α", r"\alpha", i)
    def step(self, i: Index) -> Sym: return _q("step", "Δw", r"\Delta w", i)
    def w(self, i: Index) -> Sym: return _q("w", "w", "w", i)
    def gclip(self, i: Index) -> Sym: return _q("gclip", "g̃", r"\tilde{g}", i)
    def gnorm(self, i: Index) -> Sym:
        g = self.g(i)
        return Sym("gnorm" + g.key[1:], f"‖{g.uni}‖", rf"\lVert {g.tex} \rVert")
    def clipc(self, i: Index) -> Sym: return _q("clipc", "c", "c", i)
    def wc(self, i: Index, k: int) -> Sym:
        """Weight k after iteration i: w₂(1)."""
        return Sym(f"wc_{i}_{k}", f"w{N.subscript(k)}({i})", f"w_{{{k}}}^{{({_tex_index(i)})}}")
    def gc(self, i: Index, k: int) -> Sym:
        """Entry k of iteration i's gradient, ∂f/∂w₂ at w(i − 1)."""
        return Sym(f"gc_{i}_{k}", f"∂f/∂w{N.subscript(k)}({i})",
                   rf"\frac{{\partial f}}{{\partial w_{{{k}}}}}^{{({_tex_index(i)})}}")

    def bind_constants(self, show: bool) -> None:
        spec, d = self.spec, self.d
        put = d.given if show else d.bind
        put(self.alpha, spec.learning_rate)
        opt = self.cfg.optimizer
        if opt in ADAPTIVE:
            put(self.eps, spec.epsilon)
        if opt in ("momentum", "nesterov", "rmsprop"):
            put(self.beta, spec.beta)
        if opt in ("adam", "adamw"):
            put(self.b1, spec.beta1)
            put(self.b2, spec.beta2)
        if spec.weight_decay:
            put(self.lam, spec.weight_decay)
        if spec.lr_decay:
            put(self.lrd, spec.lr_decay)
        if spec.squared_gradients is not None:
            put(self.growth, spec.squared_gradients.growth)
        if spec.clip is not None:
            CL.bind(spec.clip, put)
        size = len(spec._grads[0]) if spec._grads is not None else \
            len(spec._vars) if spec._vars is not None else 1

        def start(value: float) -> Any:
            return value if size == 1 else np.full(size, value)

        if opt in ("adagrad", "rmsprop", "momentum", "nesterov"):
            put(self.acc(0), start(self.cfg.G0 if opt in ("adagrad", "rmsprop") else 0.0))
        if opt in ("adam", "adamw"):
            put(self.m(0), start(0.0))
            put(self.v(0), start(0.0))
        if self.tracked:
            w0 = spec._w0 if len(spec._w0) > 1 else float(spec._w0[0])
            put(self.w(0), w0)

    def derivative(self) -> Expr:
        if self._df is None:
            from dlsolve.symbolic import diff

            self._df = diff(self.spec._f, W)
        return self._df

    def gradient_vector(self, i: Index, g: Sym) -> None:
        """g_i = (∂f/∂w₁, ∂f/∂w₂, …) at the weights after iteration i − 1, one worked entry each."""
        spec, d = self.spec, self.d
        if self._dfs is None:
            from dlsolve.symbolic import diff

            self._dfs = [diff(spec._f, v) for v in spec._vars]
        prev = _prev(i)
        if not isinstance(i, str):
            w = d.env[self.w(prev).key]
            for k in range(1, len(spec._vars) + 1):
                d.bind(self.wc(prev, k), float(w[k - 1]))
        at = {v.key: self.wc(prev, k) for k, v in enumerate(spec._vars, 1)}
        for k, df in enumerate(self._dfs, 1):
            d.derive(self.gc(i, k), substitute(df, at),
                     note=f"∂f/∂w{N.subscript(k)} at the current weights (sympy.diff of the objective)"
                     if i in (1, "i") else None)
        if not isinstance(i, str):
            vector = np.array([float(d.env[self.gc(i, k).key]) for k in range(1, len(spec._vars) + 1)])
            if i == 1 and d.record is True:
                d.given(g, vector, note="the gradient vector: the entries above, in order")
            else:
                d.bind(g, vector)

    def iterate(self, i: Index) -> None:
        spec, d, cfg = self.spec, self.d, self.cfg
        opt = cfg.optimizer
        row: dict[str, Any] = {"i": i}
        g: Optional[Sym] = None
        generic = isinstance(i, str)
        if spec.squared_gradients is not None:
            if i == 1:
                d.derive(self.gsq(1), Num(spec.squared_gradients.first), note="given: the squared gradient of iteration 1",
                         part=GIVEN)
            else:
                d.derive(self.gsq(i), self.gsq(_prev(i)) * (Num(1) + self.growth))
            row["g²"] = d.env.get(self.gsq(i).key)
        else:
            g = self.g(i)
            if spec._f is not None and spec._vars is not None:
                self.gradient_vector(i, g)
            elif spec._f is not None:
                d.derive(g, substitute(self.derivative(), {"w": self.w(_prev(i))}),
                         note="g = df/dw at the current weight (sympy.diff of the objective)" if i == 1 else None)
            elif generic:
                pass
            else:
                grad = spec._grads[i - 1]
                d.bind(g, grad if len(grad) > 1 else float(grad[0]))
            row["g"] = d.env.get(g.key)
            if spec.clip is not None:
                vector = spec._grads is not None and len(spec._grads[0]) > 1
                row.update(CL.clip_step(d, spec.clip, g, vector, self.gclip(i), self.gnorm(i), self.clipc(i),
                                        first=i == 1))
                g = self.gclip(i)
            if spec.weight_decay and opt != "adamw":
                d.derive(self.gd(i), g + self.lam * self.w(_prev(i)),
                         note="weight decay as L2: λ·w is added to the gradient" if i == 1 else None)
                g = self.gd(i)
            if opt in ("adagrad", "rmsprop", "adam", "adamw") and not generic:
                d.derive(self.gsq(i), g ** Num(2))
        getattr(self, "_" + ("adam" if opt == "adamw" else opt))(i, g, row)
        if self.tracked and g is not None:
            wi = self.w(_prev(i)) - self.step(i)
            if opt == "adamw" and spec.weight_decay:
                wi = self.w(_prev(i)) - self.alpha * self.lam * self.w(_prev(i)) - self.step(i)
            d.derive(self.w(i), wi, note="decoupled weight decay (AdamW): α·λ·w is taken off separately"
                     if opt == "adamw" and spec.weight_decay and i == 1 else None)
            row["w"] = d.env.get(self.w(i).key)
        self.rows.append(row)

    def _lr(self, i: Index, G: Sym) -> None:
        alpha: Expr = self.alpha
        if self.spec.lr_decay:  # PyTorch's Adagrad: α/(1 + (i − 1)·lr_decay)
            steps = Sym("i", "i", "i") - Num(1) if isinstance(i, str) else Num(i - 1)
            alpha = self.alpha / (Num(1) + steps * self.lrd)
        if self.cfg.placement == "inside":
            f = alpha / call("sqrt", self.eps + G)
        else:
            f = alpha / (call("sqrt", G) + self.eps)
        self.d.derive(self.lr(i), f)

    def _step(self, i: Index, direction: Expr, row: dict) -> None:
        self.d.derive(self.step(i), self.lr(i) * direction if self.cfg.optimizer in ADAPTIVE else self.alpha * direction)
        row["Δw"] = self.d.env.get(self.step(i).key)

    def _sgd(self, i: Index, g: Optional[Sym], row: dict) -> None:
        self.d.derive(self.lr(i), self.alpha)
        row["α"] = self.d.env.get(self.lr(i).key)
        self._step(i, g, row)

    def _momentum(self, i: Index, g: Optional[Sym], row: dict, nesterov: bool = False) -> None:
        d, acc = self.d, self.acc
        if self.cfg.momentum_form == "ema":
            d.derive(acc(i), self.beta * acc(_prev(i)) + (Num(1) - self.beta) * g)
        else:
            d.derive(acc(i), self.beta * acc(_prev(i)) + g)
        row["m" if self.cfg.momentum_form == "ema" else "v"] = d.env.get(acc(i).key)
        d.derive(self.lr(i), self.alpha)
        row["α"] = d.env.get(self.lr(i).key)
        self._step(i, g + self.beta * acc(i) if nesterov else acc(i), row)

    def _nesterov(self, i: Index, g: Optional[Sym], row: dict) -> None:
        self._momentum(i, g, row, nesterov=True)

    def _adagrad(self, i: Index, g: Optional[Sym], row: dict) -> None:
        d, acc = self.d, self.acc
        d.derive(acc(i), acc(_prev(i)) + self.gsq(i))
        row["G"] = d.env.get(acc(i).key)
        self._lr(i, acc(i) if self.cfg.accumulate == "inclusive" else acc(_prev(i)))
        row["α"] = d.env.get(self.lr(i).key)
        if g is not None:
            self._step(i, g, row)

    def _rmsprop(self, i: Index, g: Optional[Sym], row: dict) -> None:
        d, acc = self.d, self.acc
        d.derive(acc(i), self.beta * acc(_prev(i)) + (Num(1) - self.beta) * self.gsq(i))
        row["s"] = d.env.get(acc(i).key)
        self._lr(i, acc(i) if self.cfg.accumulate == "inclusive" else acc(_prev(i)))
        row["α"] = d.env.get(self.lr(i).key)
        if g is not None:
            self._step(i, g, row)

    def _adam(self, i: Index, g: Optional[Sym], row: dict) -> None:
        d = self.d
        d.derive(self.m(i), self.b1 * self.m(_prev(i)) + (Num(1) - self.b1) * g)
        d.derive(self.v(i), self.b2 * self.v(_prev(i)) + (Num(1) - self.b2) * self.gsq(i))
        row["m"], row["v"] = d.env.get(self.m(i).key), d.env.get(self.v(i).key)
        if self.cfg.bias_correction:
            power = Sym("i", "i", "i") if isinstance(i, str) else Num(i)
            d.derive(self.mhat(i), self.m(i) / (Num(1) - self.b1 ** power))
            d.derive(self.vhat(i), self.v(i) / (Num(1) - self.b2 ** power))
            mh, vh = self.mhat(i), self.vhat(i)
            row["m̂"], row["v̂"] = d.env.get(mh.key), d.env.get(vh.key)
        else:
            mh, vh = self.m(i), self.v(i)
        self._lr(i, vh)
        row["α"] = d.env.get(self.lr(i).key)
        self._step(i, mh, row)


def _hidden(sym: Sym) -> bool:
    """Later iterations: every step is computed and kept for checking, none is shown."""
    return False


def _run(spec: Spec, cfg: Config, d: Derivation, show: bool) -> Run:
    run = Run(spec, cfg, d)
    if show:
        d.section("Given")
    run.bind_constants(show)
    if show and spec._grads is not None:
        d.table(["i", "g_i"], [(i + 1, _cell(g)) for i, g in enumerate(spec._grads)], title="the gradients", part=GIVEN)
    for i in range(1, spec._n + 1):
        if show and i == 1:
            d.section("Iteration 1, worked")
            d.record = True
        elif i == 2 or not show:
            d.record = _hidden
        run.iterate(i)
    d.record = True
    return run


def _cell(v: Any) -> Any:
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0 or arr.size == 1:
        return float(arr.reshape(-1)[0])
    return arr


def _formulas(d: Derivation, spec: Spec, cfg: Config) -> None:
    """The update rule in symbols: the same formulas the iterations evaluate, with index i."""
    d.section("The update rule")
    Run(spec, cfg, d).iterate("i")
