"""Shared helpers: solve a problem from text or file, and the list of problem files."""

from __future__ import annotations

import functools
import hashlib
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


_FINGERPRINTS: dict[tuple[str, SolveOptions], str] = {}


@functools.lru_cache(maxsize=None)
def _solved(path: str, options: SolveOptions):
    p = load_problem(path)
    solution = p.module.solve(p.spec, options)
    _FINGERPRINTS[(path, options)] = _fingerprint(solution)
    return solution


def solved(path, **options):
    """`solve_file`, once per session for each (file, options): the sweeps over problems/ (golden
    files, question sheets, HTML, verification, exports) share one solution instead of solving
    every file again for each format and property. A Solution is a frozen dataclass whose arrays
    the Derivation made read-only; its dicts and lists are not, so `shared_solutions_unchanged`
    fails the session if any test changed a shared one. A test that patches the code before
    solving must call `solve_file`, never this."""
    return _solved(str(path), SolveOptions(**options))


@functools.lru_cache(maxsize=None)
def _rendered(path: str, fmt: str, precision: int) -> str:
    from dlsolve.render import renderer

    return renderer(fmt)(precision=precision).render(solved(path))


def rendered(path, fmt: str, precision: int = 4) -> str:
    """`solved(path)` rendered in `fmt` (a renderer's defaults otherwise), once per session: the
    golden files and the format sweeps (well-formed HTML, …) read the same text."""
    return _rendered(str(path), fmt, precision)


def _fingerprint(solution) -> str:
    """Every field of the solution, every entry of its dicts and lists (repr, not pickle: an
    expression node memoises its symbols in a private attribute, which is no change)."""
    return hashlib.sha256(repr(solution).encode()).hexdigest()


@pytest.fixture(scope="session", autouse=True)
def shared_solutions_unchanged():
    """After the session, every shared solution is still what its solver returned."""
    yield
    changed = [key for key, digest in _FINGERPRINTS.items() if _fingerprint(_solved(*key)) != digest]
    assert not changed, f"a test changed a shared solution (use solve_file for a private copy): {changed[:3]}"


def solve_text(text: str, **options):
    p = load_text(text, "problem.yaml")
    return p.module.solve(p.spec, SolveOptions(**options))


def solve_data(data: dict, **options):
    """A problem written as a dict (JSON is YAML 1.2), through the real loader."""
    return solve_text(json.dumps(data), **options)


@pytest.fixture(params=PROBLEMS, ids=[p.name for p in PROBLEMS])
def problem_path(request):
    return request.param
