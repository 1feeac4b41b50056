"""Problems the long fuzz run (`python -m tests.fuzz`) once broke, kept as regressions: a line
break inside a quoted value split an error over two lines, huge sizes crashed (exit 3) or hung,
an overflow left a softmax row with no finite score; a 1,000-deep answers file overflowed the
JSON reader, a fan-in of 0xfff… overflowed a float, a 50×50 matrix of graph symbols took 30 s, a
kind spelt as a long list took seconds finding the nearest kind name. Each must now exit 0, 1 or 2 with every
error line located."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dlsolve.cli import main

HERE = Path(__file__).parent / "fuzz_regressions"
CASES = [line.split("|") for line in (HERE / "cases.txt").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("name,args", CASES, ids=[c[0] for c in CASES])
def test_fuzz_regression(name, args):
    """PROBLEM is the case's file, ANSWERS its answers file (`NAME.answers.yaml`, for check)."""
    path, answers = HERE / f"{name}.yaml", HERE / f"{name}.answers.yaml"
    files = {"PROBLEM": str(path), "ANSWERS": str(answers)}
    r = CliRunner().invoke(main, [files.get(a, a) for a in args.split()])
    assert r.exit_code in (0, 1, 2), r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    if r.exit_code == 2:  # every error line located (check still writes its report of the rest to stdout)
        assert all(line.startswith((f"{path}:", f"{answers}:")) for line in r.stderr.splitlines() if line.strip()), \
            r.stderr
