"""What a student reads on the sheets: the version said once (never on the exam paper), the
conventions in the course's words and only where they apply, the perceptron's table answers
marked as before learning, Markdown's aligned blocks and plain Mermaid labels, the notebook's
styles, and --combine's order and duplicate-title warning."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.render import renderer
from tests.conftest import ROOT, solve_file

P = ROOT / "problems"


def _render(stem: str, fmt: str, mode: str = "full") -> str:
    return renderer(fmt)(precision=4, mode=mode).render(solve_file(P / f"{stem}.yaml"))


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
def test_the_version_is_said_once_at_the_end_and_never_on_the_exam_paper(fmt):
    full = _render("opt-adam", fmt)
    assert len(re.findall(r"dlsolve \d+\.\d+\.\d+", full)) == 1
    assert full.rfind("Worked by dlsolve") > full.rfind("Answers")   # a colophon, after the answers
    assert "float64" not in full
    assert not re.search(r"dlsolve \d+\.\d+\.\d+", _render("opt-adam", fmt, "questions"))


@pytest.mark.parametrize("stem, raw", [
    ("p1-image-mlp", "weights_layout in_out:"), ("p1-image-mlp", "update_bias true"),
    ("perceptron-or-gate", "float64 noise"), ("init-mnist-dense", "calculate_gain("),
    ("w2v-subsampling", "Set `formula`"), ("opt-adam", "with bias_correction: false,"),
    ("rnn-gru-reset-after", "reset_after true:"),
])
def test_conventions_are_in_the_course_words(stem, raw):
    assert raw not in _render(stem, "text", "full")


def test_the_course_words_of_a_layout_and_of_the_biases():
    text = " ".join(_render("p1-image-mlp", "text").split())
    assert "w_ij^[l] joins input i to unit j" in text and "biases are updated like the weights" in text


def test_only_conventions_that_apply():
    lstm = _render("arch-lstm-gru-keras", "text")
    assert "'same' padding" not in lstm and "(height, width, channels)" not in lstm
    cnn = _render("p14-cnn-same-stride2", "text")
    assert "'same' padding" in cnn and "(height, width, channels)" in cnn


def test_the_perceptrons_table_answers_say_before_learning():
    sol = solve_file(P / "perceptron-or-gate.yaml")
    for name in ("z", "outputs", "accuracy"):
        assert "before learning" in str(sol.answer(name).label)
    assert "before learning" not in str(sol.answer("weights").label)
    # without learning there is no "before"
    assert "before learning" not in str(solve_file(P / "perceptron-nand-gate.yaml").answer("z").label)


def test_markdown_one_aligned_block_per_section_and_headings_in_order():
    md = _render("opt-adam", "markdown")
    given = md.split("## Given", 1)[1].split("\n## ", 1)[0]
    assert given.count("```math") == 1 and "\\begin{aligned}" in given
    levels = [len(m) for m in re.findall(r"^(#+) ", md, re.M)]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels   # never ## then ####
    assert levels[:2] == [1, 2]


def test_markdown_notes_sit_beside_their_step_as_words():
    md = _render("p1-image-mlp", "markdown")
    assert r"&&\quad \text{learning rate}" in md


def test_mermaid_labels_are_plain_text():
    md = _render("p1-image-mlp", "markdown")
    mermaid = "\n".join(re.findall(r"```mermaid\n(.*?)```", md, re.S))
    assert "a₁<sup>[1]</sup>" in mermaid and "^[" not in mermaid


def test_the_notebook_display_has_the_sheets_equation_grid():
    html = solve_file(P / "opt-adam.yaml")._repr_html_()
    assert '<div class="eqs">' in html
    assert re.search(r"\.dlsolve \.eqs \{display: grid", html)
    assert "body {" not in html and ".dlsolve body" not in html


def test_combine_keeps_the_index_order_and_warns_about_a_shared_title(tmp_path):
    index = tmp_path / "exam.txt"
    index.write_text(f"{P / 'p9-bce-table.yaml'}\n{P / 'p1-image-mlp.yaml'}\n{P / 'p9-bce-table.yaml'}\n")
    r = CliRunner().invoke(main, ["solve", str(index), "--combine", "--answers-only", "--color", "never"])
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.index("Binary cross-entropy") < out.index("2x2 image")
    assert "warning: 2 problems share the title 'Binary cross-entropy of three predictions'" in r.stderr
