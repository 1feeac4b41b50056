"""A problem file → its kind's validated Spec, with every error mapped back to file:line:col.

The steps, each refused at once and located: the file's text within MAX_FILE_BYTES (`read_text`);
plain data within the limits, every number finite (`parse_data`: JSON, or YAML read by
dlsolve/yaml_events.py, the one module that imports a YAML library); the kind, and how much it
asks to be worked (limits.WORKED); then the kind's `Spec`, whose errors `Source` locates. Side
files beside a problem (rosters, CSV tables) are read through the same limits
(`load_side_file`); answers files and marking schemes are dlsolve/answers_file.py, on this module.
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
from dlsolve.errors import (FileError, InputErrors, LimitExceeded, Path, SpecError,
                            describe, did_you_mean)
from dlsolve.spec_errors import dedupe, spec_errors
from dlsolve.yaml_events import json_value, yaml_data, yaml_positions


class Source:
    """Where a problem came from: file name and the line/column of every node (1-based).

    Positions come from a slower parse, so they are computed only when an error needs them.
    """

    def __init__(self, name: str, text: str,
                 positions: Mapping[Path, tuple[int, int]] | None = None) -> None:
        self.name = name
        self.text = text
        self._positions = positions
        self.literals: dict[str, Any] | None = None  # answers: each number as written

    @property
    def positions(self) -> Mapping[Path, tuple[int, int]]:
        if self._positions is None:
            self._positions = yaml_positions(self.text)
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
    JSON with no repeated key, else YAML (`yaml_data`: built from the parser's event stream, or
    by the YAML library's safe loader for tags, merge keys and dates).

    Before anything builds nested objects, the limits of dlsolve/limits.py are checked: nesting
    depth and the number of values after alias expansion (a YAML event scan, which is iterative
    and stops at the first excess), so deep or alias-bomb files fail with a located message
    instead of overflowing the parser's C stack or memory. Every number must be finite, unless
    `finite` is False (a student's answers may say .inf where the reference is infinite).
    """
    try:
        data = json_value(text)
        is_json = True
    except ValueError:
        is_json = False
    if not is_json:  # read outside the handler, so a YAML error does not chain the JSON one
        data = yaml_data(text, name)
    if finite:  # JSON has no NaN or Infinity, but 1e999 reads as ∞
        _check_values(data, Source(name, text))
    return data


def _check_worked(kind: str, data: Mapping[str, Any], source: Source) -> None:
    """How much the problem asks to be worked, within limits.WORKED: refused at once, located,
    before the validator or the solver spends time on it."""
    for key, (most, what) in limits.WORKED.get(kind, {}).items():
        path = tuple(key.split("."))  # subsampling.counts: a key inside a mapping
        value: Any = data
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        count = (_entries(value) if what.endswith("entries") else len(value)) if isinstance(value, list) else \
            len(value) if isinstance(value, dict) else \
            value if isinstance(value, int) and not isinstance(value, bool) else 0
        if count > most:
            where = Source(source.name, source.text, yaml_positions(source.text, until=path)).locate(
                SpecError(path, ""))
            raise LimitExceeded("WORKED", f"{count:,} {what}: at most {most:,} are worked (each is a step or "
                                f"a row; limit WORKED[{kind!r}][{key!r}])", where.file, where.line, where.column,
                                path)


def _entries(value: list[Any]) -> int:
    """The numbers (and other scalars) in nested lists, counted without recursion."""
    count, stack = 0, [value]
    while stack:
        for v in stack.pop():
            if isinstance(v, list):
                stack.append(v)
            else:
                count += 1
    return count


def _check_values(data: Any, source: Source) -> None:
    """Every number finite: NaN, ±∞ and 1e999 (which reads as ∞) are refused where they are written.

    Every way of writing one is caught here, once, for every kind: YAML's .nan/.inf/-.Inf, 1e999,
    and text that a validator would read as a number — `inf`, `NaN`, `-Infinity` in JSON flow
    syntax, a quoted "1e999" (YAML reads them as text, pydantic's lax mode as ±∞ or NaN). A title
    is free text and keeps its words. Integers stay exact (a count may be large) up
    to float64's range, past which any kind would overflow making one a float (0xfff… as a fan-in).
    """
    if not isinstance(data, (dict, list)):  # a lone scalar: checked as a list's one entry, located at the top
        try:
            _check_values([data], source)
        except SpecError as exc:
            raise source.locate(SpecError((), exc.message)) from None
        return
    stack: list[tuple[Any, Path]] = [(data, ())]
    while stack:  # one pass, paths built only for containers and a refused value (a 1 MB file)
        node, path = stack.pop()
        for k, v in (enumerate(node) if isinstance(node, list) else node.items()):
            t = type(v)
            if t is float:
                if v - v != 0.0:  # NaN or ±∞
                    _refuse(source, path + (k,), _non_finite(v), None)
            elif t is dict or t is list:
                if k not in _FREE_TEXT:
                    stack.append((v, path + (k,)))
            elif t is str:
                if k not in _FREE_TEXT and len(v) < 400 and not math.isfinite(_as_float(v)):
                    _refuse(source, path + (k,), _non_finite(_as_float(v)), v)
            elif t is int and abs(v) > _FLOAT_MAX:
                _refuse(source, path + (k,), "beyond float64 (about ±1.8e308)", None)


def _refuse(source: Source, path: Path, what: str, text: str | None) -> None:
    said = f"{text.strip()!r} reads as a number that is" if text is not None else "this number is"
    raise source.locate(SpecError(path, f"{said} {what}; every input must be a finite number"))


_FREE_TEXT = ("title",)  # keys whose text is never read as a number
_FLOAT_MAX = 1.7976931348623157e308  # an integer past it is no count or size any kind can use


def _as_float(text: str) -> float:
    """The float a lax validator would read from `text` (0.0 when it reads none)."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def _non_finite(x: float) -> str:
    return "NaN (not a number)" if math.isnan(x) else "infinite, or beyond float64 (about ±1.8e308)"


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
    if not isinstance(kind, str) or len(kind) > 100:  # no spelling suggestion for a list or a page of text
        raise source.locate(SpecError(("kind",), "expected a kind name (`dlsolve kinds` lists them), "
                                                 f"got {describe(kind)}"))
    if kind not in kinds.KINDS:
        raise source.locate(SpecError(("kind",), did_you_mean(kind, kinds.KINDS)))
    if expected_kind is not None and kind != expected_kind and kinds.KINDS[kind].module == kinds.KINDS[expected_kind].module:
        data = {**data, "kind": expected_kind}  # one format, two emphases (conv / params)
        kind = expected_kind
    if expected_kind is not None and kind != expected_kind:
        raise source.locate(SpecError(
            ("kind",), f"this file is kind '{kind}', but the command is `dlsolve {expected_kind}`; "
                       f"use `dlsolve {kind}` or `dlsolve solve`"))
    if "vary" in data:  # exam variants (dlsolve/vary.py): the problem itself solves with the numbers given
        data = {k: v for k, v in data.items() if k != "vary"}
    _check_worked(kind, data, source)
    module = kinds.module(kind)
    from pydantic import ValidationError

    try:
        spec = module.Spec.model_validate(data, strict=True)  # no '0.5' for 0.5: as the schema says
    except ValidationError as exc:
        errors = [source.locate(e) for e in spec_errors(exc, module.Spec, data)]
        raise InputErrors(dedupe(errors)) from None
    return Problem(spec, source, module, data)


def load_side_file(file: str, what: str = "side file", finite: bool = True) -> tuple[Any, Source]:
    """A file beside the problem (a roster, a list of students, a table of marks): its data and a
    Source that locates errors, read through the same limits as a problem file.

    A .csv or .tsv file is rows of text: a list of {header: cell} mappings, each row's cells at
    (row index, header) for Source.locate (row 0 is the first line under the header); at most
    MAX_NODES cells of MAX_CELL_CHARS characters. Anything else is YAML or JSON as parse_data reads
    it (nesting depth, values after aliases, digits of an integer, finite numbers unless `finite`
    is False). Every excess is a located LimitExceeded, every unreadable file a FileError.
    """
    name, text = read_text(file)
    if not text.strip():
        raise FileError(name, f"the {what} is empty")
    if os.path.splitext(name)[1].lower() not in (".csv", ".tsv"):
        data, positions = parse_yaml(text, name, finite)
        return data, Source(name, text, positions)
    return _read_csv(text, name, "\t" if name.lower().endswith(".tsv") else ",")


def _read_csv(text: str, name: str, delimiter: str) -> tuple[list[dict[str, str]], Source]:
    import csv
    import io

    positions: dict[Path, tuple[int, int]] = {(): (1, 1)}
    rows: list[dict[str, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    cells = 0
    line = 1
    try:
        for record in reader:
            cols = [1]
            for cell in record[:-1]:
                cols.append(cols[-1] + len(cell) + 1)  # exact when no cell is quoted
            for cell, col in zip(record, cols):
                cells += 1
                if len(cell) > limits.MAX_CELL_CHARS or cells > limits.MAX_NODES:
                    which, limit = (("MAX_CELL_CHARS", f"a cell of more than {limits.MAX_CELL_CHARS:,} characters")
                                    if len(cell) > limits.MAX_CELL_CHARS else
                                    ("MAX_NODES", f"more than {limits.MAX_NODES:,} cells"))
                    raise LimitExceeded(which, f"{limit} (limit {which})", name, line, col)
            if header is None:
                header = [h.strip() for h in record]
                for h, col in zip(header, cols):
                    positions[(h, "<key>")] = (line, col)
                if len(set(header)) != len(header):
                    raise SpecError((), "the header row names a column twice", name, line, 1)
            elif any(cell.strip() for cell in record):
                if len(record) > len(header):
                    raise SpecError((), f"this row has {len(record)} cells, the header {len(header)}",
                                    name, line, cols[len(header)])
                positions[(len(rows),)] = (line, 1)
                for h, col in zip(header, cols):
                    positions[(len(rows), h)] = (line, col)
                rows.append(dict(zip(header, record)))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise SpecError((), f"cannot read the CSV: {exc}", name, reader.line_num or 1, 1) from None
    return rows, Source(name, text, positions)

__all__ = ["Problem", "Source", "load_side_file", "load_data", "load_problem", "load_text", "parse_data", "parse_yaml",
           "read_text"]
