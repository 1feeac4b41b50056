"""kind: entropy — entropy, cross-entropy and KL divergence of discrete distributions.

H(P) = −Σ p_i·log p_i, H(P, Q) = −Σ p_i·log q_i, KL(P‖Q) = Σ p_i·log(p_i/q_i), in bits by
default. Inputs that do not sum to 1 are normalised first (the course's "equation 8"), or with
`normalize: false` used as given (the notes' un-normalised scores);
0·log 0 counts as 0; where P has mass and Q has none, H(P, Q) and KL(P‖Q) are infinite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve import notation as N
from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import Path, SpecInvalid
from dlsolve.expr import Expr, Neg, Sym, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import PreparedSpec, frozen
from dlsolve.kinds.prob import LOG_FUNCTION, LOG_UNIT, log_base
from dlsolve.solution import Phrase, Solution
from dlsolve.schema import LogBase, Vector  # field types with a JSON Schema

KIND = "entropy"

CONVENTIONS = (Convention(("log_base",), (2, "e", 10), 2),)  # bits, nats or hartleys


def _distribution(value: Any, path: Path) -> np.ndarray:
    v = V.vector(value, path, scalar_ok=False)
    for i, x in enumerate(v):
        if x < 0:
            raise SpecInvalid(f"probabilities cannot be negative, got {x:g}", path + (i,))
    if v.sum() == 0:
        raise SpecInvalid("all entries are 0: not a distribution", path)
    return v


@dataclass(frozen=True)
class Problem:
    """An entropy problem's numbers, checked: p (and q, of the same length) non-negative and not all
    0, and the log base as 'e', '2' or '10'."""

    p: np.ndarray
    q: Optional[np.ndarray]
    base: str                             # a key of LOG_FUNCTION


class Spec(PreparedSpec[Problem]):
    """kind: entropy — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["entropy"]
    title: Optional[str] = None
    p: Vector = Field(description="the distribution p (or unnormalised weights with normalize)")
    q: Optional[Vector] = Field(None,
                                description="a second distribution q: adds the cross-entropy H(p, q) and KL(p ‖ q)")
    labels: Optional[list[str]] = Field(None, description="names of the outcomes, one per entry of p")
    log_base: LogBase = Field(2, description="the base of the logarithm: 2 (bits, the default), e (nats) or 10")
    normalize: bool = Field(True, description="divide p (and q) by their sums first; false takes them as given")

    def prepare(self) -> Problem:
        p = _distribution(self.p, ("p",))
        q = None if self.q is None else _distribution(self.q, ("q",))
        if q is not None and len(q) != len(p):
            raise SpecInvalid(f"expected {len(p)} entries like p, got {len(q)}", ("q",))
        if self.labels is not None and len(self.labels) != len(p):
            raise SpecInvalid(f"expected {len(p)} labels (one per entry), got {len(self.labels)}", ("labels",))
        return Problem(frozen(p), None if q is None else frozen(q), log_base(self.log_base, ("log_base",)))


def _normalised(d: Derivation, name: str, raw: np.ndarray, normalize: bool = True) -> list[Sym]:
    """The distribution's symbols, bound to its values; derived as r_i / Σr when it does not sum to 1
    (unless `normalize` is off: then the values are used as given)."""
    n = len(raw)
    syms = [N.quantity(name, name, name, (i,)) for i in range(1, n + 1)]
    upper = name.upper()
    sums_to_one = np.isclose(raw.sum(), 1.0, rtol=0, atol=1e-12)
    if sums_to_one or not normalize:
        d.given(Sym(f"{name}v", upper, upper), raw, note=None if sums_to_one else Phrase(
            "sums to {total}, not 1: used as given (normalize: false), so what follows are the formulas' "
            "values on these scores, not entropies of a distribution", total=float(raw.sum())))
        for s, v in zip(syms, raw):
            d.bind(s, float(v))
        return syms
    raw_syms = [N.quantity(f"raw{name}", "r", "r", (i,)) for i in range(1, n + 1)]
    d.given(Sym(f"raw{name}v", f"{upper} as given", upper), raw,
            note=Phrase("sums to {total}, not 1: normalised first, " + name + "_i = r_i / Σ_j r_j "
                        "(the course's equation 8)", total=float(raw.sum())))
    for s, v in zip(raw_syms, raw):
        d.bind(s, float(v))
    Sr = Sym(f"sumraw{name}", "Σr", r"\sum r")
    d.derive(Sr, total(raw_syms))
    for s, r in zip(syms, raw_syms):
        d.derive(s, r / Sr)
    return syms


def _minus_sum(terms: list[Expr]) -> Expr:
    return Neg(total(terms)) if terms else total(terms)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    problem = spec.problem
    log = LOG_FUNCTION[problem.base]
    unit = LOG_UNIT[problem.base]
    d.convention(f"logarithms to base {problem.base}: the results are in {unit}")
    d.convention("0·log 0 is taken as 0 (the limit of p·log p as p → 0)")
    d.section("Given")
    if not spec.normalize:
        d.convention("normalize: false — inputs that do not sum to 1 are used as given (normalize: true divides each "
                     "by its sum first, the course's equation 8)")
    p = _normalised(d, "p", problem.p, spec.normalize)
    q = _normalised(d, "q", problem.q, spec.normalize) if problem.q is not None else None
    pv = [float(d.env[s.key]) for s in p]

    def entropy_of(name: str, syms: list[Sym], vals: list[float], label: str, key: str) -> float:
        d.section(label)
        terms = [s * call(log, s) for s, v in zip(syms, vals) if v != 0]
        zeros = [s.uni for s, v in zip(syms, vals) if v == 0]
        note = f"{', '.join(zeros)} = 0: 0·log 0 = 0, so the term is left out" if zeros else None
        H = Sym(key, f"H({name})", f"H({name})")
        return d.scalar(H, _minus_sum(terms), note=note)

    hp = entropy_of("P", p, pv, "Entropy of P", "H_p")
    d.answer("entropy_p", hp, f"H(P) in {unit}", keys=("H_p",))
    if q is None:
        return d.solution(KIND, spec.title)
    qv = [float(d.env[s.key]) for s in q]
    hq = entropy_of("Q", q, qv, "Entropy of Q", "H_q")
    d.answer("entropy_q", hq, f"H(Q) in {unit}", keys=("H_q",))

    def cross(a: list[Sym], b: list[Sym], av: list[float], bv: list[float], A: str, B: str) -> tuple[float, float]:
        d.section(f"Cross-entropy H({A}, {B}) and KL({A}‖{B})")
        missing = [(as_, bs, x) for as_, bs, x, y in zip(a, b, av, bv) if x > 0 and y == 0]
        inf_note = Phrase("; ".join(f"{bs.uni} = 0 where {as_.uni} = {{x{k}}}" for k, (as_, bs, _) in enumerate(missing))
                          + f": {A} puts probability where {B} has none, so the cross-entropy and the KL "
                          "divergence are infinite (∞)", **{f"x{k}": x for k, (_, _, x) in enumerate(missing)}) \
            if missing else None
        ce_terms = [ai * call(log, bi) for ai, bi, x in zip(a, b, av) if x != 0]
        ce = Sym(f"H_{A}{B}", f"H({A}, {B})", f"H({A}, {B})")
        ce_value = d.scalar(ce, _minus_sum(ce_terms), note=inf_note)
        kl_terms = [ai * call(log, ai / bi) for ai, bi, x in zip(a, b, av) if x != 0]
        kl = Sym(f"KL_{A}{B}", f"KL({A}‖{B})", rf"D_{{KL}}({A} \| {B})")
        forms = [total(kl_terms)]
        note = inf_note or f"the check: KL({A}‖{B}) = H({A}, {B}) − H({A})"
        with np.errstate(divide="ignore", over="ignore"):
            ratios = [x / y for x, y in zip(av, bv) if x != 0 and y != 0]
        if any(not np.isfinite(r) or r == 0 for r in ratios):
            forms.append(total([ai * (call(log, ai) - call(log, bi)) for ai, bi, x in zip(a, b, av) if x != 0]))
            note = "a ratio overflows float64 here, so each term is computed as p·(log p − log q)"
        kl_value = d.scalar(kl, *forms, note=note)
        return ce_value, kl_value

    ce_pq, kl_pq = cross(p, q, pv, qv, "P", "Q")
    ce_qp, kl_qp = cross(q, p, qv, pv, "Q", "P")
    d.answer("cross_entropy", ce_pq, f"H(P, Q) in {unit}", keys=("H_PQ",))
    d.answer("cross_entropy_qp", ce_qp, f"H(Q, P) in {unit}", keys=("H_QP",))
    d.answer("kl_pq", kl_pq, f"KL(P‖Q) in {unit}", keys=("KL_PQ",))
    d.answer("kl_qp", kl_qp, f"KL(Q‖P) in {unit}", keys=("KL_QP",))
    d.section("Table")
    labels = spec.labels or [str(i) for i in range(1, len(pv) + 1)]
    d.table(("outcome", "p_i", "q_i"), [(lab, a, b) for lab, a, b in zip(labels, pv, qv)])
    return d.solution(KIND, spec.title)
