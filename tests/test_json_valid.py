"""JSON output is always strict JSON: no bare NaN/Infinity, no −0.0; a non-finite value is null
with `non_finite` (which) and `reason` (why)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from tests.conftest import PROBLEMS


def strict(text: str):
    def refuse(token):
        raise AssertionError(f"bare {token} in JSON output")
    return json.loads(text, parse_constant=refuse)


def run(*args):
    return CliRunner().invoke(main, list(args))


def numeric(value) -> bool:
    """A number or a rectangular array of numbers (not a formula, not ragged shapes)."""
    import numpy as np
    try:
        arr = np.asarray(value, dtype=float)
        return arr.size > 0 and bool(np.isfinite(arr).all())
    except (TypeError, ValueError):
        return False


def numbers(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from numbers(v)
    elif isinstance(node, float):
        yield node


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_every_problem_solves_to_strict_json_and_checks_to_strict_json(path, tmp_path):
    r = run("solve", str(path), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = strict(r.stdout)
    assert all(str(x) != "-0.0" for x in numbers(doc))
    answers = {k: v for k, v in doc["answers"].items() if numeric(v)}
    if not answers:
        return
    (tmp_path / "answers.json").write_text(json.dumps(answers))  # JSON is YAML 1.2
    c = run("check", str(path), str(tmp_path / "answers.json"), "--format", "json")
    assert c.exit_code in (0, 1), c.output
    report = strict(c.stdout)
    assert {v["name"] for v in report["verdicts"]} == set(answers)


def test_infinite_answers_are_null_with_the_reason(tmp_path):
    # P puts all mass where Q has none: H(P, Q) and KL(P‖Q) are +∞; H(P) = −(1·log 1) = 0 (not −0.0).
    problem = tmp_path / "e.yaml"
    problem.write_text("kind: entropy\np: [1, 0]\nq: [0, 1]\n")
    r = run("solve", str(problem), "--format", "json")
    assert r.exit_code == 0, r.output
    doc = strict(r.stdout)
    assert doc["answers"]["kl_pq"] is None and doc["answers"]["cross_entropy"] is None
    assert doc["non_finite_answers"]["kl_pq"]["non_finite"] == ["Infinity"]
    assert "infinite" in doc["non_finite_answers"]["kl_pq"]["reason"]
    assert doc["answers"]["entropy_p"] == 0 and "-0.0" not in r.stdout
    infinite_steps = [s for s in doc["steps"] if "non_finite" in s]
    assert infinite_steps and all(s["value"] is None and s["reason"] for s in infinite_steps)

    (tmp_path / "a.yaml").write_text("kl_pq: 3.5\nentropy_p: 0\n")
    c = run("check", str(problem), str(tmp_path / "a.yaml"), "--format", "json")
    assert c.exit_code == 1, c.output
    verdicts = {v["name"]: v for v in strict(c.stdout)["verdicts"]}
    assert verdicts["kl_pq"]["reference"] is None and verdicts["kl_pq"]["non_finite"] == ["Infinity"]
    assert verdicts["kl_pq"]["right"] is False and verdicts["entropy_p"]["right"] is True


def test_plain_value_never_writes_non_finite_numbers():
    import numpy as np

    from dlsolve.render.json import dumps, non_finite, plain_value

    value = np.array([[1.5, np.nan], [np.inf, -np.inf]])
    assert plain_value(value) == [[1.5, None], [None, None]]
    assert non_finite(value) == ["NaN", "Infinity", "-Infinity"]
    assert plain_value(-0.0) == 0.0 and str(plain_value(-0.0)) == "0.0"
    with pytest.raises(ValueError):
        dumps({"x": float("nan")})  # a bare NaN is a bug, never output
