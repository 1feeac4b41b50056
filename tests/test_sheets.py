"""Solution sheets and answer checking: documents in every format, the LaTeX compiles, the HTML
is well-formed XML with MathML and renders in a browser, -o/--combine/--fragment, `check`,
--exact and --round."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.render import FORMATS, renderer
from tests.conftest import PROBLEMS, ROOT, rendered, solve_file

P1 = str(ROOT / "problems" / "p1-image-mlp.yaml")


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces as single spaces (the terminal wraps prose)."""
    return " ".join(text.split())


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_html_is_well_formed_xml_with_mathml(path):
    page = rendered(path, "html", precision=4)  # the golden test's text: rendered once a session
    root = ET.fromstring(page.split("\n", 1)[1])  # after <!DOCTYPE html>
    assert root.tag == "{http://www.w3.org/1999/xhtml}html"
    assert root.findall(".//{http://www.w3.org/1998/Math/MathML}math")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_every_format_states_version_and_conventions():
    sol = solve_file(P1)
    for fmt in FORMATS:
        if renderer(fmt).format.tabular:  # a table of answers for spreadsheets: no place for prose
            continue
        out = renderer(fmt)(precision=4).render(sol)
        assert "0.1.0" in out, fmt
        assert "natural logarithm" in out, fmt


def test_latex_fragment_is_body_only():
    r = run("backprop", P1, "--format", "latex", "--fragment")
    assert r.exit_code == 0 and "\\documentclass" not in r.output and "\\section*" in r.output
    r = run("backprop", P1, "--format", "html", "--fragment")
    assert r.exit_code == 2 and "--fragment: applies to --format latex" in r.output


def test_html_renders_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    page = tmp_path / "key.html"
    assert run("solve", P1, str(ROOT / "problems" / "p13-distillation.yaml"), "--format", "html",
               "--combine", "-o", page).exit_code == 0
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=900,1200",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 20_000   # a page with text and formulas, not blank


def test_output_folder_with_index(tmp_path):
    files = [P1, ROOT / "problems" / "p7-softmax-temperature.yaml"]
    r = run("solve", *files, "--format", "markdown", "-o", tmp_path / "sheet")
    assert r.exit_code == 0, r.output
    written = sorted(p.name for p in (tmp_path / "sheet").iterdir())
    assert written == ["index.md", "p1-image-mlp.md", "p7-softmax-temperature.md"]
    assert "p7-softmax-temperature.md" in (tmp_path / "sheet" / "index.md").read_text()


def test_combine_has_a_table_of_contents(tmp_path):
    r = run("solve", P1, ROOT / "problems" / "p9-bce-table.yaml", "--format", "markdown", "--combine")
    assert r.exit_code == 0
    assert "1. [2x2 image" in r.output and "2. [Binary cross-entropy" in r.output


def test_single_output_file(tmp_path):
    target = tmp_path / "p1.json"
    assert run("backprop", P1, "--format", "json", "-o", target).exit_code == 0
    assert json.loads(target.read_text())["kind"] == "backprop"


def test_markdown_uses_githubs_safe_math():
    out = renderer("markdown")(precision=4).render(solve_file(P1))
    assert "```math" in out and "$`" in out
    assert "\n$$" not in out


# -- check ------------------------------------------------------------------------------------
def write(tmp_path, text):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    return path


def test_check_right_and_rounded_answers(tmp_path):
    path = write(tmp_path, "yhat: 0.77\nloss: 0.2671\ndW3: [[-0.0143], [-0.22]]\nz1: [35, 10, 1]\n")
    r = run("check", P1, path)
    assert r.exit_code == 0, r.output
    assert "4 of 23 right" in r.output and "rounded to as many decimals as you wrote" in flat(r.output)


def test_check_wrong_answer_exit_1_names_the_first_wrong_quantity(tmp_path):
    # a slip in z2; a2 and ŷ worked correctly from it (by hand: σ of the student's own z2, then z3 = a2·W3)
    z2 = np.array([-0.43, 2.33])
    a2 = 1 / (1 + np.exp(-z2))
    yhat = 1 / (1 + np.exp(-(4 * a2[0] + 1 * a2[1])))
    path = write(tmp_path, f"z2: [-0.43, 2.33]\na2: [{a2[0]:.4f}, {a2[1]:.4f}]\nyhat: {yhat:.4f}\n")
    r = run("check", P1, path)
    assert r.exit_code == 1
    assert "The first wrong answer is z2; a2 and yhat follow from it." in flat(r.output)
    assert "z₁^[2] = a₁^[1]·w₁₁^[2]" in r.output   # the step that produces it


def test_check_separate_slips_are_separate(tmp_path):
    # the notes' numbers: a2 and ŷ are not what follows from the written z2, so each is its own slip
    path = write(tmp_path, "z2: [-0.43, 2.33]\na2: [0.08, 0.91]\nyhat: 0.7657\n")
    r = run("check", P1, path)
    for name in ("z2", "a2", "yhat"):
        assert f"The first wrong answer is {name}." in r.output


def test_check_walks_past_right_answers(tmp_path):
    a2 = np.array([0.08, 0.91])
    yhat = 1 / (1 + np.exp(-(4 * a2[0] + 1 * a2[1])))
    path = write(tmp_path, f"z1: [35, 10, 1]\na2: [0.08, 0.91]\nloss: {-np.log(yhat):.4f}\n")
    r = run("check", P1, path)
    assert "The first wrong answer is a2; loss follows from it." in flat(r.output)


def test_check_tolerance_and_json(tmp_path):
    path = write(tmp_path, "yhat: 0.7\n")
    assert run("check", P1, path).exit_code == 1
    r = run("check", P1, path, "--rtol", "0.1", "--format", "json")
    doc = json.loads(r.output)
    assert r.exit_code == 0 and doc["all_right"] and doc["verdicts"][0]["name"] == "yhat"
    p1 = solve_file(P1).answer("yhat").value
    assert abs(doc["verdicts"][0]["relative_error"] - abs(0.7 - p1) / p1) < 1e-12
    assert "within 0.1" in doc["rule"]


def test_check_unknown_name_lists_the_valid_ones(tmp_path):
    path = write(tmp_path, "yhat: 0.77\nyhatt: 1\n")
    r = run("check", P1, path)
    assert r.exit_code == 2
    assert r.output.startswith(f"{path}:2:1: yhatt: no answer is called 'yhatt'; did you mean 'yhat'? "
                               "this problem's answers are: z1, a1")


def test_check_decimals_come_from_the_text(tmp_path):
    assert run("check", P1, write(tmp_path, "yhat: 0.770\n")).exit_code == 1   # 0.770 ≠ 0.766
    assert run("check", P1, write(tmp_path, "yhat: 7.656e-1\n")).exit_code == 0


# -- exact and rounded arithmetic --------------------------------------------------------------
def test_exact_values_beside_the_decimals():
    from dlsolve.kinds import SolveOptions
    from dlsolve.load import load_text

    prob = load_text(json.dumps({"kind": "softmax", "scores": [0, 0]}), "p.yaml")
    sol = prob.module.solve(prob.spec, SolveOptions(exact=True))
    from dlsolve.render.mathprint import UnicodePrinter
    exacts = {st.quantity.key: UnicodePrinter().print(st.exact) for st in sol.steps() if st.exact is not None}
    assert exacts["p1@1"] == "1/2" and exacts["p2@1"] == "1/2"
    r = run("backprop", "-", "--exact", input=json.dumps({
        "kind": "backprop", "input": [0], "target": 1, "loss": "mse",
        "layers": [{"weights": [[1]], "activation": "sigmoid"}]}))
    assert "a^[1]" in r.output or "ŷ = σ(z^[1])" in r.output
    assert "1/2" in r.output and "≈ 0.5" in r.output


def test_round_shows_the_drift():
    r = run("backprop", ROOT / "problems" / "p3-delta-rule.yaml", "--round", "2")
    assert r.exit_code == 0 and "Rounding drift" in r.output
    assert "every derived value rounded to 2 decimals" in r.output
    from dlsolve.kinds import SolveOptions
    from dlsolve.load import load_problem
    from dlsolve.verify import verify_solution

    prob = load_problem(str(ROOT / "problems" / "p3-delta-rule.yaml"))
    sol = prob.module.solve(prob.spec, SolveOptions(round=2))
    assert sol.answer("yhat").value == 0.51
    assert verify_solution(sol) == []   # each step is its formula rounded, no more
    from dlsolve.sheets import with_drift
    full = prob.module.solve(prob.spec, SolveOptions())
    drift = with_drift(sol, full, 2).sections[-1].blocks[1]
    row = [r for r in drift.rows if r[0] == "yhat"][0]
    yhat = 1 / (1 + np.exp(-(0.1 / (1 + np.exp(0.02)))))   # by hand: z1 = −0.02, a1 = σ(z1), ŷ = σ(0.1·a1)
    assert abs(row[1] - yhat) < 1e-12 and abs(row[3] - abs(0.51 - yhat)) < 1e-12


def test_round_drift_of_an_answer_with_infinity_is_finite():
    """A ROC curve starts at threshold +∞: the drift table compares ∞ with ∞ as equal."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = run("solve", ROOT / "problems" / "metrics-roc.yaml", "--round", "3")
    assert r.exit_code == 0, r.output
    drift = r.output.split("Rounding drift")[1].split("Answers")[0]
    row = [line for line in drift.splitlines() if line.strip().startswith("roc_thresholds")][0]
    assert "NaN" not in row and row.split()[-2:] == ["0", "0"]


def test_an_answer_too_big_for_a_sheet_says_where_its_entries_are():
    from dlsolve.render import layout

    big = np.arange(float(layout.ANSWER_ENTRIES + 1))
    for fmt in ("text", "markdown", "latex", "html"):
        rend = renderer(fmt)(precision=4)
        cell = rend._answer_text(big) if fmt == "text" else rend.answer_tex(big)
        assert "1001 array: every entry in" in cell and "1000" not in cell, fmt
    assert renderer("text")(precision=4)._answer_text(big[:-1]).endswith("999]")   # an exam-sized answer: whole
