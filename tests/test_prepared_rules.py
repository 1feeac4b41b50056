"""The rules between keys (dlsolve/kinds/prepared.py). `BelongsTo`: a key given with a value other than its default
belongs to another key being given, or holding one of some values (also inside a nested model);
the presence records; `NeedsOneOf`, `Requires` and `AtMostOne` on the items of a list; `KeysWhen`: the keys a mapping holds
depend on another key's value; `ValueWhen`: so do the values a key may take; `ItemsAmong`: a
list's items are among another list's values. The record refuses a model and its JSON Schema refuses the same
data: both are checked here on every combination of a small model's keys, null included, against
the rule written out again by hand."""

from __future__ import annotations

import itertools
import json
from typing import Literal, Optional, Union

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from dlsolve.errors import SpecInvalid
from dlsolve.errors import DlsolveError
from dlsolve.kinds.prepared import (AtLeastOne, AtMostOne, BelongsTo, ExactlyOne, ItemsAmong, KeysWhen, NameNeeds,
                                      NeedsOneOf, Requires, Ruled, ValueWhen)

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a test extra: pip install -e '.[test]'")


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["max", "avg"] = "max"


class Model(Ruled):
    model_config = ConfigDict(extra="forbid")
    RULES = (
        BelongsTo("ddof", "method", ("standardize",)),                  # method's default is not allowed
        BelongsTo("gain", "method", ("batchnorm", "standardize"), message="gain, not {held}"),  # default allowed
        BelongsTo("stride", "kernel"),                                  # a non-default stride needs a kernel
        BelongsTo("unpool", "pool.type", ("max",), message="unpool needs a max pool"),
    )
    method: Literal["batchnorm", "standardize", "minmax"] = "batchnorm"
    ddof: Optional[int] = None
    gain: Optional[float] = None
    stride: int = 1
    kernel: Optional[list[int]] = None
    pool: Optional[Inner] = None
    unpool: Optional[bool] = None


def _expected(data: dict) -> bool:
    """The rules, written out again from their sentences."""
    method = data.get("method", "batchnorm")
    if data.get("ddof") is not None and method != "standardize":
        return False
    if data.get("gain") is not None and method not in ("batchnorm", "standardize"):
        return False
    if data.get("stride", 1) != 1 and data.get("kernel") is None:
        return False
    pool = data.get("pool")
    if data.get("unpool") is not None and (pool is None or pool.get("type", "max") != "max"):
        return False
    return True


def _loads(model: type[BaseModel], data: dict) -> bool:
    """Whether the model (its fields, then its RULES) accepts `data`."""
    try:
        model.model_validate(data)
    except (ValidationError, SpecInvalid):
        return False
    return True


CHOICES = {
    "method": [None, "batchnorm", "standardize", "minmax"],
    "ddof": [None, 1],
    "gain": [None, 2.0],
    "stride": [None, 1, 2],
    "kernel": [None, [1, 2]],
    "pool": [None, {}, {"type": "max"}, {"type": "avg"}],
    "unpool": [None, True],
}


def _cases():
    for combo in itertools.product(*CHOICES.values()):
        yield {k: v for k, v in zip(CHOICES, combo) if v is not None}


def test_the_record_and_the_schema_refuse_the_same_data():
    validator = jsonschema.Draft202012Validator(Model.model_json_schema())
    count = 0
    for data in _cases():
        want = _expected(data)
        assert _loads(Model, data) == want, data
        assert validator.is_valid(data) == want, data
        count += 1
    assert count == 4 * 2 * 2 * 3 * 2 * 4 * 2


def test_the_message_and_the_key_of_a_refusal():
    with pytest.raises((ValidationError, SpecInvalid)) as err:
        Model.model_validate({"ddof": 1})
    assert "'ddof' belongs to method: standardize" in str(err.value)
    with pytest.raises((ValidationError, SpecInvalid)) as err:
        Model.model_validate({"gain": 1.5, "method": "minmax"})
    assert "gain, not minmax" in str(err.value)
    with pytest.raises((ValidationError, SpecInvalid)) as err:
        Model.model_validate({"stride": 2})
    assert "'stride' belongs to kernel" in str(err.value)
    with pytest.raises((ValidationError, SpecInvalid)) as err:
        Model.model_validate({"unpool": True, "pool": {"type": "avg"}})
    assert "unpool needs a max pool" in str(err.value)


def test_a_written_default_does_not_count_as_given():
    Model.model_validate({"stride": 1})
    assert jsonschema.Draft202012Validator(Model.model_json_schema()).is_valid({"stride": 1})


class Presence(Ruled):
    """The four presence records together, on keys that may also be written as null."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        ExactlyOne(("a", "b")),
        AtLeastOne(("c", "d")),
        Requires("e", ("a", "c")),
        NeedsOneOf(("a", "c"), ("f", "g")),
    )
    a: Optional[int] = None
    b: Optional[int] = None
    c: Optional[int] = None
    d: Optional[int] = None
    e: Optional[int] = None
    f: Optional[int] = None
    g: Optional[int] = None


def _presence_expected(data: dict) -> bool:
    """The four rules written out again from their sentences (null counts as left out)."""
    has = {k for k, v in data.items() if v is not None}
    return (len(has & {"a", "b"}) == 1 and bool(has & {"c", "d"}) and ("e" not in has or {"a", "c"} <= has)
            and (not {"a", "c"} <= has or bool(has & {"f", "g"})))


def test_the_presence_records_and_their_schema_refuse_the_same_data():
    choices = {k: [ABSENT, None, 1] for k in "abcdefg"}   # left out, null, given
    assert _agree_on_every_combination(Presence, choices, _presence_expected) == 3 ** 7


def test_a_presence_refusal_names_the_key_to_add():
    with pytest.raises(ValidationError) as err:
        Presence.model_validate({"a": 1, "c": 1})
    assert err.value.errors()[0]["loc"] == () and "a and c need f or g" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Presence.model_validate({"b": 1, "c": 1, "e": 1})
    assert "e needs a; add a:" in str(err.value)


class Named(Ruled):
    model_config = ConfigDict(extra="forbid")
    RULES = (NameNeeds("label", "classes", message="label '{name}' needs classes"),)
    label: Optional[Union[int, str, list[Union[int, str]]]] = None
    classes: Optional[list[str]] = None


@pytest.mark.parametrize("label", [None, 1, "cat", [0, 1], [0, "cat"], []])
@pytest.mark.parametrize("classes", [None, ["cat", "dog"]])
def test_a_name_needs_its_list_in_the_record_and_the_schema(label, classes):
    data = {k: v for k, v in (("label", label), ("classes", classes)) if v is not None}
    named = isinstance(label, str) or (isinstance(label, list) and any(isinstance(v, str) for v in label))
    want = not named or classes is not None
    try:
        Named.model_validate(data)
        loaded = True
    except ValidationError as err:
        loaded = False
        assert "label 'cat' needs classes" in str(err)
    assert loaded == want
    assert jsonschema.Draft202012Validator(Named.model_json_schema()).is_valid(data) == want


_VALIDATORS: dict = {}
ABSENT = "absent"   # a choice that leaves the key out (None writes it as null)


def _agree_on_every_combination(model: type[Ruled], choices: dict, expected) -> int:
    """Every combination of `choices` (key → its values, ABSENT among them): the model loads the
    data exactly when its JSON Schema takes it, exactly when `expected` says so; some are refused,
    some not. The number of combinations."""
    count = refused = 0
    for combo in itertools.product(*choices.values()):
        data = {k: v for k, v in zip(choices, combo) if v != ABSENT}
        want = expected(data)
        assert _verdicts(model, data) == (want, want), data
        count += 1
        refused += not want
    assert 0 < refused < count
    return count


def _verdicts(model: type[Ruled], data: dict) -> tuple[bool, bool]:
    """(the model loads data, its JSON Schema takes data)."""
    loaded = _loads(model, data)
    if model not in _VALIDATORS:
        _VALIDATORS[model] = jsonschema.Draft202012Validator(model.model_json_schema())
    return loaded, _VALIDATORS[model].is_valid(data)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    t: Optional[int] = None
    l: Optional[int] = None


class Listed(Ruled):
    """NeedsOneOf on the items of a list: with a and b given, each item gives t or l."""

    model_config = ConfigDict(extra="forbid")
    RULES = (NeedsOneOf(("a", "b"), ("t", "l"), each="items"),)
    a: Optional[int] = None
    b: Optional[int] = None
    items: Optional[list[Item]] = None


def _listed_expected(data: dict) -> bool:
    """With a and b given (not null), every item of items gives t or l (not null)."""
    if data.get("a") is None or data.get("b") is None:
        return True
    return all(item.get("t") is not None or item.get("l") is not None for item in data.get("items") or [])


def test_each_item_needs_one_of_in_the_record_and_the_schema():
    items = [{k: v for k, v in (("t", t), ("l", l)) if v != ABSENT}
             for t in (ABSENT, None, 1) for l in (ABSENT, None, 1)]
    lists = [ABSENT, None, [], *([i] for i in items), *([i, j] for i in items for j in items)]
    count = _agree_on_every_combination(Listed, {"a": (ABSENT, None, 1), "b": (ABSENT, None, 1), "items": lists},
                                        _listed_expected)
    assert count == 9 * (3 + 9 + 81)


def test_an_item_without_one_of_is_named_by_its_index():
    with pytest.raises(ValidationError) as err:
        Listed.model_validate({"a": 1, "b": 2, "items": [{"t": 1}, {"l": None}]})
    assert "a and b need t or l" in str(err.value)
    cause = err.value.errors()[0]["ctx"]["error"]
    assert isinstance(cause, SpecInvalid) and cause.subpath == ("items", 1, "t")


class EachPresence(Ruled):
    """Requires and AtMostOne on the items of a list: an item's t needs a; at most one of t and l
    in each item; at most one of t, l and m at the top."""

    model_config = ConfigDict(extra="forbid")
    RULES = (Requires("t", ("a",), each="items"), AtMostOne(("t", "l"), each="items"), AtMostOne(("t", "l", "m")))
    a: Optional[int] = None
    t: Optional[int] = None
    l: Optional[int] = None
    m: Optional[int] = None
    items: Optional[list[Item]] = None


def _each_presence_expected(data: dict) -> bool:
    def has(node: dict) -> set:
        return {k for k, v in node.items() if v is not None}

    items = data.get("items") or []
    return (len(has(data) & {"t", "l", "m"}) <= 1 and all(has(item) != {"t", "l"} for item in items)
            and (not any("t" in has(item) for item in items) or "a" in has(data)))


def test_an_items_key_needs_a_top_key_and_at_most_one_in_the_record_and_the_schema():
    items = [{}, {"t": 1}, {"l": 1}, {"t": 1, "l": 1}, {"t": None, "l": 1}]
    lists = [ABSENT, None, [], *([i] for i in items), *([i, j] for i in items for j in items)]
    count = _agree_on_every_combination(EachPresence, {**{k: (ABSENT, None, 1) for k in "atl"}, "m": (ABSENT, 1),
                                                       "items": lists}, _each_presence_expected)
    assert count == 27 * 2 * (3 + 5 + 25)


@pytest.mark.parametrize("data, words, path", [
    ({"items": [{"l": 1}, {"t": 1}]}, "t needs a; add a:", ("items", 1, "t")),
    ({"a": 1, "items": [{"t": 1, "l": 2}]}, "give at most one of t and l", ("items", 0, "l")),
    ({"t": 1, "m": 2}, "give at most one of t, l and m", ("m",)),
])
def test_an_items_refusal_names_the_item(data, words, path):
    with pytest.raises(ValidationError) as err:
        EachPresence.model_validate(data)
    cause = err.value.errors()[0]["ctx"]["error"]
    assert words in str(cause) and cause.subpath == path


class Keyed(Ruled):
    """KeysWhen: kind one (the default) holds W and U in m, and may hold b; kind two holds i and g,
    g also written c (not both); kind three says nothing about m."""

    model_config = ConfigDict(extra="forbid")
    RULES = (KeysWhen("m", "kind", "one", ("W", "U"), may=("b",)),
             KeysWhen("m", "kind", "two", ("i", "g"), aliases=(("c", "g"),), noun="two gate",
                      titles=(("g", "the g gate"),)))
    kind: Literal["one", "two", "three"] = "one"
    m: Optional[dict[str, int]] = None


def _keyed_expected(data: dict) -> bool:
    if "kind" in data and data["kind"] is None:
        return False
    kind, m = data.get("kind", "one"), data.get("m")
    if m is None:
        return True
    keys = set(m)
    if kind == "one":
        return {"W", "U"} <= keys <= {"W", "U", "b"}
    if kind == "two":
        return "i" in keys and keys <= {"i", "g", "c"} and len(keys & {"g", "c"}) == 1
    return True


def test_the_keys_a_mapping_holds_by_another_keys_value_in_the_record_and_the_schema():
    names = ("W", "U", "b", "i", "g", "c", "x")
    maps = [ABSENT, None] + [{k: 1 for k, on in zip(names, bits) if on}
                               for bits in itertools.product((0, 1), repeat=len(names))]
    count = _agree_on_every_combination(Keyed, {"kind": (ABSENT, None, "one", "two", "three"), "m": maps},
                                        _keyed_expected)
    assert count == 5 * (2 + 2 ** 7)


@pytest.mark.parametrize("data, words, path", [
    ({"m": {"W": 1}}, "missing key U; kind: one needs W, U", ("m",)),
    ({"m": {"W": 1, "U": 1, "B": 1}}, "unknown key: expected one of W, U, b, got 'B'", ("m", "B", "<key>")),
    ({"kind": "two", "m": {"i": 1}}, "missing two gate g (the g gate); kind: two needs i, g", ("m",)),
    ({"kind": "two", "m": {"c": 1, "i": 1, "g": 1}}, "two gate g is given twice ('c' is another name for it)",
     ("m", "g", "<key>")),
])
def test_a_key_the_mapping_should_not_hold_or_lacks_is_named(data, words, path):
    with pytest.raises(ValidationError) as err:
        Keyed.model_validate(data)
    cause = err.value.errors()[0]["ctx"]["error"]
    assert words in str(cause) and cause.subpath == path


def _files_agree(cases) -> int:
    """Each (problem, taken?): the loader takes the problem exactly when its kind's JSON Schema
    does, exactly when expected; some are refused, some not. The number of problems."""
    from dlsolve import schema
    from dlsolve.load import load_text

    validators: dict = {}
    count = refused = 0
    for data, want in cases:
        try:
            load_text(json.dumps(data), "p.yaml")
            loaded = True
        except DlsolveError:
            loaded = False
        kind = data["kind"]
        if kind not in validators:
            validators[kind] = jsonschema.Draft202012Validator(schema.kind_schema(kind))
        valid = validators[kind].is_valid(data)
        assert (loaded, valid) == (want, want), data
        count += 1
        refused += not want
    assert 0 < refused < count
    return count


class Valued(Ruled):
    """ValueWhen: with name a, red is x or y; with b (the default) or c, red is y only."""

    model_config = ConfigDict(extra="forbid")
    RULES = (ValueWhen("red", "name", (("a", ("x", "y")), ("b", ("y",)), ("c", ("y",))), message="{held}: {allowed}"),)
    name: Literal["a", "b", "c", "d"] = "b"
    red: Optional[Literal["x", "y"]] = None


def _valued_expected(data: dict) -> bool:
    if "name" in data and data["name"] is None:
        return False
    return not (data.get("red") == "x" and data.get("name", "b") in ("b", "c"))


def test_the_values_a_key_takes_by_another_keys_value_in_the_record_and_the_schema():
    count = _agree_on_every_combination(Valued, {"name": (ABSENT, None, "a", "b", "c", "d"),
                                                 "red": (ABSENT, None, "x", "y")}, _valued_expected)
    assert count == 6 * 4
    with pytest.raises(ValidationError) as err:
        Valued.model_validate({"name": "c", "red": "x"})
    cause = err.value.errors()[0]["ctx"]["error"]
    assert str(cause) == "c: y" and cause.subpath == ("red",)


# The gates of each cell, written out again (not read from dlsolve.cells): the keys of rnn's weights.
GATES = {"rnn": ({"W", "U"}, {"b", "bh"}), "lstm": ({"i", "f", "g", "o"}, set()), "gru": ({"r", "z", "n"}, set())}
CANDIDATES = {"rnn": ("W", "U", "b", "bh", "i"), "lstm": ("i", "f", "g", "c", "o", "W"), "gru": ("r", "z", "n", "g")}


@pytest.mark.parametrize("cell", sorted(GATES))
def test_rnn_weights_hold_the_gates_of_their_cell_in_the_loader_and_the_schema(cell):
    """Every set of keys (from the cell's own, an alias and another cell's): the loader and the
    kind's schema take exactly the ones holding the cell's gates (lstm's g also written c)."""
    needs, may = GATES[cell]

    def cases():
        for bits in itertools.product((0, 1), repeat=len(CANDIDATES[cell])):
            keys = {k for k, on in zip(CANDIDATES[cell], bits) if on}
            weights = {k: (1 if cell == "rnn" else {"W": 1, "U": 1}) for k in keys}
            written = {"g" if k == "c" and cell == "lstm" else k for k in keys}
            yield ({"kind": "rnn", "cell": cell, "inputs": [1], "weights": weights},
                   written == needs | (keys & may) and not (cell == "lstm" and {"g", "c"} <= keys))

    assert _files_agree(cases()) == 2 ** len(CANDIDATES[cell])


# The settings only some cells take, written out again: key → (a value, the cells that take it).
SETTINGS = {"activation": ("relu", {"rnn"}), "c0": ([0], {"lstm"}), "reset_after": (False, {"gru"}),
            "gru_update": ("take_new", {"gru"})}


@pytest.mark.parametrize("cell", sorted(GATES))
def test_rnn_settings_belong_to_their_cell_in_the_loader_and_the_schema(cell):
    """Each of activation, c0, reset_after, gru_update left out, null or given: the loader and the
    kind's schema take a setting given only with a cell that takes it."""
    weights = {"W": 1, "U": 1} if cell == "rnn" else {g: {"W": 1, "U": 1} for g in GATES[cell][0]}

    def cases():
        for combo in itertools.product((ABSENT, None, "given"), repeat=len(SETTINGS)):
            yield ({"kind": "rnn", "cell": cell, "inputs": [1], "weights": weights,
                    **{k: SETTINGS[k][0] if v == "given" else v for k, v in zip(SETTINGS, combo) if v != ABSENT}},
                   all(cell in SETTINGS[k][1] for k, v in zip(SETTINGS, combo) if v == "given"))

    assert _files_agree(cases()) == 3 ** len(SETTINGS)


_LAYERS = [{"weights": [[1]], "activation": "linear"}]
_RNN = {"kind": "rnn", "cell": "rnn", "inputs": [1, 2], "weights": {"W": 1, "U": 1}, "readout": {"V": 1}, "loss": "mse"}


def test_the_rules_on_list_items_and_at_most_one_in_backprop_and_rnn():
    """Each sample with a loss gives a target or a label, not both; a sample's target or label needs
    a loss; rnn's targets or target, not both: the loader and the schema take the same files."""
    def backprop(loss, *samples):
        return {"kind": "backprop", "samples": [{"input": [1], **s} for s in samples], "layers": _LAYERS,
                **({"loss": loss} if loss else {})}

    assert _files_agree([
        (backprop("mse", {"target": [1]}, {"target": [0]}), True),
        (backprop("mse", {"target": [1]}, {}), False),
        (backprop("mse", {"target": [1]}, {"target": None}), False),
        (backprop("mse", {"target": [1], "label": 0}), False),
        (backprop(None, {}, {}), True),
        (backprop(None, {}, {"target": [1]}), False),
        (backprop(None, {"label": 0}), False),
        ({**_RNN, "targets": [1, 1]}, True),
        ({**_RNN, "target": 1}, True),
        ({**_RNN, "targets": [1, 1], "target": 1}, False),
        ({**_RNN, "targets": [1, 1], "target": None}, True),
    ]) == 11


# The options of a loss mapping, written out again: option → the losses that take it.
TAKE = {"half": {"mse", "sse"}, "delta": {"huber"}}


def test_half_and_delta_belong_to_the_losses_that_take_them_in_backprop_and_rnn():
    backprop = {"kind": "backprop", "input": [1], "target": [1], "layers": [{"weights": [[1]], "activation": "sigmoid"}]}
    rnn = {**_RNN, "readout": {"V": 1, "activation": "sigmoid"}, "target": 1}
    options = [{}, {"half": True}, {"half": None}, {"delta": 0.5}, {"half": False, "delta": 2.0}]
    cases = [({**base, "loss": {"name": name, **option}},
              all(name in TAKE[k] for k, v in option.items() if v is not None))
             for base in (backprop, rnn) for name in ("mse", "sse", "mae", "huber", "bce") for option in options]
    assert _files_agree(cases) == 2 * 5 * 5


def test_a_reduction_is_one_the_loss_takes_in_backprop_and_rnn():
    """cce sums over its classes: reduction mean is refused with it (written out again), by the
    loader and the schema alike; mse takes mean and sum."""
    backprop = {"kind": "backprop", "input": [1], "target": [1, 0],
                "layers": [{"weights": [[1, 1]], "activation": "softmax"}]}
    rnn = {**_RNN, "readout": {"V": [[1], [1]], "activation": "sigmoid"}, "target": [1, 0]}
    cases = [({**base, "loss": {"name": name, **({} if reduction == ABSENT else {"reduction": reduction})}},
              not (name == "cce" and reduction == "mean"))
             for base in (backprop, rnn) for name in ("mse", "cce") for reduction in (ABSENT, None, "mean", "sum")]
    assert _files_agree(cases) == 2 * 2 * 4


@pytest.mark.parametrize("text, located", [
    ("kind: rnn\ncell: lstm\ninputs: [1]\nweights:\n  i: {W: 1, U: 1}\n  f: {W: 1, U: 1}\n  g: {W: 1, U: 1}\n",
     ":5:3: weights: missing lstm gate o (output gate); cell: lstm needs i, f, g, o"),
    ("kind: rnn\ncell: gru\ninputs: [1]\nweights:\n  r: {W: 1, U: 1}\n  z: {W: 1, U: 1}\n  q: {W: 1, U: 1}\n",
     ":7:3: weights.q: unknown gru gate: expected one of r, z, n, got 'q'"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, b: 1}\n", ":4:10: weights: missing key U; cell: rnn needs W, U"),
    ("kind: backprop\nsamples:\n  - {input: [1], target: [1]}\n  - input: [2]\nloss: mse\n"
     "layers: [{weights: [[1]], activation: linear}]\n", ":4:5: samples[1].target: missing target (the expected output y)"),
    ("kind: backprop\nsamples:\n  - {input: [1]}\n  - {input: [2], label: 0}\n"
     "layers: [{weights: [[1]], activation: linear}]\n",
     ":4:25: samples[1].label: a label needs a loss to compare it with; add loss: (e.g. cce)"),
    ("kind: backprop\ninput: [1]\ntarget: [1]\nloss: {name: mae, half: true}\nlayers: [{weights: [[1]], activation: linear}]\n",
     ":4:25: loss.half: half applies to mse and sse, not mae"),
    ("kind: rnn\ncell: rnn\ninputs: [1]\nweights: {W: 1, U: 1}\nreadout: {V: 1}\nloss: mse\ntargets: [1]\ntarget: 1\n",
     ":8:9: target: give targets (one per step) or target (the last step), not both"),
    ("kind: backprop\nsamples:\n  - {input: [1], target: [1], label: 0}\nloss: mse\n"
     "layers: [{weights: [[1]], activation: linear}]\n", ":3:38: samples[0].label: give either target or label, not both"),
])
def test_a_refusal_of_the_new_rules_is_located(text, located):
    from dlsolve.load import load_text

    with pytest.raises(DlsolveError) as err:
        load_text(text, "p.yaml")
    assert str(err.value) == "p.yaml" + located


class Among(Ruled):
    """ItemsAmong: each of ys is one of the levels, which are [0, 1] (the default) or [-1, 1]; other
    levels (refused by a kind's own field check) are left alone by the record and the schema."""

    model_config = ConfigDict(extra="forbid")
    RULES = (ItemsAmong("ys", "levels", ((0, 1), (-1, 1))),)
    levels: list[int] = [0, 1]
    ys: Optional[list[float]] = None


def _among_expected(data: dict) -> bool:
    if "levels" in data and data["levels"] is None:
        return False
    levels, ys = data.get("levels", [0, 1]), data.get("ys")
    if ys is None or levels not in ([0, 1], [-1, 1]):
        return True
    return all(y in levels for y in ys)


def test_items_among_another_lists_values_in_the_record_and_the_schema():
    values = (0, 1, -1, 0.5, 1.0)
    lists = [ABSENT, None, [], *([v] for v in values), *([v, w] for v in values for w in values)]
    count = _agree_on_every_combination(Among, {"levels": (ABSENT, None, [0, 1], [-1, 1], [2, 3]), "ys": lists},
                                        _among_expected)
    assert count == 5 * (3 + 5 + 25)


def test_an_item_not_among_the_values_is_named():
    with pytest.raises(ValidationError) as err:
        Among.model_validate({"levels": [-1, 1], "ys": [1, 0]})
    cause = err.value.errors()[0]["ctx"]["error"]
    assert "expected one of the values of levels, -1 or 1, got 0.0" in str(cause) and cause.subpath == ("ys", 1)
