"""Blame: the first wrong quantity, found on the solution's real dependency graph.

Each answer's dependencies come from the bindings its steps recorded (Answer.depends). A wrong
answer is traced back through the answers it depends on; the walk stops at answers the student
got right (a right yhat between a wrong z2 and a wrong delta2 means the two slips are separate).
A first wrong answer is one with no wrong given answer behind it. For a vector or matrix, the
wrong entries are named (dW1[4,3]) and the steps that produce those entries are shown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

from dlsolve.marking.grade import Verdict
from dlsolve.solution import Given, Solution, Step

MAX_STEPS = 6  # steps shown for one first-wrong answer


@dataclass(frozen=True)
class Blame:
    root: str                               # the first wrong answer
    follows: tuple[str, ...]                # the wrong answers that follow from it
    entries: tuple[str, ...]                # its wrong entries, named as written (dW1[4,3])
    steps: tuple[Given | Step, ...]         # the steps that produce them


def ancestors(name: str, depends: dict[str, tuple[str, ...]], right: set[str]) -> list[str]:
    """The answers `name` is computed from, nearest first, not walking past right ones."""
    seen: set[str] = {name}
    order: list[str] = []
    queue = list(depends.get(name, ()))
    while queue:
        n = queue.pop(0)
        if n in seen:
            continue
        seen.add(n)
        if n in right:
            continue
        order.append(n)
        queue.extend(depends.get(n, ()))
    return order


def producing_steps(solution: Solution, keys: Sequence[str]) -> tuple[Given | Step, ...]:
    """The last step (or given) that produces each key, in the solution's order, shown."""
    wanted = set(keys)
    last: dict[str, Given | Step] = {}
    for section in solution.sections:
        for b in section.blocks:
            if isinstance(b, (Given, Step)) and b.quantity.key in wanted:
                last[b.quantity.key] = b
    out: list[Given | Step] = []
    for k in keys:
        found = last.get(k)
        if found is not None and found not in out:
            out.append(dataclasses.replace(found, shown=True) if isinstance(found, Step) else found)
    return tuple(out)


def blame(solution: Solution, verdicts: Sequence[Verdict], consistent: set[str] | None = None) -> tuple[Blame, ...]:
    """The first wrong answers and what follows from each.

    `consistent` names the wrong answers whose value is what the steps give from the student's
    own earlier answers (follow-through): only those, and those one diagnosis explains together
    with a wrong answer behind them, follow from it; any other wrong answer is a slip of its own.
    """
    by_name = {v.name: v for v in verdicts}
    depends = {a.name: a.depends for a in solution.answers}
    right = {v.name for v in verdicts if v.right}
    wrong = [v.name for v in verdicts if not v.right]
    behind = {n: [a for a in ancestors(n, depends, right) if a in by_name and not by_name[a].right] for n in wrong}
    if consistent is not None:
        # a wrong answer follows from one behind it when the steps give it from the student's own
        # values, or when one slip explains both (the same convention, sign or rounding)
        behind = {n: (b if n in consistent else
                      [a for a in b if by_name[n].diagnosis and by_name[a].diagnosis == by_name[n].diagnosis])
                  for n, b in behind.items()}
    roots = [n for n in wrong if not behind[n]]
    # one slip, one entry: a later first-wrong answer the same diagnosis explains (a sign flipped in
    # δ^[3] and so in dW3, whose steps the solution works from ∂L/∂ŷ, not from δ^[3]) joins the first
    merged: dict[str, list[str]] = {}
    for n in list(roots):
        d = by_name[n].diagnosis
        first = next((r for r in roots if r != n and d and by_name[r].diagnosis == d), None)
        if first is not None and roots.index(first) < roots.index(n):
            roots.remove(n)
            merged.setdefault(first, []).append(n)
    out = []
    for root in roots:
        joined = merged.get(root, [])
        follows = tuple(n for n in wrong if root in behind[n] or n in joined or any(j in behind[n] for j in joined))
        v = by_name[root]
        answer = solution.answer(root)
        size = 1
        for extent in v.shape:
            size *= extent
        if v.wrong_entries and v.shape and len(answer.keys) == size:
            flat = [_flat(idx, v.shape) for idx in v.wrong_entries]
            keys = [answer.keys[i] for i in flat]
            entries = tuple(v.entry_name(idx) for idx in v.wrong_entries)
        else:
            keys, entries = list(answer.keys), ()
        out.append(Blame(root, follows, entries, producing_steps(solution, keys[:MAX_STEPS])))
    return tuple(out)


def _flat(idx: tuple[int, ...], shape: tuple[int, ...]) -> int:
    n = 0
    for i, d in zip(idx, shape):
        n = n * d + i
    return n
