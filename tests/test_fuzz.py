"""Fuzzing in the suite: a fixed set of mutated problem files (tests/fuzz.py) through the CLI.

Every case must end with exit 0, 1 or 2 and no traceback; every exit-2 line names the file
(`file:` or `file:line:col`); JSON output is strict JSON; within CASE_SECONDS and
CASE_MEMORY_MB (cases run in worker processes, so a crash or a hang is a failure, not the end
of the suite). The cases are the same on every run (a fixed seed), CASES_PER_FILE per problem
file. `python -m tests.fuzz --cases 10000` runs a longer hunt (README, Development).

A case known to fail because of code another area owns may match an entry of KNOWN: its test
is then an xfail that names the area and its reproducer (the list is empty: no known live bug); every other
failure fails the test. Remove an entry when its fix lands.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

from tests import fuzz
from tests.conftest import PROBLEMS

# The suite's share: 8 cases a file (about 700 in all) keeps the test command quick; .ci/run runs
# 64 a file (DLSOLVE_FUZZ_CASES) after it, and `python -m tests.fuzz` is the long hunt.
CASES_PER_FILE = int(os.environ.get("DLSOLVE_FUZZ_CASES", "8"))
BASE_SEED = 0
CASE_SECONDS = 15.0   # a case still running is a hang (the slowest good case takes about 2 s)


@dataclass(frozen=True)
class Known:
    area: str
    outcome: str     # regular expression on the outcome ("exit 3", "hang > …")
    output: str      # regular expression on the output
    context: str     # regular expression on "seed file | command | mutations"
    reason: str


# Empty: every bug once listed here (check on ragged shapes, unbounded optimizer gradients, a long
# convolve signal, huge exact powers, the exact printer on huge numbers, huge layer counts, NumPy
# warnings on stderr, symbolic backprop sizes, graph input sizes, conv-transpose strides) is fixed,
# each with its own test; issue 26 checked each reproducer against the code. An entry is added only
# for a live bug, with its reproducer, and removed when its fix lands.
KNOWN: list[Known] = []


def known(result: fuzz.Result) -> Known | None:
    case = result.case
    context = f"{case.seed} | {' '.join(case.args)} | {'; '.join(case.mutations)}"
    for k in KNOWN:
        if (re.search(k.outcome, result.outcome) and re.search(k.output, result.output, re.S)
                and re.search(k.context, context)):
            return k
    return None


@pytest.fixture(scope="module")
def pool():
    p = fuzz.Pool(workers=2, seconds=CASE_SECONDS, memory_mb=fuzz.CASE_MEMORY_MB)
    yield p
    p.close()


@pytest.fixture(scope="module")
def seeds():
    return {s.path.name: s for s in fuzz.load_seeds()}


class _Cases(dict):
    """file name → its CASES_PER_FILE cases, each file's made when first asked for, once."""

    def __init__(self, seeds: dict[str, fuzz.Seed]):
        super().__init__()
        self.seeds = seeds

    def __missing__(self, name: str) -> list[fuzz.Case]:
        made = self[name] = [fuzz.make_case(self.seeds[name], i, BASE_SEED) for i in range(CASES_PER_FILE)]
        return made


@pytest.fixture(scope="module")
def cases(seeds):
    """The suite's cases, made once: the mutation test runs them and the coverage test reads their
    mutations (making them is about 10 ms a case, 7 s for the catalogue)."""
    return _Cases(seeds)


def describe(result: fuzz.Result) -> str:
    args = " ".join(result.case.args)
    return (f"{result.case.ident}: {result.outcome} ({result.seconds:.1f} s)\n  dlsolve {args}\n"
            f"  mutations: {'; '.join(result.case.mutations)}\n  output: {result.output.strip()[-600:]}")


@pytest.mark.parametrize("name", [p.name for p in PROBLEMS])
def test_mutations_of_a_problem_never_crash_hang_or_print_a_traceback(name, pool, cases):
    mine = cases[name]
    results = pool.run(mine)
    assert len(results) == len(mine)
    slow = [i for i, r in enumerate(results) if r.outcome.startswith("hang") and known(r) is None]
    if slow:  # on a busy machine a good case can pass the limit: a hang must also fail alone, at 4×
        again = fuzz.Pool(workers=1, seconds=4 * CASE_SECONDS)
        try:
            for i, r in zip(slow, again.run([results[i].case for i in slow])):
                results[i] = r
        finally:
            again.close()
    failures = [r for r in results if not r.ok]
    unknown = [r for r in failures if known(r) is None]
    assert not unknown, "\n\n".join(describe(r) for r in unknown)
    if failures:
        areas = sorted({f"{k.area}: {k.reason}" for k in map(known, failures) if k})
        pytest.xfail(f"{len(failures)} of {len(mine)} cases fail in other areas — " + "; ".join(areas))


def test_cases_are_reproducible_and_cover_the_mutation_kinds(seeds, cases):
    seed = seeds[PROBLEMS[0].name]
    a = [fuzz.make_case(seed, i, BASE_SEED) for i in range(40)]
    b = [fuzz.make_case(seed, i, BASE_SEED) for i in range(40)]
    assert [(c.files, c.args) for c in a] == [(c.files, c.args) for c in b]
    n = min(len(a), CASES_PER_FILE)  # the cases the other test ran are these too
    assert [(c.files, c.args) for c in cases[PROBLEMS[0].name][:n]] == [(c.files, c.args) for c in a[:n]]
    every = [m for name in seeds for c in cases[name] for m in c.mutations]
    for kind in ("value", "delete", "shape", "huge", "expression", "alias", "merge", "alias bomb", "deep",
                 "unicode", "duplicate key", "text", "answers"):
        assert any(m.startswith(kind) for m in every), kind


def test_the_classifier_catches_what_it_must():
    case = fuzz.Case("x", "p.yaml", [], {"problem.yaml": b""}, ["solve", "{dir}/problem.yaml", "--format", "json"])
    assert fuzz.classify(case, "/d", 2, "", "/d/problem.yaml:3:4: x: bad\n", SystemExit(2)) == "exit 2"
    assert fuzz.classify(case, "/d", 2, "", "bad input\n", SystemExit(2)) == "exit 2 without file:"
    assert fuzz.classify(case, "/d", 3, "", "internal error: …\n", SystemExit(3)) == "exit 3"
    assert fuzz.classify(case, "/d", 1, "", "", ValueError("x")) == "uncaught ValueError"
    assert fuzz.classify(case, "/d", 0, '{"a": NaN}', "", None) == "invalid json"
    assert fuzz.classify(case, "/d", 0, "Traceback (most recent call last):\n", "", None) == "traceback"
    assert fuzz.classify(case, "/d", 0, '{"a": null}', "", None) == "exit 0"
