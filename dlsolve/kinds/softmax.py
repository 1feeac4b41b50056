"""kind: softmax — probabilities from scores at one or several temperatures.

p_i = e^(s_i/T) / Σ_j e^(s_j/T): each exponential, their sum, each p_i and the check Σp = 1,
one section per temperature and a table side by side; optionally the weighted sum Σ p_i·v_i
(the attention-style average of values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Sym
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import PreparedSpec, frozen
from dlsolve.kinds.prob import softmax_steps
from dlsolve.solution import Cell, Phrase, Solution
from dlsolve.schema import Vector  # field types with a JSON Schema

KIND = "softmax"


@dataclass(frozen=True)
class Problem:
    """A softmax problem's numbers, checked: the scores, the temperatures (each positive) and the
    values to average (one per score), if given."""

    scores: np.ndarray                    # s, one per class
    temperatures: tuple[float, ...]       # T, at least one
    values: Optional[np.ndarray]          # v, one per score, or None


class Spec(PreparedSpec[Problem]):
    """kind: softmax — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["softmax"]
    title: Optional[str] = None
    scores: Vector = Field(description="the scores (logits) z")
    temperature: Union[float, list[float]] = Field(1.0,
                                                   description="T in softmax(z/T), or a list of temperatures to "
                                                               "compare (default 1)")
    values: Optional[Vector] = Field(None,
                                     description="a value per class: the expected value Σ pᵢ·vᵢ under the softmax")
    labels: Optional[list[str]] = Field(None, description="names of the classes, one per score")

    def prepare(self) -> Problem:
        s = V.vector(self.scores, ("scores",), scalar_ok=False)
        temps = self.temperature if isinstance(self.temperature, list) else [self.temperature]
        if not temps:
            raise SpecInvalid("expected at least one temperature", ("temperature",))
        for k, t in enumerate(temps):
            if t <= 0:
                raise SpecInvalid(f"a temperature must be positive, got {t:g}",
                                  ("temperature",) + ((k,) if isinstance(self.temperature, list) else ()))
        v = None
        if self.values is not None:
            v = V.vector(self.values, ("values",), scalar_ok=False)
            if len(v) != len(s):
                raise SpecInvalid(f"expected {len(s)} values (one per score), got {len(v)}", ("values",))
        if self.labels is not None and len(self.labels) != len(s):
            raise SpecInvalid(f"expected {len(s)} labels (one per score), got {len(self.labels)}", ("labels",))
        return Problem(frozen(s), tuple(float(t) for t in temps), None if v is None else frozen(v))


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    problem = spec.problem
    s_vals, temps, v_vals = problem.scores, problem.temperatures, problem.values
    n = len(s_vals)
    several = len(temps) > 1
    d.convention("p_i = e^(s_i/T) / Σ_j e^(s_j/T); T = 1 is the ordinary softmax, a larger T flattens "
                 "the distribution and a smaller one sharpens it")
    d.section("Given")
    s_syms = [N.quantity("s", "s", "s", (i,)) for i in range(1, n + 1)]
    d.given(Sym("sv", "s", r"\mathbf{s}"), s_vals, note="the scores (logits)")
    for sym, v in zip(s_syms, s_vals):
        d.bind(sym, float(v))
    v_syms = [N.quantity("v", "v", "v", (i,)) for i in range(1, n + 1)]
    if v_vals is not None:
        d.given(Sym("vv", "v", r"\mathbf{v}"), v_vals, note="the values to average")
        for sym, v in zip(v_syms, v_vals):
            d.bind(sym, float(v))
    columns: list[list[float]] = []
    for t in temps:
        tt = N.label_number(t)
        d.section("Temperature T = {T:given}", T=t)
        T = Sym(f"T@{tt}", "T", "T")
        d.given(T, t)
        suffix = f"(T={tt})" if several else ""
        p_syms = [Sym(f"p{i}@{tt}", f"p{N.subscript(i)}{suffix}", f"p_{{{i}}}" + (f"^{{(T={tt})}}" if several else ""))
                  for i in range(1, n + 1)]
        probs = softmax_steps(d, s_syms, None if t == 1 else T, p_syms, tag=f"T{tt}")
        columns.append(probs)
        name = f"p[T={tt}]" if several else "p"
        d.answer(name, probs, Phrase("softmax probabilities at T = {T:given}", T=t), keys=tuple(p.key for p in p_syms))
        if v_vals is not None:
            ws = Sym(f"wsum@{tt}", "Σ p_i·v_i" + (f" (T={tt})" if several else ""), r"\sum_i p_i v_i")
            value = d.scalar(ws, Add.of(*(p * v for p, v in zip(p_syms, v_syms))))
            d.answer(f"weighted_sum[T={tt}]" if several else "weighted_sum", value,
                     Phrase("Σ p_i·v_i at T = {T:given}", T=t), keys=(ws.key,))
    d.section("Side by side")
    heads = ["i"] + (["label"] if spec.labels else []) + ["s_i"] + [f"p_i (T={N.label_number(t)})" for t in temps]
    rows = []
    for i in range(n):
        row: list[Cell] = [i + 1] + ([spec.labels[i]] if spec.labels else []) + [float(s_vals[i])]
        rows.append(row + [col[i] for col in columns])
    d.table(heads, rows)
    return d.solution(KIND, spec.title)
