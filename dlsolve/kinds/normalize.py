"""kind: normalize — batch normalisation, layer normalisation, standardisation and min-max scaling.

Batch normalisation normalises each feature (a column of a batch × features matrix, or a
channel of a batch × height × width × channels tensor) over the batch; layer normalisation
normalises each sample (a row) over its features. Every mean, variance, √(σ² + ε), x̂ and
y = γx̂ + β is its own worked line, group by group; then, when asked, the update of the running
statistics and the backward pass in the order of Ioffe & Szegedy (2015): ∂L/∂γ, ∂L/∂β, ∂L/∂x̂,
∂L/∂σ², ∂L/∂μ, ∂L/∂x. `standardize` and `minmax` scale each column as the course notes do.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve import notation as N
from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Mul, Num, Pow, Sym, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.prepared import BelongsTo, PreparedSpec, frozen
from dlsolve.kinds.normalize_groups import (EPS, MOM, Method, TERMS_WRITTEN, TERMS_WRITTEN_NHWC, Group, L, build_groups,
                                            group_arrays, group_size, group_vector, group_word, mean_form,
                                            per_feature, read_input, shape_text, stat_sym, std_sym, var_form,
                                            x_sym)
from dlsolve.solution import Cell, Phrase, Solution
from dlsolve.schema import NumberOrVector, Tensor, ZeroOrOne  # field types with a JSON Schema

KIND = "normalize"
MAX_INPUT = 10_000  # values of an input worked by hand; an exam's batch has tens
# Where frameworks and the notes compute differently; read by `dlsolve check`'s diagnoses.
CONVENTIONS = (
    Convention(("running", "unbiased"), (True, False), True, {True: "PyTorch", False: "Keras"}),
    Convention(("epsilon",), (1e-5, 1e-3), 1e-5, {1e-5: "PyTorch", 1e-3: "Keras"}),
    Convention(("ddof",), (0, 1), 0),
)
SHOWN = 8          # entries per group written out in full; the rest are computed the same way
Cells = dict[tuple[int, ...], Sym]   # a per-entry step's symbol at each position of the input
Stats = tuple[Sym, Sym, Sym]          # a group's μ, σ² and √(σ² + ε)
AFFINE = (Method.BATCHNORM, Method.LAYERNORM)   # the methods with γ, β, ε and a backward pass


@dataclass(frozen=True)
class Problem:
    """A normalize problem's numbers, checked: the input in its layout, γ and β one per feature
    (defaults filled in), ∂L/∂y of the input's shape, and the running statistics before the step."""

    x: np.ndarray                  # (rows, features) or (N, H, W, C)
    layout: str                    # "flat" | "matrix" | "nhwc"
    gamma: np.ndarray
    beta: np.ndarray
    dy: Optional[np.ndarray]       # grad_output, when given
    rmean: Optional[np.ndarray]    # running.mean and running.var, when running is given
    rvar: Optional[np.ndarray]


class Running(BaseModel):
    """The running statistics a batch-norm layer keeps for inference, and their update."""

    model_config = ConfigDict(extra="forbid")
    mean: Optional[NumberOrVector] = Field(None,
                                           description="the running mean before this step (default 0, PyTorch's "
                                                       "start)")
    var: Optional[NumberOrVector] = Field(None,
                                          description="the running variance before this step (default 1, PyTorch's "
                                                      "start)")
    momentum: float = Field(default=0.1, ge=0, le=1,
                            description="m in r ← (1 − m)·r + m·(batch value), PyTorch's convention (Keras's 0.99 is "
                                        "m = 0.01)")
    unbiased: bool = Field(True,
                           description="true: the running variance takes σ²·n/(n − 1) (PyTorch); false: σ² itself "
                                       "(Keras)")


class Spec(PreparedSpec[Problem]):
    """kind: normalize — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        *(BelongsTo(key, "method", AFFINE, message=f"'{key}' belongs to batchnorm and layernorm, not to {{held}}")
          for key in ("gamma", "beta", "epsilon", "grad_output")),
        BelongsTo("running", "method", (Method.BATCHNORM,), message="running statistics belong to batchnorm, not to {held}"),
        BelongsTo("ddof", "method", (Method.STANDARDIZE,),
                  message="'ddof' belongs to standardize (batchnorm and layernorm always divide by n)"),
    )
    kind: Literal["normalize"]
    title: Optional[str] = None
    method: Literal["batchnorm", "layernorm", "standardize", "minmax"] = Field(
        "batchnorm", description="batchnorm: each feature (column) over the batch (rows); layernorm: each sample "
                                 "(row) over its features; standardize: (x − μ)/σ per column; minmax: "
                                 "(x − min)/(max − min) per column")
    input: Tensor = Field(description="the batch: rows are samples, columns features (or N × H × W × C images)")
    gamma: Optional[NumberOrVector] = Field(None,
                                            description="batchnorm/layernorm: the scale γ, one per feature (channel) "
                                                        "or one number (default ones)")
    beta: Optional[NumberOrVector] = Field(None,
                                           description="batchnorm/layernorm: the shift β, one per feature (channel) "
                                                       "or one number (default zeros)")
    epsilon: Optional[float] = Field(default=None, ge=0,
                                     description="ε in √(σ² + ε) (default 1e-5, PyTorch's; Keras's is 1e-3)")
    ddof: Optional[ZeroOrOne] = Field(None, description="standardize: 0 divides σ² by n (the notes), 1 by n − 1")
    running: Optional[Running] = Field(None,
                                       description="batchnorm: the running statistics {mean, var, momentum, unbiased}"
                                                   " to update")
    grad_output: Optional[Tensor] = Field(None,
                                          description="batchnorm/layernorm: ∂L/∂y, the input's shape; adds the "
                                                      "backward pass")

    @property
    def normalisation(self) -> Method:
        """The method as its record (the field keeps the YAML's word)."""
        return Method(self.method)

    def prepare(self) -> Problem:
        x, layout = read_input(self.input, self.normalisation)
        if x.size > MAX_INPUT:
            raise SpecInvalid(f"expected at most {MAX_INPUT:,} values (each is worked as a step), got {x.size:,}",
                              ("input",))
        feats = x.shape[-1]
        dy = None
        if self.grad_output is not None:
            dy, dlayout = read_input(self.grad_output, self.normalisation, "grad_output")
            if dy.shape != x.shape:
                raise SpecInvalid(f"expected the shape of the input {shape_text(x, layout)}, got {shape_text(dy, dlayout)}",
                                  ("grad_output",))
            dy = frozen(dy)
        rmean = rvar = None
        if self.running is not None:
            rmean = per_feature(self.running.mean, feats, 0.0, "mean", ("running",))
            rvar = per_feature(self.running.var, feats, 1.0, "var", ("running",))
            if np.any(rvar < 0):
                raise SpecInvalid("a running variance cannot be negative", ("running", "var"))
            if self.running.unbiased and group_size(x, layout, self.normalisation) < 2:
                raise SpecInvalid("the unbiased variance of the running update divides by n − 1: it needs at "
                                  "least 2 values per feature (or running: {unbiased: false})", ("running",))
            rmean, rvar = frozen(rmean), frozen(rvar)
        eps = 1e-5 if self.epsilon is None else self.epsilon
        groups = group_arrays(x, layout, self.normalisation)
        for g, vals in enumerate(groups):
            spread = float(np.max(vals) - np.min(vals))
            if spread == 0 and (self.normalisation in (Method.STANDARDIZE, Method.MINMAX) or eps == 0):
                what = "column" if self.normalisation in (Method.STANDARDIZE, Method.MINMAX) else group_word(self.normalisation, layout)
                why = "max − min = 0" if self.normalisation is Method.MINMAX else "σ = 0" if self.normalisation is Method.STANDARDIZE \
                    else "σ² = 0 and ε = 0"
                raise SpecInvalid(f"{what} {g + 1} is constant ({why}): the division is undefined", ("input",))
        return Problem(frozen(x), layout, frozen(per_feature(self.gamma, feats, 1.0, "gamma")),
                       frozen(per_feature(self.beta, feats, 0.0, "beta")), dy, rmean, rvar)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    if spec.normalisation in (Method.STANDARDIZE, Method.MINMAX):
        _scale(d, spec)
        return d.solution(KIND, spec.title)
    problem = spec.problem
    x, layout, method = problem.x, problem.layout, spec.normalisation
    groups = build_groups(x, layout, method)
    word = group_word(method, layout)
    eps = 1e-5 if spec.epsilon is None else spec.epsilon
    if method is Method.BATCHNORM:
        d.convention("batch normalisation: each " + word + " is normalised over the "
                     + ("batch, height and width" if layout == "nhwc" else "batch") + " with the batch variance σ² = "
                     "Σ(x − μ)²/n (divided by n, not n − 1), as in training")
    else:
        d.convention("layer normalisation: each sample (row) is normalised over its own features, σ² = Σ(x − μ)²/n")
    d.section("Given")
    _given_input(d, x, layout, "X", "x", "the input" + (" (batch × height × width × channels)" if layout == "nhwc" else
                                                         "" if layout == "flat" else " (rows are samples)"))
    for g in groups:
        for pos, s in zip(g.cells, g.syms):
            d.bind(s, float(x[pos]))
    feats = x.shape[-1]
    one_feat = feats == 1
    gam = [stat_sym("gamma", "γ", r"\gamma", () if one_feat else (j + 1,)) for j in range(feats)]
    bet = [stat_sym("beta", "β", r"\beta", () if one_feat else (j + 1,)) for j in range(feats)]
    defaults = (spec.gamma is None, spec.beta is None)
    d.given(Sym("gammav", "γ", r"\boldsymbol{\gamma}"), problem.gamma if not one_feat else float(problem.gamma[0]),
            note="the scale, one per " + ("feature" if word == "sample" else word) + (" (default ones)" if defaults[0] else ""))
    d.given(Sym("betav", "β", r"\boldsymbol{\beta}"), problem.beta if not one_feat else float(problem.beta[0]),
            note="the shift, one per " + ("feature" if word == "sample" else word) + (" (default zeros)" if defaults[1] else ""))
    for j in range(feats):
        d.bind(gam[j], float(problem.gamma[j]))
        d.bind(bet[j], float(problem.beta[j]))
    d.given(EPS, eps, note=Phrase("keeps the division defined when σ² = 0 (the default: PyTorch's; Keras's is {k:given})",
                                k=1e-3) if spec.epsilon is None else "keeps the division defined when σ² = 0")
    stats: list[Stats] = []
    table: list[list[Cell]] = []
    xhat_syms: dict[tuple[int, ...], Sym] = {}
    y_syms: dict[tuple[int, ...], Sym] = {}
    for g in groups:
        label = f"{word.capitalize()} {g.number}" if len(groups) > 1 else ("The " + word)
        d.section(label + ": mean, variance, x̂ and y")
        n = len(g.syms)
        vec = None
        if n > (TERMS_WRITTEN if layout != "nhwc" else TERMS_WRITTEN_NHWC):   # Σ over the group's values
            vec = group_vector(g, layout, method)
            d.bind(vec, np.array([x[p] for p in g.cells]))
        mu = stat_sym("mu", "μ", r"\mu", g.sub)
        var = stat_sym("var", "σ", r"\sigma", g.sub, sq=True)
        std = std_sym(var)
        row: list[Cell] = [g.number]
        row.append(d.scalar(mu, mean_form(g.syms, vec),
                            note=Phrase("the mean over the {n:int} values of this " + word, n=n)))
        row.append(d.scalar(var, var_form(g.syms, mu, vec),
                            note=None if n > 1 else "one value: σ² = 0, so x̂ = 0 and only ε keeps the division "
                                                    "defined"))
        row.append(d.scalar(std, call("sqrt", var + EPS)))
        stats.append((mu, var, std))
        table.append(row)
        d.record = True
        for k, (pos, s) in enumerate(zip(g.cells, g.syms)):
            if k == SHOWN:
                d.record = lambda _s: False  # noqa: E731
            j = pos[-1]
            xh = x_sym("xhat", "x̂", r"\hat{x}", pos, layout)
            y = x_sym("y", "y", "y", pos, layout)
            d.derive(xh, (s - mu) / std)
            d.derive(y, gam[j] * xh + bet[j])
            xhat_syms[pos], y_syms[pos] = xh, y
        if d.record is not True:
            d.record = True
            d.text("The first {n:int} values of this " + word + " are written out; the others are computed the same way.",
                   n=SHOWN)
    _results(d, spec, stats, table, xhat_syms, y_syms, word)
    if spec.running is not None:
        _running(d, spec.running, problem, groups, stats)
    if problem.dy is not None:
        _backward(d, spec, groups, stats, xhat_syms, gam, bet, word)
    return d.solution(KIND, spec.title)


def _given_input(d: Derivation, x: np.ndarray, layout: str, key: str, uni: str, note: str, tex: str = "") -> None:
    tex = tex or uni
    if layout == "flat":
        d.given(Sym(key, uni, tex), x.ravel(), note=note)
    elif layout == "matrix":
        d.given(Sym(key, uni, tex), x, note=note)
    else:
        for c in range(x.shape[3]):
            for n in range(x.shape[0]):
                d.given(Sym(f"{key}_n{n + 1}_c{c + 1}", f"{uni}[{n + 1}, :, :, {c + 1}]", rf"{tex}_{{{n + 1},:,:,{c + 1}}}"),
                        x[n, :, :, c], note=(note + ": " if n == c == 0 else "") + f"sample {n + 1}, channel {c + 1}")


def _shaped(d: Derivation, spec: Spec, syms: Cells) -> tuple[Any, tuple[str, ...]]:
    """The values of per-entry steps in the input's shape (a list for a flat input), and their keys."""
    x = spec.problem.x
    out = np.zeros(x.shape)
    for pos, s in syms.items():
        out[pos] = d.env[s.key]
    keys = tuple(syms[pos].key for pos in (tuple(int(a) for a in p) for p in np.ndindex(*x.shape)))
    return (out.ravel().tolist() if spec.problem.layout == "flat" else out.tolist()), keys


def _per_group(d: Derivation, syms: list[Sym]) -> Any:
    vals = [d.env[s.key] for s in syms]
    return vals[0] if len(vals) == 1 else vals


def _results(d: Derivation, spec: Spec, stats: list[Stats], table: list[list[Cell]], xhat: Cells, y: Cells,
             word: str) -> None:
    d.section("Results")
    for name, i, label in (("mean", 0, "μ"), ("var", 1, "σ² (biased)"), ("std", 2, "√(σ² + ε)")):
        syms = [st[i] for st in stats]
        d.answer(name, _per_group(d, syms), f"{label} per {word}", keys=tuple(s.key for s in syms))
    value, keys = _shaped(d, spec, xhat)
    d.answer("x_hat", value, "normalised x̂", keys=keys)
    value, keys = _shaped(d, spec, y)
    d.answer("output", value, "y = γ·x̂ + β", keys=keys)
    d.table([word, "μ", "σ²", "√(σ² + ε)"], table)


def _running(d: Derivation, run: Running, problem: Problem, groups: list[Group], stats: list[Stats]) -> None:
    assert problem.rmean is not None and problem.rvar is not None
    d.section("Running statistics (used at inference)")
    d.text("Each training step moves the running statistics towards the batch's: r (new) = (1 − m)·r + m·(batch value).")
    d.given(MOM, run.momentum, note="PyTorch's momentum: the weight of the new batch value")
    keras = Sym("momentum_keras", "m_Keras", r"m_{\text{Keras}}")
    d.derive(keras, Num(1) - MOM, note="Keras's BatchNormalization(momentum=…) weighs the old value instead: this "
                                       "value there gives the same update")
    means, variances = [], []
    for g, (mu, var, _std) in zip(groups, stats):
        j = g.number - 1
        rm = stat_sym("rmean", "μ", r"\mu", g.sub)
        rm = Sym(rm.key, rm.uni + "^run", rm.tex + r"^{\text{run}}")
        rv = stat_sym("rvar", "σ", r"\sigma", g.sub)
        rv = Sym(rv.key, rv.uni + "²^run", rv.tex + r"^{2,\text{run}}")
        d.given(rm, float(problem.rmean[j]),
                note="the running mean before" + (" (default 0)" if run.mean is None else ""))
        d.given(rv, float(problem.rvar[j]),
                note="the running variance before" + (" (default 1)" if run.var is None else ""))
        means.append(N.new(rm))
        d.derive(means[-1], (Num(1) - MOM) * rm + MOM * mu)
        batch_var = var
        if run.unbiased:
            n = len(g.syms)
            s2 = stat_sym("s2", "s", "s", g.sub, sq=True)
            d.derive(s2, var * Num(n) / Num(n - 1),
                     note="the unbiased batch variance (divided by n − 1): PyTorch's running_var uses it, while the "
                          "normalisation uses σ² (divided by n); Keras uses σ² in both (running: {unbiased: false})")
            batch_var = s2
        variances.append(N.new(rv))
        d.derive(variances[-1], (Num(1) - MOM) * rv + MOM * batch_var)
        if run.unbiased:   # the other convention's number, for comparison
            other = Sym(rv.key + "'keras", rv.uni + " (Keras)", rv.tex + r"\,(\text{Keras})")
            d.derive(other, (Num(1) - MOM) * rv + MOM * var,
                     note="for comparison: with the biased σ², as Keras updates its moving variance "
                          "(running: {unbiased: false})")
    d.answer("running_mean", _per_group(d, means), "running mean, updated", keys=tuple(s.key for s in means))
    d.answer("running_var", _per_group(d, variances), "running variance, updated",
             keys=tuple(s.key for s in variances))


def _backward(d: Derivation, spec: Spec, groups: list[Group], stats: list[Stats], xhat: Cells, gam: list[Sym],
              bet: list[Sym], word: str) -> None:
    x, layout, dy = spec.problem.x, spec.problem.layout, spec.problem.dy
    assert dy is not None
    d.section("Backward pass: the given ∂L/∂y")
    _given_input(d, dy, layout, "dY", "∂L/∂y", "the gradient of the loss with respect to the output",
                 r"\frac{\partial L}{\partial y}")
    dys: dict[tuple[int, ...], Sym] = {}
    for pos in (tuple(int(a) for a in p) for p in np.ndindex(*x.shape)):
        dys[pos] = N.partial(L, x_sym("y", "y", "y", pos, layout))
        d.bind(dys[pos], float(dy[pos]))
    d.text("In the order of Ioffe & Szegedy (2015): ∂L/∂γ and ∂L/∂β, then ∂L/∂x̂ = ∂L/∂y·γ, then through "
           "σ² and μ (both depend on every x of the group) to ∂L/∂x.")
    # ∂L/∂γ_j and ∂L/∂β_j: sums over every position of feature j
    feats = x.shape[-1]
    gg, gb = [], []
    d.section("∂L/∂γ and ∂L/∂β", level=2)
    for j in range(feats):
        cells = [p for p in dys if p[-1] == j]
        gg.append(N.partial(L, gam[j]))
        d.derive(gg[-1], total(dys[p] * xhat[p] for p in cells))
        gb.append(N.partial(L, bet[j]))
        d.derive(gb[-1], total(dys[p] for p in cells))
    d.answer("grad_gamma", _per_group(d, gg), "∂L/∂γ", keys=tuple(s.key for s in gg))
    d.answer("grad_beta", _per_group(d, gb), "∂L/∂β", keys=tuple(s.key for s in gb))
    dx: dict[tuple[int, ...], Sym] = {}
    for g, (mu, var, std) in zip(groups, stats):
        n = len(g.syms)
        title = f"{word.capitalize()} {g.number}" if len(groups) > 1 else "The " + word
        d.section(f"{title}: ∂L/∂x̂, ∂L/∂σ², ∂L/∂μ, ∂L/∂x", level=2)
        dxh = {}
        d.record = True
        for k, pos in enumerate(g.cells):
            if k == SHOWN:
                d.record = lambda _s: False  # noqa: E731
            dxh[pos] = N.partial(L, xhat[pos])
            d.derive(dxh[pos], dys[pos] * gam[pos[-1]])
        d.record = True
        dvar, dmu = N.partial(L, var), N.partial(L, mu)
        centred = [(dxh[p], s - mu) for p, s in zip(g.cells, g.syms)]
        d.derive(dvar, Mul.of(total(a * b for a, b in centred),
                              Num(Fraction(-1, 2)), Pow(var + EPS, Num(Fraction(-3, 2)))))
        first = total(dxh[p] for p in g.cells)
        second = total(-(Num(2) * (s - mu)) for s in g.syms)
        d.derive(dmu, first * -(Num(1) / std) + dvar * second / Num(n),
                 note="the second term is 0 up to rounding, because Σ(x − μ) = 0")
        for k, (pos, s) in enumerate(zip(g.cells, g.syms)):
            if k == SHOWN:
                d.record = lambda _s: False  # noqa: E731
            dx[pos] = N.partial(L, s)
            d.derive(dx[pos], dxh[pos] / std + dvar * Num(2) * (s - mu) / Num(n) + dmu / Num(n))
        if d.record is not True:
            d.record = True
            d.text("The first {n:int} of this " + word + " are written out; the others are computed the same way.", n=SHOWN)
    value, keys = _shaped(d, spec, dx)
    d.answer("grad_input", value, "∂L/∂x", keys=keys)


# -- standardize and min-max ----------------------------------------------------------------------
def _scale(d: Derivation, spec: Spec) -> None:
    x, layout = spec.problem.x, spec.problem.layout
    feats = x.shape[1]
    ddof = spec.ddof or 0
    if spec.normalisation is Method.STANDARDIZE:
        d.convention("standardisation: z = (x − μ)/σ per column, with the " +
                     ("sample σ (divided by n − 1, ddof: 1)" if ddof else "population σ (divided by n; ddof: 1 divides by n − 1)"))
    else:
        d.convention("min-max scaling: x′ = (x − min)/(max − min) per column, into [0, 1]")
    d.section("Given")
    _given_input(d, x, layout, "X", "x", "the input" + ("" if layout == "flat" else " (rows are samples)"))
    out: Cells = {}
    firsts: list[list[Sym]] = [[], [], []]
    for j in range(feats):
        cells = [(i, j) for i in range(x.shape[0])]
        syms = [x_sym("x", "x", "x", p, layout) for p in cells]
        for p, s in zip(cells, syms):
            d.bind(s, float(x[p]))
        sub = () if feats == 1 else (j + 1,)
        d.section(f"Column {j + 1}" if feats > 1 else "The values")
        vec = None
        b: Optional[Sym] = None
        names: tuple[Sym, ...]
        if len(syms) > TERMS_WRITTEN:
            vec = Sym(f"xcol{j + 1}", f"x[:, {j + 1}]", rf"x_{{:,{j + 1}}}")
            d.bind(vec, x[:, j].copy())
        if spec.normalisation is Method.STANDARDIZE:
            mu, var = stat_sym("mu", "μ", r"\mu", sub), stat_sym("var", "σ", r"\sigma", sub, sq=True)
            sd = stat_sym("sd", "σ", r"\sigma", sub)
            d.derive(mu, mean_form(syms, vec))
            d.derive(var, var_form(syms, mu, vec, ddof))
            d.derive(sd, call("sqrt", var))
            a, b, names = mu, sd, (mu, var, sd)
        else:
            lo, hi = stat_sym("min", "min", r"\min", sub), stat_sym("max", "max", r"\max", sub)
            d.derive(lo, call("min", *syms) if len(syms) > 1 else syms[0])
            d.derive(hi, call("max", *syms) if len(syms) > 1 else syms[0])
            a, names = lo, (lo, hi)
        for k, stat in enumerate(names):
            firsts[k].append(stat)
        d.record = True
        for k, (p, s) in enumerate(zip(cells, syms)):
            if k == SHOWN:
                d.record = lambda _s: False  # noqa: E731
            z = x_sym("z", "z" if spec.normalisation is Method.STANDARDIZE else "x′", "z" if spec.normalisation is Method.STANDARDIZE
                       else "x'", p, layout)
            d.derive(z, (s - a) / b if b is not None else (s - a) / (names[1] - a))
            out[p] = z
        if d.record is not True:
            d.record = True
            d.text("The first {n:int} are written out; the others are computed the same way.", n=SHOWN)
    labels = (("mean", "var", "std"), ("μ", "σ²", "σ")) if spec.normalisation is Method.STANDARDIZE else \
        (("min", "max"), ("min", "max"))
    for answer, label, column_stats in zip(labels[0], labels[1], firsts):
        d.answer(answer, _per_group(d, column_stats), f"{label} per column", keys=tuple(s.key for s in column_stats))
    value, keys = _shaped(d, spec, out)
    d.answer("output", value, "(x − μ)/σ" if spec.normalisation is Method.STANDARDIZE else "(x − min)/(max − min)", keys=keys)
