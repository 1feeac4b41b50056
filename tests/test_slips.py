"""Variants that tell slips apart: for every kind with diagnoses, no kept variant has two of its
diagnosable values (or the right value and one) within the marking tolerance of an asked answer.

The candidates are recomputed here independently of dlsolve/slips.py: the sign flipped, the
transpose of a square matrix, and each other choice of each of the kind's conventions, solved
through the API from the variant's own data (`Convention.with_choice`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve import api
from dlsolve.cli import main

ROOT = Path(__file__).resolve().parent.parent

# one problem of each kind with conventions, and a `vary:` section written for the test
VARIED = {
    "backprop": ("examples/exam-backprop.yaml", None),
    "loss": ("problems/p12-regression-losses.yaml", "  y_pred: {range: [-1, 9], step: 0.5}\n"),
    "entropy": ("problems/p8-entropy-kl-bits.yaml", "  q: {choices: [[0.25, 0.1, 0.35, 0.3], [0.4, 0.2, 0.3, 0.1], "
                                                     "[0.1, 0.1, 0.4, 0.4]]}\n"),
    "optimizer": ("problems/opt-momentum.yaml", "  gradients: {range: [-1, 1], step: 0.1}\n"),
    "normalize": ("problems/norm-layernorm.yaml", "  input: {integers: [-5, 9]}\n"),
    "distillation": ("problems/p13-distillation.yaml", "  student_logits: {range: [0, 3], step: 0.1}\n"),
    "rnn": ("problems/rnn-bptt-three-steps.yaml", "  inputs: {range: [-1, 1], step: 0.25}\n"),
}


def _decimals(x: float) -> int:
    return 4 if x == 0 or float(x).is_integer() else max(4, 1 - math.floor(math.log10(abs(x))))


def _numbers(value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr if np.all(np.isfinite(arr)) else None


def _candidates(data: dict, module, solution) -> dict[str, list[tuple[str, np.ndarray]]]:
    """Per numeric answer: (label, value) of the right value and each diagnosable slip."""
    others = []
    for conv in getattr(module, "CONVENTIONS", ()):
        for label, changed in conv.alternatives(data):
            try:
                others.append((label, api.solve(changed)))
            except Exception:  # noqa: BLE001 - a choice this problem cannot take
                continue
    out = {}
    for a in solution.answers:
        ref = _numbers(a.value)
        if ref is None:
            continue
        vals = [("right", ref), ("sign", -ref)]
        if ref.ndim == 2 and ref.shape[0] == ref.shape[1] > 1:
            vals.append(("transposed", ref.T))
        for label, sol in others:
            if a.name in sol.answers:
                v = _numbers(sol.answers.answer(a.name).value)
                if v is not None and v.shape == ref.shape:
                    vals.append((label, v))
        out[a.name] = vals
    return out


def _close(a: np.ndarray, b: np.ndarray, ref: np.ndarray) -> bool:
    margins = np.vectorize(lambda x: 0.5 * 10.0 ** -_decimals(x))(ref)
    return bool(np.all(np.abs(a - b) <= margins * (1 + 1e-9) + 1e-15))


@pytest.mark.parametrize("kind", sorted(VARIED))
def test_no_kept_variant_has_two_diagnosable_values_within_tolerance(kind, tmp_path):
    file, section = VARIED[kind]
    text = (ROOT / file).read_text()
    if section is not None:
        text += "vary:\n  seed: 3\n" + section
    problem = tmp_path / f"{kind}.yaml"
    problem.write_text(text)
    out = tmp_path / "v"
    result = CliRunner().invoke(main, ["vary", str(problem), "--count", "3", "-o", str(out), "--report"])
    assert result.exit_code == 0, result.output
    base_data = api.load(str(problem)).data
    base_data = {k: v for k, v in base_data.items() if k != "vary"}
    base = api.load(base_data)
    base_sol = api.solve_loaded(base)
    # a slip the problem as written makes visible at the marking tolerance (a convention an answer
    # depends on to the decimals asked)
    wanted = {(name, label) for name, vals in _candidates(base_data, base.module, base_sol).items()
              for label, v in vals[1:] if label == "transposed" or not _close(v, vals[0][1], vals[0][1])}
    manifest = json.loads((out / "variants.json").read_text())
    datas = []
    for entry in manifest["variants"]:
        loaded = api.load(str(out / entry["file"]))
        data = {k: v for k, v in loaded.data.items() if k != "title"}
        assert data not in datas                                        # no variant repeats another
        datas.append(data)
        sol = api.solve_loaded(loaded)
        for name, vals in _candidates(loaded.data, loaded.module, sol).items():
            ref = vals[0][1]
            kept = [(label, v) for label, v in vals if label == "right" or (name, label) in wanted]
            for i in range(len(kept)):
                for j in range(i + 1, len(kept)):
                    assert not _close(kept[i][1], kept[j][1], ref), (kind, entry["variant"], name, kept[i][0], kept[j][0])
            told = entry["tells_apart"].get(name, [])
            assert sorted(told) == sorted(label for label, _ in kept[1:])
    assert "variant 1" in result.output


def test_a_symmetric_weight_matrix_is_redrawn_for_hiding_the_transposition():
    from dlsolve.slips import Judge

    data = api.load(str(ROOT / "examples" / "exam-backprop.yaml")).data
    base = {k: v for k, v in data.items() if k != "vary"}
    judge = Judge(base)
    symmetric = json.loads(json.dumps(base))
    symmetric["input"] = [1, 1]                          # equal inputs and equal units: ∂L/∂W1 is
    symmetric["layers"][0]["weights"] = [[1, 2], [2, 1]]  # symmetric, its transpose the same numbers
    symmetric["layers"][0]["bias"] = [0, 0]
    symmetric["layers"][1]["weights"] = [[1], [1]]
    why = judge(symmetric, api.solve(symmetric))
    assert why is not None and "transpose" in why
    assert judge(base, api.solve(base)) is None
    assert judge(base, api.solve(base)) == "the same numbers as another variant"


def test_a_slip_the_problem_itself_cannot_show_is_not_asked_of_its_variants(tmp_path):
    """opt-adam.yaml's ε = 1e−8 inside or outside the root agrees to the 9th digit: the problem as
    written cannot tell the two apart at 4 decimals, so a variant need not (every draw clashed,
    and `vary` gave up after 100 tries)."""
    from click.testing import CliRunner

    from dlsolve.cli import main

    problem = tmp_path / "adam.yaml"
    problem.write_text((ROOT / "problems" / "opt-adam.yaml").read_text(encoding="utf-8")
                       + "vary:\n  gradients: {range: [-0.9, 0.9], step: 0.1, nonzero: true}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["vary", str(problem), "--count", "3", "-o", str(tmp_path / "v")])
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "v" / "variants.json").read_text(encoding="utf-8"))
    told = {label for v in manifest["variants"] for labels in v["tells_apart"].values() for label in labels}
    assert not any("epsilon_placement" in label for label in told)
