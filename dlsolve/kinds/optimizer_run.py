"""The optimiser's iterations: one Run records each iteration's steps through a Derivation.

Used by kind optimizer (dlsolve/kinds/optimizer.py): the first iteration is worked in full,
every later one is computed by the same formulas and kept as hidden steps (for checking) and a
table row; the rule in symbols is the same code run with the index "i". What is particular to
one optimizer (its state, constants and update) is its record's (optimizer_rules.py); the Run
holds the symbols, the gradient of each iteration, weight decay and the weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Union

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.solution import GIVEN
from dlsolve.expr import Expr, Num, Sym, Value, call, substitute
from dlsolve.kinds import clipping as CL
from dlsolve.kinds.optimizer_rules import Index, MomentumForm, Optimizer, counter, previous

W = Sym("w", "w", "w")

# One iteration's row of the table: each quantity's value (a number or one per weight; None in the
# rule written in symbols), in the order of the table's columns.
Row = dict[str, object]
Plain = Union[float, list[float]]   # an answer's value: a number, or one per weight


@dataclass(frozen=True)
class Problem:
    """An optimizer problem, checked (kind optimizer's `spec.problem`): the optimizer's record,
    where the gradients come from (given, only their squares, or an objective differentiated at
    each weight) and the starting weights."""

    optimizer: Optimizer
    iterations: int
    gradients: Optional[tuple[np.ndarray, ...]]   # one per iteration, each of `size` entries
    w0: Optional[np.ndarray]                      # w₀ when the weights are tracked
    objective: Optional[Expr]                     # f(w), differentiated each iteration
    weights: Optional[tuple[Sym, ...]]            # w₁, w₂, … of an objective of several weights
    size: int                                     # entries of a gradient (1: a number)


class Squares(Protocol):
    """squared_gradients: g₁², and r in g_i² = g_{i−1}²·(1 + r)."""

    @property
    def first(self) -> float: ...
    @property
    def growth(self) -> float: ...


class Spec(Protocol):
    """What a Run reads of kind optimizer's checked Spec (that module imports this one)."""

    @property
    def problem(self) -> Problem: ...
    @property
    def learning_rate(self) -> float: ...
    @property
    def epsilon(self) -> float: ...
    @property
    def beta(self) -> float: ...
    @property
    def beta1(self) -> float: ...
    @property
    def beta2(self) -> float: ...
    @property
    def weight_decay(self) -> float: ...
    @property
    def lr_decay(self) -> float: ...
    @property
    def squared_gradients(self) -> Optional[Squares]: ...
    @property
    def clip(self) -> Optional[CL.ClipSpec]: ...


@dataclass(frozen=True)
class Config:
    """The conventions of one run; the alternatives are runs with one of them changed."""

    optimizer: Optimizer
    placement: str          # epsilon_placement: inside | outside
    accumulate: str         # inclusive | exclusive
    G0: float
    momentum_form: MomentumForm
    bias_correction: bool


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


def plain(v: object) -> Plain:
    """An answer's value as plain numbers: a float, or a list of floats."""
    arr = np.asarray(v, dtype=float)
    return float(arr) if arr.ndim == 0 else [float(x) for x in arr.reshape(-1)]


def cell(v: object) -> Union[float, np.ndarray]:
    """A table cell: a number, or an array of one per weight."""
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0 or arr.size == 1:
        return float(arr.reshape(-1)[0])
    return arr


class Run:
    """One pass of the optimiser through the iterations, recorded in a Derivation."""

    def __init__(self, spec: Spec, cfg: Config, d: Derivation) -> None:
        self.spec, self.cfg, self.d = spec, cfg, d
        self.problem = spec.problem
        self.alpha = Sym("alpha", "α", r"\alpha")
        self.eps = Sym("eps", "ε", r"\varepsilon")
        self.beta = Sym("beta", "β", r"\beta")
        self.b1 = Sym("beta1", "β₁", r"\beta_1")
        self.b2 = Sym("beta2", "β₂", r"\beta_2")
        self.lam = Sym("lambda", "λ", r"\lambda")
        self.growth = Sym("r", "r", "r")
        self.rows: list[Row] = []
        self.numbers: list[Index] = []     # the iteration of each row
        self.tracked = self.problem.w0 is not None
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
        letter = self.cfg.optimizer.accumulator(self.cfg)
        return _q("acc", letter, letter, i)
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

    def value(self, sym: Sym) -> Optional[Value]:
        """The value of `sym` (None in the rule written in symbols)."""
        return self.d.env.get(sym.key)

    def column(self, key: str) -> list[Plain]:
        """One quantity over the iterations, as an answer's plain numbers."""
        return [plain(r[key]) for r in self.rows]

    def keys(self, sym: Callable[[Index], Sym]) -> tuple[str, ...]:
        """The step keys of one quantity over the iterations (what an answer is checked against)."""
        return tuple(sym(i).key for i in self.numbers)

    def bind_constants(self, show: bool) -> None:
        spec, problem, d, opt = self.spec, self.problem, self.d, self.cfg.optimizer
        put = d.given if show else d.bind
        put(self.alpha, spec.learning_rate)
        for sym, value in opt.constants(self):
            put(sym, value)
        if spec.weight_decay:
            put(self.lam, spec.weight_decay)
        if spec.lr_decay:
            put(self.lrd, spec.lr_decay)
        if spec.squared_gradients is not None:
            put(self.growth, spec.squared_gradients.growth)
        if spec.clip is not None:
            CL.bind(spec.clip, put)
        for sym, start in opt.initial_state(self):
            put(sym, start if problem.size == 1 else np.full(problem.size, start))
        if problem.w0 is not None:
            put(self.w(0), problem.w0 if len(problem.w0) > 1 else float(problem.w0[0]))

    def derivative(self, objective: Expr) -> Expr:
        if self._df is None:
            from dlsolve.symbolic import diff

            self._df = diff(objective, W)
        return self._df

    def gradient_vector(self, i: Index, g: Sym, objective: Expr, weights: tuple[Sym, ...]) -> None:
        """g_i = (∂f/∂w₁, ∂f/∂w₂, …) at the weights after iteration i − 1, one worked entry each."""
        d = self.d
        if self._dfs is None:
            from dlsolve.symbolic import diff

            self._dfs = [diff(objective, v) for v in weights]
        prev = previous(i)
        if not isinstance(i, str):
            w = np.asarray(d.env[self.w(prev).key])
            for k in range(1, len(weights) + 1):
                d.bind(self.wc(prev, k), float(w[k - 1]))
        at = {v.key: self.wc(prev, k) for k, v in enumerate(weights, 1)}
        for k, df in enumerate(self._dfs, 1):
            d.derive(self.gc(i, k), substitute(df, at),
                     note=f"∂f/∂w{N.subscript(k)} at the current weights (sympy.diff of the objective)"
                     if i in (1, "i") else None)
        if not isinstance(i, str):
            vector = np.array([float(np.asarray(d.env[self.gc(i, k).key])) for k in range(1, len(weights) + 1)])
            if i == 1 and d.record is True:
                d.given(g, vector, note="the gradient vector: the entries above, in order")
            else:
                d.bind(g, vector)

    def gradient(self, i: Index, row: Row) -> Optional[Expr]:
        """Iteration i's gradient, clipped and with L2 weight decay as the problem says (None when
        only its square is known); its square g_i² too for an adaptive optimizer."""
        spec, problem, d, opt = self.spec, self.problem, self.d, self.cfg.optimizer
        generic = isinstance(i, str)
        if spec.squared_gradients is not None:
            if i == 1:
                d.derive(self.gsq(1), Num(spec.squared_gradients.first), note="given: the squared gradient of iteration 1",
                         part=GIVEN)
            else:
                d.derive(self.gsq(i), self.gsq(previous(i)) * (Num(1) + self.growth))
            row["g²"] = self.value(self.gsq(i))
            return None
        g = self.g(i)
        if problem.objective is not None and problem.weights is not None:
            self.gradient_vector(i, g, problem.objective, problem.weights)
        elif problem.objective is not None:
            d.derive(g, substitute(self.derivative(problem.objective), {"w": self.w(previous(i))}),
                     note="g = df/dw at the current weight (sympy.diff of the objective)" if i == 1 else None)
        elif not isinstance(i, str) and problem.gradients is not None:
            grad = problem.gradients[i - 1]
            d.bind(g, grad if len(grad) > 1 else float(grad[0]))
        row["g"] = self.value(g)
        if spec.clip is not None:
            vector = problem.gradients is not None and problem.size > 1
            row.update(CL.clip_step(d, spec.clip, g, vector, self.gclip(i), self.gnorm(i), self.clipc(i),
                                    first=i == 1))
            g = self.gclip(i)
        if spec.weight_decay and not opt.decoupled_decay:
            d.derive(self.gd(i), g + self.lam * self.w(previous(i)),
                     note="weight decay as L2: λ·w is added to the gradient" if i == 1 else None)
            g = self.gd(i)
        if opt.adaptive and not generic:
            d.derive(self.gsq(i), g ** Num(2))
        return g

    def iterate(self, i: Index) -> None:
        spec, d, opt = self.spec, self.d, self.cfg.optimizer
        row: Row = {}
        g = self.gradient(i, row)
        opt.update(self, i, g, row)
        if self.tracked and g is not None:
            before = self.w(previous(i))
            decoupled = opt.decoupled_decay and bool(spec.weight_decay)
            wi = before - self.alpha * self.lam * before - self.step(i) if decoupled else before - self.step(i)
            d.derive(self.w(i), wi, note="decoupled weight decay (AdamW): α·λ·w is taken off separately"
                     if decoupled and i == 1 else None)
            row["w"] = self.value(self.w(i))
        self.rows.append(row)
        self.numbers.append(i)

    def learning_rate(self, i: Index, G: Sym) -> None:
        """α_i = α/√(ε + G) (or α/(√G + ε)), with Adagrad's lr_decay when given."""
        alpha: Expr = self.alpha
        if self.spec.lr_decay:  # PyTorch's Adagrad: α/(1 + (i − 1)·lr_decay)
            steps = counter(i) - Num(1) if isinstance(i, str) else Num(i - 1)
            alpha = self.alpha / (Num(1) + steps * self.lrd)
        if self.cfg.placement == "inside":
            f = alpha / call("sqrt", self.eps + G)
        else:
            f = alpha / (call("sqrt", G) + self.eps)
        self.d.derive(self.lr(i), f)

    def take_step(self, i: Index, direction: Expr, row: Row) -> None:
        """Δw_i: α_i (an adaptive optimizer's) or α times the direction."""
        rate = self.lr(i) if self.cfg.optimizer.adaptive else self.alpha
        self.d.derive(self.step(i), rate * direction)
        row["Δw"] = self.value(self.step(i))


def _hidden(sym: Sym) -> bool:
    """Later iterations: every step is computed and kept for checking, none is shown."""
    return False


def run(spec: Spec, cfg: Config, d: Derivation, show: bool) -> Run:
    """Every iteration of the problem under `cfg`: the first worked (when shown), the rest hidden."""
    r = Run(spec, cfg, d)
    problem = spec.problem
    if show:
        d.section("Given")
    r.bind_constants(show)
    if show and problem.gradients is not None:
        d.table(["i", "g_i"], [(i + 1, cell(g)) for i, g in enumerate(problem.gradients)], title="the gradients",
                part=GIVEN)
    for i in range(1, problem.iterations + 1):
        if show and i == 1:
            d.section("Iteration 1, worked")
            d.record = True
        elif i == 2 or not show:
            d.record = _hidden
        r.iterate(i)
    d.record = True
    return r


def formulas(d: Derivation, spec: Spec, cfg: Config) -> None:
    """The update rule in symbols: the same formulas the iterations evaluate, with index i."""
    d.section("The update rule")
    Run(spec, cfg, d).iterate("i")
