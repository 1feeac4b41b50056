"""kind: perceptron — a single step-function unit: its truth table, and the perceptron rule.

ŷ = step(w·x + b) for every data point (a truth table: AND, OR, NAND, NOT, the admission rule
2·test + grades − 18), with ✓/✗ against the targets; then, when asked, the perceptron learning
rule in the data's order, one point at a time: w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), pass after
pass until a pass makes no error (the course's "perceptron trick": a misclassified point pulls
the line towards itself). step(0) is explicit (`step_at_zero`) because the course's notes use
both "y = 1 if z ≥ 0" and "y = 1 if z > 0", and the two give different tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from dlsolve.conventions import Convention
from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Cmp, Expr, Num, Piecewise, Sym, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import ItemsAmong, PreparedSpec, Requires, frozen
from dlsolve.solution import GIVEN, Phrase, Plane, Solution
from dlsolve.schema import Matrix, NumberOrVector, Vector, ZeroOrOne  # field types with a JSON Schema


KIND = "perceptron"

# z, w and b are kept to this many decimals: float64 noise (0.1 + 0.2 − 0.3 = 5.6e−17) must not
# decide step(0) or an update that exact hand arithmetic would not make.
NOISE_DECIMALS = 12


class Learn(BaseModel):
    """learn: the perceptron learning rule's rate and the most passes to make."""

    model_config = ConfigDict(extra="forbid")
    learning_rate: float = Field(gt=0, description="η > 0")
    epochs: int = Field(default=20, ge=1, le=1000,
                        description="the most passes over the points (stops when all are right; default 20)")


# step(0): the notes write both "y = 1 if z > 0" and "y = 1 if z ≥ 0"; `dlsolve check` tries the other.
CONVENTIONS = (Convention(("step_at_zero",), (1, 0), 1),)


@dataclass(frozen=True)
class Problem:
    """A perceptron problem's numbers, checked: one row of inputs per point, one weight per
    input column, and the targets (each one of the outputs) when given."""

    x: np.ndarray              # (points, inputs)
    w: np.ndarray              # (inputs,)
    y: Optional[np.ndarray]    # (points,), when targets are given


OUTPUTS = ((0, 1), (-1, 1))   # the step's two output levels: the notes use both


class Spec(PreparedSpec[Problem]):
    """kind: perceptron — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (Requires("learn", ("targets",), message="learning needs targets: (one per row of inputs)"),
             ItemsAmong("targets", "outputs", OUTPUTS, message="a target must be one of the outputs {held}, got {got}"))
    kind: Literal["perceptron"]
    title: Optional[str] = None
    inputs: Matrix = Field(description="the inputs, one row per point (one input per point may be written flat)")
    targets: Optional[Vector] = Field(None, description="the expected output of each point (one of the outputs)")
    weights: NumberOrVector = Field(description="the weights w, one per input")
    bias: float = Field(0.0, description="the bias b (default 0)")
    step_at_zero: ZeroOrOne = Field(1,
                                    description="step(0): 1 means y = 1 if z ≥ 0 (default), 0 means y = 1 if z > 0 "
                                                "(the notes use both)")
    outputs: list[int] = Field(default=[0, 1], min_length=2, max_length=2,
                               json_schema_extra={"enum": [list(o) for o in OUTPUTS]},
                               description="the two output levels of the step: [0, 1] (default) or [-1, 1]")
    learn: Optional[Learn] = Field(None,
                                   description="train with the perceptron rule w ← w + η(y − ŷ)x: {learning_rate, "
                                               "epochs}")

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, v: list[int]) -> list[int]:
        if tuple(v) not in OUTPUTS:
            raise SpecInvalid(f"expected [0, 1] or [-1, 1], got [{v[0]}, {v[1]}]")
        return v

    def prepare(self) -> Problem:
        x = self.inputs
        if isinstance(x, list) and x and not any(isinstance(r, list) for r in x):
            x = [[r] for r in x]  # one input per point, written flat: [0, 1] for NOT
        inputs = V.matrix(x, ("inputs",))
        width = inputs.shape[1]
        w = V.vector(self.weights, ("weights",))
        if len(w) != width:
            raise SpecInvalid(f"expected {width} weight{'s' if width > 1 else ''} (one per input column), "
                              f"got {len(w)}", ("weights",))
        y = None
        if self.targets is not None:
            n = len(inputs)
            if len(self.targets) != n:
                raise SpecInvalid(f"expected {n} targets (one per row of inputs), got {len(self.targets)}",
                                  ("targets",))
            ys = [V.number(t, ("targets", i)) for i, t in enumerate(self.targets)]   # RULES: among outputs
            y = frozen(np.array(ys))
        return Problem(frozen(inputs), frozen(w), y)


# -- symbols ---------------------------------------------------------------------------------

def _x_sym(j: int, i: int) -> Sym:
    return N.quantity("x", "x", "x", (j,), sample=i)


def _x_vec(i: int) -> Sym:
    return Sym(f"xv@{i}", f"x({i})", rf"\mathbf{{x}}^{{({i})}}")


def _y_sym(i: int) -> Sym:
    return N.quantity("y", "y", "y", sample=i)


def _w_sym(j: int, v: int, new: bool = False) -> Sym:
    """Weight j after v updates; shown w₁ where it is used, w₁′ where it is produced."""
    mark = "′" if new else ""
    return Sym(f"w{j}#{v}", f"w{N.subscript(j)}{mark}", f"w_{{{j}}}" + ("'" if new else ""))


def _w_vec(v: int, new: bool = False) -> Sym:
    mark = "′" if new else ""
    return Sym(f"wv#{v}", f"w{mark}", r"\mathbf{w}" + ("'" if new else ""))


def _b_sym(v: int, new: bool = False) -> Sym:
    return Sym(f"b#{v}", "b′" if new else "b", "b'" if new else "b")


ETA = N.ETA


class _Unit:
    """The perceptron's formulas, written once for the whole solution."""

    def __init__(self, spec: Spec) -> None:
        self.zero_noted = False  # the note on step(0) is given once, at the first z = 0 shown
        self.lo, self.hi = (float(o) for o in spec.outputs)
        self.op = ">=" if spec.step_at_zero == 1 else ">"
        self.m = spec.problem.x.shape[1]

    def z(self, v: int, i: int) -> Expr:
        terms = [_w_sym(j, v) * _x_sym(j, i) for j in range(1, self.m + 1)]
        return Add.of(*terms, _b_sym(v))

    def step(self, z: Sym) -> Expr:
        return Piecewise(((Num(int(self.hi)), Cmp(self.op, z, Num(0))),), Num(int(self.lo)))


def _forward(d: Derivation, u: _Unit, v: int, i: int, tag: str) -> tuple[float, float]:
    """z(i) and ŷ(i) with the weights after v updates; notes where step(0) decides."""
    z = Sym(f"z@{tag}@{i}", f"z({i})", f"z^{{({i})}}")
    yh = Sym(f"yhat@{tag}@{i}", f"ŷ({i})", rf"\hat{{y}}^{{({i})}}")
    zv = d.scalar(z, u.z(v, i))
    note = None
    if zv == 0 and not u.zero_noted and d.record is True:
        u.zero_noted = True
        other = u.lo if u.op == ">=" else u.hi
        note = Phrase("z = 0 sits on the line: step(0) = {a:given} here; with the other convention "
                      "(step_at_zero) it would be {b:given}", a=u.hi if u.op == ">=" else u.lo, b=other)
    yv = d.scalar(yh, u.step(z), note=note)
    return zv, yv


def _error(d: Derivation, yh: Sym, y: Sym, key: str, i: int) -> Sym:
    """e(i) = 1 when ŷ(i) ≠ y(i): the point is misclassified."""
    e = Sym(key, f"e({i})", f"e^{{({i})}}")
    d.derive(e, Piecewise(((Num(1), Cmp("!=", yh, y)),), Num(0)))
    return e


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    options = options or SolveOptions()
    d = Derivation(options)
    d.round = NOISE_DECIMALS if options.round is None else min(options.round, NOISE_DECIMALS)
    X, w0, b0, Y = spec.problem.x, spec.problem.w, float(spec.bias), spec.problem.y
    n, m = X.shape
    u = _Unit(spec)
    lo, hi = spec.outputs
    rule = "≥" if u.op == ">=" else ">"
    d.convention(Phrase("ŷ = step(z) with z = w·x + b: ŷ = {hi:given} if z " + rule + " 0, else {lo:given} "
                        "(step_at_zero: {s:given}; the course's notes use both z ≥ 0 and z > 0)",
                        hi=hi, lo=lo, s=spec.step_at_zero))
    d.convention("z, w and b are the exact decimals a hand calculation gives (a computer's rounding error, "
                 "as in 0.1 + 0.2 − 0.3 = 5.6×10⁻¹⁷, is removed), so step(0) is decided as by hand")

    d.section("Given")
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d.bind(_x_sym(j, i), float(X[i - 1, j - 1]))
        d.bind(_x_vec(i), X[i - 1])
        if Y is not None:
            d.bind(_y_sym(i), float(Y[i - 1]))
    d.table([f"x{N.subscript(j)}" for j in range(1, m + 1)] + (["y"] if Y is not None else []),
            [[float(v) for v in X[i]] + ([float(Y[i])] if Y is not None else []) for i in range(n)],
            title="The data, one row per point", part=GIVEN)
    d.given(_w_vec(0), w0, note="the weights w₁ … w_m")
    for j in range(1, m + 1):
        d.bind(_w_sym(j, 0), float(w0[j - 1]))
    d.given(_b_sym(0), b0, note="the bias")

    # with learning, the table belongs to the starting weights: every answer of it says so
    before = ", before learning" if spec.learn is not None else ""
    d.section("The table: z = w·x + b and ŷ = step(z) for every point"
              + (" with the starting w and b (before learning)" if before else ""))
    zs, ys, es = [], [], []
    for i in range(1, n + 1):
        zv, yv = _forward(d, u, 0, i, "t")
        zs.append(zv)
        ys.append(yv)
    _table(d, X, zs, ys, Y)
    d.answer("z", np.array(zs), f"z for every row{before}", keys=tuple(f"z@t@{i}" for i in range(1, n + 1)))
    d.answer("outputs", np.array(ys), f"ŷ for every row{before}", keys=tuple(f"yhat@t@{i}" for i in range(1, n + 1)))
    if Y is not None:
        d.record = _hidden
        for i in range(1, n + 1):
            es.append(_error(d, Sym(f"yhat@t@{i}", f"ŷ({i})", rf"\hat{{y}}^{{({i})}}"), _y_sym(i), f"e@t@{i}", i))
        d.record = True
        acc = Sym("accuracy", "accuracy", r"\text{accuracy}")
        d.derive(acc, Num(1) - total(es) / Num(n),
                 note="e(i) = 1 when ŷ(i) ≠ y(i): the share of points classified right")
        d.answer("accuracy", float(d.env[acc.key]), f"share of rows with ŷ = y{before}", keys=(acc.key,))
    if spec.learn is not None:
        _learn(d, spec, u)
    return d.solution(KIND, spec.title)


def _table(d: Derivation, X: np.ndarray, zs: list[float], ys: list[float], Y: Optional[np.ndarray]) -> None:
    m = X.shape[1]
    cols = ["i"] + [f"x{N.subscript(j)}" for j in range(1, m + 1)] + ["z", "ŷ"]
    if Y is not None:
        cols += ["y", "✓/✗"]
    rows = []
    for i in range(len(X)):
        row: list[Any] = [i + 1] + [float(v) for v in X[i]] + [zs[i], ys[i]]
        if Y is not None:
            row += [float(Y[i]), "✓" if ys[i] == Y[i] else "✗"]
        rows.append(row)
    d.table(cols, rows)


def _learn(d: Derivation, spec: Spec, u: _Unit) -> None:
    X, Y = spec.problem.x, spec.problem.y
    assert Y is not None and spec.learn is not None
    n, m = X.shape
    eta_value = spec.learn.learning_rate
    d.section("The perceptron rule")
    d.text("In the data's order, one point at a time: ŷ = step(w·x + b); if ŷ ≠ y, "
           "w ← w + η(y − ŷ)x and b ← b + η(y − ŷ). A point classified right changes nothing "
           "(y − ŷ = 0); a pass with no error ends the learning.")
    if (u.lo, u.hi) == (-1.0, 1.0):
        d.note("With outputs −1 and 1 the rule is the same formula; y − ŷ is then ±2, so each update "
               "moves the line twice as far as with outputs 0 and 1.")
    d.given(ETA, eta_value, note="the learning rate")
    d.text("At most {k:int} passes through the data (epochs).", part=GIVEN, k=spec.learn.epochs)
    v = 0                       # updates so far: the weights in use are version v
    epoch_errors: list[Sym] = []
    errors_per_epoch: list[float] = []
    for epoch in range(1, spec.learn.epochs + 1):
        d.section(f"Epoch {epoch}", level=2)
        rows = []
        e_syms = []
        tag = f"e{epoch}"
        for i in range(1, n + 1):
            if _looks_wrong(d, u, v, i, float(Y[i - 1])):
                d.text(f"Point {i}:")
            else:
                d.record = _hidden
            zv, yv = _forward(d, u, v, i, tag)
            yh = Sym(f"yhat@{tag}@{i}", f"ŷ({i})", rf"\hat{{y}}^{{({i})}}")
            d.record = _hidden
            e_syms.append(_error(d, yh, _y_sym(i), f"e@{tag}@{i}", i))
            d.record = True
            if yv != Y[i - 1]:
                _update(d, u, v, i, yh, first=(v == 0))
                v += 1
            w_now = [float(d.env[_w_sym(j, v).key]) for j in range(1, m + 1)]
            rows.append([i] + [float(x) for x in X[i - 1]] + [zv, yv, float(Y[i - 1]), float(Y[i - 1] - yv)]
                        + w_now + [float(d.env[_b_sym(v).key])])
        d.table(["i"] + [f"x{N.subscript(j)}" for j in range(1, m + 1)] + ["z", "ŷ", "y", "y − ŷ"]
                + [f"w{N.subscript(j)}" for j in range(1, m + 1)] + ["b"], rows,
                title=f"Epoch {epoch}: w and b after each point")
        E = Sym(f"E#{epoch}", f"errors(epoch {epoch})", rf"\text{{errors}}_{{{epoch}}}")
        errs = d.scalar(E, total(e_syms))
        epoch_errors.append(E)
        errors_per_epoch.append(errs)
        if errs == 0:
            break
    passes = len(epoch_errors)
    converged = errors_per_epoch[-1] == 0
    d.section("Result")
    if len(errors_per_epoch) > 1:
        d.series("misclassified points per epoch", errors_per_epoch)
    ep = Sym("epochs", "epochs", r"\text{epochs}")
    d.derive(ep, Num(passes), note=("the last pass made no error, so the learning stopped" if converged else
                                    Phrase("the limit of {k:int} passes was reached with points still "
                                           "misclassified", k=spec.learn.epochs)))
    upd = Sym("updates", "updates", r"\text{updates}")
    d.derive(upd, total(epoch_errors),
             note="every misclassified point makes one update")
    conv = Sym("converged", "converged", r"\text{converged}")
    d.derive(conv, Piecewise(((Num(0), Cmp(">", epoch_errors[-1], Num(0))),), Num(1)),
             note=None if converged else "not linearly separable, or more epochs are needed")
    final_w = [Sym(f"wfinal{j}", f"w{N.subscript(j)} (final)", rf"w_{{{j}}}^{{\text{{final}}}}")
               for j in range(1, m + 1)]
    for j, fw in enumerate(final_w, start=1):
        d.derive(fw, _w_sym(j, v))
    fb = Sym("bfinal", "b (final)", r"b^{\text{final}}")
    d.derive(fb, _b_sym(v))
    wf = np.array([float(d.env[s.key]) for s in final_w])
    bf = float(d.env[fb.key])
    d.text(Phrase("The decision line: w₁x₁ + … + w_mx_m + b = 0 with w = {w} and b = {b}; "
                  "ŷ = {hi:given} on the side where w·x + b " + ("≥" if u.op == ">=" else ">") + " 0.",
                  w=wf, b=bf, hi=int(u.hi)))
    if m == 2 and wf[1] != 0:
        slope = Sym("slope", "slope", r"\text{slope}")
        icpt = Sym("intercept", "intercept", r"\text{intercept}")
        w1, w2 = (N.renamed(s, f"w{N.subscript(j)}", f"w_{{{j}}}") for j, s in enumerate(final_w, start=1))
        bb = N.renamed(fb, "b", "b")
        d.derive(slope, -(w1 / w2), note="the line solved for x₂: x₂ = −(w₁/w₂)·x₁ − b/w₂")
        d.derive(icpt, -(bb / w2), note="where the line crosses the x₂ axis")
    if m == 2:  # the picture the course draws: the points on either side of the learnt line
        d.figure(Plane(tuple((float(X[i, 0]), float(X[i, 1]), float(Y[i])) for i in range(n)),
                       (float(wf[0]), float(wf[1])), bf, positive=float(u.hi)),
                 caption=Phrase("The points (filled: y = {hi:given}) and the learnt line w₁x₁ + w₂x₂ + b = 0",
                                hi=int(u.hi)))
    d.answer("weights", wf, "the weights after learning", keys=tuple(s.key for s in final_w))
    d.answer("bias", bf, "the bias after learning", keys=(fb.key,))
    d.answer("epochs", float(passes), "passes through the data", keys=(ep.key,))
    d.answer("updates", float(d.env[upd.key]), "changes of w and b", keys=(upd.key,))
    d.answer("errors", np.array(errors_per_epoch), "misclassified points per epoch",
             keys=tuple(E.key for E in epoch_errors))
    d.answer("converged", float(d.env[conv.key]), "1 if the last pass made no error", keys=(conv.key,))


def _hidden(_s: Sym) -> bool:
    return False


def _looks_wrong(d: Derivation, u: _Unit, v: int, i: int, y: float) -> bool:
    """Whether point i will be misclassified — only to choose which steps to show; the numbers
    and the update itself come from the derived steps."""
    z = sum(float(d.env[_w_sym(j, v).key]) * float(d.env[_x_sym(j, i).key]) for j in range(1, u.m + 1))
    z = round(z + float(d.env[_b_sym(v).key]), NOISE_DECIMALS)
    yhat = u.hi if (z >= 0 if u.op == ">=" else z > 0) else u.lo
    return yhat != y


def _update(d: Derivation, u: _Unit, v: int, i: int, yh: Sym, first: bool) -> None:
    """w ← w + η(y − ŷ)x and b ← b + η(y − ŷ): each weight written out the first time, then as vectors."""
    y = _y_sym(i)
    if first:
        for j in range(1, u.m + 1):
            d.derive(_w_sym(j, v + 1, new=True), _w_sym(j, v) + ETA * (y - yh) * _x_sym(j, i))
        d.bind(_w_vec(v + 1), np.array([d.env[_w_sym(j, v + 1).key] for j in range(1, u.m + 1)]))
    else:
        # later updates: the step size η(y − ŷ) worked once, then w moves as a vector
        delta = Sym(f"delta#{v + 1}", "Δ", r"\Delta")
        d.derive(delta, ETA * (y - yh), note="the step for a misclassified point: "
                 + ("±2η (outputs −1 and 1)" if u.lo == -1 else "±η"))
        new = d.derive(_w_vec(v + 1, new=True), _w_vec(v) + delta * _x_vec(i))
        for j in range(1, u.m + 1):
            d.bind(_w_sym(j, v + 1), float(np.asarray(new)[j - 1]))
        d.derive(_b_sym(v + 1, new=True), _b_sym(v) + delta)
        return
    d.derive(_b_sym(v + 1, new=True), _b_sym(v) + ETA * (y - yh))
