"""Reading a document's text as plain data within the limits, safely on any input: JSON, or YAML.

The one module that imports a YAML library; dlsolve/load.py builds on it (its `parse_data` tries
`json_value`, then `yaml_data`). Three public readers:

- `json_value`: strict JSON within the limits — the fast path, since JSON is YAML 1.2;
- `yaml_data`: YAML through ruamel.yaml's iterative event stream, which checks the limits of
  dlsolve/limits.py (depth, values after alias expansion, digits of an integer) before anything
  nested is built and builds plain data many times faster than ruamel's constructor; what it
  cannot build (tags, merge keys, dates) is left to the safe loader. YAML 1.2 semantics: 1e-5 is
  a number, `no` is text. A syntax error is a located YamlSyntaxError;
- `yaml_positions`: the line and column of every node, for error messages.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from dlsolve import limits
from dlsolve.errors import LimitExceeded, Path, YamlSyntaxError


def json_value(text: str, depth: int = 0) -> Any:
    """`text` read as strict JSON, when it is JSON within the limits: raises ValueError when it is
    not JSON (or spells NaN/Infinity, or repeats a key) or passes MAX_DEPTH (counting `depth`
    levels above it) or MAX_NODES. The caller then reads the text as YAML, whose event scan names
    the place of the excess; so a fast JSON path never overflows Python's stack (1,000 nested
    brackets) nor lets past what the YAML path refuses.
    """
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError("nested too deep for the JSON reader") from None
    if not _within_limits(data, depth):
        raise ValueError("beyond a limit of dlsolve/limits.py")
    return data


def _no_constant(token: str) -> Any:
    raise ValueError(token)  # NaN/Infinity are not JSON (nor YAML 1.2) numbers


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a repeated key")  # YAML refuses it, with its place
    return out


def yaml_data(text: str, name: str) -> Any:
    """The YAML document as plain Python data (text keys), within the limits: built from the event
    stream (`_scan_events`) when it is plain, else — tags, merge keys, dates — by ruamel.yaml's
    safe loader. A syntax error is a located YamlSyntaxError, a limit a located LimitExceeded."""
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ruamel warns on stderr (a reused anchor); errors say enough
        data = _scan_events(text, name)
        if data is not _DEFER:
            return data
        try:
            data = YAML(typ="safe").load(text)
        except YAMLError as exc:
            raise _syntax_error(exc, name, text) from None
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
            raise YamlSyntaxError(name, None, None, f"cannot read the YAML: {' '.join(str(exc).split())}") from None
    return _string_keys(data)


def _scan_events(text: str, name: str) -> Any:
    """Check the limits on the YAML event stream and, where it can, build the data from it.

    Events come from an iterative parser, so this is safe on any input: it stops at the first
    value past a limit (nesting depth, values after alias expansion, digits of an integer) and
    names its line and column. An alias counts as a copy of its anchor's values (that is what
    every later step would build). Plain data — mappings, lists, numbers, text, true/false/null,
    anchors and aliases — is built here, many times faster than ruamel's constructor; anything
    else (explicit tags, merge keys, dates, octal or hex numbers, duplicate keys) returns _DEFER
    and the safe loader reads the document, with its own messages. A syntax error or an alias to
    no anchor is raised here, located, without that second read (seconds on a 1 MB file).
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
                if event.anchor not in sizes and not any(frame[0] == event.anchor for frame in counts):
                    mark = event.start_mark
                    raise YamlSyntaxError(name, mark.line + 1, mark.column + 1,
                                          f"found undefined alias {event.anchor!r}")
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
    except YAMLError as exc:  # the safe loader's parser would stop at the same place: say it now,
        raise _syntax_error(exc, name, text) from None  # not after a slow second read
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


def _within_limits(data: Any, depth: int = 0) -> bool:
    """Whether parsed JSON (`depth` levels down) is within MAX_DEPTH and MAX_NODES (JSON has no NaN or ∞).

    False sends the text through the YAML path, whose checks name the place of the excess.
    """
    stack = [(data, depth + 1)]
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


def _syntax_error(exc: Any, name: str, text: str) -> YamlSyntaxError:
    """A YAML error in `text` as one line with its place: the parser's own text holds a second line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if problem is None:  # a reader error: a character YAML does not allow, at a character offset
        position = getattr(exc, "position", None)
        reason = getattr(exc, "reason", None)
        if isinstance(position, int) and position >= 0:
            before = text[:position]
            line, col = before.count("\n") + 1, position - before.rfind("\n")
            return YamlSyntaxError(name, line, col, f"{reason or 'invalid character'}")
        problem = reason or str(exc)
    problem = " ".join(str(problem).split())
    if mark is not None and getattr(mark, "line", None) is not None:
        return YamlSyntaxError(name, mark.line + 1, mark.column + 1, problem)
    return YamlSyntaxError(name, None, None, problem)


def yaml_positions(text: str, until: Path | None = None) -> dict[Path, tuple[int, int]]:
    """The 1-based (line, column) of every value (and, under "<key>", of every mapping key).

    With `until`, the scan stops once that path's place is known (a limit found on a top-level
    key is located at once, without reading the 100,000 values that follow).

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
                if path == until:
                    break
            if isinstance(event, CollectionStartEvent):
                stack.append([path if path is not None else ("<unknown>",), isinstance(event, MappingStartEvent),
                              0, True, None])
    except YAMLError:
        pass
    return positions
