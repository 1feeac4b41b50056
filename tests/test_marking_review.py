"""The TA review of marking a class: the report at 80 columns, a wrong variant, the gradebook in
roster order, an empty Gradescope submission, a mistyped `variant:` key, and each alternative
solved once. Every number is computed here, by hand, not by the code under test."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from tests.test_marking_class import P1, answers_text, p1_reference, run, text


def _section(report: str, title: str) -> list[str]:
    """The lines of one section of a text report (from its title to the next title)."""
    lines = report.splitlines()
    start = lines.index(title)
    end = next((k for k in range(start + 2, len(lines)) if lines[k] and not lines[k].startswith(" ")
                and lines[k + 1:k + 2] and set(lines[k + 1]) == {"─"}), len(lines))
    return lines[start + 2:end]


def test_the_verdict_table_reads_as_one_table_at_80_columns(tmp_path, monkeypatch):
    ref = p1_reference()
    dW2 = ref["dW2"] + 0.5                                   # a wrong 3×2 matrix: the widest cells
    path = tmp_path / "s1.yaml"
    path.write_text(answers_text({"z1": ref["z1"], "yhat": 0.9, "dW2": dW2, "W3_new": ref["W3_new"]}, 4),
                    encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    out = run("check", P1, path, "--follow-through").stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    table = _section(out, "Verdicts")
    heads = [line for line in table if line.lstrip().startswith("answer")]
    assert len(heads) == 1, "\n".join(table)                 # one table, not folded into parts
    rows = {line.split()[0]: line for line in table if line.startswith("  ") and line.split()[0] in
            ("z1", "yhat", "dW2", "W3_new")}
    assert set(rows) == {"z1", "yhat", "dW2", "W3_new"}
    yhat = float(ref["yhat"])
    rel = abs(0.9 - yhat) / yhat
    # yhat's row: ✗, 0.9000 as written, the reference to 4 decimals, and the relative error (4 digits)
    assert rows["yhat"].split()[1:5] == ["✗", "0.9000", f"{yhat:.4f}", f"{rel:.4g}"]
    assert rows["z1"].split()[1] == "✓" and rows["W3_new"].split()[1] == "✓"
    # the wrong matrix's rounded reference is in its (wrapped) cell: its first entry to 4 decimals
    assert f"[[{ref['dW2'][0, 0]:.4f},".replace("-", "−") in rows["dW2"]
