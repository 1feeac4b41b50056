"""kind: optimizer — learning-rate and weight tables of SGD, momentum, Nesterov, Adagrad,
RMSProp, Adam and AdamW, iteration by iteration.

The first iteration is worked in full (every formula with its numbers); every later one is
computed by the same formulas and shown as a table row. The conventions where frameworks
disagree (ε inside or outside the root, the accumulator up to i or to i − 1, momentum as an
average or a sum, bias correction) are stated, and where the other choice changes the final
number, that number is given too. No SymPy is loaded unless an objective is differentiated.
"""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Expr, Sym
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import clipping as CL
from dlsolve.kinds import values as V
from dlsolve.kinds.optimizer_rules import MOMENTUM_FORMS, OPTIMIZERS, Accumulating, Adam, Momentum
from dlsolve.kinds.optimizer_run import W, Config, Problem, Run, cell, formulas, plain, run, weight_variable
from dlsolve.kinds.prepared import BelongsTo, ExactlyOne, PreparedSpec, Requires, frozen
from dlsolve.solution import Cell, Phrase, Solution
from dlsolve.schema import NumberOrVector, OptimizerName  # field types with a JSON Schema

KIND = "optimizer"
__all__ = ["KIND", "CONVENTIONS", "OPTIMIZERS", "MAX_ITERATIONS", "Spec", "Problem", "solve"]

# Where optimisers are written differently (each changes the numbers); the notes of a solution
# and `dlsolve check`'s diagnoses both read this list.
CONVENTIONS = (
    Convention(("epsilon_placement",), ("inside", "outside"), "inside", when=lambda s: s.problem.optimizer.adaptive),
    Convention(("accumulate",), ("inclusive", "exclusive"), "inclusive",
               when=lambda s: isinstance(s.problem.optimizer, Accumulating)),
    Convention(("initial_accumulator",), (0.0, 0.1), 0.0, {0.1: "TensorFlow's Adagrad"},
               when=lambda s: isinstance(s.problem.optimizer, Accumulating)),
    Convention(("momentum_form",), tuple(MOMENTUM_FORMS), "ema",
               when=lambda s: isinstance(s.problem.optimizer, Momentum)),
    Convention(("bias_correction",), (True, False), True, when=lambda s: isinstance(s.problem.optimizer, Adam)),
)
MAX_ITERATIONS = 1_000  # an exam table has tens of rows; each iteration is worked and kept for checking
MAX_WEIGHTS = 20       # an objective's weights: each gradient entry is a worked derivative
SOURCES = ("gradients", "squared_gradients", "objective")  # where each iteration's gradient comes from


class SquaredGradients(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first: float = Field(ge=0, description="g₁², the first squared gradient")
    growth: float = Field(0.0, description="r: each squared gradient is the previous one times (1 + r)")


class Spec(PreparedSpec[Problem]):
    """kind: optimizer — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        ExactlyOne(SOURCES),
        Requires("squared_gradients", ("iterations",), "with squared_gradients, say how many iterations"),
        Requires("objective", ("iterations",), "with objective, say how many iterations"),
        Requires("objective", ("initial_weight",), "an objective needs initial_weight (where the descent starts)"),
        BelongsTo("weight_decay", "initial_weight", message="weight_decay acts on the weights: give initial_weight"),
    )
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

    def prepare(self) -> Problem:
        optimizer = OPTIMIZERS[self.optimizer]
        if self.learning_rate <= 0:
            raise SpecInvalid(f"expected a positive learning rate, got {self.learning_rate:g}", ("learning_rate",))
        if self.iterations is not None and not 1 <= self.iterations <= MAX_ITERATIONS:
            raise SpecInvalid(f"expected 1 to {MAX_ITERATIONS} iterations, got {self.iterations}", ("iterations",))
        w0 = None if self.initial_weight is None else V.vector(self.initial_weight, ("initial_weight",))
        grads: Optional[tuple[np.ndarray, ...]] = None
        f: Optional[Expr] = None
        weights: Optional[tuple[Sym, ...]] = None
        size = 1
        if self.gradients is not None:
            grads = self._read_gradients(self.gradients, w0)
            size = len(grads[0])
        elif self.squared_gradients is not None:
            if not optimizer.squares_suffice:
                raise SpecInvalid(f"{self.optimizer} needs the gradients themselves; squared_gradients give only "
                                  "g² (enough for Adagrad and RMSProp learning rates)", ("squared_gradients",))
            if w0 is not None:
                raise SpecInvalid("squared_gradients have no sign, so the weights cannot be tracked; "
                                  "give gradients to track them", ("initial_weight",))
        elif self.objective is not None and w0 is not None:
            from dlsolve.parse import ParseError, parse_formula

            names: dict[str, Sym] = {"w": W}
            if len(w0) > 1:   # f(w1, w2, …): one name per entry of initial_weight
                if len(w0) > MAX_WEIGHTS:
                    raise SpecInvalid(f"an objective takes at most {MAX_WEIGHTS} weights, got {len(w0)}",
                                      ("initial_weight",))
                weights = tuple(weight_variable(k) for k in range(1, len(w0) + 1))
                names = {f"w{k}": v for k, v in enumerate(weights, 1)}
                size = len(weights)
            try:
                f = parse_formula(self.objective, names)
            except ParseError as exc:
                hint = (f" (the weights are {', '.join(names)}, one per entry of initial_weight)"
                        if len(w0) > 1 else "")
                raise SpecInvalid(f"{exc}{hint}", ("objective",)) from None
        if self.clip is not None and self.squared_gradients is not None:
            raise SpecInvalid("clipping needs the gradients themselves, not only their squares", ("clip",))
        if self.lr_decay > 0 and not optimizer.takes_lr_decay:
            owners = " and ".join(o.title for o in OPTIMIZERS.values() if o.takes_lr_decay)
            raise SpecInvalid(f"lr_decay is {owners}'s (PyTorch), not {self.optimizer}'s", ("lr_decay",))
        iterations = self.iterations if self.iterations is not None else len(grads or ())
        return Problem(optimizer, iterations, grads, None if w0 is None else frozen(w0), f, weights, size)

    def _read_gradients(self, given: list[NumberOrVector], w0: Optional[np.ndarray]) -> tuple[np.ndarray, ...]:
        if not isinstance(given, list) or not given:
            raise SpecInvalid("expected a list with one gradient per iteration", ("gradients",))
        if len(given) > MAX_ITERATIONS:
            raise SpecInvalid(f"expected at most {MAX_ITERATIONS} gradients (one per iteration), got "
                              f"{len(given)}", ("gradients",))
        grads = [V.vector(g, ("gradients", i)) for i, g in enumerate(given)]
        size = len(grads[0])
        for i, g in enumerate(grads):
            if len(g) != size:
                raise SpecInvalid(f"expected {size} values like the first gradient, got {len(g)}", ("gradients", i))
        if w0 is not None and len(w0) != size:
            raise SpecInvalid(f"expected {size} initial weights (one per gradient entry), got {len(w0)}",
                              ("initial_weight",))
        if self.iterations is not None and self.iterations != len(grads):
            raise SpecInvalid(f"iterations says {self.iterations} but {len(grads)} gradients are given",
                              ("iterations",))
        return tuple(frozen(g) for g in grads)


def _conventions(d: Derivation, spec: Spec, cfg: Config) -> None:
    if spec.clip is not None:
        d.convention(CL.convention(spec.clip))
    cfg.optimizer.conventions(d, cfg)
    if spec.lr_decay:
        d.convention("Adagrad's lr_decay as PyTorch: iteration i steps with α/(1 + (i − 1)·lr_decay) in place of α")
    if spec.problem.weights is not None:
        d.convention("an objective of several weights: the gradient g_i is the vector of ∂f/∂w_k at the current "
                     "weights, each by sympy.diff of the objective; every weight is updated at once")
    if spec.weight_decay:
        d.convention("weight decay decoupled from the gradient (AdamW)" if cfg.optimizer.decoupled_decay
                     else "weight decay as L2: λ·w added to the gradient")


def _config(spec: Spec) -> Config:
    return Config(spec.problem.optimizer, spec.epsilon_placement, spec.accumulate, spec.initial_accumulator,
                  MOMENTUM_FORMS[spec.momentum_form], spec.bias_correction)


def _alternatives(spec: Spec) -> list[tuple[str, Config]]:
    """The other choice of every convention (CONVENTIONS) that applies to this optimizer, as
    configurations to run again (one that does not apply changes nothing: not run)."""
    out = []
    for conv in CONVENTIONS:
        for choice in conv.choices:
            if choice != getattr(spec, conv.key) and conv.applies(spec):
                out.append((conv.label(choice), _config(spec.model_copy(update={conv.key: choice}))))
    return out


def _final(run: Run) -> dict[str, object]:
    last = run.rows[-1]
    return {k: last[k] for k in ("α", "w") if k in last}


def _differ(a: object, b: object) -> bool:
    """True when two results differ by more than 1e−5 relative: a convention that changes the
    number an exam answer gives (ε inside or outside the root often changes only the 8th digit)."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return x.shape != y.shape or not np.allclose(x, y, rtol=1e-5, atol=0.0)


def _one(v: object) -> bool:
    """A row entry of one weight (a number, not one per weight)."""
    return np.asarray(v, dtype=float).ndim == 0


def _number(v: object) -> float:
    """A scalar row entry (one weight) as a float."""
    return float(np.asarray(v, dtype=float))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    problem = spec.problem
    cfg = _config(spec)
    d = Derivation(options)
    _conventions(d, spec, cfg)
    formulas(d, spec, cfg)
    done = run(spec, cfg, d, show=True)
    rows = done.rows
    d.section("All iterations")
    cols = list(rows[0])
    table: list[list[Cell]] = [[i, *(cell(r[c]) for c in cols)] for i, r in zip(done.numbers, rows)]
    d.table(["i"] + [_heading(c) for c in cols], table)
    if _one(rows[0]["α"]) and len(rows) > 1 and len({_number(r["α"]) for r in rows}) > 1:
        d.series("α_i", [_number(r["α"]) for r in rows])
    if "w" in rows[0] and _one(rows[0]["w"]) and len(rows) > 1:
        start = [float(problem.w0[0])] if problem.w0 is not None and len(problem.w0) == 1 else []
        d.series("w_i", start + [_number(r["w"]) for r in rows], start=1 - len(start))  # from w₀, before any update
    final = _final(done)
    notes = []
    for label, alt in _alternatives(spec):
        other = _final(run(spec, alt, Derivation(options), show=False))
        for k, v in final.items():
            if k in other and _differ(v, other[k]):
                what = "the last learning rate" if k == "α" else "the last weight"
                notes.append(Phrase(f"{what[0].upper()}{what[1:]} would be {{other}} instead of {{here}} "
                                    f"under the other convention ({label})", other=other[k], here=v))
    if notes:
        d.section("Other conventions")
        for n in notes:
            d.note(n)
    _answers(d, done)
    count = problem.iterations
    return d.solution(KIND, spec.title or f"{problem.optimizer.title}, {count} iteration{'s' if count > 1 else ''}")


def _heading(c: str) -> str:
    return {"g": "g_i", "g²": "g_i²", "G": "G_i", "s": "s_i", "m": "m_i", "v": "v_i", "m̂": "m̂_i", "v̂": "v̂_i",
            "α": "α_i", "Δw": "Δw_i", "w": "w_i",
            "‖g‖": "‖g_i‖", "g̃": "clipped g_i"}.get(c, c)


def _answers(d: Derivation, done: Run) -> None:
    rows, col, keys = done.rows, done.column, done.keys
    d.answer("learning_rates", col("α"), "α_i per iteration", keys=keys(done.lr))
    done.cfg.optimizer.answers(d, done)
    if "g̃" in rows[0]:
        d.answer("clipped_gradients", col("g̃"), "clipped g_i per iteration", keys=keys(done.gclip))
    if "Δw" in rows[0]:
        d.answer("steps", col("Δw"), "Δw_i = the amount taken off w", keys=keys(done.step))
    if "w" in rows[0]:
        d.answer("weights", col("w"), "w_i after each iteration", keys=keys(done.w))
    n = len(rows)
    d.answer("learning_rate", plain(rows[-1]["α"]), f"α_{n}, the last learning rate", keys=(done.lr(n).key,))
    if "w" in rows[0]:
        d.answer("weight", plain(rows[-1]["w"]), f"w_{n}, the last weight", keys=(done.w(n).key,))
