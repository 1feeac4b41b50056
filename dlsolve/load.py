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
from dlsolve.errors import (FileError, InputErrors, LimitExceeded, Path, SpecError, YamlSyntaxError,
                            describe, did_you_mean)
from dlsolve.spec_errors import dedupe, spec_errors


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
    data: Any = None  # the validated mapping, for solving again under another convention


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
            text = fh.read(limits.MAX_FILE_BYTES + 1)  # a pipe or device has no size to ask first
            if len(text) > limits.MAX_FILE_BYTES:
                raise _too_big(file)
            return file, text
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


def parse_data(text: str, name: str, finite: bool = True) -> Any:
    """The document as plain Python data, fast: JSON (a subset of YAML 1.2) when the text is
    JSON with no repeated key, else built from the YAML event stream (ruamel.yaml's C parser when
    ruamel.yaml.clib is installed), else — tags, merge keys, dates — ruamel.yaml's safe loader.

    Before anything builds nested objects, the limits of dlsolve/limits.py are checked: nesting
    depth and the number of values after alias expansion (a YAML event scan, which is iterative
    and stops at the first excess), so deep or alias-bomb files fail with a located message
    instead of overflowing the parser's C stack or memory. Every number must be finite, unless
    `finite` is False (a student's answers may say .inf where the reference is infinite).
    """
    def no_constants(token: str) -> Any:
        raise ValueError(token)  # NaN/Infinity are not YAML 1.2 numbers

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(pairs)
        if len(out) != len(pairs):
            raise ValueError("a repeated key")  # YAML refuses it, with its place
        return out

    try:
        data = json.loads(text, parse_constant=no_constants, object_pairs_hook=unique_keys)
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
        data = _scan_events(text, name)
        if data is not _DEFER:
            if finite:
                _check_values(data, Source(name, text))
            return data
        try:
            data = YAML(typ="safe").load(text)
        except YAMLError as exc:
            exc._dlsolve_text = text  # type: ignore[attr-defined]
            raise _syntax_error(exc, name) from None
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise YamlSyntaxError(name, None, None, f"cannot read the YAML: {' '.join(str(exc).split())}") from None
    data = _string_keys(data)
    if finite:
        _check_values(data, Source(name, text))
    return data


def _scan_events(text: str, name: str) -> Any:
    """Check the limits on the YAML event stream and, where it can, build the data from it.

    Events come from an iterative parser, so this is safe on any input: it stops at the first
    value past a limit (nesting depth, values after alias expansion, digits of an integer) and
    names its line and column. An alias counts as a copy of its anchor's values (that is what
    every later step would build). Plain data — mappings, lists, numbers, text, true/false/null,
    anchors and aliases — is built here, many times faster than ruamel's constructor; anything
    else (explicit tags, merge keys, dates, octal or hex numbers, duplicate keys, syntax errors)
    returns _DEFER and the safe loader reads the document, with its own messages.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import (AliasEvent, CollectionEndEvent, CollectionStartEvent,
                                    DocumentStartEvent, MappingStartEvent, ScalarEvent)

    def limit(event: Any, which: str, message: str) -> LimitExceeded:
        mark = event.start_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        return LimitExceeded(which, message, name, line, col)

    sizes: dict[str, int] = {}     # anchor → number of values it stands for
    counts: list[list[Any]] = []   # open collections: [anchor, values so far]
    built: dict[str, Any] = {}     # anchor → its value (while building)
    frames: list[list[Any]] = []   # open collections while building: [container, key or _NO_KEY, anchor]
    root: Any = None
    building = True
    documents = 0
    total = 0

    def place(value: Any) -> None:
        nonlocal root, building
        if not frames:
            root = value
            return
        frame = frames[-1]
        container = frame[0]
        if isinstance(container, list):
            container.append(value)
        elif frame[1] is _NO_KEY:
            if isinstance(value, (dict, list)) or (isinstance(value, str) and value == "<<" and not quoted_key[0]):
                building = False  # a list or mapping as a key; a merge key (<<)
            frame[1] = _key_text(value)
            if frame[1] in container:
                building = False  # a duplicate key: the loader names it
        else:
            container[frame[1]] = value
            frame[1] = _NO_KEY

    quoted_key = [False]
    try:
        for event in YAML(typ="safe").parse(text):
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    building = False
                continue
            if isinstance(event, CollectionStartEvent):
                if len(counts) >= limits.MAX_DEPTH:
                    raise limit(event, "MAX_DEPTH", "lists and mappings are nested more than "
                                f"{limits.MAX_DEPTH} deep here (limit MAX_DEPTH)")
                counts.append([event.anchor, 1])
                added = 1
                if building:
                    if event.tag is not None:
                        building = False
                    else:
                        container: Any = {} if isinstance(event, MappingStartEvent) else []
                        place(container)
                        frames.append([container, _NO_KEY, event.anchor])
            elif isinstance(event, CollectionEndEvent):
                anchor, count = counts.pop()
                if anchor is not None:
                    sizes[anchor] = count
                if counts:
                    counts[-1][1] += count
                if building:
                    container, _, anchor = frames.pop()
                    if anchor is not None:
                        built[anchor] = container
                continue
            elif isinstance(event, AliasEvent):
                if any(frame[0] == event.anchor for frame in counts):
                    raise limit(event, "MAX_NODES", f"the alias *{event.anchor} refers to a node that "
                                "contains it, which would repeat forever")
                added = sizes.get(event.anchor, 1)
                if total + added > limits.MAX_NODES:
                    raise limit(event, "MAX_NODES", f"the document holds more than {limits.MAX_NODES:,} "
                                "values (counting each YAML alias as a copy; limit MAX_NODES)")
                if building:
                    if event.anchor in built:
                        quoted_key[0] = False
                        place(built[event.anchor])  # shared, as the safe loader shares it
                    else:
                        building = False
            elif isinstance(event, ScalarEvent):
                added = 1
                value = event.value
                if len(value) > limits.MAX_INT_DIGITS and not event.style and _LONG_INT.fullmatch(value):
                    raise limit(event, "MAX_INT_DIGITS", f"a number of {len(value)} digits; at most "
                                f"{limits.MAX_INT_DIGITS} are read (limit MAX_INT_DIGITS)")
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                if building:
                    scalar = _DEFER if event.tag is not None else value if event.style else _plain_scalar(value)
                    if scalar is _DEFER:
                        building = False
                    else:
                        quoted_key[0] = bool(event.style)
                        place(scalar)
                        if event.anchor is not None:
                            built[event.anchor] = scalar
            else:
                continue
            total += added
            if total > limits.MAX_NODES:
                raise limit(event, "MAX_NODES", f"the document holds more than {limits.MAX_NODES:,} "
                            "values (counting each YAML alias as a copy; limit MAX_NODES)")
            if counts and not isinstance(event, CollectionStartEvent):
                counts[-1][1] += added
    except YAMLError:
        return _DEFER
    return root if building else _DEFER


_DEFER = object()    # "let the safe loader read this document"
_NO_KEY = object()   # a mapping waiting for its next key
_LONG_INT = re.compile(r"[-+]?[0-9_]+|[-+]?0[xob][0-9a-fA-F_]+")
_INT = re.compile(r"[-+]?[0-9][0-9_]*")
_BASED = re.compile(r"([-+]?)0([xob])([0-9a-fA-F_]+)")
_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
                    r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+")  # .5e3 is text in YAML 1.2's regular expression
_WORDS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
          "null": None, "Null": None, "NULL": None, "~": None, "": None,
          ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
          "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
          ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}
_STR_TAG = "tag:yaml.org,2002:str"
_resolver: Any = None


def _plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar as YAML 1.2 reads it; _DEFER for forms left to the loader."""
    if _INT.fullmatch(value):
        return int(value.replace("_", ""))  # 1_000 and 012 read as YAML 1.2 reads them
    if _FLOAT.fullmatch(value):
        return float(value.replace("_", ""))
    based = _BASED.fullmatch(value)
    if based:
        sign, base, digits = based.groups()
        try:
            return int(sign + digits.replace("_", ""), {"x": 16, "o": 8, "b": 2}[base])
        except ValueError:
            return _DEFER
    if value in _WORDS:
        return _WORDS[value]
    global _resolver
    if _resolver is None:
        from ruamel.yaml.resolver import VersionedResolver

        _resolver = VersionedResolver()
    from ruamel.yaml.nodes import ScalarNode

    return value if str(_resolver.resolve(ScalarNode, value, (True, False))) == _STR_TAG else _DEFER


def _within_limits(data: Any) -> bool:
    """Whether parsed JSON is within MAX_DEPTH and MAX_NODES (JSON has no NaN or ∞).

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
    return nodes <= limits.MAX_NODES


def _string_keys(data: Any) -> Any:
    """The same data with every mapping key as text, built without recursion (and so with
    mappings and lists reached through YAML aliases copied)."""
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
    """Every float finite: NaN, ±∞ and 1e999 (which reads as ∞) are refused where they are written.

    Integers stay exact (a count may be large); each kind bounds its own, and values.number
    refuses one beyond float64 where a float is needed.
    """
    stack: list[tuple[Any, Path]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, path + (k,)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, path + (i,)) for i, v in enumerate(node) if isinstance(v, (dict, list, float)))
        elif isinstance(node, float) and not math.isfinite(node):
            what = "NaN (not a number)" if math.isnan(node) else "infinite, or beyond float64 (about ±1.8e308)"
            raise source.locate(SpecError(path, f"this number is {what}; every input must be a finite number"))


def parse_yaml(text: str, name: str, finite: bool = True) -> tuple[Any, Mapping[Path, tuple[int, int]]]:
    """Plain Python data (dicts, lists, str, int, float, bool, None) and node positions."""
    return parse_data(text, name, finite), yaml_positions(text)


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
    if "vary" in data:  # exam variants (dlsolve/vary.py): the problem itself solves with the numbers given
        data = {k: v for k, v in data.items() if k != "vary"}
    module = kinds.module(kind)
    from pydantic import ValidationError

    try:
        spec = module.Spec.model_validate(data)
    except ValidationError as exc:
        errors = [source.locate(e) for e in spec_errors(exc, module.Spec, data)]
        raise InputErrors(dedupe(errors)) from None
    return Problem(spec, source, module, data)


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
        data = parse_data(text, name, finite=False)  # .inf where a reference is infinite
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
    elif isinstance(value, int) and abs(value) > 1.7976931348623157e308:
        raise source.locate(SpecError(path, "expected a number within float64 (about ±1.8e308), "
                                            "got a larger integer"))


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
    data, positions = parse_yaml(text, name, finite=False)
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
