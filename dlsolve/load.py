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
        self.literals: dict[str, Any] | None = None  # answers: each number as written

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
    data: Any = None  # the validated mapping, for solving again under another convention


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
    if "vary" in data:  # exam variants (dlsolve/vary.py): the problem itself solves with the numbers given
        data = {k: v for k, v in data.items() if k != "vary"}
    module = kinds.module(kind)
    from pydantic import ValidationError

    try:
        spec = module.Spec.model_validate(data)
    except ValidationError as exc:
        errors = [source.locate(e) for e in _spec_errors(exc, module.Spec, data)]
        raise InputErrors(_dedupe(errors)) from None
    return Problem(spec, source, module, data)


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
    A class is hundreds of small files, so the values come from the fast parser and the literals
    from a scan of the text; the position-keeping parse runs only when the scan cannot pair them
    up (or an error needs a line and column).
    """
    name, text = read_text(file)
    if not text.strip():
        raise FileError(name, "the answers file is empty; write one `name: value` per line")
    data = _plain_answers(text)
    if data is None:
        data = parse_data(text, name)
    source = Source(name, text)
    if not isinstance(data, dict):
        raise source.locate(SpecError((), f"expected `name: value` lines, got {describe(data)}"))
    for key, value in data.items():
        _check_numbers((key,), value, source)
    source.literals = _scan_literals(text, data)
    if source.literals is None:
        source.literals = answer_literals(source, data)
    return data, {k: _decimals(v) for k, v in source.literals.items()}, source


def _check_numbers(path: Path, value: Any, source: Source) -> None:
    if isinstance(value, list):
        for i, v in enumerate(value):
            _check_numbers(path + (i,), v, source)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise source.locate(SpecError(path, f"expected a number, got {describe(value)}"))


def _decimals(literal: Any) -> Any:
    """Decimals written: 0.770 → 3, 7.656e-1 → 4, 2 → 0 (per entry of a list)."""
    if isinstance(literal, list):
        return [_decimals(x) for x in literal]
    m = _NUMBER.fullmatch(literal.strip())
    if not m:
        return 0
    frac = m.group(2) or m.group(3) or ""
    return max(len(frac) - int(m.group(4) or 0), 0)


_TOP_KEY = re.compile(r"^([^\s#:'\"-][^:#]*?)\s*:(?=\s|$)")


def _regions(text: str) -> dict[str, str] | None:
    """The text after each top-level `name:`, comments removed; None when the file is not that plain."""
    regions: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        m = _TOP_KEY.match(line)
        if m:
            current = m.group(1).strip()
            if current in regions:
                return None
            regions[current] = [line[m.end():]]
        elif current is not None:
            regions[current].append(line)
        elif line.strip():
            return None
    return {k: " ".join(v) for k, v in regions.items()}


def _plain_answers(text: str) -> dict[str, Any] | None:
    """The common answers file — `name: number` or `name: [flow, lists]` — read without the YAML
    machinery (a class is hundreds of these); None sends anything else to the YAML parser."""
    regions = _regions(text)
    if not regions:
        return None
    out = {}
    for key, value in regions.items():
        try:
            out[key] = json.loads(value, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError:
            return None
    return out


def _scan_literals(text: str, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each value's number tokens, in order, from the text after its `name:` line — or None when
    the text is not that plain (the careful parse then finds them)."""
    regions = _regions(text)
    if regions is None:
        return None
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in regions:
            return None
        tokens = iter(t.group(0) for t in _NUMBER.finditer(regions[key]))

        def take(v: Any) -> Any:
            if isinstance(v, list):
                return [take(x) for x in v]
            tok = next(tokens, None)
            if tok is None or float(tok) != float(v):
                raise ValueError
            return tok

        try:
            out[key] = take(value)
        except ValueError:
            return None
        if next(tokens, None) is not None:
            return None
    return out


def answer_literals(source: Source, data: Mapping[str, Any]) -> dict[str, Any]:
    """Each answer exactly as the student wrote it ('0.37103', '2e-3'), in the value's shape."""
    if getattr(source, "literals", None) is not None:
        return source.literals
    lines = source._text.splitlines()

    def literal(path: Path, value: Any) -> Any:
        if isinstance(value, list):
            return [literal(path + (i,), v) for i, v in enumerate(value)]
        pos = source.positions.get(path)
        m = _NUMBER.match(lines[pos[0] - 1], pos[1] - 1) if pos else None
        return m.group(0) if m else str(value)

    return {k: literal((k,), v) for k, v in data.items()}


def load_marks(file: str) -> tuple[dict[str, Any], Source]:
    """A marking scheme: `points: {name: points}`, `default: 1`, `follow_through: 0.5` (a share
    of the points for an answer right from the student's own earlier values); or just
    `name: points` lines."""
    name, text = read_text(file)
    data, positions = parse_yaml(text, name)
    source = Source(name, text, positions)
    if not isinstance(data, dict):
        raise source.locate(SpecError((), f"expected a mapping (points: {{name: points}}, default: 1, "
                                          f"follow_through: 0.5), got {describe(data)}"))
    if "points" not in data:
        data = {"points": {k: v for k, v in data.items() if k not in ("default", "follow_through")},
                **{k: data[k] for k in ("default", "follow_through") if k in data}}
    for key in ("default", "follow_through"):
        v = data.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            raise source.locate(SpecError((key,), f"expected a number ≥ 0, got {describe(v)}"))
    points = data.get("points")
    if not isinstance(points, dict):
        raise source.locate(SpecError(("points",), f"expected `name: points` lines, got {describe(points)}"))
    for k, v in points.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise source.locate(SpecError((k,) if "points" not in text else ("points", k),
                                          f"expected a number of points ≥ 0, got {describe(v)}"))
    return data, source
