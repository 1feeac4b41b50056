"""A word answer (word2vec's analogy king − man + woman ≈ queen) checked as a marker checks it.

The reference word is found here independently (NumPy cosines on the problem's vectors); each
student's verdict, points and reason are written out by hand below. A word is right when it is
the reference word, case and the spaces around it aside; a number where a word is asked, or a
blank, is not graded (0 points) with its reason; a word where a number is asked keeps the reason
it always had.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve.answers_file import read_answers
from dlsolve.cli import main
from tests.conftest import ROOT

W2V = ROOT / "problems" / "w2v-analogy.yaml"
VECTORS = {"king": [0.8, 0.3], "queen": [0.7, 0.9], "man": [0.9, 0.1], "woman": [0.6, 0.8], "apple": [-0.2, 0.5]}

# file name → (what the student wrote after `analogy:`, verdict, points, reason it is not graded)
STUDENTS = {
    "right": ("queen", "✓", 1, None),
    "capital": ("Queen", "✓", 1, None),
    "spaces": ('" queen "', "✓", 1, None),
    "upper": ("QUEEN   # sure", "✓", 1, None),
    "wrong": ("prince", "✗", 0, None),
    "number": ("3", "✗ not graded", 0, "expected a word, got 3"),
    "decimal": ("0.98", "✗ not graded", 0, "expected a word, got 0.98"),
    "list": ("[queen, king]", "✗ not graded", 0, "expected a word, got a list"),
    "blank": ("", "✗ not graded", 0, "left blank: no value given"),
}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def reference_word() -> str:
    """The analogy by hand: x = king − man + woman, the candidate (not king, man, woman) of largest cosine."""
    v = {w: np.array(x) for w, x in VECTORS.items()}
    x = v["king"] - v["man"] + v["woman"]
    cos = {w: float(x @ v[w] / np.linalg.norm(x) / np.linalg.norm(v[w])) for w in ("queen", "apple")}
    return max(cos, key=cos.__getitem__)


def test_the_reference_word_is_queen_by_hand():
    assert reference_word() == "queen"


def _class(folder):
    folder.mkdir()
    for name, (text, _, _, _) in STUDENTS.items():
        (folder / f"{name}.yaml").write_text(f"analogy: {text}\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", list(STUDENTS))
def test_one_file(tmp_path, name):
    text, verdict, points, reason = STUDENTS[name]
    (tmp_path / f"{name}.yaml").write_text(f"cosine[man,woman]: 0.6847\nanalogy: {text}\n", encoding="utf-8")
    r = run("check", W2V, tmp_path / f"{name}.yaml", "--format", "json")
    assert r.exception is None or isinstance(r.exception, SystemExit), r.output
    assert r.exit_code == (2 if reason else 0 if points else 1)   # README: 0 all right, 1 a wrong one, 2 unread
    doc = json.loads(r.stdout)
    v = {v["name"]: v for v in doc["verdicts"]}
    assert v["analogy"]["verdict"] == verdict and v["analogy"]["earned"] == points
    assert v["analogy"]["reference"] == reference_word()      # shown beside a wrong word too
    assert v["analogy"]["not_graded"] == reason
    assert v["analogy"]["diagnosis"] is None and v["analogy"]["absolute_error"] is None
    assert v["cosine[man,woman]"]["verdict"] == "✓"            # numeric marking beside it unchanged
    assert doc["score"] == points + 1
    if verdict == "✗":
        assert [b["answer"] for b in doc["first_wrong"]] == ["analogy"]
    if reason:                                                  # located on stderr, exit 2
        assert f"{name}.yaml:2:1: analogy: {reason}" in r.stderr and r.exit_code == 2


def test_the_text_report_shows_the_word_and_says_the_rule(tmp_path):
    (tmp_path / "a.yaml").write_text("analogy: prince\n", encoding="utf-8")
    out = run("check", W2V, tmp_path / "a.yaml").stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("analogy "))
    assert row.split() == ["analogy", "✗", "prince", "queen"]   # no decimals, no errors for a word
    assert "case and spaces around it do not matter" in " ".join(out.split())


def test_a_class(tmp_path):
    folder = _class(tmp_path / "answers")
    r = run("check", W2V, folder, "--format", "json")
    doc = json.loads(r.stdout)
    got = {s["student"]: s for s in doc["students"]}
    assert set(got) == set(STUDENTS)
    for name, (_, verdict, points, reason) in STUDENTS.items():
        v = next(v for v in got[name]["verdicts"] if v["name"] == "analogy")
        assert (v["verdict"], v["earned"], v["not_graded"]) == (verdict, points, reason), name
        assert got[name]["status"] == ("graded, some answers not read" if reason else "graded"), name

    out = tmp_path / "out"
    r = run("check", W2V, folder, "-o", f"{out}/")
    assert r.exit_code == 2 and "Traceback" not in r.output     # 2: some answers could not be read
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert {row["student"]: row["analogy"] for row in rows} == {n: str(p) for n, (_, _, p, _) in STUDENTS.items()}
    summary = " ".join((out / "class-summary.txt").read_text(encoding="utf-8").split())
    right = sum(p for _, _, p, _ in STUDENTS.values())
    assert f"analogy {len(STUDENTS)} {right} {100 * right / len(STUDENTS):.0f} %" in summary
    assert "analogy wrong (no diagnosis) analogy 1" in summary   # the one wrong word, in the slips table
    feedback = (out / "number.txt").read_text(encoding="utf-8")
    assert "expected a word, got 3" in " ".join(feedback.split())


def test_a_word_where_a_number_is_asked_keeps_its_reason(tmp_path):
    (tmp_path / "a.yaml").write_text("cosine[king,queen]: queen\nembedding: [4, five, 6]\n", encoding="utf-8")
    doc = json.loads(run("check", W2V, tmp_path / "a.yaml", "--format", "json").stdout)
    v = {v["name"]: v for v in doc["verdicts"]}
    assert v["cosine[king,queen]"]["not_graded"] == "expected a number, got 'queen' (text)"
    assert v["embedding"]["not_graded"] == "expected a number, got 'five' (text)"


def test_the_reader_keeps_a_word_as_written(tmp_path):
    (tmp_path / "a.yaml").write_text('analogy: Queen\nw: " queen "\nv: [queen, 2]\ny: "0.50"\nz: −0.25\nb: [1, true]\n',
                                     encoding="utf-8")
    sheet = read_answers(str(tmp_path / "a.yaml"))
    assert sheet.values == {"analogy": "Queen", "w": " queen ", "v": ["queen", 2], "y": 0.5, "z": -0.25}
    assert sheet.literals["analogy"] == "Queen" and sheet.literals["v"] == "[queen, 2]"
    assert sheet.decimals["analogy"] == 0 and sheet.decimals["y"] == 2 and sheet.decimals["z"] == 2
    assert sheet.problems == {"b": "expected a number, got 'true' (a boolean)"}   # as before: no word, no number


def test_a_json_answers_file_with_a_word(tmp_path):
    (tmp_path / "a.json").write_text('{"analogy": "QUEEN", "cosine[king,queen]": 0.852}', encoding="utf-8")
    doc = json.loads(run("check", W2V, tmp_path / "a.json", "--format", "json").stdout)
    assert {v["name"]: v["verdict"] for v in doc["verdicts"]} == {"cosine[king,queen]": "✓", "analogy": "✓"}


def test_a_class_against_variants(tmp_path):
    """A variants folder (`dlsolve vary`): the word is graded in each student's own variant."""
    problem = tmp_path / "p.yaml"
    problem.write_text(W2V.read_text(encoding="utf-8") + "vary:\n  embedding.index: {choices: [0, 1, 2]}\n",
                       encoding="utf-8")
    assert run("vary", problem, "--count", "2", "-o", tmp_path / "v").exit_code == 0
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "a.yaml").write_text("variant: 1\nanalogy: Queen\n", encoding="utf-8")
    (answers / "b.yaml").write_text("variant: 2\nanalogy: 7\n", encoding="utf-8")
    doc = json.loads(run("check", tmp_path / "v", answers, "--format", "json").stdout)
    got = {s["student"]: (s["variant"], s["score"], s["verdicts"][0]["verdict"], s["verdicts"][0]["not_graded"])
           for s in doc["students"]}
    assert got == {"a": (1, 1, "✓", None), "b": (2, 0, "✗ not graded", "expected a word, got 7")}
