"""kind: optimizer — learning-rate and weight tables of SGD, momentum, Nesterov, Adagrad,
RMSProp, Adam and AdamW, iteration by iteration.

The first iteration is worked in full (every formula with its numbers); every later one is
computed by the same formulas and shown as a table row. The conventions where frameworks
disagree (ε inside or outside the root, the accumulator up to i or to i − 1, momentum as an
average or a sum, bias correction) are stated, and where the other choice changes the final
number, that number is given too. No SymPy is loaded unless an objective is differentiated.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.expr import Expr, Sym
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import clipping as CL
from dlsolve.kinds import values as V
from dlsolve.kinds.optimizer_run import ADAPTIVE, W, Config, Run, _cell, _formulas, _run, weight_variable
from dlsolve.solution import Phrase, Solution
from dlsolve.schema import NumberOrVector, OptimizerName  # field types with a JSON Schema

KIND = "optimizer"

# Where optimisers are written differently (each changes the numbers); the notes of a solution
# and `dlsolve check`'s diagnoses both read this list.
CONVENTIONS = (
    Convention(("epsilon_placement",), ("inside", "outside"), "inside", when=lambda s: s.optimizer in ADAPTIVE),
    Convention(("accumulate",), ("inclusive", "exclusive"), "inclusive",
               when=lambda s: s.optimizer in ("adagrad", "rmsprop")),
    Convention(("initial_accumulator",), (0.0, 0.1), 0.0, {0.1: "TensorFlow's Adagrad"},
               when=lambda s: s.optimizer in ("adagrad", "rmsprop")),
    Convention(("momentum_form",), ("ema", "sum"), "ema", when=lambda s: s.optimizer in ("momentum", "nesterov")),
    Convention(("bias_correction",), (True, False), True, when=lambda s: s.optimizer in ("adam", "adamw")),
)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
TITLES = {"sgd": "SGD", "momentum": "SGD with momentum", "nesterov": "Nesterov momentum",
          "adagrad": "Adagrad", "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}
MAX_ITERATIONS = 1_000  # an exam table has tens of rows; each iteration is worked and kept for checking
MAX_WEIGHTS = 20       # an objective's weights: each gradient entry is a worked derivative


class SquaredGradients(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first: float = Field(ge=0, description="g₁², the first squared gradient")
    growth: float = Field(0.0, description="r: each squared gradient is the previous one times (1 + r)")


class Spec(BaseModel):
    """kind: optimizer — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["optimizer"]
    title: Optional[str] = None
    optimizer: OptimizerName = Field(
        description="the optimizer: how each iteration turns the gradient g_i into a step of w")
    learning_rate: float = Field(description="α > 0, the learning rate")
    iterations: Optional[int] = Field(None,
                                      description="how many iterations; with gradients it is their number (required "
                                                  "with squared_gradients or objective)")
    gradients: Optional[list[NumberOrVector]] = Field(None,
                                                      description="one gradient per iteration: numbers, or lists (one"
                                                                  " value per weight)")
    squared_gradients: Optional[SquaredGradients] = Field(None,
                                                          description="instead of gradients: {first: g₁², growth: r},"
                                                                      " g_i² = g_{i−1}²·(1 + r) (Adagrad/RMSProp "
                                                                      "learning rates only)")
    objective: Optional[str] = Field(None,
                                     description='instead of gradients: f(w) as text, e.g. "(w - 3)**2 + 0.5*w"; g_i '
                                                 '= f′(w_{i−1}) (several weights: w1, w2, …)')
    initial_weight: Optional[NumberOrVector] = Field(None,
                                                     description="w₀, a number or a list; when given, the weights are"
                                                                 " tracked (required with objective)")
    epsilon: float = Field(default=1e-8, ge=0, description="ε (the notes' δ), added to the root (default 1e-8)")
    epsilon_placement: Literal["inside", "outside"] = Field("inside",
                                                            description="inside: √(G + ε) (the notes); outside: √G + "
                                                                        "ε (PyTorch, the Adam paper)")
    accumulate: Literal["inclusive", "exclusive"] = Field("inclusive",
                                                          description="Adagrad/RMSProp: inclusive, α_i uses G_i "
                                                                      "(PyTorch; the notes' table); exclusive, "
                                                                      "G_{i−1} (the notes' formula)")
    initial_accumulator: float = Field(default=0.0, ge=0,
                                       description="G₀ (s₀ for RMSProp); TensorFlow's Adagrad uses 0.1 (default 0)")
    beta: float = Field(default=0.9, ge=0, lt=1,
                        description="β, the momentum / RMSProp decay (Keras' rho, PyTorch's alpha; default 0.9)")
    beta1: float = Field(default=0.9, ge=0, lt=1,
                         description="Adam's β₁, the decay of the first moment m (default 0.9)")
    beta2: float = Field(default=0.999, ge=0, lt=1,
                         description="Adam's β₂, the decay of the second moment v (default 0.999)")
    momentum_form: Literal["ema", "sum"] = Field("ema",
                                                 description="ema: m = β·m + (1 − β)·g (course notes); sum: v = β·v +"
                                                             " g (PyTorch SGD)")
    bias_correction: bool = Field(True, description="Adam: divide m and v by 1 − βᵗ")
    weight_decay: float = Field(default=0.0, ge=0,
                                description="λ: L2 weight decay (AdamW: decoupled, w ← w − α·λ·w)")
    lr_decay: float = Field(default=0.0, ge=0,
                            description="Adagrad only, as PyTorch: iteration i uses α/(1 + (i − 1)·lr_decay) in place"
                                        " of α")
    clip: Optional[CL.ClipSpec] = Field(None,
                                        description="gradient clipping before the update: {norm: τ} rescales by "
                                                    "min(1, τ/(‖g‖ + ε)), {value: c} clips each entry into [−c, c]")

    _grads: Optional[list[np.ndarray]]
    _w0: Optional[np.ndarray]
    _f: Optional[Expr]
    _vars: Optional[list[Sym]] = None   # w₁, w₂, … of an objective of several weights
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
            from dlsolve.parse import ParseError, parse_formula

            names: dict[str, Sym] = {"w": W}
            if len(self._w0) > 1:   # f(w1, w2, …): one name per entry of initial_weight
                if len(self._w0) > MAX_WEIGHTS:
                    raise SpecInvalid(f"an objective takes at most {MAX_WEIGHTS} weights, got {len(self._w0)}",
                                      ("initial_weight",))
                self._vars = [weight_variable(k) for k in range(1, len(self._w0) + 1)]
                names = {f"w{k}": v for k, v in enumerate(self._vars, 1)}
            try:
                self._f = parse_formula(self.objective, names)
            except ParseError as exc:
                hint = (f" (the weights are {', '.join(names)}, one per entry of initial_weight)"
                        if len(self._w0) > 1 else "")
                raise SpecInvalid(f"{exc}{hint}", ("objective",)) from None
        if self.clip is not None and self.squared_gradients is not None:
            raise SpecInvalid("clipping needs the gradients themselves, not only their squares", ("clip",))
        if self.lr_decay > 0 and self.optimizer != "adagrad":
            raise SpecInvalid(f"lr_decay is Adagrad's (PyTorch), not {self.optimizer}'s", ("lr_decay",))
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
        if len(self.gradients) > MAX_ITERATIONS:
            raise SpecInvalid(f"expected at most {MAX_ITERATIONS} gradients (one per iteration), got "
                              f"{len(self.gradients)}", ("gradients",))
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
    if spec.lr_decay:
        d.convention("Adagrad's lr_decay as PyTorch: iteration i steps with α/(1 + (i − 1)·lr_decay) in place of α")
    if spec._vars is not None:
        d.convention("an objective of several weights: the gradient g_i is the vector of ∂f/∂w_k at the current "
                     "weights, each by sympy.diff of the objective; every weight is updated at once")
    if spec.weight_decay:
        d.convention("weight decay decoupled from the gradient (AdamW)" if opt == "adamw"
                     else "weight decay as L2: λ·w added to the gradient")


def _config(spec: Spec) -> Config:
    return Config(spec.optimizer, spec.epsilon_placement, spec.accumulate, spec.initial_accumulator,
                  spec.momentum_form, spec.bias_correction)


def _alternatives(spec: Spec) -> list[tuple[str, Config]]:
    """The other choice of every convention (CONVENTIONS) that applies to this optimizer, as
    configurations to run again (one that does not apply changes nothing: not run)."""
    out = []
    for conv in CONVENTIONS:
        for choice in conv.choices:
            if choice != getattr(spec, conv.key) and conv.applies(spec):
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
        start = [float(spec._w0[0])] if spec._w0 is not None and len(spec._w0) == 1 else []
        d.series("w_i", start + [r["w"] for r in rows], start=1 - len(start))  # from w₀, before any update
    final = _final(run)
    notes = []
    for label, alt in _alternatives(spec):
        other = _final(_run(spec, alt, Derivation(options), show=False))
        for k, v in final.items():
            if k in other and _differ(v, other[k]):
                what = "the last learning rate" if k == "α" else "the last weight"
                notes.append(Phrase(f"{what[0].upper()}{what[1:]} would be {{other}} instead of {{here}} "
                                    f"under the other convention ({label})", other=other[k], here=v))
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
