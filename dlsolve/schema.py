"""The JSON Schema of each problem kind, for editors (completion and checking of a problem file).

Two halves:
- Annotated types the Specs use for fields that their validators read by hand (a number, a
  vector, a matrix, a list of channel matrices): validation is unchanged (the field is still
  `Any` to pydantic, read by dlsolve/kinds/values.py), but the JSON Schema says what it takes.
  Names that come from a registry (activations, losses, optimizers) get an enum whose
  descriptions are the registry's titles — the same source the README's key tables name.
- `kind_schema(kind)` / `all_schema()`: the complete schema of a kind (draft 2020-12), built
  from its pydantic Spec. The schema is never stricter than the validators: every problem file
  validates against it (tests/test_schema.py), and a file it rejects dlsolve rejects too.

This module imports pydantic only; the registries are imported when a schema is built.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Callable, Literal

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from dlsolve.errors import SpecInvalid, describe, did_you_mean

from dlsolve import limits

DRAFT = "https://json-schema.org/draft/2020-12/schema"

NUMBER: dict[str, Any] = {"type": "number"}
VECTOR: dict[str, Any] = {"type": "array", "items": NUMBER, "minItems": 1,
                          "description": "a list of numbers, e.g. [0.5, -1, 2]"}
ROWS: dict[str, Any] = {"type": "array", "minItems": 1, "items": VECTOR,
                        "description": "a matrix as a list of equally long rows, e.g. [[1, 2], [3, 4]]"}
CHANNELS: dict[str, Any] = {"type": "array", "minItems": 1, "items": ROWS,
                            "description": "a list of channel matrices"}


_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "array": (list,), "object": (dict,), "string": (str,), "boolean": (bool,), "integer": (int,),
    "number": (int, float), "null": (type(None),)}
_WORDS = {"array": "a list", "object": "a mapping (key: value)", "string": "text", "boolean": "true or false",
          "integer": "a whole number", "number": "a number", "null": "nothing"}


def _top_types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a value of `schema` may have at its top (None: any — an enum, a const)."""
    if "anyOf" in schema or "oneOf" in schema:
        found: set[str] = set()
        for option in schema.get("anyOf", schema.get("oneOf", [])):
            sub = _top_types(option)
            if sub is None:
                return None
            found |= sub
        return found
    kind = schema.get("type")
    if kind is None:
        return None
    return {kind} if isinstance(kind, str) else set(kind)


def _top_check(schema: dict[str, Any]) -> Any:
    """A check that the value has one of the schema's top types (a list where a list is due), so
    the validator that reads the field by hand never meets a number where it iterates a list."""
    kinds = _top_types(schema)

    def check(value: Any) -> Any:
        if kinds is None or value is None:
            return value
        ok = any(isinstance(value, _PYTHON_TYPES[k]) and not (isinstance(value, bool) and k in ("integer", "number"))
                 for k in kinds if k in _PYTHON_TYPES)
        if not ok:
            want = " or ".join(sorted({_WORDS[k] for k in kinds if k in _WORDS}))
            raise SpecInvalid(f"expected {want}, got {describe(value)}")
        return value

    return BeforeValidator(check)


def _schema(schema: dict[str, Any], description: str) -> Any:
    return WithJsonSchema({**schema, "description": description})


def _any(*options: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": list(options)}


def typed(schema: dict[str, Any], description: str) -> Any:
    """A field the validator reads by hand: Any to the validator but for its top type (a list
    where a list is due: checked first, so the hand-written reading never meets a number where
    it iterates), and the JSON Schema `schema` for editors."""
    return Annotated[Any, _top_check(schema), _schema(schema, description)]


# A field's annotation: Any to the validator, a precise schema to an editor.
Number = typed(NUMBER, "a number")
Vector = typed(VECTOR, "a list of numbers, e.g. [0.5, -1, 2]")
NumberOrVector = typed(_any(NUMBER, VECTOR), "a number, or a list of numbers")
Matrix = typed(_any(NUMBER, ROWS), "a matrix as a list of rows, e.g. [[1, 2], [3, 4]] "
                "(a bare number is a 1×1 matrix)")
VectorOrMatrix = typed(_any(NUMBER, VECTOR, ROWS),
                "a number, a list of numbers, or a matrix as a list of rows")
Tensor3 = typed(_any(VECTOR, ROWS, CHANNELS),
                "a list of numbers (1-D), a matrix (one channel), or a list of channel matrices")
Targets = typed(_any(NUMBER, {"type": "string"}, VECTOR, ROWS,
                                      {"type": "array", "minItems": 1, "items": {"type": ["integer", "string"]}}),
                "targets: a number, a list, one-hot rows, or (sparse_cce) class indices or names")
Tensor = typed(_any(VECTOR, ROWS, {"type": "array", "minItems": 1, "items": CHANNELS}),
                "a list of numbers, a matrix (rows), or a batch of images (N × H × W × C nested lists)")
LogBase = typed({"enum": ["e", "ln", "natural", 2, 10, "2", "10"]},
                "the base of the logarithm: e (nats), 2 (bits) or 10")
Mask = typed(_any({"const": "causal"}, ROWS),
                "'causal', or a 0/1 matrix (queries × keys): 1 where a query may look")
LABEL: dict[str, Any] = {"type": ["number", "string"]}
Label = typed(LABEL, "a class label: a number or a name")
Labels = typed({"type": "array", "minItems": 1, "items": LABEL},
                "class labels, one per sample: numbers or names")
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
Confusion = typed(_any(
    {"type": "object", "properties": {k: {**COUNT, "description": d} for k, d in (
        ("tp", "true positives"), ("fp", "false positives"), ("fn", "false negatives"),
        ("tn", "true negatives (optional)"))}, "required": ["tp", "fp", "fn"], "additionalProperties": False},
    {"type": "array", "minItems": 1, "items": {"type": "array", "minItems": 1, "items": COUNT}}),
    "the confusion counts: {tp, fp, fn, tn} for two classes, or a matrix (rows = true class)")
GraphValue = typed(_any(NUMBER, VECTOR, ROWS, {
    "type": "string", "pattern": r"^\s*symbol\s*(?:\d+\s*[x×]\s*\d+)?\s*$"}),
    "a number, a list, a matrix (rows), or `symbol` (or `symbol 2x3`) for a symbolic input")


def _no_bool(value: Any) -> Any:
    """0 or 1 as a switch: `true` is refused (the schema's enum [0, 1] refuses it too)."""
    if isinstance(value, bool):
        raise SpecInvalid(f"expected 0 or 1, got {str(value).lower()} (write 0 or 1, not true or false)")
    return value


ZeroOrOne = Annotated[Literal[0, 1], BeforeValidator(_no_bool)]


class _Registry:
    """JSON Schema metadata: an enum of a registry's names, each described by its title.

    Lazy: the registry module is imported only when a schema is built or a name is checked,
    never when a Spec is defined."""

    def __init__(self, source: Callable[[], dict[str, str]], what: str) -> None:
        self.source, self.what = source, what

    def check(self, name: str) -> str:
        """The validator's half: the same names the schema's enum lists, or a did-you-mean."""
        names = self.source()
        if name not in names:
            raise SpecInvalid(f"unknown {self.what.removeprefix('the ')}: {did_you_mean(name, names)}")
        return name

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        titles = self.source()
        return {"type": "string", "enum": list(titles), "description": f"{self.what}: " + "; ".join(
            f"{name} = {title}" for name, title in titles.items()),
            "x-enumDescriptions": list(titles.values()), "markdownEnumDescriptions": list(titles.values())}


def activation_titles() -> dict[str, str]:
    from dlsolve.activations import ACTIVATIONS

    return {name: a.title for name, a in ACTIVATIONS.items()}


def backprop_loss_titles() -> dict[str, str]:
    from dlsolve.losses import NETWORK_LOSSES

    return {name: loss.title for name, loss in NETWORK_LOSSES.items()}


def loss_titles() -> dict[str, str]:
    from dlsolve.losses import LOSSES

    return {name: loss.title for name, loss in LOSSES.items()}


def optimizer_titles() -> dict[str, str]:
    from dlsolve.kinds.optimizer_rules import OPTIMIZERS

    return {name: optimizer.title for name, optimizer in OPTIMIZERS.items()}


def elementwise_activation_titles() -> dict[str, str]:
    """The activations applied entry by entry (all but the coupled softmax)."""
    from dlsolve.activations import ACTIVATIONS

    return {name: a.title for name, a in ACTIVATIONS.items() if not a.coupled}


def listed(source: Callable[[], dict[str, str]], what: str) -> Any:
    """A registry name the kind checks itself (with its own message), listed in the schema from
    the same `source` the check reads."""
    return Annotated[str, _Registry(source, what)]


def _checked(source: Callable[[], dict[str, str]], what: str) -> Any:
    """A registry name that the validator checks and the schema lists: one source for both."""
    registry = _Registry(source, what)
    return Annotated[str, AfterValidator(registry.check), registry]


ActivationName = Annotated[str, _Registry(activation_titles, "the activation")]
# Checked by the type itself (the kinds using these have no check of their own).
RegisteredActivation = _checked(activation_titles, "the activation")
ElementwiseActivation = _checked(elementwise_activation_titles, "the activation")
BackpropLossName = Annotated[str, _Registry(backprop_loss_titles, "the loss")]
LossName = Annotated[str, _Registry(loss_titles, "the loss")]
OptimizerName = _checked(optimizer_titles, "the optimizer")


# -- building the schema of a kind -----------------------------------------------------------

def schema_id(kind: str) -> str:
    return f"https://dlsolve.invalid/schema/{kind}.json"


def kind_schema(kind: str) -> dict[str, Any]:
    """The complete JSON Schema of a `kind: KIND` problem file."""
    from dlsolve import kinds

    spec = kinds.module(kind).Spec
    schema = spec.model_json_schema()
    props = schema.get("properties", {})
    # conv and params share one Spec: the file's own kind is this one (or its twin)
    twins = [k for k, entry in kinds.KINDS.items() if entry.module == kinds.KINDS[kind].module]
    props["kind"] = {"enum": twins, "description": f"the problem kind: {kinds.summary(kind)}"}
    if "title" in props:
        props["title"] = {"anyOf": [{"type": "string"}, {"type": "null"}],
                          "description": "a title for the sheet (optional)"}
    for key, (most, what) in limits.WORKED.get(kind, {}).items():  # the loader's size limits, said here too
        if key in props and "." not in key and not what.endswith("entries"):
            props[key] = {**props[key], **({"maximum": most} if props[key].get("type") == "integer"
                                           else {"maxItems": most})}
    if "vary" not in props:
        props["vary"] = {"$ref": "#/$defs/Vary", "description": "exam variants: which given numbers may change "
                                                                "and how (`dlsolve vary`)"}
        schema.setdefault("$defs", {})["Vary"] = vary_schema()
    return {"$schema": DRAFT, "$id": schema_id(kind), "title": f"dlsolve kind: {kind}",
            "description": f"A dlsolve problem of kind {kind}: {kinds.summary(kind)}.", **{
                k: v for k, v in schema.items() if k not in ("title", "description")}}


def all_schema() -> dict[str, Any]:
    """One schema for any problem file: the kind's schema chosen by its `kind:`."""
    from dlsolve import kinds

    defs: dict[str, Any] = {}
    branches = []
    for kind in kinds.KINDS:
        one = kind_schema(kind)
        for name, d in one.pop("$defs", {}).items():
            defs[f"{kind}.{name}"] = d
        one = _rebase(one, kind)
        for k in ("$schema", "$id"):
            one.pop(k)
        defs[kind] = one
        branches.append({"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
                         "then": {"$ref": f"#/$defs/{kind}"}})
    for name in list(defs):
        if "." in name:
            defs[name] = _rebase(defs[name], name.split(".")[0])
    return {"$schema": DRAFT, "$id": schema_id("all"), "title": "dlsolve problem",
            "description": "A dlsolve problem file of any kind (chosen by `kind:`).",
            "type": "object", "required": ["kind"],
            "properties": {"kind": {"enum": list(kinds.KINDS), "description": "the problem kind"}},
            "allOf": branches, "$defs": defs}


def _rebase(node: Any, kind: str) -> Any:
    """References to a kind's own $defs, renamed into the combined schema's."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/") and "." not in v:
                out[k] = f"#/$defs/{kind}.{v[len('#/$defs/'):]}"
            else:
                out[k] = _rebase(v, kind)
        return out
    if isinstance(node, list):
        return [_rebase(v, kind) for v in node]
    return node


def vary_schema() -> dict[str, Any]:
    """The `vary:` section (exam variants, dlsolve/vary.py): key path → how it may change."""
    rule = {
        "type": "object", "additionalProperties": False,
        "properties": {
            "range": {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 2,
                      "description": "[low, high]: a value drawn from low, low + step, …, high"},
            "step": {"type": "number", "exclusiveMinimum": 0, "description": "the step of a range (default 1)"},
            "choices": {"type": "array", "minItems": 1, "description": "one of these values"},
            "integers": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
                         "description": "[low, high]: every entry a random integer in it (keeps the given "
                                        "value's shape unless `shape` says another)"},
            "shape": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1,
                      "description": "the shape of a random integer array, e.g. [3, 2]"},
            "nonzero": {"type": "boolean", "description": "integers: draw no zero entries"},
        },
    }
    return {"type": "object", "description": "exam variants: which given numbers may change and how "
                                             "(`dlsolve vary`); keys are paths such as input or layers[0].weights",
            "properties": {"seed": {"type": "integer", "description": "the default seed of `dlsolve vary`"}},
            "additionalProperties": rule}


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def installed_schema(kind: str) -> str:
    """The path of the schema file shipped for a kind (dlsolve/schemas/KIND.json)."""
    from importlib.resources import files

    return str(files("dlsolve.schemas").joinpath(f"{kind}.json"))


def modeline(kind: str) -> str:
    """The first line `dlsolve new` writes: the YAML language server's pointer to the schema."""
    from pathlib import Path

    return f"# yaml-language-server: $schema={Path(installed_schema(kind)).as_uri()}"


def write_installed(folder: Any = None) -> list[str]:
    """(Re)write the shipped schemas, one per kind and all.json (tests/test_schema.py checks they
    are current; DLSOLVE_UPDATE_SCHEMAS=1 rewrites them)."""
    from pathlib import Path

    from dlsolve import kinds

    out = Path(folder) if folder is not None else Path(__file__).parent / "schemas"
    out.mkdir(exist_ok=True)
    written = []
    for kind in kinds.KINDS:
        (out / f"{kind}.json").write_text(dumps(kind_schema(kind)), encoding="utf-8")
        written.append(f"{kind}.json")
    (out / "all.json").write_text(dumps(all_schema()), encoding="utf-8")
    return written + ["all.json"]
