"""Conventions: the choices where textbooks and frameworks differ, each a key of the problem file.

A kind lists its conventions once (`CONVENTIONS` in its module); the kind's own notes ("with
epsilon_placement: outside the last weight would be …") and `dlsolve check`'s diagnoses ("your
value is what the `epsilon_placement: outside` convention gives") both read that list, and both
find out what a choice changes by solving again under it, never by guessing a factor.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping


@dataclass(frozen=True)
class Convention:
    path: tuple[str, ...]                  # where the key lives in the problem file: ("loss", "half")
    choices: tuple[Any, ...]               # every value it can take
    default: Any = None                    # the value when the key is left out
    remarks: Mapping[Any, str] = field(default_factory=dict)  # a word on a choice: {0.1: "TensorFlow"}

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def label(self, choice: Any) -> str:
        text = f"{self.key}: {_yaml(choice)}"
        remark = self.remarks.get(choice)
        return f"{text} ({remark})" if remark else text

    def current(self, data: Mapping[str, Any]) -> Any:
        node: Any = data
        for part in self.path:
            if isinstance(node, str) and part != self.path[0]:
                return self.default  # `loss: mse` — a name standing for a mapping with defaults
            if not isinstance(node, Mapping) or part not in node:
                return self.default
            node = node[part]
        return node

    def with_choice(self, data: Mapping[str, Any], choice: Any) -> dict[str, Any]:
        """A copy of the problem data with this key set to `choice`."""
        out = copy.deepcopy(dict(data))
        node = out
        for part in self.path[:-1]:
            child = node.get(part)
            if isinstance(child, str):  # `loss: mse` → `loss: {name: mse, …}`
                child = {"name": child}
            elif not isinstance(child, dict):
                child = {}
            node[part] = child
            node = child
        node[self.path[-1]] = choice
        return out

    def alternatives(self, data: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(label, data) for every choice other than the one in force."""
        now = self.current(data)
        for choice in self.choices:
            if choice != now:
                yield self.label(choice), self.with_choice(data, choice)


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
