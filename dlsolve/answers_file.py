"""A student's answers file and a teacher's marking scheme: reading them, and each answer's literal text.

Split out of dlsolve/load.py (which re-exports load_answers, load_marks and answer_literals, so
`from dlsolve.load import ...` still works) to keep each module under the project's line limit.
An answers file is usually `name: number` lines, and a class is hundreds of them, so this module
reads the plain form with a text scan and JSON and leaves anything else to the loader's parser.
It imports no YAML library itself: the loader (dlsolve.load) is imported inside the functions,
because dlsolve.load imports this module to re-export its names.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Mapping

from dlsolve.errors import FileError, Path, SpecError, describe
from dlsolve.yaml_events import json_value

if TYPE_CHECKING:
    from dlsolve.load import Source

_NUMBER = re.compile(r"[-+]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?")


def load_answers(file: str) -> tuple[dict[str, Any], dict[str, Any], Source]:
    """A student's answers: name → value, name → decimals written (per entry), and the source.

    The decimals are read from the literal text (0.770 has 3), which the parsed float has lost.
    A class is hundreds of small files, so the values come from the fast parser and the literals
    from a scan of the text; the position-keeping parse runs only when the scan cannot pair them
    up (or an error needs a line and column).
    """
    from dlsolve.load import Source, parse_data, read_text

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
            out[key] = json_value(value, depth=1)  # within the limits, or the loader's YAML path names the excess
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
    from dlsolve.load import Source, parse_yaml, read_text

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
