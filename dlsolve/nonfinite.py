"""Why a value is NaN or ∞: a note for every step whose value is not finite.

A solution may hold an infinite or undefined value for a true reason (log 0 of a prediction
that is exactly 0, a score whose e^z overflows float64). It must never show one silently:
`explain(solution)` gives each such step a note naming the cause — the input that already
was not finite, or the innermost operation of the step's own formula that made it so.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping, Optional

import numpy as np

from dlsolve import expr as E
from dlsolve.solution import Phrase, Prose, Solution, Step

def _finite(v: object) -> bool:
    try:
        return bool(np.all(np.isfinite(np.asarray(v, dtype=float))))
    except (TypeError, ValueError):
        return True


def _value(e: E.Expr, env: Mapping[str, Any]) -> Optional[object]:
    try:
        with np.errstate(all="ignore"):
            return E.evaluate(e, env)
    except Exception:  # unbound (symbolic) or not evaluable: no reason to give
        return None


def _what(v: object) -> str:
    a = np.asarray(v, dtype=float)
    if np.any(np.isnan(a)):
        return "NaN"
    return "−∞" if np.all(a[np.isinf(a)] < 0) else "∞"


def _describe(e: E.Expr, env: Mapping[str, object], value: object) -> str:
    """The cause at the node where the value stops being finite (its children are finite)."""
    args = [_value(c, env) for c in e.children()]
    if isinstance(e, E.Call):
        why = e.fn.why_not_finite(args)
        if why:
            return why
    if isinstance(e, E.Div):
        den = np.asarray(args[1], dtype=float)
        if np.any(den == 0):
            num = np.asarray(args[0], dtype=float)
            return ("it divides 0 by 0 (undefined: NaN)" if np.any((den == 0) & (num == 0))
                    else "it divides by 0")
    if _what(value) == "NaN":
        return "float64 reaches an undefined operation (0·∞, ∞ − ∞ or ∞/∞)"
    return "the value exceeds the largest float64 number (about 1.8·10³⁰⁸)"


def _origin(e: E.Expr, env: Mapping[str, object]) -> Optional[str]:
    for child in e.children():
        found = _origin(child, env)
        if found:
            return found
    value = _value(e, env)
    if value is None or _finite(value):
        return None
    return _describe(e, env, value)


def reason(step: Step) -> Optional[str]:
    """Why this step's value is NaN or ±∞ (None when it is finite or in symbolic mode)."""
    if step.value is None or (isinstance(step.value, float) and math.isfinite(step.value)) or _finite(step.value):
        return None
    if any(isinstance(n, E.Num) and isinstance(n.value, float) and not math.isfinite(n.value)
           for n in step.formula.walk()):
        return None  # the ∞ is written in the formula itself (a ROC curve's first threshold)
    what = _what(step.value)
    for sym in step.formula.symbols():
        v = step.bindings.get(sym.key)
        if v is not None and not _finite(v):
            if what == "NaN" and _what(v) != "NaN":  # ∞ made NaN here: ∞·0 (an optimizer's ε = 0, g = 0)
                return f"NaN: {sym.uni} is {_what(v)} (see its step), and {_undefined(step.formula, step.bindings)}"
            return f"{what}: {sym.uni} is already {_what(v)} (see its step), and it carries into this one"
    cause = _origin(step.formula, step.bindings)
    return f"{what}: {cause}" if cause else f"{what} in float64"


def _undefined(e: E.Expr, env: Mapping[str, object]) -> str:
    """The undefined operation of float64 at the innermost node whose value turns NaN."""
    for child in e.children():
        v = _value(child, env)
        if v is not None and _what(v) == "NaN" and not _finite(v):
            return _undefined(child, env)
    if isinstance(e, E.Mul):
        return "0·∞ is undefined (NaN)"
    if isinstance(e, (E.Add, E.Neg)):
        return "∞ − ∞ is undefined (NaN)"
    if isinstance(e, E.Div):
        return "0/0 or ∞/∞ is undefined (NaN)"
    return "float64 reaches an undefined operation (0·∞, ∞ − ∞ or ∞/∞)"


def explain(solution: Solution) -> Solution:
    """The solution with a reason on every step whose value is not finite."""
    changed = False
    sections = []
    for section in solution.sections:
        blocks = []
        for block in section.blocks:
            if isinstance(block, Step):
                why = reason(block)
                if why and not _says_why(block.note):
                    note = why if not block.note else _joined(block.note, why)
                    block = dataclasses.replace(block, note=note)
                    changed = True
            blocks.append(block)
        sections.append(dataclasses.replace(section, blocks=tuple(blocks)) if changed else section)
    return dataclasses.replace(solution, sections=tuple(sections)) if changed else solution


def _joined(note: Prose, why: str) -> Prose:
    """The step's own note, then the reason (a Phrase keeps its values for the renderer)."""
    if isinstance(note, Phrase):
        return Phrase(note.template + "; " + why.replace("{", "{{").replace("}", "}}"), **dict(note.values))
    return f"{note}; {why}"


def _says_why(note: object) -> bool:
    """A note that already explains an infinite or undefined value."""
    text = str(note or "")
    return any(w in text for w in ("∞", "NaN", "infinite", "undefined"))

