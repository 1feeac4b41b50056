"""The JSON Schema of every kind: complete (no field an editor cannot type, none without a
description), never stricter than dlsolve (every problem file and template validates), and
agreeing with the loader on a corpus of mutated problem files (wrong types, quoted numbers,
yes/no for booleans, unknown activation names, missing and extra keys): what one refuses the
other refuses, except the listed rules a schema cannot state; the shipped copies are current;
`dlsolve new` points editors at them; `dlsolve schema` prints them."""

from __future__ import annotations

import copy
import json
import os
import typing
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlsolve import schema
from dlsolve.activations import ACTIVATIONS
from dlsolve.cli import main
from dlsolve.kinds import KINDS
from dlsolve.errors import DlsolveError, SpecError, YamlSyntaxError
from dlsolve.load import load_text, parse_data
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


def _is_rule(node):
    """A rule between keys (dlsolve.kinds.prepared): `{required: [k], properties: {k: {not: null}}}`
    says k is written, not what type it has (the model's own properties say that)."""
    return isinstance(node, dict) and set(node) == {"required", "properties"} and all(
        sub == {"not": {"type": "null"}} for sub in node["properties"].values())


def _untyped(node, path, out):
    if _is_rule(node):
        return
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
        except (YamlSyntaxError, SpecError):  # refused by the loader (a syntax error, NaN or ∞)
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
    assert opt["x-enumDescriptions"] == [o.title for o in optimizer.OPTIMIZERS.values()]
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


# -- every field described -------------------------------------------------------------------

def _spec_models():
    """Every pydantic model a kind's Spec reaches (nested specs, layer entries, layer types)."""
    from pydantic import BaseModel

    from dlsolve import kinds

    seen: list = []

    def visit(ann):
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            if ann not in seen:
                seen.append(ann)
                for f in ann.model_fields.values():
                    visit(f.annotation)
            return
        for arg in typing.get_args(ann):
            visit(arg)

    for kind in KINDS:
        visit(kinds.module(kind).Spec)
    return seen


def _undescribed_properties(node, path, out):
    if _is_rule(node):
        return
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict) and not sub.get("description"):
                out.append(f"{path}.{name}")
        for key, sub in node.items():
            if key not in ("if", "then", "else"):  # conditions on fields declared elsewhere, not fields
                _undescribed_properties(sub, f"{path}/{key}" if key == "$defs" else path, out)
    elif isinstance(node, list):
        for sub in node:
            _undescribed_properties(sub, path, out)


def test_every_field_is_described(schemas):
    """Editors show a field's description as its help: each comes from the field's pydantic
    Field(description=…), so the count of fields without one is 0, in the models and in every
    property of every schema (nested ones and all.json too)."""
    models = _spec_models()
    assert len(models) > 40  # the walk reaches the nested specs and the layer types
    bare = [f"{m.__module__}.{m.__qualname__}.{name}" for m in models for name, f in m.model_fields.items()
            if name not in ("kind", "title") and not f.description]
    assert len(bare) == 0, f"{len(bare)} fields without a description: {bare}"
    out: list[str] = []
    for kind, s in schemas.items():
        _undescribed_properties(s, kind, out)
    _undescribed_properties(schema.all_schema(), "all", out)
    assert len(out) == 0, f"{len(out)} schema properties without a description: {sorted(set(out))}"


# -- schema and loader agree on mutated problem files ----------------------------------------

def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            if path or k not in ("vary", "kind"):
                yield from _leaves(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, path + (i,))
    yield path, node


def _put(data, path, value=None, drop=False):
    out = copy.deepcopy(data)
    node = out
    for p in path[:-1]:
        node = node[p]
    if drop:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def _registered_names():
    from dlsolve.kinds.init import SCHEMES
    from dlsolve.kinds.optimizer import OPTIMIZERS
    from dlsolve.losses import LOSSES

    return set(LOSSES) | set(OPTIMIZERS) | set(SCHEMES)


NAMES = _registered_names()  # losses, optimizers, schemes: a misspelt one is refused by both


def mutations(data):
    """(what, path, mutated data): one thing wrong. Each sort of change is made once per key
    name and depth (indices count as one), which keeps the corpus to a few thousand files."""
    yield "extra key", (), {**data, "learning_rat": 0.1}
    seen = set()

    def once(what, path):
        sig = (what, tuple(p if isinstance(p, str) else 0 for p in path))
        if sig in seen:
            return False
        seen.add(sig)
        return True

    for path, v in _leaves(data):
        if not path:
            continue
        if isinstance(path[-1], str) and once("missing key", path):
            yield "missing key", path, _put(data, path, drop=True)
        if isinstance(v, dict) and once("extra key", path):
            yield "extra key", path, _put(data, path, {**v, "colour": 1})
        if isinstance(v, bool):
            if once("yes/no", path):
                yield "yes/no", path, _put(data, path, "yes" if v else "no")
            if once("1 for a boolean", path):
                yield "1 for a boolean", path, _put(data, path, 1)
        elif isinstance(v, (int, float)):
            if once("quoted number", path):
                yield "quoted number", path, _put(data, path, str(v))
            if once("true for a number", path):
                yield "true for a number", path, _put(data, path, True)
            if once("mapping for a number", path):
                yield "mapping for a number", path, _put(data, path, {"value": v})
        elif isinstance(v, str):
            if v in ACTIVATIONS and once("rleu", path):
                yield "rleu", path, _put(data, path, "rleu")
            elif v in NAMES and once("misspelt name", path):
                yield "misspelt name", path, _put(data, path, v + "e")
            elif once("number for text", path):
                yield "number for text", path, _put(data, path, 3)
        elif isinstance(v, list) and once("text for a list", path):
            yield "text for a list", path, _put(data, path, "[1, 2]")


# Where the loader refuses and the schema accepts: rules that compare a value with another value of
# the same file, which JSON Schema (draft 2020-12, without the $data proposal) cannot state — its
# enum, const, maximum and propertyNames take literals written in the schema, never values read
# from the instance, and it cannot count distinct values or compare two lengths. Rules between
# keys that a schema CAN state are records in dlsolve/kinds/prepared.py and are not listed here.
# (kind, what was done, top-level key) → why. The schema is never the stricter one.
AMONG = "a value that must be among another key's values (membership in a list read from the file)"
KNOWN = {
    ("convolve", "missing key", "stride"): "output_padding must be smaller than the stride: exclusiveMaximum takes "
                                          "a literal, not another key's value, and both are unbounded integers, so "
                                          "no finite list of cases states it either",
    ("graph", "missing key", "define"): "a name used in a formula (text) must be defined: the schema would have "
                                        "to parse the formula and compare its names with define's keys",
    ("graph", "missing key", "given"): "a name used in a formula (text) must be given: the schema would have to "
                                       "parse the formula and compare its names with given's keys",
    ("loss", "number for text", "y_true"): "a class index must be smaller than the number of columns of y_pred: a "
                                           "bound read from another key's length",
    ("loss", "text for a list", "y_true"): "one label per row of y_pred (one class name counts as one label): two "
                                           "lengths compared",
    ("metrics", "missing key", "labels"): AMONG + " (positive must be one of the classes: labels, or without "
                                                  "them the values of y_true)",
    **{("metrics", "number for text", k): AMONG + " (y_true, y_pred and positive among labels)"
       for k in ("labels", "positive", "y_pred", "y_true")},
    ("metrics", "quoted number", "y_true"): "scores with a threshold need two classes, and the label '1' is a "
                                            "third beside 0 and 1: a count of distinct values (uniqueItems can "
                                            "only ask that all differ)",
    ("word2vec", "missing key", "similarity"): "a word in pairs or analogy needs a vector: a value that must be a "
                                               "key of another mapping (propertyNames constrains keys by a literal "
                                               "schema, not values by the keys)",
}


def _loader_accepts(data, name):
    try:
        load_text(json.dumps(data), name)
    except DlsolveError:
        return False
    return True


def test_schema_and_loader_agree_on_mutated_problems(schemas):
    validators = {kind: Validator(s) for kind, s in schemas.items()}
    stricter, looser, used = [], [], set()
    count = 0
    for path in PROBLEMS:
        data = parse_data(path.read_text(encoding="utf-8"), path.name)
        kind = data["kind"]
        for what, where, mutated in mutations(data):
            count += 1
            loader = _loader_accepts(mutated, path.name)
            valid = validators[kind].is_valid(mutated)
            if loader == valid:
                continue
            case = f"{path.name}: {what} at {'.'.join(map(str, where)) or 'top'}"
            if loader:
                stricter.append(case)
                continue
            key = (kind, what, where[0] if where else "")
            if key in KNOWN:
                used.add(key)
            else:
                looser.append(case)
    assert count > 1000
    assert not stricter, f"the schema refuses files dlsolve accepts: {stricter}"
    assert not looser, f"dlsolve refuses files the schema accepts: {looser}"
    assert used == set(KNOWN), f"no longer disagreeing (remove from KNOWN): {sorted(set(KNOWN) - used)}"


@pytest.mark.parametrize("before, after, message", [
    ("learning_rate: 0.001", "learning_rate: '0.5'", "remove the quotes to write the number 0.5"),
    ("bias_correction: true", "bias_correction: yes", "write true or false"),
    ("bias_correction: true", "bias_correction: 'no'", "write true or false"),
])
def test_a_quoted_number_or_yes_is_refused_by_both(before, after, message, schemas):
    text = (ROOT / "problems" / "opt-adam.yaml").read_text(encoding="utf-8")
    assert before in text
    text = text.replace(before, after)
    with pytest.raises(DlsolveError) as err:
        load_text(text, "opt.yaml")
    assert message in str(err.value) and f"opt.yaml:{text.splitlines().index(after) + 1}:" in str(err.value)
    assert not Validator(schemas["optimizer"]).is_valid(parse_data(text, "opt.yaml"))


def test_half_yes_is_text_refused_by_both(schemas):
    text = (ROOT / "problems" / "loss-sse-rows.yaml").read_text(encoding="utf-8").replace("half: true", "half: yes")
    assert parse_data(text, "x.yaml")["half"] == "yes"  # YAML 1.2: yes is a string
    with pytest.raises(DlsolveError, match=r"half: expected true or false, got 'yes'.*write true or false"):
        load_text(text, "x.yaml")
    assert not Validator(schemas["loss"]).is_valid(parse_data(text, "x.yaml"))


CONV = "kind: conv\ninput: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3}\n  - activation: {name: %s}\n"


def test_a_conv_activation_layer_takes_registered_names_only(schemas):
    with pytest.raises(DlsolveError, match=r"layers\[1\]\.activation\.name: unknown activation: .*did you mean 'relu'"):
        load_text(CONV % "rleu", "c.yaml")
    assert not Validator(schemas["conv"]).is_valid(parse_data(CONV % "rleu", "c.yaml"))
    for name in ACTIVATIONS:
        load_text(CONV % name, "c.yaml")
        assert Validator(schemas["conv"]).is_valid(parse_data(CONV % name, "c.yaml")), name


def test_convolve_offers_the_activations_it_takes(schemas):
    offered = schemas["convolve"]["properties"]["activation"]["anyOf"][0]["enum"]
    assert offered == [n for n, a in ACTIVATIONS.items() if not a.coupled] and "softmax" not in offered
    text = (ROOT / "problems" / "conv-by-hand.yaml").read_text(encoding="utf-8")
    for name in list(ACTIVATIONS) + ["rleu"]:
        case = text.replace("activation: relu", f"activation: {name}")
        try:
            load_text(case, "c.yaml")
            accepted = True
        except DlsolveError as exc:
            accepted = False
            assert "unknown activation" in str(exc) and "did you mean" in str(exc) or name == "softmax", str(exc)
        valid = Validator(schemas["convolve"]).is_valid(parse_data(case, "c.yaml"))
        assert accepted == (name in offered) == valid, name


def test_a_zero_or_one_switch_refuses_true(schemas):
    text = (ROOT / "problems" / "perceptron-or-gate.yaml").read_text(encoding="utf-8")
    data = {**parse_data(text, "p.yaml"), "step_at_zero": True}
    with pytest.raises(DlsolveError, match="step_at_zero: expected 0 or 1, got true"):
        load_text(json.dumps(data), "p.yaml")
    assert not Validator(schemas["perceptron"]).is_valid(data)


@pytest.mark.parametrize("problem, key", [("rnn-bptt-three-steps.yaml", "loss"), ("p3-delta-rule.yaml", "loss"),
                                          ("p1-image-mlp.yaml", "loss"), ("opt-adam.yaml", "optimizer")])
def test_a_kind_offers_the_names_it_takes(problem, key, schemas):
    """Every registered loss (optimizer) name in a problem: the schema offers it exactly when the
    kind takes the name; a name taken may still be refused for the problem's numbers (a target
    outside [0, 1] for bce), never for being the wrong name."""
    from dlsolve.kinds.optimizer import OPTIMIZERS
    from dlsolve.losses import LOSSES

    data = parse_data((ROOT / "problems" / problem).read_text(encoding="utf-8"), problem)
    validator = Validator(schemas[data["kind"]])
    offered = 0
    for name in (OPTIMIZERS if key == "optimizer" else LOSSES):
        # a loss mapping keeps its name only: its options (half, delta) belong to the losses that take them
        case = {**data, key: {"name": name} if isinstance(data[key], dict) else name}
        try:
            load_text(json.dumps(case), problem)
            message = ""
        except DlsolveError as exc:
            message = str(exc)
        if validator.is_valid(case):
            offered += 1
            assert "unknown" not in message and "not a loss of" not in message and "not for" not in message, message
        else:
            assert message, f"the schema refuses {key}: {name}, which dlsolve takes"
    assert offered >= 4
