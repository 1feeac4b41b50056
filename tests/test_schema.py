"""The JSON Schema of every kind: complete (no field an editor cannot type), never stricter than
dlsolve (every problem file and template validates), and rejecting what it can see of the
malformed problems of tests/test_bad_inputs.py; the shipped copies are current; `dlsolve new`
points editors at them; `dlsolve schema` prints them."""

from __future__ import annotations

import json
import os
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlsolve import schema
from dlsolve.activations import ACTIVATIONS
from dlsolve.cli import main
from dlsolve.kinds import KINDS
from dlsolve.load import YamlSyntaxError, parse_data
from tests.conftest import PROBLEMS, ROOT
from tests.test_bad_inputs import CASES, SOLVABLE

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra: pip install -e '.[test]'")
Validator = jsonschema.Draft202012Validator

TYPED = {"type", "anyOf", "oneOf", "allOf", "$ref", "enum", "const"}
# The malformed cases an editor can see from the schema alone (types, keys, enums, empty lists);
# the others (ragged rows, a shape that does not fit, a negative probability) need dlsolve.
SCHEMA_VISIBLE = {0, 1, 2, 3, 4, 6, 7, 14, 15, 16, 19, 23, 26, 27, 28, 30, 35, 36, 41, 42}


@pytest.fixture(scope="module")
def schemas():
    return {kind: schema.kind_schema(kind) for kind in KINDS}


@pytest.fixture(scope="module")
def all_validator():
    return Validator(schema.all_schema())


def test_every_schema_is_a_valid_draft_2020_12_schema(schemas):
    for kind, s in schemas.items():
        Validator.check_schema(s)
        assert s["$schema"] == schema.DRAFT and s["properties"]["kind"]["enum"][0] in KINDS, kind
    Validator.check_schema(schema.all_schema())


def _untyped(node, path, out):
    if isinstance(node, dict):
        for key in ("properties", "$defs"):
            for name, sub in (node.get(key) or {}).items():
                if key == "properties" and isinstance(sub, dict) and not (TYPED & sub.keys()):
                    out.append(f"{path}.{name}")
                _untyped(sub, f"{path}.{name}", out)
        for key, sub in node.items():
            if key not in ("properties", "$defs") and isinstance(sub, (dict, list)):
                _untyped(sub, path, out)
    elif isinstance(node, list):
        for sub in node:
            _untyped(sub, path, out)


def test_no_field_is_left_untyped(schemas):
    for kind, s in schemas.items():
        out: list[str] = []
        _untyped(s, kind, out)
        assert not out, f"fields without a type in the schema: {out}"


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_every_problem_file_validates(path, schemas, all_validator):
    data = parse_data(path.read_text(encoding="utf-8"), path.name)
    errors = [e.message for e in Validator(schemas[data["kind"]]).iter_errors(data)]
    assert not errors, errors
    assert not [e.message for e in all_validator.iter_errors(data)]


def test_every_template_and_example_validates(all_validator):
    paths = [(t.name, t.read_text(encoding="utf-8")) for t in files("dlsolve.templates").iterdir()
             if t.name.endswith(".yaml")] + [(p.name, p.read_text(encoding="utf-8"))
                                              for p in (ROOT / "examples").glob("*.yaml")]
    assert len(paths) >= len(KINDS)
    for name, text in paths:
        errors = [e.message for e in all_validator.iter_errors(parse_data(text, name))]
        assert not errors, (name, errors)


def test_the_schema_rejects_what_it_can_see_and_nothing_dlsolve_accepts(all_validator):
    rejected = set()
    for k, text in enumerate(CASES):
        try:
            data = parse_data(text, "case.yaml")
        except YamlSyntaxError:
            continue
        if any(True for _ in all_validator.iter_errors(data)):
            rejected.add(k)
    assert rejected >= SCHEMA_VISIBLE, f"no longer rejected: {sorted(SCHEMA_VISIBLE - rejected)}"
    assert not rejected & SOLVABLE, f"the schema rejects a problem dlsolve solves: {sorted(rejected & SOLVABLE)}"


def test_names_are_enums_described_by_their_registries(schemas):
    backprop = schemas["backprop"]
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("enum") and "x-enumDescriptions" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(backprop)
    acts = [n for n in found if n["enum"] == list(ACTIVATIONS)]
    assert acts and acts[0]["x-enumDescriptions"] == [a.title for a in ACTIVATIONS.values()]
    from dlsolve.kinds import optimizer

    opt = schemas["optimizer"]["properties"]["optimizer"]
    assert opt["enum"] == list(optimizer.OPTIMIZERS)
    assert opt["x-enumDescriptions"] == [optimizer.TITLES[o] for o in optimizer.OPTIMIZERS]
    from dlsolve.losses import LOSSES

    assert schemas["loss"]["properties"]["loss"]["enum"] == list(LOSSES)
    assert schemas["loss"]["properties"]["loss"]["x-enumDescriptions"] == [l.title for l in LOSSES.values()]


def test_vectors_and_matrices_are_typed(schemas):
    scores = schemas["softmax"]["properties"]["scores"]
    assert scores["type"] == "array" and scores["items"] == {"type": "number"} and scores["minItems"] == 1
    v = Validator(schemas["softmax"])
    assert v.is_valid({"kind": "softmax", "scores": [1, 2.5]})
    assert not v.is_valid({"kind": "softmax", "scores": [1, "x"]})
    assert not v.is_valid({"kind": "softmax", "scores": [1, 2], "temprature": 2})
    b = Validator(schemas["backprop"])
    ok = {"kind": "backprop", "input": [1], "layers": [{"weights": [[1]], "activation": "sigmoid"}]}
    assert b.is_valid(ok)
    assert not b.is_valid({**ok, "layers": [{"weights": [1, 2], "activation": "sigmoid"}]})
    assert not b.is_valid({**ok, "layers": [{"weights": [[1]], "activation": "sigmoidd"}]})
    conv = Validator(schemas["conv"])
    assert conv.is_valid({"kind": "conv", "input": [28, 28, 1], "layers": [{"conv2d": {"filters": 4, "kernel": 3}}]})
    assert not conv.is_valid({"kind": "conv", "input": [28, 28, 1], "layers": [{"conv2d": {"filterz": 4}}]})


def test_the_shipped_schemas_are_current(tmp_path):
    shipped = Path(schema.__file__).parent / "schemas"
    if os.environ.get("DLSOLVE_UPDATE_SCHEMAS"):
        schema.write_installed(shipped)
    written = schema.write_installed(tmp_path)
    stale = [n for n in written if not (shipped / n).exists()
             or (shipped / n).read_text(encoding="utf-8") != (tmp_path / n).read_text(encoding="utf-8")]
    assert not stale, f"stale shipped schemas {stale}: rerun with DLSOLVE_UPDATE_SCHEMAS=1"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_new_points_editors_at_the_kind_schema(kind):
    r = CliRunner().invoke(main, ["new", kind])
    assert r.exit_code == 0
    first = r.output.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=file://")
    from urllib.parse import unquote, urlparse

    path = Path(unquote(urlparse(first.split("$schema=", 1)[1]).path))
    assert json.loads(path.read_text(encoding="utf-8")) == schema.kind_schema(kind)
    assert Validator(schema.kind_schema(kind)).is_valid(parse_data(r.output, "new.yaml"))


def test_schema_command():
    r = CliRunner().invoke(main, ["schema", "entropy"])
    assert r.exit_code == 0 and json.loads(r.output) == schema.kind_schema("entropy")
    r = CliRunner().invoke(main, ["schema", "--all"])
    assert r.exit_code == 0 and set(json.loads(r.output)["properties"]["kind"]["enum"]) == set(KINDS)
    r = CliRunner().invoke(main, ["schema", "entropyy"])
    assert r.exit_code == 2 and "did you mean 'entropy'" in r.output
    assert CliRunner().invoke(main, ["schema"]).exit_code == 2


def _complete(words: str) -> list[str]:
    env = {"_DLSOLVE_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    r = CliRunner().invoke(main, [], env=env, prog_name="dlsolve")
    return r.output.splitlines()


def test_shell_completion_of_kinds_and_files():
    assert "plain,backprop" in _complete("dlsolve new back")
    assert {f"plain,{k}" for k in KINDS} <= set(_complete("dlsolve schema "))
    for words in ("dlsolve solve prob", "dlsolve backprop prob", "dlsolve check p", "dlsolve vary ex"):
        assert _complete(words)[0].startswith("file,"), words
