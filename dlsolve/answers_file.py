"""A student's answers file and a teacher's marking scheme: reading them, and each answer's literal text.

Built on the loader (dlsolve/load.py: read_text, parse_data, parse_yaml, Source), through the same
limits as a problem file, but read another way: a problem file is refused at its first error,
while a class is graded whatever its files hold. An answers file is usually `name: number` lines,
and a class is hundreds of them, so this module cuts the text at each top-level `name:` and reads
each value on its own (JSON first, the loader's parser for anything else): a line that cannot be
read costs that answer only, never the file (`read_answers`, below, is what `dlsolve check`
grades a class with). It imports no YAML library itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from dlsolve.errors import FileError, Path, SpecError, describe
from dlsolve.load import Source, parse_data, parse_yaml, read_text
from dlsolve.yaml_events import json_value

_NUMBER = re.compile(r"[-+]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?")


def load_answers(file: str) -> tuple[dict[str, Any], dict[str, Any], Source]:
    """A student's answers, strictly: name → value, name → decimals written (per entry), and the
    source; the first thing that cannot be read is an error (`read_answers` is the lenient form a
    class is graded with). The keys `student` and `variant` are kept as values here."""

    sheet = read_answers(file)
    if sheet.error is not None:
        raise sheet.error  # the loader's own error, located (a limit, a syntax error)
    if sheet.failed is not None:
        raise FileError(sheet.name, sheet.failed)
    for key, why in sheet.problems.items():
        line = sheet.lines.get(key)
        raise SpecError((key,), why, sheet.name, line, 1) if line else SpecError((key,), why, sheet.name)
    values = dict(sheet.values)
    if sheet.student is not None:
        values["student"] = sheet.student
    if sheet.variant is not None:
        values["variant"] = sheet.variant
    source = Source(sheet.name, read_text(file)[1])
    source.literals = sheet.literals
    return values, dict(sheet.decimals), source


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


def answer_literals(source: Source, data: Mapping[str, Any]) -> dict[str, Any]:
    """Each answer exactly as the student wrote it ('0.37103', '2e-3'), in the value's shape."""
    if source.literals is not None:
        return source.literals
    lines = source.text.splitlines()

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


# -- reading a class's files leniently ------------------------------------------------------------
# A class is graded whatever its files hold: a file that cannot be read scores 0 with its reason,
# an answer that cannot be read scores 0 for that answer, and the forms students really write
# (a minus sign copied from a PDF, a number in quotes, full-width digits) are read with a note.

_FORMS = {"\u2212": ("-", "a Unicode minus sign (−)"), "\u2013": ("-", "a dash (–) as the minus sign"),
          "\u2012": ("-", "a dash (‒) as the minus sign"), "\uff0d": ("-", "a full-width minus (－)"),
          "\uff0b": ("+", "a full-width plus (＋)"), "\uff0e": (".", "a full-width point (．)"),
          "\uff0c": (",", "a full-width comma (，)"), "\uff3b": ("[", "a full-width bracket"),
          "\uff3d": ("]", "a full-width bracket"), "\uff1a": (":", "a full-width colon (：)"),
          **{chr(0xFF10 + d): (str(d), "full-width digits") for d in range(10)}}
_FORM_CHARS = re.compile("[" + "".join(_FORMS) + "]")
META = ("student", "variant")  # keys of an answers file that are not answers


@dataclass
class AnswerSheet:
    """One answers file as read for grading: the answers that could be read, and why the others
    could not. `failed` is set when nothing could be read (the file scores 0 with that reason)."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)
    literals: dict[str, Any] = field(default_factory=dict)
    decimals: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)     # answer name → why it cannot be graded
    lines: dict[str, int] = field(default_factory=dict)        # answer name → its line
    student: str | None = None
    variant: Any = None
    failed: str | None = None
    error: Any = None  # the loader's located error behind `failed`, for the strict reading
    empty: bool = False  # nothing but blanks and comments: an empty submission (`failed` says so too)

    def note(self, key: str, text: str) -> None:
        if text not in self.notes.setdefault(key, []):
            self.notes[key].append(text)

    def where(self, key: str) -> str:
        line = self.lines.get(key)
        return f"{self.name}:{line}" if line else self.name


# `yhat = 0.9130`: a name and its value written with = instead of a colon (read, with a note)
_EQUALS_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=(?=\s*[-+−.\d\[])")
_ALIAS = re.compile(r"(?:^|[\s\[{,:])[&*][A-Za-z0-9_]")  # a YAML anchor (&a) or alias (*a)


def read_answers(file: str) -> AnswerSheet:
    """An answers file read leniently (see AnswerSheet): never raises for what a student wrote."""
    from dlsolve.errors import DlsolveError
    from dlsolve.marking.words import first_word  # here, not at the top: reading a problem stays light

    try:
        name, text = read_text(file)
    except DlsolveError as err:
        return AnswerSheet(file, failed=getattr(err, "message", None) or str(err))
    sheet = AnswerSheet(name)
    text = text.lstrip("\ufeff")  # the byte-order mark a Windows editor writes first
    if not "".join(line.split("#", 1)[0] for line in text.splitlines()).strip():
        sheet.failed, sheet.empty = "the answers file is empty; write one `name: value` per line", True
        return sheet
    text, forms = _normalise(text)
    # JSON, or anchors and aliases (which tie one answer's value to another's): the whole document
    plain = not text.lstrip().startswith(("{", "[")) and not _ALIAS.search(text)
    regions = _key_regions(text) if plain else None
    source = None
    if regions is None:  # JSON, or not plain `name: value` lines: the whole document, or its reason

        try:
            data = _parse_one(text, name)
        except DlsolveError as err:
            line = getattr(err, "line", None)
            sheet.failed, sheet.error = (f"line {line}: " if line else "") + _reason(err), err
            return sheet
        if not isinstance(data, dict):
            sheet.failed = f"expected `name: value` lines, got {describe(data)}"
            return sheet
        source = Source(name, text)
        regions = {str(k): ((source.positions.get((k,)) or (0,))[0], None, v) for k, v in data.items()}
    for key, (line, raw, value) in regions.items():
        if " (again, line " in key:
            base, again = key.split(" (again, line ")
            sheet.note(base, f"given again on line {again.rstrip(')')}: only the first value is graded")
            continue
        sheet.lines[key] = line
        for form in sorted({f for ln, f in forms if ln in _span(regions, key, text)}):
            sheet.note(key, f"read {form} as written in ASCII")
        if raw is not None:
            try:
                value = _region_value(key, raw, name)
            except DlsolveError as err:
                sheet.problems[key] = _reason(err)
                sheet.literals[key] = " ".join(raw.split())  # shown as written beside the reason
                continue
        if key in META:
            _meta(sheet, key, value)
            continue
        try:
            sheet.values[key] = _as_value(value, sheet, key)
        except ValueError as err:
            sheet.problems[key] = str(err)
            if raw is not None and raw.strip():
                sheet.literals[key] = " ".join(raw.split())
            continue
        if first_word(sheet.values[key]) is not None:  # a word, or words in a list (_as_value): as written
            sheet.literals[key] = " ".join(raw.split()) if raw is not None and raw.strip() else sheet.values[key]
            sheet.decimals[key] = 0
            continue
        lit = (_literals_of(raw, sheet.values[key]) if raw is not None else
               answer_literals(source, {key: sheet.values[key]})[key] if source is not None else None)
        sheet.literals[key] = lit if lit is not None else _repr_literals(sheet.values[key])
        sheet.decimals[key] = _decimals(sheet.literals[key])
    return sheet


def _normalise(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text with the look-alike characters as ASCII (one character for one, so lines and
    columns stay), and (line, what) for each kind of replacement."""
    forms: list[tuple[int, str]] = []
    if not _FORM_CHARS.search(text):
        return text, forms
    lines = text.split("\n")
    for i, line in enumerate(lines):
        for m in _FORM_CHARS.finditer(line.split("#", 1)[0]):
            forms.append((i + 1, _FORMS[m.group(0)][1]))
        lines[i] = _FORM_CHARS.sub(lambda m: _FORMS[m.group(0)][0], line)
    return "\n".join(lines), forms


def _span(regions: dict[str, Any], key: str, text: str) -> range:
    starts = sorted(line for line, _, _ in regions.values())
    line = regions[key][0]
    later = [s for s in starts if s > line]
    return range(line, later[0] if later else text.count("\n") + 2)


def _key_regions(text: str) -> dict[str, tuple[int, str | None, Any]] | None:
    """Each top-level `name:` → (its line, its text with continuation lines, None), or None when
    the file is not that plain. A key given twice keeps its first place and is noted."""
    regions: dict[str, tuple[int, list[str]]] = {}
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split("#", 1)[0]
        m = _TOP_KEY.match(code) or _EQUALS_KEY.match(code)
        if m is None and current is not None and code[:1].isalpha():
            # a line of its own that is no `name: value` (a stray word, `yhat 0.91`): not read
            # into the answer above it, which would then be lost too; named by its own text
            m = re.match(r"(.*\S)\s*()", code)
        if m:
            current = m.group(1).strip().strip("'\"")
            if current in regions:
                current += f" (again, line {n})"
            regions[current] = (n, [code[m.end():]])
        elif current is not None:
            regions[current][1].append(code)
        elif code.strip():
            return None
    if not regions:
        return None
    return {k: (n, "\n".join(parts), None) for k, (n, parts) in regions.items()}


def _region_value(key: str, raw: str, name: str) -> Any:
    flat = " ".join(raw.split("\n"))
    try:
        return json_value(flat, depth=1)  # within the limits, or the loader's YAML path names the excess
    except ValueError:
        pass
    if not flat.strip():
        return None
    data = _parse_one("v:" + raw, name)
    return data.get("v") if isinstance(data, dict) else data


def _parse_one(text: str, name: str) -> Any:

    return parse_data(text, name, finite=False)


def _reason(err: Exception) -> str:
    """An error's reason without the file's name and place (the report gives the place)."""
    text = getattr(err, "message", None) or str(err)
    return re.sub(r"^\S+:\d+(:\d+)?: ", "", str(text)).strip()


def _meta(sheet: AnswerSheet, key: str, value: Any) -> None:
    if key == "student":
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            sheet.student = str(value).strip()
        else:
            sheet.problems[key] = f"expected a student id or e-mail, got {describe(value)}"
        return
    if isinstance(value, str) and re.fullmatch(r"\s*[vV]?0*(\d+)\s*", value):
        sheet.note(key, f"read the variant '{value}' as {int(re.sub(r'[^0-9]', '', value))}")
        value = int(re.sub(r"[^0-9]", "", value))
    sheet.variant = value


def _as_value(value: Any, sheet: AnswerSheet, key: str) -> Any:
    """A number, nested lists of numbers, or a word (text that is no number, as a whole answer:
    `analogy: queen`). A word is kept as written; grading judges it against the answer's
    reference (dlsolve/marking/words.py), and refuses it where a number is asked."""
    from dlsolve.marking.words import first_word, is_word  # here, not at the top: see read_answers

    if is_word(value) and value.strip() and not _NUMBER.fullmatch(value.strip()) and not value.strip().startswith("["):
        return value
    try:
        return _as_number(value, sheet, key)
    except ValueError:
        if isinstance(value, list) and first_word(value) is not None and _words_and_numbers(value):
            return value  # `[queen, king]`, `[4, five, 6]`: graded (and refused) as the answer asks
        raise


def _words_and_numbers(value: Any) -> bool:
    """Nested lists of nothing but numbers and words (no blank, yes/no, mapping or empty list)."""
    if isinstance(value, list):
        return bool(value) and all(_words_and_numbers(v) for v in value)
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, (int, float)) and not isinstance(value, bool))


def _as_number(value: Any, sheet: AnswerSheet, key: str) -> Any:
    """A number or nested lists of numbers; a number in quotes is read with a note."""
    if isinstance(value, list):
        if not value:
            raise ValueError("expected a number or a list of numbers, got an empty list")
        return [_as_number(v, sheet, key) for v in value]
    if value is None:
        raise ValueError("left blank: no value given")
    if isinstance(value, bool) or isinstance(value, dict):
        raise ValueError(f"expected a number, got {describe(value)}")
    if isinstance(value, str):
        text = value.strip()
        if _NUMBER.fullmatch(text):
            sheet.note(key, "read the number written in quotes as a number")
            return float(text) if any(c in text for c in ".eE") else int(text)
        if text.startswith("[") and text.endswith("]"):
            try:
                inner = json_value(text, depth=1)
            except ValueError:
                inner = None
            if isinstance(inner, list):
                sheet.note(key, "read the list written in quotes as a list")
                return _as_number(inner, sheet, key)
        raise ValueError(f"expected a number, got {describe(value)}")
    if not isinstance(value, (int, float)):  # a date (2001-12-14), a set, a tagged value: what YAML reads as no number
        raise ValueError(f"expected a number, got {describe(value)}")
    if isinstance(value, int) and abs(value) > 1.7976931348623157e308:
        raise ValueError("expected a number within float64 (about ±1.8e308), got a larger integer")
    return value


def _literals_of(raw: str, value: Any) -> Any:
    """The number tokens of an answer's text, in the value's shape, or None when they do not pair up."""
    tokens = iter(t.group(0) for t in _NUMBER.finditer(raw))

    def take(v: Any) -> Any:
        if isinstance(v, list):
            return [take(x) for x in v]
        tok = next(tokens, None)
        if tok is None or not math.isclose(float(tok), float(v), rel_tol=1e-12, abs_tol=0.0):
            raise ValueError
        return tok

    try:
        out = take(value)
    except (ValueError, OverflowError):
        return None
    return out if next(tokens, None) is None else None


def _repr_literals(value: Any) -> Any:
    if isinstance(value, list):
        return [_repr_literals(v) for v in value]
    return repr(value) if not isinstance(value, float) or not math.isinf(value) else str(value)
