"""Shared steps of the probability kinds (softmax, loss, entropy, distillation)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from dlsolve.derivation import Derivation
from dlsolve.errors import Path, SpecInvalid, describe, did_you_mean
from dlsolve.expr import Expr, Sym, call, total

LOG_FUNCTION = {"e": "log", "2": "log2", "10": "log10"}
LOG_UNIT = {"e": "nats", "2": "bits", "10": "hartleys (base-10 units)"}
# How a problem may write each base (YAML's 2 may arrive as 2.0; e also as ln or natural).
LOG_SPELLINGS = {"2": ("2", "2.0"), "10": ("10", "10.0"), "e": ("e", "ln", "natural")}


def log_base(value: Any, path: Path) -> str:
    """'e', '2' or '10' from YAML's e, 2 or 10."""
    text = str(value).strip().lower()
    for base, spellings in LOG_SPELLINGS.items():
        if text in spellings:
            return base
    raise SpecInvalid(f"expected a log base of e, 2 or 10, got {value!r}", path)


# A class written by name with no class names to find it among (NameNeeds' message; `{name}` is the name).
NAME_NEEDS_CLASSES = "'{name}' is a class name: add classes: (every class's name, in order)"


def class_index(label: Any, classes: Optional[Sequence[str]], n: int, path: Path) -> int:
    """The 0-based index of a class given by name (one of `classes`) or by index (0 … n − 1)."""
    if isinstance(label, str):
        if not classes:
            raise SpecInvalid(NAME_NEEDS_CLASSES.replace("{name}", label), path)
        if label not in classes:
            raise SpecInvalid(f"label {did_you_mean(label, list(classes))}", path)
        return list(classes).index(label)
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise SpecInvalid(f"expected a class index or name, got {describe(label)}", path)
    if not 0 <= label < n:
        raise SpecInvalid(f"expected a class index from 0 to {n - 1} (0-based), got {label}", path)
    return int(label)


def needs_shift(z: Any) -> bool:
    """True when e^z would overflow, or underflow to 0 for every entry: then the largest z is
    subtracted before exponentiating (softmax is unchanged by a common shift). The one rule for
    every softmax (kind: softmax, loss from logits, a backprop softmax output)."""
    z = np.asarray(z, dtype=float)
    if z.size == 0:  # no finite score at all (an overflow upstream): nothing to shift
        return False
    return bool(np.max(z) > 700 or np.max(z) < -700)


def softmax_steps(d: Derivation, scores: Sequence[Sym], T: Optional[Sym], out: Sequence[Sym],
                  tag: str) -> list[float]:
    """e^(s_i/T) for each i, their sum, and p_i = e^(s_i/T)/Σ; returns the p_i.

    When the exponentials would overflow (scores like 1000) or all underflow (−1000), the
    largest s/T is subtracted first — the ratio is unchanged — and a note says so.
    """
    def arg(s: Sym) -> Expr:
        return s if T is None else s / T

    zvals = np.array([d.env[s.key] / (1.0 if T is None else d.env[T.key]) for s in scores])
    shift = needs_shift(zvals)
    m = None
    if shift:
        m = Sym(f"max@{tag}", "m", "m")
        d.derive(m, call("max", *(arg(s) for s in scores)) if len(scores) > 1 else arg(scores[0]),
                 note="the largest exponent, subtracted before exponentiating: e^(x − m) cannot overflow, "
                      "and the common factor e^(−m) cancels in the ratio")
    exps = []
    for i, s in enumerate(scores, 1):
        power = arg(s) if m is None else arg(s) - m
        text = _power_text(s, T, m is not None)
        e = Sym(f"exp{i}@{tag}", f"e^({text[0]})", f"e^{{{text[1]}}}")
        d.derive(e, call("exp", power))
        exps.append(e)
    sum_exp = Sym(f"sumexp@{tag}", "Σ", r"\Sigma")
    d.derive(sum_exp, total(exps),
             note=None if shift else "frameworks subtract the largest score first for numerical "
                                     "stability; here it changes nothing")
    probs = []
    for e, p in zip(exps, out):
        probs.append(d.scalar(p, e / sum_exp))
    check = Sym(f"sum_p@{tag}", "Σ p", r"\sum p")
    d.derive(check, total(out), note="the check: the probabilities sum to 1")
    return probs


def _power_text(s: Sym, T: Optional[Sym], shifted: bool) -> tuple[str, str]:
    uni, tex = (s.uni, s.tex) if T is None else (f"{s.uni}/{T.uni}", rf"{s.tex}/{T.tex}")
    if shifted:
        uni, tex = uni + " − m", tex + " - m"
    return uni, tex
