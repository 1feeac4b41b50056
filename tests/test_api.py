"""The Python API: dlsolve.solve / dlsolve.check on a path, YAML text and a dict for every kind,
Solution.answers by name, .steps, .to(format), typed errors, and `import dlsolve` staying light."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import dlsolve
from dlsolve.solution import Given, Step
from dlsolve.cli import main
from dlsolve.kinds import KINDS
from dlsolve.load import parse_data
from dlsolve.render import FORMATS
from dlsolve.solution import Answer
from tests.conftest import PROBLEMS, ROOT
from tests.test_layering import loaded_after


def _one_per_kind():
    seen = {}
    for path in PROBLEMS:
        kind = parse_data(path.read_text(encoding="utf-8"), path.name)["kind"]
        seen.setdefault(kind, path)
    return seen


ONE_PER_KIND = _one_per_kind()


def test_the_problems_cover_every_kind():
    assert set(ONE_PER_KIND) == set(KINDS)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=0, atol=0, equal_nan=True)
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (np.isnan(a) and np.isnan(b))
    return str(a) == str(b)


@pytest.mark.parametrize("kind", sorted(ONE_PER_KIND))
def test_solve_takes_a_path_text_and_a_dict_alike(kind):
    path = ONE_PER_KIND[kind]
    text = path.read_text(encoding="utf-8")
    data = parse_data(text, path.name)
    by_path, by_str_path, by_text, by_dict = (dlsolve.solve(path), dlsolve.solve(str(path)), dlsolve.solve(text),
                                              dlsolve.solve(data))
    # the reference: the command line's JSON, a separate route through loader, solver and renderer
    cli = CliRunner().invoke(main, ["solve", str(path), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    reference = json.loads(cli.output)["answers"]
    for sol in (by_path, by_str_path, by_text, by_dict):
        assert isinstance(sol, dlsolve.Solution) and sol.kind == kind
        assert list(sol.answers.names()) == list(reference)
        for name, want in reference.items():
            got = sol.answers[name]
            if isinstance(want, (int, float)) and not isinstance(want, bool):
                assert isinstance(got, (int, float)) and got == pytest.approx(want, rel=1e-12, abs=1e-300), name
            elif isinstance(want, list) and np.asarray(want).dtype.kind in "if":
                assert isinstance(got, np.ndarray), name
                assert np.allclose(got, np.asarray(want, dtype=float), rtol=1e-12, atol=0), name


def test_a_dict_may_hold_numpy_arrays():
    scores = np.array([1.0, 2.0, 3.0])
    sol = dlsolve.solve({"kind": "softmax", "scores": scores})
    e = np.exp(scores - scores.max())  # the softmax written out here, independently
    assert np.allclose(sol.answers["p"], e / e.sum(), rtol=1e-14, atol=0)


def test_answers_iterate_as_answer_objects_and_look_up_by_name():
    sol = dlsolve.solve(ROOT / "problems" / "p3-delta-rule.yaml")
    items = list(sol.answers)
    assert items and all(isinstance(a, Answer) for a in items)
    assert sol.answers[0] is items[0] and isinstance(sol.answers[0], Answer)
    assert isinstance(sol.answers, tuple) and len(sol.answers) == len(items)
    assert "yhat" in sol.answers and "nonsense" not in sol.answers and items[0] in sol.answers
    # P3 by hand (catalogue): h = σ(0.1·0.4 + 0.3·(−0.2)) = σ(−0.02), ŷ = σ(0.1·h)
    h = 1 / (1 + np.exp(0.02))
    yhat = 1 / (1 + np.exp(-0.1 * h))
    assert float(np.ravel(sol.answers["yhat"])[0]) == pytest.approx(yhat, rel=1e-14)
    assert isinstance(sol.answers["W1_new"], np.ndarray) and sol.answers["W1_new"].shape == (2, 1)
    as_dict = sol.answers.as_dict()
    assert list(as_dict) == [a.name for a in items]
    assert sol.answers.get("nonsense", 5) == 5
    with pytest.raises(KeyError, match="yhat"):
        sol.answers["nonsense"]


def test_steps_is_a_property_and_still_callable():
    sol = dlsolve.solve(ROOT / "problems" / "p3-delta-rule.yaml")
    assert len(sol.steps) > 5 and list(sol.steps()) == list(sol.steps)
    assert all(isinstance(s, Step) for s in sol.steps)
    made = {b.quantity.key for sec in sol.sections for b in sec.blocks if isinstance(b, (Step, Given))}
    assert {a.keys[0] for a in sol.answers if a.keys} <= made   # a bias that is not updated: its given


@pytest.mark.parametrize("fmt", FORMATS)
def test_to_renders_every_format(fmt):
    sol = dlsolve.solve(ROOT / "problems" / "p7-softmax-temperature.yaml")
    text = sol.to(fmt)
    cli = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p7-softmax-temperature.yaml"), "--format", fmt])
    assert cli.exit_code == 0
    assert text == cli.output  # the same text the command line prints (never coloured when piped)


def test_notebook_reprs_are_typeset():
    sol = dlsolve.solve({"kind": "softmax", "scores": [1, 2, 3]})
    html = sol._repr_html_()
    assert "<math" in html and "<html" not in html and "<script" not in html
    assert "```math" in sol._repr_markdown_()
    latex = sol._repr_latex_()
    assert "\\begin{document}" not in latex and "\\section*" in latex


def test_options_are_checked_against_the_kind():
    path = ROOT / "problems" / "p7-softmax-temperature.yaml"
    with pytest.raises(dlsolve.OptionError, match="backprop"):
        dlsolve.solve(path, explain=["W1[1,1]"])
    with pytest.raises(dlsolve.OptionError, match="not an option"):
        dlsolve.solve(path, colour=True)
    rounded = dlsolve.solve(path, round=2)
    assert any("Rounding drift" in str(s.title) for s in rounded.sections)
    detailed = dlsolve.solve(ROOT / "problems" / "p3-delta-rule.yaml", detail="layers", explain="W1[1,1]")
    assert detailed.kind == "backprop"


def test_bad_problems_raise_typed_located_errors():
    with pytest.raises(dlsolve.InputErrors) as info:
        dlsolve.solve({"kind": "softmax", "scores": 3})
    assert isinstance(info.value, dlsolve.DlsolveError)
    assert re.match(r"<dict>:\d+:\d+: scores: ", str(info.value))
    assert info.value.errors[0].path == ("scores",)
    with pytest.raises(dlsolve.SpecError, match=r"<text>:2:7: kind: "):
        dlsolve.solve("title: x\nkind: backprob\n")
    with pytest.raises(dlsolve.FileError, match="no such file"):
        dlsolve.solve("no/such/problem.yaml")
    with pytest.raises(dlsolve.YamlSyntaxError):
        dlsolve.solve("kind: backprop\n  bad indent: 1\n")
    with pytest.raises(TypeError):
        dlsolve.solve(42)


def test_check_takes_a_dict_or_a_file(tmp_path):
    problem = ROOT / "problems" / "p3-delta-rule.yaml"
    yhat = float(np.ravel(dlsolve.solve(problem).answers["yhat"])[0])
    right = round(yhat, 3)
    report = dlsolve.check(problem, {"yhat": right})
    assert isinstance(report, dlsolve.Report) and report.all_right and report.score == 1
    wrong = dlsolve.check(problem, {"yhat": right + 0.01})
    assert not wrong.all_right and not wrong.verdicts[0].right
    # decimals as written: "0.5120" claims 4 decimals, 0.512 (a float) claims 3
    assert dlsolve.check(problem, {"yhat": f"{right:.3f}0"}).all_right == (round(yhat, 4) == right)
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"yhat: {right}\n", encoding="utf-8")
    assert dlsolve.check(str(problem), answers).all_right
    # a name that is no answer scores 0 for the answer it probably means, with the reason
    typo = dlsolve.check(problem, {"yhatt": 1, "loss": "high"})
    by = {v.name: v for v in typo.verdicts}
    assert typo.score == 0 and "given as `yhatt`" in by["yhat"].problem and by["yhat"].earned == 0
    answers.write_text("yhatt: 1\nloss: [1, 2\n", encoding="utf-8")
    typo = dlsolve.check(problem, answers)
    by = {v.name: v for v in typo.verdicts}
    assert "did you mean 'yhat'" in by["yhat"].problem and by["loss"].problem.startswith("line 2: ")


def test_api_doctest_runs():
    import dlsolve.api

    result = doctest.testmod(dlsolve.api)
    assert result.attempted >= 2 and result.failed == 0


def test_import_dlsolve_loads_no_numpy_or_sympy():
    mods = loaded_after("import dlsolve\nfrom dlsolve import SpecError, DlsolveError, __version__")
    assert "numpy" not in mods and "sympy" not in mods and "pydantic" not in mods


def _readme_python_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- api-example -->\s*```python\n(.*?)```", readme, re.S)
    assert m, "the README's Python example (after <!-- api-example -->) is missing"
    return m.group(1)


def test_the_readme_python_example_runs(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(_readme_python_example(), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip()
