"""Every step of every problem re-evaluates (SymPy, 30 digits) to its value, and the verifier
itself catches a step whose value does not follow from its formula."""

from __future__ import annotations

import dataclasses

import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solved


@pytest.mark.parametrize("detail", ["auto", "layers"])
def test_every_step_reevaluates(problem_path, detail):
    solution = solved(problem_path, detail=detail)
    assert verify_solution(solution) == []


def test_verifier_catches_a_wrong_value(problem_path):
    solution = solved(problem_path)  # replaced below in copies: the shared one is left as it is
    steps = [s for s in solution.steps() if s.value is not None and s.bindings]
    if not steps:
        pytest.skip("symbolic problem: no numeric steps")
    victim = steps[len(steps) // 2]
    bad = dataclasses.replace(victim, value=victim.value * (1 + 1e-6) + 1e-9)
    sections = tuple(dataclasses.replace(sec, blocks=tuple(bad if b is victim else b for b in sec.blocks))
                     for sec in solution.sections)
    broken = dataclasses.replace(solution, sections=sections)
    assert verify_solution(broken)
