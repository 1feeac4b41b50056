"""kind: optimizer — learning-rate and weight tables of SGD, momentum, Nesterov, Adagrad,
RMSProp, Adam and AdamW, iteration by iteration.

The first iteration is worked in full (every formula with its numbers); every later one is
computed by the same formulas and shown as a table row. The conventions where frameworks
disagree (ε inside or outside the root, the accumulator up to i or to i − 1, momentum as an
average or a sum, bias correction) are stated, and where the other choice changes the final
number, that number is given too. No SymPy is loaded unless an objective is differentiated.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlsolve import notation as N
from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.expr import Expr, Num, Sym, call, substitute
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import clipping as CL
from dlsolve.kinds import values as V
from dlsolve.solution import Phrase, Solution

KIND = "optimizer"

# Where optimisers are written differently (each changes the numbers); the notes of a solution
# and `dlsolve check`'s diagnoses both read this list.
CONVENTIONS = (
    Convention(("epsilon_placement",), ("inside", "outside"), "inside"),
    Convention(("accumulate",), ("inclusive", "exclusive"), "inclusive"),
    Convention(("initial_accumulator",), (0.0, 0.1), 0.0, {0.1: "TensorFlow's Adagrad"}),
    Convention(("momentum_form",), ("ema", "sum"), "ema"),
    Convention(("bias_correction",), (True, False), True),
)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
TITLES = {"sgd": "SGD", "momentum": "SGD with momentum", "nesterov": "Nesterov momentum",
          "adagrad": "Adagrad", "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")
MAX_ITERATIONS = 10_000
W = Sym("w", "w", "w")


class SquaredGradients(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first: float = Field(ge=0)
    growth: float = 0.0


class Spec(BaseModel):
    """kind: optimizer — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["optimizer"]
    title: Optional[str] = None
    optimizer: str
    learning_rate: float
    iterations: Optional[int] = None
    gradients: Any = None
    squared_gradients: Optional[SquaredGradients] = None
    objective: Optional[str] = None
    initial_weight: Any = None
    epsilon: float = Field(default=1e-8, ge=0)
    epsilon_placement: Literal["inside", "outside"] = "inside"
    accumulate: Literal["inclusive", "exclusive"] = "inclusive"
    initial_accumulator: float = Field(default=0.0, ge=0)
    beta: float = Field(default=0.9, ge=0, lt=1)
    beta1: float = Field(default=0.9, ge=0, lt=1)
    beta2: float = Field(default=0.999, ge=0, lt=1)
    momentum_form: Literal["ema", "sum"] = "ema"
    bias_correction: bool = True
    weight_decay: float = Field(default=0.0, ge=0)
    clip: Optional[CL.ClipSpec] = None

    _grads: Optional[list[np.ndarray]]
    _w0: Optional[np.ndarray]
    _f: Optional[Expr]
    _n: int

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        if self.optimizer not in OPTIMIZERS:
            raise SpecInvalid(f"unknown optimizer: {did_you_mean(self.optimizer, OPTIMIZERS)}", ("optimizer",))
        if self.learning_rate <= 0:
            raise SpecInvalid(f"expected a positive learning rate, got {self.learning_rate:g}", ("learning_rate",))
        if self.iterations is not None and not 1 <= self.iterations <= MAX_ITERATIONS:
            raise SpecInvalid(f"expected 1 to {MAX_ITERATIONS} iterations, got {self.iterations}", ("iterations",))
        sources = [k for k in ("gradients", "squared_gradients", "objective") if getattr(self, k) is not None]
        if len(sources) != 1:
            raise SpecInvalid("give exactly one of gradients, squared_gradients and objective" +
                              (f" (got {', '.join(sources)})" if sources else ""), (sources[1] if len(sources) > 1 else "gradients",))
        self._w0 = None
        if self.initial_weight is not None:
            self._w0 = V.vector(self.initial_weight, ("initial_weight",))
        self._grads, self._f = None, None
        if self.gradients is not None:
            self._read_gradients()
        elif self.squared_gradients is not None:
            if self.optimizer not in ("adagrad", "rmsprop"):
                raise SpecInvalid(f"{self.optimizer} needs the gradients themselves; squared_gradients give only "
                                  "g² (enough for Adagrad and RMSProp learning rates)", ("squared_gradients",))
            if self._w0 is not None:
                raise SpecInvalid("squared_gradients have no sign, so the weights cannot be tracked; "
                                  "give gradients to track them", ("initial_weight",))
            self._need_iterations("squared_gradients")
        else:
            self._need_iterations("objective")
            if self._w0 is None:
                raise SpecInvalid("an objective needs initial_weight (where the descent starts)", ("objective",))
            if len(self._w0) != 1:
                raise SpecInvalid("an objective is a function of one weight w; give gradients for several weights",
                                  ("initial_weight",))
            from dlsolve.parse import ParseError, parse_formula

            try:
                self._f = parse_formula(self.objective, {"w": W})
            except ParseError as exc:
                raise SpecInvalid(f"{exc}", ("objective",)) from None
        if self.clip is not None and self.squared_gradients is not None:
            raise SpecInvalid("clipping needs the gradients themselves, not only their squares", ("clip",))
        if self.weight_decay > 0 and self._w0 is None:
            raise SpecInvalid("weight_decay acts on the weights: give initial_weight", ("weight_decay",))
        self._n = self.iterations if self.iterations is not None else len(self._grads or [])
        return self

    def _need_iterations(self, source: str) -> None:
        if self.iterations is None:
            raise SpecInvalid(f"with {source}, say how many iterations", ("iterations",))

    def _read_gradients(self) -> None:
        if not isinstance(self.gradients, list) or not self.gradients:
            raise SpecInvalid("expected a list with one gradient per iteration", ("gradients",))
        grads = [V.vector(g, ("gradients", i)) for i, g in enumerate(self.gradients)]
        size = len(grads[0])
        for i, g in enumerate(grads):
            if len(g) != size:
                raise SpecInvalid(f"expected {size} values like the first gradient, got {len(g)}", ("gradients", i))
        if self._w0 is not None and len(self._w0) != size:
            raise SpecInvalid(f"expected {size} initial weights (one per gradient entry), got {len(self._w0)}",
                              ("initial_weight",))
        if self.iterations is not None and self.iterations != len(grads):
            raise SpecInvalid(f"iterations says {self.iterations} but {len(grads)} gradients are given",
                              ("iterations",))
        self._grads = grads


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
        self.known_g = spec.squared_gradients is None
        self._df: Optional[Expr] = None

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
        if spec.squared_gradients is not None:
            put(self.growth, spec.squared_gradients.growth)
        if spec.clip is not None:
            CL.bind(spec.clip, put)
        size = len(spec._grads[0]) if spec._grads is not None else 1

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

    def iterate(self, i: Index) -> None:
        spec, d, cfg = self.spec, self.d, self.cfg
        opt = cfg.optimizer
        row: dict[str, Any] = {"i": i}
        g: Optional[Sym] = None
        generic = isinstance(i, str)
        if spec.squared_gradients is not None:
            if i == 1:
                d.derive(self.gsq(1), Num(spec.squared_gradients.first), note="given: the squared gradient of iteration 1")
            else:
                d.derive(self.gsq(i), self.gsq(_prev(i)) * (Num(1) + self.growth))
            row["g²"] = d.env.get(self.gsq(i).key)
        else:
            g = self.g(i)
            if spec._f is not None:
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
        if self.cfg.placement == "inside":
            f = self.alpha / call("sqrt", self.eps + G)
        else:
            f = self.alpha / (call("sqrt", G) + self.eps)
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
        d.table(["i", "g_i"], [(i + 1, _cell(g)) for i, g in enumerate(spec._grads)], title="the gradients")
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


def _conventions(d: Derivation, spec: Spec, cfg: Config) -> None:
    opt = cfg.optimizer
    if spec.clip is not None:
        d.convention(CL.convention(spec.clip))
    if opt in ADAPTIVE:
        d.convention("ε inside the root, α/√(ε + G) (the course notes, Duchi et al.)" if cfg.placement == "inside"
                     else "ε outside the root, α/(√G + ε) (PyTorch, Keras)")
    if opt in ("adagrad", "rmsprop"):
        d.convention("the accumulator includes the current gradient: α_i uses G_i (PyTorch; the notes' table)"
                     if cfg.accumulate == "inclusive" else
                     "the accumulator stops at the previous gradient: α_i uses G_{i−1} (as the notes' formula is written)")
        d.convention("initial accumulator {G0:given}" + (" (TensorFlow's Adagrad starts at 0.1)" if opt == "adagrad" else ""),
                     G0=cfg.G0)
    if opt in ("momentum", "nesterov"):
        d.convention("momentum as an average, m = β·m + (1 − β)·g (the course notes)" if cfg.momentum_form == "ema"
                     else "momentum as a sum, v = β·v + g (PyTorch's SGD)")
    if opt == "nesterov":
        d.convention("Nesterov as PyTorch computes it: the gradient at the current weight, the step along g + β·m")
    if opt in ("adam", "adamw"):
        d.convention("bias correction on: m̂ = m/(1 − β₁^i), v̂ = v/(1 − β₂^i)" if cfg.bias_correction
                     else "no bias correction")
    if spec.weight_decay:
        d.convention("weight decay decoupled from the gradient (AdamW)" if opt == "adamw"
                     else "weight decay as L2: λ·w added to the gradient")


def _config(spec: Spec) -> Config:
    return Config(spec.optimizer, spec.epsilon_placement, spec.accumulate, spec.initial_accumulator,
                  spec.momentum_form, spec.bias_correction)


def _alternatives(spec: Spec) -> list[tuple[str, Config]]:
    """The other choice of every convention (CONVENTIONS), as configurations to run again."""
    out = []
    for conv in CONVENTIONS:
        for choice in conv.choices:
            if choice != getattr(spec, conv.key):
                out.append((conv.label(choice), _config(spec.model_copy(update={conv.key: choice}))))
    return out


def _final(run: Run) -> dict[str, Any]:
    last = run.rows[-1]
    return {k: last[k] for k in ("α", "w") if k in last}


def _differ(a: Any, b: Any) -> bool:
    """True when two results differ by more than 1e−5 relative: a convention that changes the
    number an exam answer gives (ε inside or outside the root often changes only the 8th digit)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=0.0)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    cfg = _config(spec)
    d = Derivation(options)
    _conventions(d, spec, cfg)
    _formulas(d, spec, cfg)
    run = _run(spec, cfg, d, show=True)
    rows = run.rows
    d.section("All iterations")
    cols = [k for k in rows[0] if k != "i"]
    d.table(["i"] + [_heading(c, run) for c in cols], [[r["i"]] + [_cell(r[c]) for c in cols] for r in rows])
    if np.ndim(rows[0]["α"]) == 0 and len(rows) > 1 and len({r["α"] for r in rows}) > 1:
        d.series("α_i", [r["α"] for r in rows])
    if "w" in rows[0] and np.ndim(rows[0]["w"]) == 0 and len(rows) > 1:
        d.series("w_i", [r["w"] for r in rows])
    final = _final(run)
    notes = []
    for label, alt in _alternatives(spec):
        other = _final(_run(spec, alt, Derivation(options), show=False))
        for k, v in final.items():
            if k in other and _differ(v, other[k]):
                what = "the last learning rate" if k == "α" else "the last weight"
                notes.append(Phrase(f"with {label}, {what} would be {{other}} (here {{here}})",
                                    other=other[k], here=v))
    if notes:
        d.section("Other conventions")
        for n in notes:
            d.note(n)
    _answers(d, run)
    return d.solution(KIND, spec.title or f"{TITLES[spec.optimizer]}, {spec._n} iteration{'s' if spec._n > 1 else ''}")


def _heading(c: str, run: Run) -> str:
    return {"g": "g_i", "g²": "g_i²", "G": "G_i", "s": "s_i", "m": "m_i", "v": "v_i", "m̂": "m̂_i", "v̂": "v̂_i",
            "α": "α_i", "Δw": "Δw_i", "w": "w_i",
            "‖g‖": "‖g_i‖", "g̃": "clipped g_i"}.get(c, c)


def _answers(d: Derivation, run: Run) -> None:
    rows, opt = run.rows, run.cfg.optimizer
    col = lambda k: [_plain(r[k]) for r in rows]  # noqa: E731
    keys = lambda sym: tuple(sym(r["i"]).key for r in rows)  # noqa: E731
    d.answer("learning_rates", col("α"), "α_i per iteration", keys=tuple(run.lr(r["i"]).key for r in rows))
    if opt in ("adagrad", "rmsprop"):
        d.answer("accumulators", col("G" if opt == "adagrad" else "s"), "G_i" if opt == "adagrad" else "s_i",
                 keys=tuple(run.acc(r["i"]).key for r in rows))
    elif opt in ("momentum", "nesterov"):
        key = "m" if run.cfg.momentum_form == "ema" else "v"
        d.answer("accumulators", col(key), f"{key}_i (velocity)", keys=tuple(run.acc(r["i"]).key for r in rows))
    elif opt in ("adam", "adamw"):
        d.answer("m", col("m"), "m_i", keys=keys(run.m))
        d.answer("v", col("v"), "v_i", keys=keys(run.v))
        if run.cfg.bias_correction:
            d.answer("m_hat", col("m̂"), "m̂_i", keys=keys(run.mhat))
            d.answer("v_hat", col("v̂"), "v̂_i", keys=keys(run.vhat))
    if "g̃" in rows[0]:
        d.answer("clipped_gradients", col("g̃"), "clipped g_i per iteration", keys=keys(run.gclip))
    if "Δw" in rows[0]:
        d.answer("steps", col("Δw"), "Δw_i = the amount taken off w", keys=keys(run.step))
    if "w" in rows[0]:
        d.answer("weights", col("w"), "w_i after each iteration", keys=keys(run.w))
    n = len(rows)
    d.answer("learning_rate", _plain(rows[-1]["α"]), f"α_{n}, the last learning rate", keys=(run.lr(n).key,))
    if "w" in rows[0]:
        d.answer("weight", _plain(rows[-1]["w"]), f"w_{n}, the last weight", keys=(run.w(n).key,))


def _plain(v: Any) -> Any:
    arr = np.asarray(v, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.tolist()
