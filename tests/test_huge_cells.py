"""A huge value in a report stays a report: found by the fuzz (seed 4203), where a check of an
answers file holding a matrix of a megabyte took 52 s and printed 80,000 lines. The table's
matrix wrapping was quadratic in the rows, and an answer that could not be read was shown whole."""

from __future__ import annotations

from click.testing import CliRunner

import dlsolve.render.texttable as texttable
from dlsolve.cli import main
from tests.conftest import ROOT


def test_wrapping_a_matrix_cell_measures_each_row_a_few_times(monkeypatch):
    rows = 3000
    cell = "[" + "; ".join("1.5, 2.5" for _ in range(rows)) + "]"
    measured = 0
    measure = texttable.width

    def counting(text: str) -> int:
        nonlocal measured
        measured += len(text)
        return measure(text)

    monkeypatch.setattr(texttable, "width", counting)
    lines = texttable.wrap_cell(cell, 40)
    # linear: the old search joined and measured rows by the thousand for every group size it tried
    assert measured < 5 * len(cell)
    # two rows of "1.5, 2.5;" share a line of 40 columns ("1.5, 2.5; 1.5, 2.5;" is 19): as many as fit
    assert lines[0] == "[" + " ".join(["1.5, 2.5;"] * 3) + " 1.5, 2.5;"
    assert " ".join(lines) == cell


def test_an_unreadable_huge_answer_is_shown_by_its_start_and_length(tmp_path):
    answers = tmp_path / "answers.yaml"
    huge = "[" + ", ".join(["[-0.53, 0.35]"] * 20000) + "]"
    answers.write_text(f"z: 22\nerrors: [1, 1, {huge}]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "perceptron-trick.yaml"), str(answers)])
    assert r.exit_code == 2   # the unreadable answer is located on stderr
    written = len(f"[1, 1, {huge}]")   # 300,008: the answer as the student wrote it
    assert f"… ({written:,}" in r.output   # its length (the cell wraps "characters)" below)
    assert "[1, 1, [[-0.53," in r.output
    assert len(r.output.splitlines()) < 80
