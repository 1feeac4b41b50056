"""The import rules of the design: the core loads neither click, rich nor a YAML library;
`dlsolve --help` loads neither NumPy nor SymPy; kinds that need no symbols do not load SymPy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    # nor pydantic, nor a renderer: the --format choices come from the registry alone
    assert not any(m == "pydantic" or m.startswith(("pydantic.", "dlsolve.render.")) for m in mods), \
        sorted(m for m in mods if m.startswith(("pydantic", "dlsolve.render.")))


# yaml_events.py reads a document's text as data; no other module imports a YAML library (load.py
# and answers_file.py read through it).
LOADER = {"yaml_events.py"}
# The command line is a package (its commands split by idea): only its modules import click.
CLI = "cli/"


def click_importers(pkg: Path) -> list[str]:
    """The modules under `pkg`, outside its cli/ package, that import click (at any depth)."""
    found = []
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg).as_posix()
        text = path.read_text(encoding="utf-8")
        if not rel.startswith(CLI) and ("import click" in text or "from click" in text):
            found.append(rel)
    return found


def test_the_click_rule_catches_a_module_outside_the_cli_package(tmp_path):
    for rel, text in {"cli/__init__.py": "import click\n", "cli/options.py": "from click import option\n",
                      "cli.py": "import click\n",  # the old single module's name is not the package
                      "clipping.py": "from click import echo\n",
                      "kinds/x.py": "def f():\n    import click.testing\n",
                      "kinds/y.py": "# the CLI is the package that imports click's commands\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    assert click_importers(tmp_path) == ["cli.py", "clipping.py", "kinds/x.py"]


def test_only_cli_imports_click_and_only_load_imports_yaml():
    pkg = ROOT / "dlsolve"
    assert "import click" in (pkg / CLI / "__init__.py").read_text(encoding="utf-8")  # the rule's home is there
    assert click_importers(pkg) == []
    for path in pkg.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(pkg).as_posix()
        if rel not in LOADER:
            assert "ruamel" not in text and "import yaml" not in text, rel
        if not rel.startswith("render/"):
            assert "from rich" not in text and "import rich" not in text, rel


def test_no_eval_exec_or_sympify_of_text():
    for path in (ROOT / "dlsolve").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("eval(", "exec(", "sympify(", "parse_expr("):
            assert banned not in text.replace("evaluate(", ""), (path.name, banned)


import pytest


NO_SYMBOLS = ["p6-adagrad-learning-rate.yaml", "opt-adam.yaml", "p14-cnn-valid.yaml",
              "arch-lstm-gru-keras.yaml", "conv-by-hand.yaml", "p7-softmax-temperature.yaml",
              "p8-entropy-kl-bits.yaml", "perceptron-or-gate.yaml",
              "metrics-roc.yaml", "metrics-multiclass.yaml",
              "attn-multihead.yaml", "attn-bahdanau.yaml", "w2v-analogy.yaml",
              "w2v-negative-sampling.yaml", "w2v-subsampling.yaml",
              "norm-batchnorm-backward.yaml", "init-mnist-dense.yaml",
              "conv-transpose.yaml", "conv-unpool.yaml",
              "p9-bce-table.yaml", "p12-regression-losses.yaml"]


def first_to_load_sympy(problems: list[str]) -> str | None:
    """One interpreter solves the problems one after another; the first after which SymPy is
    loaded, or None (a process per problem cost twenty interpreter start-ups)."""
    probe = (
        "import sys, io, contextlib\n"
        "from dlsolve.cli import main\n"
        f"for problem in {problems!r}:\n"
        "    sys.argv = ['dlsolve', 'solve', 'problems/' + problem]\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n            main()\n        except SystemExit as e:\n"
        "            assert e.code in (0, None), (problem, e.code)\n"
        "    if 'sympy' in sys.modules:\n        print(problem)\n        break\n"
        "else:\n    print('none')")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    last = out.stdout.strip().splitlines()[-1]
    return None if last == "none" else last


def test_kinds_that_need_no_symbols_do_not_load_sympy():
    assert first_to_load_sympy(NO_SYMBOLS) is None


def test_an_objective_does_load_sympy():
    assert first_to_load_sympy(["p6-adagrad-learning-rate.yaml", "opt-sgd-objective.yaml"]) == "opt-sgd-objective.yaml"


# -- no kind decides by an activation, loss or layer-type NAME ---------------------------------
import ast  # noqa: E402
from typing import Literal  # noqa: E402


def _object_names() -> set[str]:
    """Every activation and loss name: what a kind must ask the object about instead."""
    from dlsolve.activations import ACTIVATIONS
    from dlsolve.losses import LOSSES

    return set(ACTIVATIONS) | set(LOSSES)


def _layer_names() -> set[str]:
    """Every conv/params layer-type name (the planner asks the layer's class instead)."""
    try:  # the layer types as classes (the layers branch)
        from dlsolve.kinds.architecture.registry import BY_TYPE as layer_types
    except ImportError:
        from dlsolve.kinds.architecture import LAYERS as layer_types
    return set(layer_types)


def _rule_names() -> set[str]:
    return _object_names() | _layer_names()




def _str_constants(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def name_decisions(source: str, names: set[str], lookups: bool = False) -> list[tuple[int, str]]:
    """(line, name) of every comparison with a name (==, !=, in, not in a literal collection),
    every dict literal keyed by names (a dispatch table) and every `case "name":`; with `lookups`,
    also every lookup by a name: `TABLE["name"]` and `table.get("name")` (a `Literal[...]` type
    declares a field's values and looks nothing up)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if lookups and isinstance(node, ast.Subscript) and not (
                isinstance(node.value, ast.Name) and node.value.id == "Literal"):
            found += [(node.lineno, s) for s in _str_constants(node.slice) if s in names]
        elif lookups and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "get" and node.args:
            found += [(node.lineno, s) for s in _str_constants(node.args[0]) if s in names]
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                found += [(node.lineno, s) for s in _str_constants(side) if s in names]
        elif isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            named = [k for k in keys if k in names]
            # a table keyed mostly by names decides by them; a registry of other things (kinds) may
            # share a word or two with the functions (kind: softmax) without dispatching on them
            if len(named) >= 2 and 2 * len(named) > len(keys):
                found += [(node.lineno, k) for k in named]
        elif isinstance(node, ast.MatchValue):
            found += [(node.lineno, s) for s in _str_constants(node.value) if s in names]
    return found


def test_a_registry_of_other_things_that_shares_a_word_is_no_dispatch_table():
    names = {"mean", "softmax", "tanh", "relu"}
    kinds = 'KINDS = {"backprop": 1, "mean": 2, "softmax": 3, "loss": 4, "rnn": 5}\n'
    assert name_decisions(kinds, names) == []
    table = 'TABLE = {"tanh": 1, "relu": 2, "other": 3}\n'
    assert name_decisions(table, names) == [(1, "tanh"), (1, "relu")]


def test_the_name_scan_finds_what_it_should():
    names = {"softmax", "cce", "dense"}
    src = ('if act.name == "softmax": pass\n'
           'if loss in ("mse", "cce"): pass\n'
           'TABLE = {"softmax": 1, "dense": 2}\n'
           'x = {"title": 1, "softmax": 2}\n'
           'if kind != "other": pass\n')
    assert sorted(name_decisions(src, names)) == [(1, "softmax"), (2, "cce"), (3, "dense"), (3, "softmax")]


def test_no_module_branches_on_an_activation_loss_or_layer_name():
    """The whole package, with no exemption: a word that is also another choice's value (a
    normalize method `batchnorm`, a reduction `sum`) is a `Choice` member at its home."""
    offenders = []
    for path in sorted((ROOT / "dlsolve").rglob("*.py")):
        rel = path.relative_to(ROOT / "dlsolve").as_posix()
        if rel in RULE_HOMES:
            continue
        offenders += [f"{rel}:{line}: {name!r}" for line, name in
                      name_decisions(path.read_text(encoding="utf-8"), _rule_names(), lookups=True)]
    assert not offenders, "ask the activation/loss/layer object instead:\n" + "\n".join(offenders)


# -- no module at all decides by, or looks up, a function's or an activation's NAME -------------
# The records' own modules define the names; everything else holds or asks a record (a formula
# builds a call with `call("exp", x)`, the registry's constructor, which is not a decision).
HOMES = {"functions.py", "function_forms.py", "activations.py"}
RULE_HOMES = HOMES | {"losses.py"}   # where activation, function and loss names are defined

def _function_and_activation_names() -> set[str]:
    from dlsolve.activations import ACTIVATIONS
    from dlsolve.functions import FUNCTIONS, WRITTEN

    return set(ACTIVATIONS) | set(FUNCTIONS) | set(WRITTEN)


def test_the_widened_scan_sees_lookups():
    src = ('SIG = ACTIVATIONS["sigmoid"]\n'
           'f = table.get("tanh")\n'
           'x: Literal["tanh"] = "tanh"\n'
           'if e.fn == "exp": pass\n')
    assert sorted(name_decisions(src, {"sigmoid", "tanh", "exp"}, lookups=True)) == [
        (1, "sigmoid"), (2, "tanh"), (4, "exp")]


# Words that are a function's name and also the value of another choice (a loss's reduction, a
# pooling type, a bidirectional merge, an attention score, a log base, a vary rule's key) have no
# exemption: each choice is a record or a `Choice` Enum at its home, and code compares the member.
SHARED = {"mean", "sum", "max", "concat", "ln", "step", "log"}


def test_a_shared_word_is_caught_and_a_member_is_not():
    names = _function_and_activation_names()
    assert SHARED <= names
    src = ('if net.reduction == "mean": pass\n'
           'if net.reduction == Reduction.MEAN: pass\n'
           'limit = 1 if p.type == "max" else 2\n'
           'if p.type == PoolType.MAX: pass\n'
           'step = spec.get("step", 1)\n'
           'if score.param == "concat": pass\n'
           'if score is CONCAT: pass\n')
    assert sorted(name_decisions(src, names, lookups=True)) == [(1, "mean"), (3, "max"), (5, "step"), (6, "concat")]


@pytest.mark.parametrize("module, model, field, choice, extra", [
    ("dlsolve.kinds.backprop.spec", "LossSpec", "reduction", "dlsolve.losses:Reduction", {"none"}),
    ("dlsolve.kinds.rnn.spec", "LossSpec", "reduction", "dlsolve.losses:Reduction", {"none"}),
    ("dlsolve.kinds.loss_spec", "Spec", "reduction", "dlsolve.losses:Reduction", set()),
    ("dlsolve.kinds.convolve_pool", "PoolSpec", "type", "dlsolve.kinds.convolve_pool:PoolType", set()),
    ("dlsolve.kinds.architecture.recurrent", "Bidirectional", "merge", "dlsolve.kinds.architecture.recurrent:Merge",
     set()),
])
def test_a_choice_spells_what_its_field_takes(module, model, field, choice, extra):
    """A field keeps its Literal (schema and messages unchanged); the Choice compared in the code
    has the same words (`extra`: a member the field does not take, kind loss's reduction: none)."""
    import importlib
    from typing import get_args, get_origin

    annotation = getattr(importlib.import_module(module), model).model_fields[field].annotation
    args = get_args(annotation)
    if get_origin(annotation) is not Literal and args:   # Optional[Literal[...]]
        annotation = next(a for a in args if a is not type(None))
    path, name = choice.split(":")
    words = {m.value for m in getattr(importlib.import_module(path), name)}
    assert set(get_args(annotation)) | extra == words


def test_no_module_decides_by_or_looks_up_a_function_or_activation_name():
    names = _function_and_activation_names()
    offenders = []
    for path in sorted((ROOT / "dlsolve").rglob("*.py")):
        rel = path.relative_to(ROOT / "dlsolve").as_posix()
        if rel in HOMES:
            continue
        offenders += [f"{rel}:{line}: {name!r}" for line, name in
                      name_decisions(path.read_text(encoding="utf-8"), names, lookups=True)]
    assert not offenders, "hold or ask the Function/Activation record instead:\n" + "\n".join(offenders)
