"""kind: convolve with an input of several channels, in every format (issue 24: the text format
exited 3 with `TypeError: only 0-dimensional arrays…` on the 2×2×2 input)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.render import FORMATS

X = [[[1, 2, 0], [3, 4, 1], [0, 1, 2]], [[5, 6, 1], [7, 8, 0], [1, 0, 3]]]
K = [[[1, 0], [0, 1]], [[1, 1], [-1, 1]]]


def expected() -> np.ndarray:
    """Cross-correlation summed over the channels, with plain loops."""
    x, k = np.array(X, float), np.array(K, float)
    out = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            for c in range(2):
                for p in range(2):
                    for q in range(2):
                        out[i, j] += x[c, i + p, j + q] * k[c, p, q]
    return out


@pytest.fixture()
def problem(tmp_path):
    f = tmp_path / "channels.yaml"
    f.write_text(f"kind: convolve\ninput: {X}\nkernel: {K}\n", encoding="utf-8")
    return f


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_two_channels_solve_in_every_format(problem, fmt, tmp_path):
    args = ["solve", str(problem), "--format", fmt]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "internal error" not in r.output


def test_text_shows_each_channel_and_the_right_output(problem):
    r = CliRunner().invoke(main, ["solve", str(problem)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    given = next(i for i, line in enumerate(lines) if line.strip().startswith("x = "))
    # the two channels side by side: the first row of each on the first line
    assert re.search(r"1\s+2\s+0\D+5\s+6\s+1", lines[given]), lines[given]
    r = CliRunner().invoke(main, ["solve", str(problem), "--format", "json"])
    assert np.allclose(json.loads(r.output)["answers"]["output"], expected())
