"""The optimizers of kind optimizer, one record each: its name and title, the state it keeps
(nothing, a velocity, accumulated squares, two moments), the constants it takes (ε, β, β₁, β₂),
what its rows and answers hold, the conventions it states and its update of one iteration.

The spec validator (which optimizers may be given squared gradients only, which take lr_decay),
the solver (conventions, answers, title) and the iteration runner (constants, state, update) all
ask the record; no optimizer's name is compared or looked up anywhere else. To add an optimizer,
add a class here and an entry in OPTIMIZERS, and its cases to tests/test_optimizer.py.

Momentum's form (an average or a sum) is a record too (MomentumForm), read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from dlsolve.derivation import Derivation
from dlsolve.expr import Expr, Num, Sym

if TYPE_CHECKING:
    from dlsolve.kinds.optimizer_run import Config, Row, Run

Index = Union[int, str]  # an iteration number, or "i" / "i−1" for the rule written in symbols


def previous(i: Index) -> Index:
    """The iteration before `i` (i − 1 written in symbols for the rule)."""
    return "i−1" if isinstance(i, str) else i - 1


def counter(i: Index) -> Expr:
    """The iteration number as a factor of a formula: i in the rule, the number otherwise."""
    return Sym("i", "i", "i") if isinstance(i, str) else Num(i)


def _gradient(g: Optional[Expr]) -> Expr:
    """The gradient an optimizer steps along: only Adagrad and RMSProp run on squares alone (the
    validator refuses squared_gradients for the others), so a missing one here is a bug."""
    if g is None:
        raise AssertionError("an optimizer that needs the gradient was run on squared gradients only")
    return g


@dataclass(frozen=True)
class MomentumForm:
    """How momentum accumulates the gradients (momentum_form: ema | sum)."""

    name: str          # as a problem writes it
    letter: str        # the velocity's symbol: m (an average) or v (a sum)
    average: bool      # m = β·m + (1 − β)·g, else v = β·v + g
    convention: str


MOMENTUM_FORMS = {form.name: form for form in (
    MomentumForm("ema", "m", True, "momentum as an average, m = β·m + (1 − β)·g (the course notes)"),
    MomentumForm("sum", "v", False, "momentum as a sum, v = β·v + g (PyTorch's SGD)"),
)}


class Optimizer:
    """One optimizer. The base is plain SGD's shape: no state, no constants but α."""

    name = ""
    title = ""
    adaptive = False          # a per-weight learning rate α/√(ε + ·): takes ε and squares each gradient
    squares_suffice = False   # its learning rates need only g²: squared_gradients may replace gradients
    takes_lr_decay = False    # PyTorch's lr_decay, α/(1 + (i − 1)·lr_decay)
    decoupled_decay = False   # weight decay taken off the weight (AdamW), not added to the gradient as L2

    def accumulator(self, cfg: Config) -> str:
        """The letter of the state written acc(i): G, s, or the velocity's m or v."""
        return "m"

    def constants(self, run: Run) -> list[tuple[Sym, float]]:
        """The given constants beside α, in the order they are shown."""
        return []

    def initial_state(self, run: Run) -> list[tuple[Sym, float]]:
        """The state before the first iteration (each entry of a vector starts at this value)."""
        return []

    def conventions(self, d: Derivation, cfg: Config) -> None:
        """The conventions of this optimizer where frameworks write it differently."""

    def update(self, run: Run, i: Index, g: Optional[Expr], row: Row) -> None:
        """Iteration i: its state, its learning rate α_i and its step Δw_i (into `row`)."""
        raise NotImplementedError(type(self).__name__)

    def answers(self, d: Derivation, run: Run) -> None:
        """The answers of its state, per iteration."""


class SGD(Optimizer):
    name, title = "sgd", "SGD"

    def update(self, run: Run, i: Index, g: Optional[Expr], row: Row) -> None:
        run.d.derive(run.lr(i), run.alpha)
        row["α"] = run.value(run.lr(i))
        run.take_step(i, _gradient(g), row)


class Momentum(Optimizer):
    name, title = "momentum", "SGD with momentum"

    def accumulator(self, cfg: Config) -> str:
        return cfg.momentum_form.letter

    def constants(self, run: Run) -> list[tuple[Sym, float]]:
        return [(run.beta, run.spec.beta)]

    def initial_state(self, run: Run) -> list[tuple[Sym, float]]:
        return [(run.acc(0), 0.0)]

    def conventions(self, d: Derivation, cfg: Config) -> None:
        d.convention(cfg.momentum_form.convention)

    def direction(self, run: Run, i: Index, g: Expr) -> Expr:
        """What the step follows: the velocity."""
        return run.acc(i)

    def update(self, run: Run, i: Index, g: Optional[Expr], row: Row) -> None:
        d, acc, beta, form = run.d, run.acc, run.beta, run.cfg.momentum_form
        grad = _gradient(g)
        if form.average:
            d.derive(acc(i), beta * acc(previous(i)) + (Num(1) - beta) * grad)
        else:
            d.derive(acc(i), beta * acc(previous(i)) + grad)
        row[form.letter] = run.value(acc(i))
        d.derive(run.lr(i), run.alpha)
        row["α"] = run.value(run.lr(i))
        run.take_step(i, self.direction(run, i, grad), row)

    def answers(self, d: Derivation, run: Run) -> None:
        key = run.cfg.momentum_form.letter
        d.answer("accumulators", run.column(key), f"{key}_i (velocity)", keys=run.keys(run.acc))


class Nesterov(Momentum):
    name, title = "nesterov", "Nesterov momentum"

    def conventions(self, d: Derivation, cfg: Config) -> None:
        super().conventions(d, cfg)
        d.convention("Nesterov as PyTorch computes it: the gradient at the current weight, the step along g + β·m")

    def direction(self, run: Run, i: Index, g: Expr) -> Expr:
        """The look-ahead: g + β·m."""
        return g + run.beta * run.acc(i)


class Adaptive(Optimizer):
    """A per-weight learning rate α/√(ε + ·) from the squared gradients."""

    adaptive = True

    def constants(self, run: Run) -> list[tuple[Sym, float]]:
        return [(run.eps, run.spec.epsilon)]

    def conventions(self, d: Derivation, cfg: Config) -> None:
        d.convention("ε inside the root, α/√(ε + G) (the course notes, Duchi et al.)" if cfg.placement == "inside"
                     else "ε outside the root, α/(√G + ε) (PyTorch, Keras)")


class Accumulating(Adaptive):
    """Adagrad and RMSProp: one accumulator of squared gradients, G or s; α_i = α/√(ε + G)."""

    squares_suffice = True
    letter = "G"
    start_note = ""   # said beside the initial accumulator

    def accumulator(self, cfg: Config) -> str:
        return self.letter

    def initial_state(self, run: Run) -> list[tuple[Sym, float]]:
        return [(run.acc(0), run.cfg.G0)]

    def conventions(self, d: Derivation, cfg: Config) -> None:
        super().conventions(d, cfg)
        d.convention("the accumulator includes the current gradient: α_i uses G_i (PyTorch; the notes' table)"
                     if cfg.accumulate == "inclusive" else
                     "the accumulator stops at the previous gradient: α_i uses G_{i−1} (as the notes' formula is written)")
        d.convention("initial accumulator {G0:given}" + self.start_note, G0=cfg.G0)

    def accumulated(self, run: Run, i: Index) -> Expr:
        """The accumulator after iteration i, from the one before and g_i²."""
        raise NotImplementedError(type(self).__name__)

    def update(self, run: Run, i: Index, g: Optional[Expr], row: Row) -> None:
        d, acc = run.d, run.acc
        d.derive(acc(i), self.accumulated(run, i))
        row[self.letter] = run.value(acc(i))
        run.learning_rate(i, acc(i) if run.cfg.accumulate == "inclusive" else acc(previous(i)))
        row["α"] = run.value(run.lr(i))
        if g is not None:
            run.take_step(i, g, row)

    def answers(self, d: Derivation, run: Run) -> None:
        d.answer("accumulators", run.column(self.letter), f"{self.letter}_i", keys=run.keys(run.acc))


class Adagrad(Accumulating):
    name, title = "adagrad", "Adagrad"
    takes_lr_decay = True
    start_note = " (TensorFlow's Adagrad starts at 0.1)"

    def accumulated(self, run: Run, i: Index) -> Expr:
        return run.acc(previous(i)) + run.gsq(i)


class RMSProp(Accumulating):
    name, title = "rmsprop", "RMSProp"
    letter = "s"

    def constants(self, run: Run) -> list[tuple[Sym, float]]:
        return super().constants(run) + [(run.beta, run.spec.beta)]

    def accumulated(self, run: Run, i: Index) -> Expr:
        return run.beta * run.acc(previous(i)) + (Num(1) - run.beta) * run.gsq(i)


class Adam(Adaptive):
    name, title = "adam", "Adam"

    def constants(self, run: Run) -> list[tuple[Sym, float]]:
        return super().constants(run) + [(run.b1, run.spec.beta1), (run.b2, run.spec.beta2)]

    def initial_state(self, run: Run) -> list[tuple[Sym, float]]:
        return [(run.m(0), 0.0), (run.v(0), 0.0)]

    def conventions(self, d: Derivation, cfg: Config) -> None:
        super().conventions(d, cfg)
        d.convention("bias correction on: m̂ = m/(1 − β₁^i), v̂ = v/(1 − β₂^i)" if cfg.bias_correction
                     else "no bias correction")

    def update(self, run: Run, i: Index, g: Optional[Expr], row: Row) -> None:
        d, b1, b2 = run.d, run.b1, run.b2
        d.derive(run.m(i), b1 * run.m(previous(i)) + (Num(1) - b1) * _gradient(g))
        d.derive(run.v(i), b2 * run.v(previous(i)) + (Num(1) - b2) * run.gsq(i))
        row["m"], row["v"] = run.value(run.m(i)), run.value(run.v(i))
        mh: Sym
        vh: Sym
        if run.cfg.bias_correction:
            d.derive(run.mhat(i), run.m(i) / (Num(1) - b1 ** counter(i)))
            d.derive(run.vhat(i), run.v(i) / (Num(1) - b2 ** counter(i)))
            mh, vh = run.mhat(i), run.vhat(i)
            row["m̂"], row["v̂"] = run.value(mh), run.value(vh)
        else:
            mh, vh = run.m(i), run.v(i)
        run.learning_rate(i, vh)
        row["α"] = run.value(run.lr(i))
        run.take_step(i, mh, row)

    def answers(self, d: Derivation, run: Run) -> None:
        d.answer("m", run.column("m"), "m_i", keys=run.keys(run.m))
        d.answer("v", run.column("v"), "v_i", keys=run.keys(run.v))
        if run.cfg.bias_correction:
            d.answer("m_hat", run.column("m̂"), "m̂_i", keys=run.keys(run.mhat))
            d.answer("v_hat", run.column("v̂"), "v̂_i", keys=run.keys(run.vhat))


class AdamW(Adam):
    name, title = "adamw", "AdamW"
    decoupled_decay = True


# In the order the schema and the README list them.
OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in (
    SGD(), Momentum(), Nesterov(), Adagrad(), RMSProp(), Adam(), AdamW())}
