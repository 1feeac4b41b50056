"""Shared helpers: solve a problem from text or file, and the list of problem files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

from dlsolve.kinds import SolveOptions
from dlsolve.load import load_problem, load_text

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted((ROOT / "problems").glob("*.yaml"))

# CI=1 (set by .ci/run): the same examples every run, so a red build is the code, not the draw.
# Without CI: fresh random examples each run. DLSOLVE_EXPLORE=1: many more, for a long hunt
# (README, Development); examples that found bugs stay in the tests as @example.
settings.register_profile("ci", derandomize=True, max_examples=60, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile("explore" if os.environ.get("DLSOLVE_EXPLORE") else "ci" if os.environ.get("CI") else "dev")


def solve_file(path, **options):
    """A problem file solved with SolveOptions(**options) (its defaults: no second copy here)."""
    p = load_problem(str(path))
    return p.module.solve(p.spec, SolveOptions(**options))


def solve_text(text: str, **options):
    p = load_text(text, "problem.yaml")
    return p.module.solve(p.spec, SolveOptions(**options))


def solve_data(data: dict, **options):
    """A problem written as a dict (JSON is YAML 1.2), through the real loader."""
    return solve_text(json.dumps(data), **options)


@pytest.fixture(params=PROBLEMS, ids=[p.name for p in PROBLEMS])
def problem_path(request):
    return request.param
