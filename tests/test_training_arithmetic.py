"""kind: training — batches per epoch and updates in all, against a loop that cuts the samples into
batches as PyTorch's DataLoader does (with and without drop_last)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def dataloader_batches(n, b, drop_last):
    """The batch sizes of one epoch: slices of range(n), the last one kept or dropped."""
    sizes = [len(range(n)[i:i + b]) for i in range(0, n, b)]
    return [s for s in sizes if s == b] if drop_last else sizes


@pytest.mark.parametrize("n,b,epochs", [(1000, 32, 10), (60000, 128, 5), (100, 10, 3), (7, 3, 2), (5, 5, 1),
                                        (9, 1, 4), (3, 8, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_counts_match_the_dataloader_loop(n, b, epochs, drop_last):
    if drop_last and b > n:
        return  # refused: no update at all (tested below)
    sol = solve_data({"kind": "training", "samples": n, "batch_size": b, "epochs": epochs, "drop_last": drop_last})
    a = answers(sol)
    sizes = dataloader_batches(n, b, drop_last)
    assert a["batches_per_epoch"] == len(sizes)
    assert a["updates"] == len(sizes) * epochs
    if drop_last:
        assert a["samples_per_epoch"] == sum(sizes)
    else:
        assert a["last_batch"] == sizes[-1]
    assert verify_solution(sol) == []


def test_the_notes_three_kinds_of_descent():
    # SGD: epochs × data points; batch GD: epochs; mini-batch: batches × epochs
    assert answers(solve_data({"kind": "training", "samples": 500, "batch_size": 1, "epochs": 3}))["updates"] == 1500
    assert answers(solve_data({"kind": "training", "samples": 500, "batch_size": "full", "epochs": 3}))["updates"] == 3
    assert answers(solve_data({"kind": "training", "samples": 500, "batch_size": 50, "epochs": 3}))["updates"] == 30


@pytest.mark.parametrize("text,words", [
    ("samples: 3\nbatch_size: 8\ndrop_last: true\n", "drops every batch"),
    ("samples: 3\nbatch_size: 0\n", "batch size from 1"),
    ("samples: '3'\nbatch_size: 1\n", "samples"),
    ("samples: 0\nbatch_size: 1\n", "samples"),
])
def test_bad_input_is_located(tmp_path, text, words):
    f = tmp_path / "t.yaml"
    f.write_text("kind: training\n" + text, encoding="utf-8")
    r = CliRunner().invoke(main, ["solve", str(f)])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"{f}:") and words in r.output.splitlines()[0], r.output
    assert "Traceback" not in r.output
