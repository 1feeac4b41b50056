"""The rules between keys (dlsolve/kinds/prepared.py). `BelongsTo`: a key given with a value other than its default
belongs to another key being given, or holding one of some values (also inside a nested model).
The record refuses a model and its JSON Schema refuses the same data: both are checked here on
every combination of a small model's keys."""

from __future__ import annotations

import itertools
from typing import Literal, Optional, Union

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from dlsolve.errors import SpecInvalid
from dlsolve.kinds.prepared import AtLeastOne, BelongsTo, ExactlyOne, NameNeeds, NeedsOneOf, Requires, Ruled

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
        try:
            Model.model_validate(data)
            loaded = True
        except (ValidationError, SpecInvalid):
            loaded = False
        assert loaded == want, data
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
    validator = jsonschema.Draft202012Validator(Presence.model_json_schema())
    count = refused = 0
    for combo in itertools.product([None, "null", 1], repeat=7):
        data = {k: (None if v == "null" else v) for k, v in zip("abcdefg", combo) if v is not None}
        want = _presence_expected(data)
        try:
            Presence.model_validate(data)
            loaded = True
        except (ValidationError, SpecInvalid):
            loaded = False
        assert loaded == want, data
        assert validator.is_valid(data) == want, data
        count += 1
        refused += not want
    assert count == 3 ** 7 and 0 < refused < count


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
