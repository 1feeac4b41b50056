"""YAML text → validated Spec, with every error mapped back to file:line:col.

The only module that imports a YAML library. ruamel.yaml's round-trip loader gives YAML 1.2
semantics (1e-5 is a number, `no` is a string) and the position of every node.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Mapping

from dlsolve import kinds
from dlsolve.errors import (FileError, InputErrors, Path, SpecError, SpecInvalid,
                            YamlSyntaxError, describe, did_you_mean)


class Source:
    """Where a problem came from: file name and the line/column of every node (1-based).

    Positions come from a slower parse, so they are computed only when an error needs them.
    """

    def __init__(self, name: str, text: str,
                 positions: Mapping[Path, tuple[int, int]] | None = None) -> None:
        self.name = name
        self._text = text
        self._positions = positions

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._positions is None:
            self._positions = parse_yaml(self._text, self.name)[1]
        return self._positions

    def locate(self, err: SpecError) -> SpecError:
        """The same error with file, line and column filled from the nearest known node."""
        path = tuple(err.path)
        for cut in range(len(path), -1, -1):
            pos = self.positions.get(path[:cut])
            if pos is not None:
                return SpecError(err.path, err.message, self.name, *pos)
        return SpecError(err.path, err.message, self.name)


@dataclass(frozen=True)
class Problem:
    spec: Any
    source: Source
    module: ModuleType


def read_text(file: str) -> tuple[str, str]:
    """(display name, text) of a file, or of standard input for '-'."""
    if file == "-":
        return "<stdin>", sys.stdin.read()
    try:
        with open(file, encoding="utf-8") as fh:
            return file, fh.read()
    except FileNotFoundError:
        raise FileError(file, "no such file") from None
    except IsADirectoryError:
        raise FileError(file, "is a directory, not a problem file") from None
    except UnicodeDecodeError:
        raise FileError(file, "is not UTF-8 text") from None
    except OSError as exc:
        raise FileError(file, exc.strerror or str(exc)) from None


def parse_data(text: str, name: str) -> Any:
    """The document as plain Python data, fast: JSON (a subset of YAML 1.2) when the text is
    JSON, else ruamel.yaml's safe loader (its C parser when ruamel.yaml.clib is installed)."""
    def no_constants(token: str) -> Any:
        raise ValueError(token)  # NaN/Infinity are not YAML 1.2 numbers

    try:
        return json.loads(text, parse_constant=no_constants)
    except ValueError:
        pass
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError:
        return parse_yaml(text, name)[0]  # raises the error with its position
    return _string_keys(data)


def _string_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list) and node and isinstance(node[0], (dict, list)):
        return [_string_keys(v) for v in node]
    return node


def parse_yaml(text: str, name: str) -> tuple[Any, dict[Path, tuple[int, int]]]:
    """Plain Python data (dicts, lists, str, int, float, bool, None) and node positions."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise YamlSyntaxError(name, line, col, (exc.problem or exc.context or "invalid YAML").strip()) from None
    except YAMLError as exc:
        raise YamlSyntaxError(name, None, None, str(exc).strip()) from None
    positions: dict[Path, tuple[int, int]] = {(): (1, 1)}
    return _plain(data, (), positions), positions


def _plain(node: Any, path: Path, positions: dict[Path, tuple[int, int]]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        out = {}
        for key in node:
            line, col = node.lc.value(key) if node.lc.data.get(key) else (None, None)
            kline, kcol = node.lc.key(key) if node.lc.data.get(key) else (None, None)
            if line is not None:
                positions[path + (str(key),)] = (line + 1, col + 1)
                positions[path + (str(key), "<key>")] = (kline + 1, kcol + 1)
            out[str(key)] = _plain(node[key], path + (str(key),), positions)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, item in enumerate(node):
            if i in node.lc.data:
                line, col = node.lc.item(i)
                positions[path + (i,)] = (line + 1, col + 1)
            out_list.append(_plain(item, path + (i,), positions))
        return out_list
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def load_problem(file: str, expected_kind: str | None = None) -> Problem:
    name, text = read_text(file)
    return load_text(text, name, expected_kind)


def load_text(text: str, name: str, expected_kind: str | None = None) -> Problem:
    if not text.strip():
        raise FileError(name, "the file is empty; start from `dlsolve new backprop`")
    data = parse_data(text, name)
    source = Source(name, text)
    if data is None:
        raise FileError(name, "the file holds no YAML document (only comments?)")
    if not isinstance(data, dict):
        raise source.locate(SpecError((), f"expected a mapping of keys (kind: ..., ...), got {describe(data)}"))
    kind = data.get("kind")
    if kind is None:
        raise source.locate(SpecError((), "missing key 'kind' (which kind of problem this is, e.g. kind: backprop)"))
    if not isinstance(kind, str) or kind not in kinds.KINDS:
        raise source.locate(SpecError(("kind",), did_you_mean(str(kind), kinds.KINDS)))
    if expected_kind is not None and kind != expected_kind and kinds.KINDS[kind].module == kinds.KINDS[expected_kind].module:
        data = {**data, "kind": expected_kind}  # one format, two emphases (conv / params)
        kind = expected_kind
    if expected_kind is not None and kind != expected_kind:
        raise source.locate(SpecError(
            ("kind",), f"this file is kind '{kind}', but the command is `dlsolve {expected_kind}`; "
                       f"use `dlsolve {kind}` or `dlsolve solve`"))
    module = kinds.module(kind)
    from pydantic import ValidationError

    try:
        spec = module.Spec.model_validate(data)
    except ValidationError as exc:
        errors = [source.locate(e) for e in _spec_errors(exc, module.Spec, data)]
        raise InputErrors(_dedupe(errors)) from None
    return Problem(spec, source, module)


def _dedupe(errors: list[SpecError]) -> list[SpecError]:
    seen, out = set(), []
    for e in errors:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out


def _value_at(data: Any, loc: Path) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


_TYPE_TAGS = {"str", "int", "float", "bool", "none", "list", "dict", "tuple"}


def _is_union_tag(part: object) -> bool:
    """pydantic names the branch of a union it tried: 'str', 'LossSpec', 'list[float]', …"""
    return isinstance(part, str) and (part in _TYPE_TAGS or any(c in part for c in "[]-") or part[:1].isupper())


def _clean_loc(loc: tuple, data: Any) -> tuple[Path, bool]:
    """(the location without union-branch labels, whether a branch label was dropped)."""
    out: list[object] = []
    node = data
    tagged = False
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif _is_union_tag(part):
            tagged = True
        elif isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out), tagged


def _fields_at(model: Any, loc: Path) -> list[str]:
    """Field names of the model reached by following `loc` from `model` (best effort)."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = fields[part].annotation
        for _ in range(4):
            args = [a for a in typing.get_args(current) if hasattr(a, "model_fields")]
            if hasattr(current, "model_fields"):
                break
            if args:
                current = args[0]
                break
            inner = typing.get_args(current)
            if not inner:
                break
            current = inner[0]
    fields = getattr(current, "model_fields", None)
    return [f.alias or k for k, f in fields.items()] if fields else []


def _spec_errors(exc: Any, model: Any, data: Any) -> list[SpecError]:
    out: list[SpecError] = []
    raw = exc.errors(include_url=False)
    cleaned = [_clean_loc(e["loc"], data) for e in raw]
    deeper = {loc[:k] for loc, _ in cleaned for k in range(len(loc))}
    for err, (loc, tagged) in zip(raw, cleaned):
        etype = err["type"]
        if tagged and loc in deeper and etype.endswith("_type"):
            continue  # the union branch that does not fit the data; the other branch says what is wrong
        if etype == "too_short":
            out.append(SpecError(loc, "expected at least one entry, got none"))
            continue
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, SpecInvalid):
            out.append(SpecError(loc + cause.subpath, cause.message))
        elif etype == "missing":
            out.append(SpecError(loc, "missing (this key is required)"))
        elif etype == "extra_forbidden":
            key = loc[-1] if loc else "?"
            known = _fields_at(model, loc[:-1])
            hint = did_you_mean(str(key), known) if known else f"unknown key '{key}'"
            out.append(SpecError(loc + ("<key>",), f"unknown key '{key}'; {hint}" if known else hint))
        elif etype == "literal_error":
            expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
            given = _value_at(data, loc)
            out.append(SpecError(loc, did_you_mean(str(given), [e.strip() for e in expected.split(",")])))
        elif etype.startswith(("float_", "int_")) or etype in ("finite_number",):
            what = "a whole number" if etype.startswith("int_") else "a number"
            out.append(SpecError(loc, f"expected {what}, got {describe(_value_at(data, loc))}"))
        elif etype.startswith("bool_"):
            out.append(SpecError(loc, f"expected true or false, got {describe(_value_at(data, loc))}"))
        elif etype in ("string_type",):
            out.append(SpecError(loc, f"expected text, got {describe(_value_at(data, loc))}"))
        elif etype in ("list_type",):
            out.append(SpecError(loc, f"expected a list, got {describe(_value_at(data, loc))}"))
        elif etype in ("model_type", "dict_type", "model_attributes_type"):
            out.append(SpecError(loc, f"expected a mapping of keys, got {describe(_value_at(data, loc))}"))
        else:
            msg = err.get("msg", "invalid")
            msg = msg.removeprefix("Value error, ")
            out.append(SpecError(loc, msg[0].lower() + msg[1:] if msg else msg))
    return out


_NUMBER = re.compile(r"[-+]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?")


def load_answers(file: str) -> tuple[dict[str, Any], dict[str, Any], Source]:
    """A student's answers: name → value, name → decimals written (per entry), and the source.

    The decimals are read from the literal text (0.770 has 3), which the parsed float has lost.
    """
    name, text = read_text(file)
    if not text.strip():
        raise FileError(name, "the answers file is empty; write one `name: value` per line")
    data, positions = parse_yaml(text, name)
    source = Source(name, text, positions)
    if not isinstance(data, dict):
        raise source.locate(SpecError((), f"expected `name: value` lines, got {describe(data)}"))
    lines = text.splitlines()

    def decimals(path: Path, value: Any) -> Any:
        if isinstance(value, list):
            return [decimals(path + (i,), v) for i, v in enumerate(value)]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise source.locate(SpecError(path, f"expected a number, got {describe(value)}"))
        pos = positions.get(path)
        if pos is None:
            return 0
        line, col = pos
        m = _NUMBER.match(lines[line - 1], col - 1)
        if not m:
            return 0
        frac = m.group(2) or m.group(3) or ""
        exp = int(m.group(4) or 0)
        return max(len(frac) - exp, 0)

    return data, {k: decimals((k,), v) for k, v in data.items()}, source
