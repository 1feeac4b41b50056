"""Follow-through ("error carried forward"): what each answer would be from the student's own
earlier answers.

The solution's steps are evaluated again in order, each from its own formula; where a step
produces an answer the student gave, the student's value takes its place for everything after
it. An answer is then right "by follow-through" when the student's value equals what the
steps give from the student's own inputs. Only steps downstream of a changed value are
evaluated again, so grading a class stays fast.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

import numpy as np

from dlsolve.expr import Expr, evaluate
from dlsolve.solution import Answer, Given, Section, Solution, Step


def _blocks(solution: Solution) -> list[Given | Step]:
    return [b for s in solution.sections for b in s.blocks if isinstance(b, (Given, Step))]


def entry_values(answer: Answer, value: np.ndarray) -> dict[str, Any]:
    """The value of each of the answer's step keys, given the whole answer's value."""
    keys = answer.keys
    if len(keys) == value.size and len(keys) > 1:
        return {k: float(v) for k, v in zip(keys, value.reshape(-1))}
    if len(keys) == 1:
        return {keys[0]: float(value) if value.ndim == 0 else value}
    return {}


def _ref(answer: Answer) -> Any:
    try:
        return np.asarray(answer.value, dtype=float)
    except (TypeError, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-12 * abs(b)
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-12, atol=0.0, equal_nan=True))
    except (TypeError, ValueError):
        return False


def recompute(solution: Solution, student: Mapping[str, np.ndarray],
              transform: Optional[Callable[[Section, Step], Optional[Expr]]] = None) -> dict[str, Any]:
    """Every step key → its value when the student's answers replace the reference's ones.

    `student` maps answer names to the student's values, shaped like the reference. `transform`
    may give a step another formula (a slip made in every such step: an update's sign).
    """
    blocks = _blocks(solution)
    sections = [s for s in solution.sections for b in s.blocks if isinstance(b, (Given, Step))]
    last = {b.quantity.key: i for i, b in enumerate(blocks)}
    override: dict[str, Any] = {}
    for a in solution.answers:
        if a.name in student:
            override.update(entry_values(a, student[a.name]))
    env: dict[str, Any] = {}
    dirty: set[str] = set()
    computed: dict[str, Any] = {}
    for i, b in enumerate(blocks):
        key = b.quantity.key
        value: Any = b.value
        changed = False
        other = transform(sections[i], b) if transform is not None and isinstance(b, Step) else None
        if isinstance(b, Step) and b.value is not None and (
                other is not None or (dirty and any(k in dirty for k in b.bindings))):
            inputs = {k: env.get(k, v) for k, v in b.bindings.items()}
            try:
                with np.errstate(all="ignore"):
                    value = evaluate(other if other is not None else b.formula, inputs)
                changed = True
            except Exception:  # noqa: BLE001 - a value the formula cannot take: keep the reference
                value = b.value
        computed[key] = value
        final = value
        if i == last[key] and key in override:
            final, changed = override[key], True
        if changed and b.value is not None and not _same(final, b.value):
            dirty.add(key)
        else:
            dirty.discard(key)
        env[key] = final
    return computed


def follow_values(solution: Solution, student: Mapping[str, np.ndarray],
                  transform: Optional[Callable[[Section, Step], Optional[Expr]]] = None) -> dict[str, np.ndarray]:
    """For each answer whose steps can be re-evaluated: its value from the student's inputs."""
    computed = recompute(solution, student, transform)
    out: dict[str, np.ndarray] = {}
    for a in solution.answers:
        ref = _ref(a)
        if ref is None or not a.keys or any(k not in computed or computed[k] is None for k in a.keys):
            continue
        if len(a.keys) == ref.size and len(a.keys) > 1:
            out[a.name] = np.array([float(np.asarray(computed[k]).reshape(-1)[0]) for k in a.keys]).reshape(ref.shape)
        elif len(a.keys) == 1 and np.size(computed[a.keys[0]]) == ref.size:
            out[a.name] = np.asarray(computed[a.keys[0]], dtype=float).reshape(ref.shape)
    return out
