"""Conventions: the choices where textbooks and frameworks differ, each a key of the problem file.

A kind lists its conventions once (`CONVENTIONS` in its module); the kind's own notes ("with
epsilon_placement: outside the last weight would be …") and `dlsolve check`'s diagnoses ("your
value is what the `epsilon_placement: outside` convention gives") both read that list, and both
find out what a choice changes by solving again under it, never by guessing a factor.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Optional, Union


Step = Union[str, tuple[str, ...]]  # a key, "*" (every list item or key), or any of several keys


@dataclass(frozen=True)
class Convention:
    path: tuple[Step, ...]                 # where the key lives: ("loss", "half"); ("layers", "*", ("lstm", "gru"), "bias")
    choices: tuple[Any, ...]               # every value it can take
    default: Any = None                    # the value when the key is left out
    remarks: Mapping[Any, str] = field(default_factory=dict)  # a word on a choice: {0.1: "TensorFlow"}
    name: Any = None                       # how to name a wildcard path to a person
    # the validated spec → whether this choice can change anything in it (None: always): an
    # optimizer's ε placement means nothing to SGD, so `check` does not solve SGD again under it
    when: Optional[Callable[[Any], bool]] = None
    # the key is this convention only where it already holds one of `choices`: a layer's activation
    # names many functions, and only GELU's two forms (gelu, gelu_tanh) are one choice — a sigmoid
    # layer is left as it is, and `current` is the first GELU form found
    among: bool = False

    def applies(self, spec: Any) -> bool:
        return self.when is None or bool(self.when(spec))

    @property
    def key(self) -> str:
        if self.name:
            return str(self.name)
        return ".".join(p if isinstance(p, str) else "|".join(p) for p in self.path).replace(".*.", "[*].")

    def label(self, choice: Any) -> str:
        text = f"{self.key}: {_yaml(choice)}"
        remark = self.remarks.get(choice)
        return f"{text} ({remark})" if remark else text

    def _parents(self, node: Any, steps: tuple[Step, ...], create: bool) -> Iterator[dict[Any, Any]]:
        """The mappings that hold the key (the path's last step), following wildcards."""
        if not steps:
            if isinstance(node, dict):
                yield node
            return
        step, rest = steps[0], steps[1:]
        if isinstance(node, list) and step == "*":
            for item in node:
                yield from self._parents(item, rest, create)
            return
        if not isinstance(node, dict):
            return
        keys = list(node) if step == "*" else ([step] if isinstance(step, str) else [k for k in step if k in node])
        for k in keys:
            child = node.get(k)
            if isinstance(child, str) and isinstance(step, str):  # `loss: mse` → {name: mse, …}
                child = {"name": child}  # read as the mapping it is short for; written back when setting
                if create:
                    node[k] = child
            elif child is None and create and isinstance(step, str) and not self.among:  # among: never a new key
                child = node[k] = {}
            yield from self._parents(child, rest, create)

    def _held(self, data: Mapping[str, Any]) -> list[Any]:
        """The values the problem gives this key, where it is this convention's (see `among`)."""
        key = self.path[-1]
        return [parent[key] for parent in self._parents(copy.deepcopy(dict(data)), self.path[:-1], create=False)
                if key in parent and self._holds(parent)]

    def current(self, data: Mapping[str, Any]) -> Any:
        held = self._held(data)
        return held[0] if held else self.default

    def _holds(self, parent: Mapping[Any, Any]) -> bool:
        """This mapping's key is this convention's (always, unless `among`: then where it holds a choice)."""
        return not self.among or parent.get(self.path[-1]) in self.choices

    def with_choice(self, data: Mapping[str, Any], choice: Any) -> dict[str, Any]:
        """A copy of the problem data with this key set to `choice` (everywhere the path reaches)."""
        out = copy.deepcopy(dict(data))
        for parent in list(self._parents(out, self.path[:-1], create=True)):
            if self._holds(parent):
                parent[self.path[-1]] = choice
        return out

    def alternatives(self, data: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(label, data) for every choice other than the one in force (none where an `among`
        convention's key holds none of its choices: a network without GELU has no GELU form)."""
        if self.among and not self._held(data):
            return
        now = self.current(data)
        for choice in self.choices:
            if choice != now:
                yield self.label(choice), self.with_choice(data, choice)


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
