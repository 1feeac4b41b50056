"""What every kind's Spec shares: the frozen problem prepared from it, and its rules between keys.

A kind's YAML is read in two steps. pydantic checks each key's type (the `Spec` fields); then the
kind's `prepare()` turns the checked keys into the numbers the solver works with (arrays of the
right shape, a class index, a layer's record) and refuses what no field alone can see (a row too
short for the layer above it). `prepare()` returns one frozen object, the kind's `Problem`; the
solver reads `spec.problem` and never a private attribute, so what the validator found has one
public home and cannot be changed after it was checked.

Rules between keys ("give exactly one of teacher_logits and teacher_probs", "iterations needs
objective", "with a loss, each sample gives a target or a label", "an lstm's weights hold the
gates i, f, g, o", "a perceptron's targets are among its outputs", "ddof belongs to method:
standardize", "cce's reduction is sum") are records (`ExactlyOne`, `AtLeastOne`, `AtMostOne`,
`Requires`, `NeedsOneOf`, `KeysWhen`, `ValueWhen`, `ItemsAmong`, `NameNeeds`, `BelongsTo`)
declared on the model in `RULES`: the same record refuses the file when it is loaded and states
the rule in the JSON Schema (`rules_schema`), so an editor and dlsolve refuse the same files. A
rule about the items of a list (`each`) is stated on the list's items.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Sequence, TypeVar, get_args

import numpy as np
from pydantic import BaseModel, PrivateAttr, model_validator

from dlsolve.errors import SpecInvalid, did_you_mean

P = TypeVar("P")


def frozen(array: np.ndarray) -> np.ndarray:
    """`array`, read-only: a prepared problem's numbers cannot be changed by the solver."""
    array.flags.writeable = False
    return array


def _present(model: BaseModel, key: str) -> bool:
    return getattr(model, key) is not None


def _keys(keys: Sequence[str]) -> str:
    return " and ".join(keys) if len(keys) == 2 else ", ".join(keys[:-1]) + " and " + keys[-1]


def written(key: str, value: dict[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema: `key` is written and is not null (an Optional field's null reads as absent),
    or written with a value matching the schema `value`."""
    return {"required": [key], "properties": {key: value or {"not": {"type": "null"}}}}


@dataclass(frozen=True)
class ExactlyOne:
    """Exactly one of `keys` is given (teacher_logits or teacher_probs)."""

    keys: tuple[str, ...]
    message: str = ""

    def check(self, model: BaseModel) -> None:
        given = [k for k in self.keys if _present(model, k)]
        if len(given) != 1:
            path = (given[1],) if len(given) > 1 else (self.keys[0],)
            raise SpecInvalid(self.message or f"give exactly one of {_keys(self.keys)}", path)

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        return {"oneOf": [written(k) for k in self.keys]}


@dataclass(frozen=True)
class AtLeastOne:
    """At least one of `keys` is given (a word2vec problem asks for some part)."""

    keys: tuple[str, ...]
    message: str = ""

    def check(self, model: BaseModel) -> None:
        if not any(_present(model, k) for k in self.keys):
            raise SpecInvalid(self.message or f"give at least one of {_keys(self.keys)}", (self.keys[0],))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        return {"anyOf": [written(k) for k in self.keys]}


def _items(model: BaseModel, each: str) -> list[tuple[int, BaseModel]]:
    """(index, item) of the list of mappings `each` (none when it is not given)."""
    return list(enumerate(getattr(model, each) or ()))


def _in_each(each: str, item: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema: when the list `each` is given, every item of it satisfies `item`."""
    return {"if": written(each), "then": {"properties": {each: {"type": "array", "items": item}}}}


@dataclass(frozen=True)
class AtMostOne:
    """At most one of `keys` is given (a target or a label, not both) — or, with `each` naming a
    list of mappings, in each item of that list. The error points at the second key given."""

    keys: tuple[str, ...]
    message: str = ""
    each: str = ""

    def check(self, model: BaseModel) -> None:
        where = [((self.each, i), item) for i, item in _items(model, self.each)] if self.each else [((), model)]
        for path, item in where:
            given = [k for k in self.keys if _present(item, k)]
            if len(given) > 1:
                raise SpecInvalid(self.message or f"give at most one of {_keys(self.keys)}", (*path, given[1]))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        one: dict[str, Any] = {"not": {"anyOf": [{"allOf": [written(a), written(b)]}
                                                for a, b in itertools.combinations(self.keys, 2)]}}
        return _in_each(self.each, one) if self.each else one


@dataclass(frozen=True)
class Requires:
    """When `key` is given, each of `needs` is given too (iterations needs objective); with `each`
    naming a list of mappings, when an item of it gives `key` (a sample's target needs a loss).
    The error points at `key` (in the first item that gives it)."""

    key: str
    needs: tuple[str, ...]
    message: str = ""
    each: str = ""

    def check(self, model: BaseModel) -> None:
        at: tuple[str | int, ...] | None
        if self.each:   # the first item that gives key
            at = next(((self.each, i, self.key) for i, item in _items(model, self.each) if _present(item, self.key)),
                      None)
        else:
            at = (self.key,) if _present(model, self.key) else None
        if at is None:
            return
        for need in self.needs:
            if not _present(model, need):
                raise SpecInvalid(self.message or f"{self.key} needs {need}; add {need}:", at)

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        then = {"allOf": [written(k) for k in self.needs]}
        if not self.each:
            return {"if": written(self.key), "then": then}
        some = {"type": "array", "contains": {"allOf": [{"type": "object"}, written(self.key)]}}
        return {"if": {"allOf": [written(self.each), {"properties": {self.each: some}}]}, "then": then}


@dataclass(frozen=True)
class NeedsOneOf:
    """When every key of `given` is given, at least one of `one_of` is too (an input with a loss
    needs its target or label; a recurrent loss needs targets or a last target) — or, with `each`
    naming a list of mappings, each item of that list gives one of `one_of` (with a loss, each of
    `samples` gives its target or label). The error points at `at` (default: the first of
    `one_of`, the key to add), in the item that lacks it."""

    given: tuple[str, ...]
    one_of: tuple[str, ...]
    message: str = ""
    at: str = ""
    each: str = ""

    def check(self, model: BaseModel) -> None:
        if not all(_present(model, k) for k in self.given):
            return
        at = self.at or self.one_of[0]
        where = [((self.each, i), item) for i, item in _items(model, self.each)] if self.each else [((), model)]
        for path, item in where:
            if not any(_present(item, k) for k in self.one_of):
                raise SpecInvalid(self.message or f"{_keys(self.given)} need {' or '.join(self.one_of)}",
                                  (*path, at))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        one_of: dict[str, Any] = {"anyOf": [written(k) for k in self.one_of]}
        return {"if": {"allOf": [written(k) for k in self.given]},
                "then": _in_each(self.each, one_of) if self.each else one_of}


@dataclass(frozen=True)
class KeysWhen:
    """When `when` holds `value`, the mapping `key` holds each of `needs` and may hold `may`, and
    nothing else: a key of `needs` may be written under another name (`aliases`: (other name,
    name) pairs), but not under both. An lstm's weights hold its gates i, f, g (or c) and o; a
    simple RNN's hold W and U, and may hold b and bh. `noun` names a key in the messages ("lstm
    gate"), `titles` ((name, title) pairs) say what a missing one is."""

    key: str
    when: str
    value: Any
    needs: tuple[str, ...]
    may: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    noun: str = "key"
    titles: tuple[tuple[str, str], ...] = ()

    def check(self, model: BaseModel) -> None:
        mapping = getattr(model, self.key)
        if getattr(model, self.when) != self.value or not isinstance(mapping, dict):
            return
        names = (*self.needs, *self.may)
        aliases = dict(self.aliases)
        seen: dict[str, str] = {}
        for written in mapping:
            name = aliases.get(written, written)
            if name not in names:
                raise SpecInvalid(f"unknown {self.noun}: {did_you_mean(written, names)}",
                                  (self.key, written, "<key>"))
            if name in seen:
                other = written if written != name else seen[name]
                raise SpecInvalid(f"{self.noun} {name} is given twice ('{other}' is another name for it)",
                                  (self.key, written, "<key>"))
            seen[name] = written
        for name in self.needs:
            if name not in seen:
                title = dict(self.titles).get(name)
                raise SpecInvalid(f"missing {self.noun} {name}{f' ({title})' if title else ''}; "
                                  f"{self.when}: {self.value} needs {', '.join(self.needs)}", (self.key,))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        when: dict[str, Any] = {"properties": {self.when: {"const": self.value}}}
        if model.model_fields[self.when].default != self.value:
            when["required"] = [self.when]   # left out, `when` holds its default, which is not `value`
        others: dict[str, list[str]] = {}
        for other, name in self.aliases:
            others.setdefault(name, []).append(other)
        holds: dict[str, Any] = {
            "type": "object",
            "required": [n for n in self.needs if n not in others],
            "propertyNames": {"enum": [*self.needs, *self.may, *(a for a, _ in self.aliases)]}}
        one_name = [{"oneOf": [{"required": [n]} for n in (name, *written)]} for name, written in others.items()]
        if one_name:
            holds["allOf"] = one_name
        return {"if": {"allOf": [when, written(self.key)]}, "then": {"properties": {self.key: holds}}}


@dataclass(frozen=True)
class ValueWhen:
    """When `when` holds a value listed in `allowed` ((value, the values `key` may take) pairs),
    `key`, if given, holds one of the values listed for it: cce sums over its classes, so its
    reduction is sum. `{held}` in `message` is replaced by the value `when` holds, `{allowed}` by
    the values `key` may take ("mean or sum")."""

    key: str
    when: str
    allowed: tuple[tuple[Any, tuple[Any, ...]], ...]
    message: str = ""

    def check(self, model: BaseModel) -> None:
        value, held = getattr(model, self.key), getattr(model, self.when)
        for when, values in self.allowed:
            if value is not None and held == when and value not in values:
                message = self.message or f"{{held}} takes {self.key} {{allowed}} only"
                raise SpecInvalid(message.replace("{held}", str(held))
                                  .replace("{allowed}", " or ".join(map(str, values))), (self.key,))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for when, values in self.allowed:
            groups.setdefault(tuple(values), []).append(when)
        default = model.model_fields[self.when].default
        parts = []
        for values, whens in groups.items():
            held: dict[str, Any] = {"properties": {self.when: {"enum": whens}}}
            if default not in whens:
                held["required"] = [self.when]   # left out, `when` holds its default, which is not listed here
            parts.append({"if": {"allOf": [held, written(self.key)]},
                          "then": {"properties": {self.key: {"enum": list(values)}}}})
        return parts[0] if len(parts) == 1 else {"allOf": parts}


def _json_type(value: Any) -> str:
    """The JSON type of a value ("number" for int and float, which JSON does not tell apart)."""
    return "boolean" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else \
        type(value).__name__


@dataclass(frozen=True)
class ItemsAmong:
    """Each item of the list `key` is one of the values the list `among` holds, where `among` holds
    one of a few lists (`choices`), so the schema can state the rule choice by choice: a
    perceptron's targets are among its outputs, [0, 1] or [-1, 1]. `{held}` in `message` is
    replaced by the values held ("0 or 1"), `{got}` by the item."""

    key: str
    among: str
    choices: tuple[tuple[Any, ...], ...]
    message: str = ""

    def check(self, model: BaseModel) -> None:
        held = getattr(model, self.among)
        if held is None or tuple(held) not in self.choices:
            return
        kinds = {_json_type(v) for v in held}
        for i, item in enumerate(getattr(model, self.key) or ()):
            if _json_type(item) in kinds and item not in held:   # another type: the field's own check says so
                message = self.message or f"expected one of the values of {self.among}, {{held}}, got {{got}}"
                raise SpecInvalid(message.replace("{held}", " or ".join(map(str, held))).replace("{got}", repr(item)),
                                  (self.key, i))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        default = model.model_fields[self.among].default
        parts = []
        for choice in self.choices:
            held: dict[str, Any] = {"properties": {self.among: {"const": list(choice)}}}
            if default is None or tuple(default) != choice:
                held["required"] = [self.among]   # left out, `among` holds its default, which is not this choice
            parts.append({"if": {"allOf": [held, written(self.key)]},
                          "then": {"properties": {self.key: {"type": "array", "items": {"enum": list(choice)}}}}})
        return parts[0] if len(parts) == 1 else {"allOf": parts}


_TEXT: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "array", "contains": {"type": "string"}}]}


@dataclass(frozen=True)
class NameNeeds:
    """`key` written as a name (text, or a list holding one) needs `needs` given: a class given by
    name needs the classes' names. `{name}` in `message` is replaced by the first name written."""

    key: str
    needs: str
    message: str = ""

    def check(self, model: BaseModel) -> None:
        value = getattr(model, self.key)
        names = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
            if isinstance(value, (list, tuple)) else []
        if names and not _present(model, self.needs):
            raise SpecInvalid((self.message or f"'{{name}}' is a name, but no {self.needs}: gives the names")
                              .replace("{name}", names[0]), (self.key,))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        return {"if": {"required": [self.key], "properties": {self.key: _TEXT}}, "then": written(self.needs)}


def _nested(model: type[BaseModel], path: Sequence[str]) -> list[tuple[type[BaseModel], str]]:
    """(model, key) for each step of a dotted path (`pool.type`: the Spec's pool, PoolSpec's type)."""
    out = [(model, path[0])]
    for key in path[1:]:
        annotation = out[-1][0].model_fields[out[-1][1]].annotation
        inner = [a for a in (annotation, *get_args(annotation)) if isinstance(a, type) and issubclass(a, BaseModel)]
        out.append((inner[0], key))
    return out


@dataclass(frozen=True)
class BelongsTo:
    """`key`, given with a value other than its default, belongs to `to` (a key, or a dotted path
    into a nested model) being given — and, when `values` are listed, holding one of them: ddof
    belongs to method: standardize, unpool to pool.type: max, stride to a kernel. `{held}` in
    `message` is replaced by the value `to` holds ("not to {held}")."""

    key: str
    to: str
    values: tuple[Any, ...] = ()
    message: str = ""

    def check(self, model: BaseModel) -> None:
        value = getattr(model, self.key)
        if value is None or value == type(model).model_fields[self.key].default:
            return
        held: Any = model
        for step in self.to.split("."):
            held = getattr(held, step)
            if held is None:
                break
        if held is None or (self.values and held not in self.values):
            want = f"{self.to}: {' or '.join(map(str, self.values))}" if self.values else self.to
            message = self.message.replace("{held}", str(held)) if self.message else f"'{self.key}' belongs to {want}"
            raise SpecInvalid(message, (self.key,))

    def schema(self, model: type[BaseModel]) -> dict[str, Any]:
        default = model.model_fields[self.key].default
        unset = [None] if default is None else [None, default]
        steps = _nested(model, self.to.split("."))
        last_model, last = steps[-1]
        then: dict[str, Any] = written(last)
        if self.values:
            then = {"properties": {last: {"enum": list(self.values)}}}
            if last_model.model_fields[last].default not in self.values:
                then["required"] = [last]   # left out, it would take a default that is not one of values
        for _, key in reversed(steps[:-1]):
            then = {"required": [key], "properties": {key: {"type": "object", **then}}}
        return {"if": {"required": [self.key], "not": {"properties": {self.key: {"enum": unset}}}}, "then": then}


Rule = (ExactlyOne | AtLeastOne | AtMostOne | Requires | NeedsOneOf | KeysWhen | ValueWhen | ItemsAmong | NameNeeds
        | BelongsTo)


def rules_schema(rules: Sequence[Rule], model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema that states `rules` of `model` (for its `json_schema_extra`)."""
    parts = [r.schema(model) for r in rules]
    return {} if not parts else parts[0] if len(parts) == 1 else {"allOf": parts}


class Ruled(BaseModel):
    """A model with rules between its keys: `RULES` are checked after the fields, in order, and
    written into the model's JSON Schema."""

    RULES: ClassVar[tuple[Rule, ...]] = ()

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema: dict[str, Any] = handler(core_schema)
        if cls.RULES:
            target = handler.resolve_ref_schema(schema)
            extra = rules_schema(cls.RULES, cls)
            if extra.keys() & target.keys():   # the model states an allOf (or if) of its own: keep both
                target.setdefault("allOf", []).append(extra)
            else:
                target.update(extra)
        return schema

    @model_validator(mode="after")
    def _check_rules(self) -> Any:
        for rule in self.RULES:
            rule.check(self)
        return self


class PreparedSpec(Ruled, Generic[P]):
    """A kind's Spec: its fields, its rules between keys, and the frozen `Problem` that
    `prepare()` makes from them once, when the file is loaded (after the rules)."""

    _problem: Any = PrivateAttr()

    def prepare(self) -> P:
        raise NotImplementedError(f"{type(self).__name__}.prepare")

    @property
    def problem(self) -> P:
        """The prepared problem the solver reads."""
        return self._problem  # type: ignore[no-any-return]

    @model_validator(mode="after")
    def _prepare(self) -> Any:
        self._problem = self.prepare()
        return self
