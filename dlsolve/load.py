"""YAML text → validated Spec, with every error mapped back to file:line:col.

The public entry points of the loader: read_text, parse_data, parse_yaml, load_problem,
load_text, Source and Problem (the answers and marks files are read by dlsolve/answers_file.py,
which builds on this module). The loader — this module and dlsolve/yaml_events.py, which reads
the YAML event stream — is the only place that imports a YAML library. ruamel.yaml gives YAML 1.2
semantics (1e-5 is a number, `no` is a string) and the position of every node.
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Mapping

from dlsolve import kinds, limits
from dlsolve.errors import (FileError, InputErrors, LimitExceeded, Path, SpecError, YamlSyntaxError,
                            describe, did_you_mean)
from dlsolve.spec_errors import dedupe, spec_errors
from dlsolve.yaml_events import (_DEFER, _scan_events, _string_keys, _syntax_error, _within_limits,
                                 yaml_positions)


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


def load_problem(file: str, expected_kind: str | None = None) -> Problem:
    name, text = read_text(file)
    return load_text(text, name, expected_kind)


def load_data(data: Mapping[str, Any], kind: str | None = None) -> Problem:
    """A problem given as a mapping (from Python, or a variant `dlsolve vary` drew), loaded as the
    JSON text of it (NumPy arrays and scalars as lists and numbers), so it is read and checked
    exactly as a file would be."""
    text = json.dumps(_plain(data), indent=1, ensure_ascii=False, allow_nan=False)
    return load_text(text, "<dict>", kind)


def _plain(value: Any) -> Any:
    """A value of a problem mapping as JSON-able data (NumPy arrays and scalars as lists/numbers)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


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


__all__ = ["Problem", "Source", "load_data", "load_problem", "load_text", "parse_data", "parse_yaml", "read_text",
           "yaml_positions"]
