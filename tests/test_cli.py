"""The command line: exit codes, stdin, error messages, `kinds`, `new`, formats."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.kinds import KINDS
from tests.conftest import ROOT

P1 = str(ROOT / "problems" / "p1-image-mlp.yaml")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def test_backprop_solves_and_exits_0():
    r = run("backprop", P1)
    assert r.exit_code == 0, r.output
    assert "ŷ = σ(z^[3])" in r.output and "0.7656" in r.output


def test_solve_dispatches_on_kind_and_takes_several_files():
    r = run("solve", P1, str(ROOT / "problems" / "p3-delta-rule.yaml"))
    assert r.exit_code == 0
    assert "2x2 image" in r.output and "One hidden unit" in r.output


def test_stdin():
    with open(P1, encoding="utf-8") as fh:
        r = run("solve", "-", input=fh.read())
    assert r.exit_code == 0 and "0.2671" in r.output


def test_json_has_answers_at_full_precision():
    r = run("backprop", P1, "--format", "json")
    doc = json.loads(r.output)
    assert doc["kind"] == "backprop"
    assert abs(doc["answers"]["yhat"] - 0.76558) < 1e-5 and len(repr(doc["answers"]["yhat"])) > 10
    assert doc["notes"] and all({"quantity", "formula", "substituted", "value", "note"} <= set(s) for s in doc["steps"])


def test_precision_changes_the_digits_shown():
    assert "0.765580" in run("backprop", P1, "--precision", "6").output


def test_bad_input_exit_2_and_message_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(P1, encoding="utf-8").read().replace("[[4], [1]]", "[[4], [1], [2]]"))
    r = run("backprop", str(bad))
    assert r.exit_code == 2
    assert r.output.strip() == f"{bad}:19:14: layers[2].weights: expected 2 rows (layers[1] has 2 units), got 3"
    assert "Traceback" not in r.output


def test_kind_mismatch(tmp_path):
    r = run("backprop", "-", input="kind: nothing\n")
    assert r.exit_code == 2 and "<stdin>:1:7: kind:" in r.output


def test_missing_file():
    r = run("backprop", "no-such-file.yaml")
    assert r.exit_code == 2 and r.output.strip() == "no-such-file.yaml: no such file"


def test_explain_names_a_parameter():
    r = run("backprop", P1, "--explain", "W9[1,1]")
    assert r.exit_code == 2 and r.output.strip() == "--explain: 'W9[1,1]': layers are numbered 1 to 3"


def test_kinds_lists_every_kind():
    r = run("kinds")
    assert r.exit_code == 0
    assert [line.split()[0] for line in r.output.splitlines()] == list(KINDS)


@pytest.mark.parametrize("kind", list(KINDS))
def test_new_prints_a_template_that_solves(kind, tmp_path):
    r = run("new", kind)
    assert r.exit_code == 0 and r.output.startswith("#")
    path = tmp_path / "t.yaml"
    path.write_text(r.output)
    assert run(kind, str(path)).exit_code == 0


def test_new_unknown_kind():
    r = run("new", "backprob")
    assert r.exit_code == 2 and "did you mean 'backprop'" in r.output


def test_python_m_dlsolve_and_console_script():
    out = subprocess.run([sys.executable, "-m", "dlsolve", "kinds"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("backprop")


def test_traceback_flag_shows_the_exception(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: backprop\n")
    r = run("backprop", str(bad), "--traceback")
    # Without --traceback the CLI exits through SystemExit; with it, the error itself propagates.
    assert r.exception is not None and not isinstance(r.exception, SystemExit), r.exception
    plain = run("backprop", str(bad))
    assert isinstance(plain.exception, SystemExit) and plain.exit_code == 2
    out = subprocess.run([sys.executable, "-m", "dlsolve", "backprop", str(bad), "--traceback"],
                         capture_output=True, text=True)
    assert "Traceback (most recent call last)" in out.stderr and out.returncode != 0


def test_readme_excerpt_is_real_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```text\n", 1)[1].split("```", 1)[0]
    real = run("backprop", P1).output.splitlines()
    for line in block.splitlines():
        if line.strip() and line.strip() != "...":
            assert line in real, line
