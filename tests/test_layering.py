"""The import rules of the design: the core loads neither click, rich nor a YAML library;
`dlsolve --help` loads neither NumPy nor SymPy; kinds that need no symbols do not load SymPy."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_core_imports_no_click_rich_or_yaml():
    mods = loaded_after("import dlsolve.kinds.backprop, dlsolve.solution, dlsolve.derivation, dlsolve.expr")
    for banned in ("click", "rich", "ruamel", "yaml"):
        assert not any(m == banned or m.startswith(banned + ".") for m in mods), banned


def test_help_loads_no_numpy_or_sympy():
    mods = loaded_after("import sys; sys.argv = ['dlsolve', '--help']\n"
                        "from dlsolve.cli import main\n"
                        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "numpy" not in mods and "sympy" not in mods


def test_only_cli_imports_click_and_only_load_imports_yaml():
    pkg = ROOT / "dlsolve"
    for path in pkg.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(pkg).as_posix()
        if rel != "cli.py":
            assert "import click" not in text and "from click" not in text, rel
        if rel != "load.py":
            assert "ruamel" not in text and "import yaml" not in text, rel
        if not rel.startswith("render/"):
            assert "from rich" not in text and "import rich" not in text, rel


def test_no_eval_exec_or_sympify_of_text():
    for path in (ROOT / "dlsolve").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("eval(", "exec(", "sympify(", "parse_expr("):
            assert banned not in text.replace("_eval(", "").replace("evaluate(", ""), (path.name, banned)


import pytest


@pytest.mark.parametrize("problem", ["p6-adagrad-learning-rate.yaml", "opt-adam.yaml", "p14-cnn-valid.yaml",
                                     "arch-lstm-gru-keras.yaml", "conv-by-hand.yaml", "p7-softmax-temperature.yaml",
                                     "p8-entropy-kl-bits.yaml", "perceptron-or-gate.yaml",
                                     "metrics-roc.yaml", "metrics-multiclass.yaml",
                                     "attn-multihead.yaml", "attn-bahdanau.yaml", "w2v-analogy.yaml",
                                     "w2v-negative-sampling.yaml", "w2v-subsampling.yaml"])
def test_kinds_that_need_no_symbols_do_not_load_sympy(problem):
    mods = loaded_after(
        "import sys; sys.argv = ['dlsolve', 'solve', 'problems/" + problem + "']\n"
        "from dlsolve.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "sympy" not in mods


def test_an_objective_does_load_sympy():
    mods = loaded_after(
        "import sys; sys.argv = ['dlsolve', 'solve', 'problems/opt-sgd-objective.yaml']\n"
        "from dlsolve.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "sympy" in mods
