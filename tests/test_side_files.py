"""Answers, marks and roster files read through the same limits as problem files: nesting depth,
size, aliases and entry counts are located exit-2 errors, never a crash (issue 26)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.errors import LimitExceeded, SpecError
from dlsolve.answers_file import load_answers, load_marks
from dlsolve.load import load_side_file
from tests.conftest import ROOT

PROBLEM = str(ROOT / "problems" / "p5-awx-squared.yaml")


@pytest.mark.parametrize("text", [
    "W1_new: " + "[" * 1000 + "1" + "]" * 1000 + "\n",           # past Python's JSON recursion
    "W1_new: " + "[" * 100 + "1" + "]" * 100 + "\n",             # past MAX_DEPTH, within the JSON reader
    '{"W1_new": ' + "[" * 1000 + "1" + "]" * 1000 + "}",         # a JSON answers file
    "W1_new:\n" + "".join("  " * (i + 1) + "-\n" for i in range(100)) + "  " * 101 + "- 1\n",
])
def test_a_deeply_nested_answers_file_is_a_located_error(tmp_path, text):
    answers = tmp_path / "ans.yaml"
    answers.write_text(text)
    r = CliRunner().invoke(main, ["check", PROBLEM, str(answers)])
    assert r.exit_code == 2, r.output
    assert re.match(re.escape(str(answers)) + r":\d+:\d+: .*MAX_DEPTH", r.stderr.strip()), r.stderr
    assert "internal error" not in r.output


def test_an_alias_bomb_in_answers_or_marks_is_refused(tmp_path):
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcde", "bcdef"))
    (tmp_path / "x.yaml").write_text(bomb)
    for load in (load_answers, load_marks, load_side_file):
        with pytest.raises(LimitExceeded) as e:
            load(str(tmp_path / "x.yaml"))
        assert e.value.limit == "MAX_NODES" and e.value.line is not None


def test_plain_answers_still_read_fast_and_exact(tmp_path):
    (tmp_path / "a.yaml").write_text("y: 0.770\nW: [[1, 2.50], [3, 4]]\n")
    given, decimals, _ = load_answers(str(tmp_path / "a.yaml"))
    assert given == {"y": 0.77, "W": [[1, 2.5], [3, 4]]} and decimals == {"y": 3, "W": [[0, 2], [0, 0]]}


def test_a_roster_csv_reads_as_rows_with_places(tmp_path):
    (tmp_path / "r.csv").write_text('name,id,variant\nAda,1,3\nBob,2,"4"\n\nCy,3\n')
    rows, source = load_side_file(str(tmp_path / "r.csv"), "roster")
    assert rows == [{"name": "Ada", "id": "1", "variant": "3"}, {"name": "Bob", "id": "2", "variant": "4"},
                    {"name": "Cy", "id": "3"}]
    err = source.locate(SpecError((2, "id"), "no such student"))
    assert (err.line, err.column) == (5, 4)


@pytest.mark.parametrize("text, limit_or_message, line, col", [
    ("name\n" + "x" * 20_000 + "\n", "MAX_CELL_CHARS", 2, 1),
    ("name,id\nAda,1,2\n", "3 cells", 2, 7),
    ("name,name\nAda,1\n", "twice", 1, 1),
])
def test_a_bad_roster_csv_is_a_located_error(tmp_path, text, limit_or_message, line, col):
    (tmp_path / "r.csv").write_text(text)
    with pytest.raises(SpecError) as e:
        load_side_file(str(tmp_path / "r.csv"), "roster")
    assert limit_or_message in str(e.value) and (e.value.line, e.value.column) == (line, col)


def test_a_roster_in_yaml_takes_the_problem_file_limits(tmp_path):
    (tmp_path / "r.yaml").write_text("students:\n  - {name: Ada, mark: .nan}\n")
    with pytest.raises(SpecError) as e:
        load_side_file(str(tmp_path / "r.yaml"), "roster")
    assert (e.value.line, e.value.column) == (2, 23) and "NaN" in str(e.value)
