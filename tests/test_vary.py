"""Exam variants: reproducible by seed, every variant solves and none is ill-posed (checked here
independently of dlsolve.vary's own test), the draws keep to their rules, ill-posed draws are
redrawn with the reason counted, and `dlsolve check` grades each student against their variant."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve.cli import main
from dlsolve.load import parse_data
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "exam-backprop.yaml"
CNN = ROOT / "examples" / "exam-cnn.yaml"


def vary(tmp: Path, problem: Path, *args: str) -> CliRunner:
    r = CliRunner().invoke(main, ["vary", str(problem), "-o", str(tmp), *args])
    assert r.exit_code == 0, r.output
    return r


def variant_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*-v*.yaml"))


def test_the_problem_with_a_vary_section_solves_as_written():
    r = CliRunner().invoke(main, ["backprop", str(EXAMPLE)])
    assert r.exit_code == 0, r.output


def test_variants_are_reproducible_by_seed_and_independent_of_count(tmp_path):
    vary(tmp_path / "a", EXAMPLE, "--count", "6", "--seed", "11")
    vary(tmp_path / "b", EXAMPLE, "--count", "6", "--seed", "11")
    vary(tmp_path / "c", EXAMPLE, "--count", "3", "--seed", "11")
    vary(tmp_path / "d", EXAMPLE, "--count", "6", "--seed", "12")
    a, b, c, d = ([p.read_text(encoding="utf-8") for p in variant_files(tmp_path / x)] for x in "abcd")
    assert len(a) == 6 and a == b
    assert c == a[:3]
    assert a != d
    assert len(set(body.split("\n", 2)[2] for body in a)) > 1  # the variants differ from each other


def test_every_variant_solves_keeps_its_rules_and_is_well_posed(tmp_path):
    r = vary(tmp_path, EXAMPLE, "--count", "30", "--seed", "7")
    files = variant_files(tmp_path)
    assert len(files) == 30 and "redrawn" in r.output
    base = parse_data(EXAMPLE.read_text(encoding="utf-8"), "x")
    for path in files:
        data = parse_data(path.read_text(encoding="utf-8"), path.name)
        # the rules, checked on the written data
        assert all(isinstance(v, int) and -2 <= v <= 3 for v in data["input"])
        w1 = np.array(data["layers"][0]["weights"])
        assert w1.shape == (2, 2) and np.all(w1 == np.round(w1)) and np.all(np.abs(w1) <= 2) and np.all(w1 != 0)
        w2 = np.array(data["layers"][1]["weights"], dtype=float)
        assert w2.shape == (2, 1) and np.all(np.isin(w2, [-1, -0.5, 0, 0.5, 1]))
        assert data["target"] in (0, 1) and data["learning_rate"] in (0.1, 0.5, 1)
        assert data["layers"][0]["bias"] == base["layers"][0]["bias"] and data["loss"] == base["loss"]
        assert "vary" not in data
        # solved, and well-posed by a forward pass written here: no unit saturated, all finite
        sol = dlsolve.solve(path)
        x = np.array(data["input"], dtype=float)
        a1 = 1 / (1 + np.exp(-(x @ w1 + np.array(data["layers"][0]["bias"], dtype=float))))
        z2 = a1 @ w2 + data["layers"][1]["bias"]
        yhat = 1 / (1 + np.exp(-z2))
        for a in (a1, yhat):
            assert np.all(a * (1 - a) >= 1e-4), path.name
        assert float(np.ravel(sol.answers["yhat"])[0]) == pytest.approx(float(yhat[0]), rel=1e-12)
        assert all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in sol.answers.as_dict().values())
    manifest = json.loads((tmp_path / "variants.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 7 and [v["variant"] for v in manifest["variants"]] == list(range(1, 31))
    questions = (tmp_path / "questions.md").read_text(encoding="utf-8")
    key = (tmp_path / "answer-key.md").read_text(encoding="utf-8")
    assert "variant 30" in questions and "variant 30" in key
    # the exam paper: no working, a Find list naming the answers, each variant's line to begin with
    assert "Backward pass" not in questions and "## Answers" not in questions
    assert "`W1_new`" in questions and "begin with the line variant: 30." in questions
    assert len(key) > 3 * len(questions)


def test_non_integer_conv_shapes_are_redrawn_and_counted(tmp_path):
    r = vary(tmp_path, CNN, "--count", "8", "--seed", "3")
    assert "output shape is not a whole number" in r.output
    manifest = json.loads((tmp_path / "variants.json").read_text(encoding="utf-8"))
    assert sum(manifest["redrawn"].values()) == sum(v["draws"] - 1 for v in manifest["variants"]) > 0
    for path in variant_files(tmp_path):
        data = parse_data(path.read_text(encoding="utf-8"), path.name)
        h, w, _ = data["input"]
        k = data["layers"][0]["conv2d"]["kernel"]
        for n in (h, w):  # valid conv (stride 1), 2×2 pool, valid conv k = 3 stride 2: each exact
            n = n - k + 1
            assert n % 2 == 0, path.name
            n //= 2
            assert (n - 3) % 2 == 0, path.name
        assert dlsolve.solve(path).kind == "conv"


def test_saturated_units_and_solve_errors_are_redrawn(tmp_path):
    sat = tmp_path / "sat.yaml"
    sat.write_text("kind: backprop\ninput: [1]\ntarget: 1\nlayers:\n  - weights: [[1]]\n    activation: sigmoid\n"
                   "loss: bce\nlearning_rate: 0.5\nvary:\n  input[0]: {choices: [0.5, 100, -100, 2]}\n"
                   "  learning_rate: {range: [0.1, 0.9], step: 0.1}\n", encoding="utf-8")
    r = vary(tmp_path / "sat", sat, "--count", "12", "--seed", "1")  # 18 distinct well-posed draws
    assert "a saturated unit" in r.output
    inputs = {parse_data(p.read_text(encoding="utf-8"), p.name)["input"][0] for p in variant_files(tmp_path / "sat")}
    assert inputs <= {0.5, 2}
    big = tmp_path / "big.yaml"
    big.write_text("kind: conv\ninput: [6, 6, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n"
                   "vary:\n  layers[0].conv2d.kernel: {choices: [3, 9]}\n"
                   "  layers[0].conv2d.filters: {integers: [1, 8]}\n", encoding="utf-8")  # no variant repeats another
    r = vary(tmp_path / "big", big, "--count", "6", "--seed", "2")
    assert "does not solve" in r.output
    kernels = {parse_data(p.read_text(encoding="utf-8"), p.name)["layers"][0]["conv2d"]["kernel"]
               for p in variant_files(tmp_path / "big")}
    assert kernels == {3}


def test_an_impossible_vary_is_an_error_not_a_hang(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: conv\ninput: [6, 6, 1]\nlayers:\n  - conv2d: {filters: 2, kernel: 3}\n"
                   "vary:\n  layers[0].conv2d.kernel: {choices: [9]}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["vary", str(bad), "--count", "2", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no well-posed draw" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("section, where", [
    ("vary:\n  nothing: {range: [1, 2]}\n", ":5:3: vary.nothing: the problem has no value at nothing"),
    ("vary:\n  scores: {range: [2, 1]}\n", ":5:19: vary.scores.range: low 2 is above high 1"),
    ("vary:\n  scores: {spread: 2}\n", ":5:12: vary.scores.spread: unknown key 'spread'"),
    ("vary:\n  scores: {range: [1, 2], choices: [1]}\n", ":5:11: vary.scores: expected exactly one of"),
    ("vary:\n  scores[0]: {integers: [0.5, 2]}\n", ":5:25: vary.scores[0].integers: expected whole numbers"),
    ("vary: 3\n", ":4:7: vary: expected a mapping"),
])
def test_a_bad_vary_section_is_located(tmp_path, section, where):
    p = tmp_path / "p.yaml"
    p.write_text("kind: softmax\nscores: [1, 2]\ntemperature: 1\n" + section, encoding="utf-8")
    r = CliRunner().invoke(main, ["vary", str(p), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"{p}{where}"), r.output
    assert "Traceback" not in r.output


def test_no_vary_section_is_an_error(tmp_path):
    r = CliRunner().invoke(main, ["vary", str(ROOT / "problems" / "p3-delta-rule.yaml"), "-o", str(tmp_path)])
    assert r.exit_code == 2 and "no `vary:` section" in r.output


def test_check_grades_each_student_against_their_own_variant(tmp_path):
    vary(tmp_path / "v", EXAMPLE, "--count", "5", "--seed", "7")
    files = variant_files(tmp_path / "v")
    yhats = {n: float(np.ravel(dlsolve.solve(f).answers["yhat"])[0]) for n, f in enumerate(files, 1)}
    assert len({round(y, 3) for y in yhats.values()}) == 5  # every variant has its own answer
    answers = tmp_path / "answers"
    answers.mkdir()
    # each student answers variant n right; "mallory" copies variant 2's answer into variant 4
    for n, y in yhats.items():
        (answers / f"s{n}.yaml").write_text(f"variant: {n}\nyhat: {y:.3f}\n", encoding="utf-8")
    (answers / "mallory.yaml").write_text(f"variant: 4\nyhat: {yhats[2]:.3f}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "v"), str(answers), "--format", "json"])
    assert r.exit_code == 1, r.output  # mallory is wrong
    students = {Path(s["student"]).stem: s for s in json.loads(r.output)["students"]}
    assert all(students[f"s{n}"]["all_right"] for n in yhats)
    assert not students["mallory"]["all_right"]
    one = CliRunner().invoke(main, ["check", str(tmp_path / "v"), str(answers / "s3.yaml")])
    assert one.exit_code == 0 and "variant 3" in one.output
    (answers / "s3.yaml").write_text("yhat: 0.5\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "v"), str(answers / "s3.yaml")])
    assert r.exit_code == 2 and "does not say which variant" in r.output
    (answers / "s3.yaml").write_text("variant: 9\nyhat: 0.5\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(tmp_path / "v"), str(answers / "s3.yaml")])
    assert r.exit_code == 2 and "s3.yaml:1:1: variant: expected a variant number 1–5" in r.output


def test_a_range_keeps_to_its_grid(tmp_path):
    p = tmp_path / "lr.yaml"
    p.write_text("kind: softmax\nscores: [1, 2, 3]\ntemperature: 1\n"
                 "vary:\n  temperature: {range: [0.5, 2], step: 0.25}\n  scores: {range: [-1, 1], step: 0.1}\n",
                 encoding="utf-8")
    vary(tmp_path / "o", p, "--count", "20", "--seed", "5")
    temps = set()
    for f in variant_files(tmp_path / "o"):
        data = parse_data(f.read_text(encoding="utf-8"), f.name)
        t = data["temperature"]
        temps.add(t)
        assert 0.5 <= t <= 2 and math.isclose((t - 0.5) / 0.25, round((t - 0.5) / 0.25), abs_tol=1e-9)
        assert len(data["scores"]) == 3
        for s in data["scores"]:
            assert -1 <= s <= 1 and repr(float(s)) == repr(round(float(s), 1))  # written as 0.3, not 0.30000000000000004
    assert len(temps) > 3


def test_the_api_grades_against_a_variants_folder(tmp_path):
    vary(tmp_path / "v", EXAMPLE, "--count", "3", "--seed", "4")
    files = variant_files(tmp_path / "v")
    y2 = float(np.ravel(dlsolve.solve(files[1]).answers["yhat"])[0])
    y3 = float(np.ravel(dlsolve.solve(files[2]).answers["yhat"])[0])
    assert round(y2, 3) != round(y3, 3)
    assert dlsolve.check(tmp_path / "v", {"variant": 2, "yhat": round(y2, 3)}).all_right
    assert not dlsolve.check(tmp_path / "v", {"variant": 3, "yhat": round(y2, 3)}).all_right
    answers = tmp_path / "a.yaml"
    answers.write_text(f"variant: 3\nyhat: {round(y3, 3)}\n", encoding="utf-8")
    assert dlsolve.check(str(tmp_path / "v"), answers).all_right


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_any_seed_draws_reproducibly_and_within_the_rules(seed):
    from dlsolve.vary import draw_variants, parse_rules

    base = {"kind": "softmax", "scores": [1, 2, 3], "temperature": 1}
    rules, _ = parse_rules({"scores": {"integers": [-3, 3], "nonzero": True},
                            "temperature": {"range": [0.5, 2], "step": 0.5}}, base)
    solve = lambda data: dlsolve.solve(data)  # noqa: E731

    one = draw_variants(base, rules, 2, seed, solve).variants
    two = draw_variants(base, rules, 2, seed, solve).variants
    assert [v.data for v in one] == [v.data for v in two]
    for v in one:
        assert all(isinstance(s, int) and s != 0 and -3 <= s <= 3 for s in v.data["scores"])
        assert v.data["temperature"] in (0.5, 1, 1.5, 2)
        e = np.exp(np.array(v.data["scores"], dtype=float) / v.data["temperature"])
        assert np.allclose(v.solution.answers["p"], e / e.sum(), rtol=1e-12, atol=0)
    assert base == {"kind": "softmax", "scores": [1, 2, 3], "temperature": 1}  # never mutated
