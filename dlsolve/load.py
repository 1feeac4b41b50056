"""YAML text → validated Spec, with every error mapped back to file:line:col.

The only module that imports a YAML library. ruamel.yaml's round-trip loader gives YAML 1.2
semantics (1e-5 is a number, `no` is a string) and the position of every node.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Mapping

from dlsolve import kinds, limits
from dlsolve.errors import (FileError, InputErrors, LimitExceeded, Path, SpecError, SpecInvalid,
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
            self._positions = yaml_positions(self._text)
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
    """(display name, text) of a file, or of standard input for '-'; at most MAX_FILE_BYTES."""
    if file == "-":
        text = sys.stdin.read(limits.MAX_FILE_BYTES + 1)
        if len(text.encode("utf-8", "surrogatepass")) > limits.MAX_FILE_BYTES:
            raise _too_big("<stdin>")
        return "<stdin>", text
    try:
        with open(file, encoding="utf-8") as fh:
            if os.fstat(fh.fileno()).st_size > limits.MAX_FILE_BYTES:
                raise _too_big(file)
            return file, fh.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise FileError(file, "no such file") from None
    except IsADirectoryError:
        raise FileError(file, "is a directory, not a problem file") from None
    except UnicodeDecodeError:
        raise FileError(file, "is not UTF-8 text") from None
    except OSError as exc:
        raise FileError(file, exc.strerror or str(exc)) from None


def _too_big(name: str) -> LimitExceeded:
    return LimitExceeded("MAX_FILE_BYTES", f"the file is larger than {limits.MAX_FILE_BYTES // 2**20} MB "
                         "(limit MAX_FILE_BYTES); a problem file holds one exam question", name)


def parse_data(text: str, name: str) -> Any:
    """The document as plain Python data, fast: JSON (a subset of YAML 1.2) when the text is
    JSON, else ruamel.yaml's safe loader (its C parser when ruamel.yaml.clib is installed).

    Before anything builds nested objects, the limits of dlsolve/limits.py are checked: nesting
    depth and the number of values after alias expansion (a YAML event scan, which is iterative
    and stops at the first excess), so deep or alias-bomb files fail with a located message
    instead of overflowing the parser's C stack or memory. Every number must be finite.
    """
    def no_constants(token: str) -> Any:
        raise ValueError(token)  # NaN/Infinity are not YAML 1.2 numbers

    try:
        data = json.loads(text, parse_constant=no_constants)
    except (ValueError, RecursionError):
        pass
    else:
        if _within_limits(data):
            return data
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel warns on stderr (a reused anchor); errors say enough
        _scan_events(text, name)
        try:
            data = YAML(typ="safe").load(text)
        except YAMLError as exc:
            exc._dlsolve_text = text  # type: ignore[attr-defined]
            raise _syntax_error(exc, name) from None
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise YamlSyntaxError(name, None, None, f"cannot read the YAML: {' '.join(str(exc).split())}") from None
    data = _string_keys(data)
    _check_values(data, Source(name, text))
    return data


def _scan_events(text: str, name: str) -> None:
    """Check nesting depth, alias expansion and integer length on the YAML event stream.

    Events come from an iterative parser, so this is safe on any input; it stops at the first
    value past a limit and names its line and column. An alias counts as a copy of its anchor's
    values (that is what the loader and every later step would build). Syntax errors are left to
    the loader, which reports them with their position.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent,
                                    ScalarEvent)

    def limit(event: Any, which: str, message: str) -> LimitExceeded:
        mark = event.start_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        return LimitExceeded(which, message, name, line, col)

    sizes: dict[str, int] = {}   # anchor → number of values it stands for
    stack: list[list[Any]] = []  # open collections: [anchor, values so far]
    total = 0
    try:
        for event in YAML(typ="safe").parse(text):
            if isinstance(event, CollectionStartEvent):
                if len(stack) >= limits.MAX_DEPTH:
                    raise limit(event, "MAX_DEPTH", "lists and mappings are nested more than "
                                f"{limits.MAX_DEPTH} deep here (limit MAX_DEPTH)")
                stack.append([event.anchor, 1])
                added = 1
            elif isinstance(event, CollectionEndEvent):
                anchor, count = stack.pop()
                if anchor is not None:
                    sizes[anchor] = count
                if stack:
                    stack[-1][1] += count
                continue
            elif isinstance(event, AliasEvent):
                if any(frame[0] == event.anchor for frame in stack):
                    raise limit(event, "MAX_NODES", f"the alias *{event.anchor} refers to a node that "
                                "contains it, which would repeat forever")
                added = sizes.get(event.anchor, 1)
            elif isinstance(event, ScalarEvent):
                added = 1
                value = event.value
                if len(value) > limits.MAX_INT_DIGITS and not event.style and _LONG_INT.fullmatch(value):
                    raise limit(event, "MAX_INT_DIGITS", f"a number of {len(value)} digits; at most "
                                f"{limits.MAX_INT_DIGITS} are read (limit MAX_INT_DIGITS)")
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            else:
                continue
            total += added
            if total > limits.MAX_NODES:
                raise limit(event, "MAX_NODES", f"the document holds more than {limits.MAX_NODES:,} "
                            "values (counting each YAML alias as a copy; limit MAX_NODES)")
            if stack and not isinstance(event, CollectionStartEvent):
                stack[-1][1] += added
    except YAMLError:
        return


_LONG_INT = re.compile(r"[-+]?[0-9_]+|[-+]?0[xob][0-9a-fA-F_]+")
_FLOAT_MAX = 1.7976931348623157e308


def _big_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and abs(v) > _FLOAT_MAX


def _within_limits(data: Any) -> bool:
    """Whether parsed JSON is within MAX_DEPTH and MAX_NODES and holds only usable numbers.

    False sends the text through the YAML path, whose checks name the place of the excess.
    """
    stack = [(data, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if depth > limits.MAX_DEPTH or nodes > limits.MAX_NODES:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            for v in node:
                if isinstance(v, (list, dict)):
                    stack.append((v, depth + 1))
                else:
                    nodes += 1
                    if _big_int(v):
                        return False
        elif _big_int(node):
            return False
    return nodes <= limits.MAX_NODES


def _string_keys(data: Any) -> Any:
    """The same data with every mapping key as text, built without recursion.

    Mappings and lists reached through YAML aliases are copied, so no two places share an object.
    """
    todo: list[tuple[Any, Any]] = []

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            out: Any = {}
        elif isinstance(node, (list, tuple)):
            out = []
        else:
            return node
        todo.append((node, out))
        return out

    root = convert(data)
    while todo:
        src, dst = todo.pop()
        if isinstance(src, dict):
            for k, v in src.items():
                dst[_key_text(k)] = convert(v)
        else:
            dst.extend(map(convert, src))
    return root


def _key_text(key: Any) -> str:
    """A mapping key as text: YAML `true:` and `null:` keys read as they are written."""
    if isinstance(key, bool):
        return str(key).lower()
    if key is None:
        return "null"
    return str(key)


def _check_values(data: Any, source: Source) -> None:
    """Every number finite and within float64: NaN, ±∞ and 1e999 are refused where they are."""
    stack: list[tuple[Any, Path]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, path + (k,)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(node)
                         if isinstance(v, (dict, list, float)) or _big_int(v))
        elif isinstance(node, float) and not math.isfinite(node):
            what = "NaN (not a number)" if math.isnan(node) else "infinite, or beyond float64 (about ±1.8e308)"
            raise source.locate(SpecError(path, f"this number is {what}; every input must be a finite number"))
        elif _big_int(node):
            raise source.locate(SpecError(path, "this integer is beyond float64 (about ±1.8e308); "
                                                "every input must be a finite number"))


def parse_yaml(text: str, name: str) -> tuple[Any, Mapping[Path, tuple[int, int]]]:
    """Plain Python data (dicts, lists, str, int, float, bool, None) and node positions."""
    return parse_data(text, name), yaml_positions(text)


def _syntax_error(exc: Any, name: str) -> YamlSyntaxError:
    """A YAML error as one line with its place: the parser's own text holds a second line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if problem is None:  # a reader error: a character YAML does not allow, at a character offset
        position = getattr(exc, "position", None)
        reason = getattr(exc, "reason", None)
        if isinstance(position, int) and position >= 0:
            before = _text_of(exc)[:position] if _text_of(exc) is not None else None
            if before is not None:
                line, col = before.count("\n") + 1, position - before.rfind("\n")
                return YamlSyntaxError(name, line, col, f"{reason or 'invalid character'}")
        problem = reason or str(exc)
    problem = " ".join(str(problem).split())
    if mark is not None and getattr(mark, "line", None) is not None:
        return YamlSyntaxError(name, mark.line + 1, mark.column + 1, problem)
    return YamlSyntaxError(name, None, None, problem)


def _text_of(exc: Any) -> str | None:
    return getattr(exc, "_dlsolve_text", None)


def yaml_positions(text: str) -> dict[Path, tuple[int, int]]:
    """The 1-based (line, column) of every value (and, under "<key>", of every mapping key).

    Read from the YAML event stream (the C parser when installed), which is fast and iterative;
    keys are recorded as the loader writes them. A node reached through an alias or a merge key
    (<<) has the position of the alias.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent,
                                    MappingStartEvent, ScalarEvent)

    positions: dict[Path, tuple[int, int]] = {(): (1, 1)}
    # frames: [path, is_mapping, next index or None, expecting a key, current key, skipping depth]
    stack: list[list[Any]] = []
    skip = 0  # depth inside a collection used as a mapping key (not a place of the data)
    try:
        for event in YAML(typ="safe").parse(text):
            if not isinstance(event, (ScalarEvent, AliasEvent, CollectionStartEvent, CollectionEndEvent)):
                continue
            if skip:
                if isinstance(event, CollectionStartEvent):
                    skip += 1
                elif isinstance(event, CollectionEndEvent):
                    skip -= 1
                    if not skip and stack:
                        stack[-1][3] = False  # the complex key is done; its value follows
                        stack[-1][4] = None
                continue
            if isinstance(event, CollectionEndEvent):
                stack.pop()
                continue
            mark = event.start_mark
            pos = (mark.line + 1, mark.column + 1)
            if not stack:
                path: Path | None = ()
            else:
                frame = stack[-1]
                if not frame[1]:
                    path = frame[0] + (frame[2],)
                    frame[2] += 1
                elif frame[3]:  # a key
                    frame[3] = False
                    if isinstance(event, ScalarEvent):
                        frame[4] = event.value
                        positions.setdefault(frame[0] + (frame[4], "<key>"), pos)
                    elif isinstance(event, CollectionStartEvent):
                        skip = 1
                    else:
                        frame[4] = None
                    continue
                else:
                    frame[3] = True
                    path = frame[0] + (frame[4],) if frame[4] is not None else None
            if path is not None:
                positions.setdefault(path, pos)
            if isinstance(event, CollectionStartEvent):
                stack.append([path if path is not None else ("<unknown>",), isinstance(event, MappingStartEvent),
                              0, True, None])
    except YAMLError:
        pass
    return positions


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
