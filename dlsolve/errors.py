"""Exception classes that hold fields; only the CLI turns them into text and exit codes."""

from __future__ import annotations

import difflib
from enum import IntEnum
from typing import Iterable, Sequence, Union

Path = tuple[Union[str, int], ...]  # of str keys and int indices


class ExitStatus(IntEnum):
    OK = 0
    WRONG_ANSWER = 1
    BAD_INPUT = 2
    INTERNAL = 3


def format_path(path: Sequence[object]) -> str:
    """('layers', 1, 'weights') → 'layers[1].weights'."""
    out = ""
    for part in path:
        if part == "<key>":  # a marker that points at a key rather than its value
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe(value: object) -> str:
    """How a YAML value is named in a message: 'no' (text), 'true' (a boolean), 3 (a number)."""
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (a boolean)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"'{_one_line(value)}' (text)"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if hasattr(value, "isoformat"):  # YAML reads 2001-12-14 as a date, not as text or a number
        return f"{value.isoformat()} (a date)"
    return "nothing" if value is None else _one_line(repr(value))


def _one_line(text: str, width: int = 60) -> str:
    """Text for a one-line message: control characters escaped, long text cut with its length."""
    shown = "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text[:width])
    return shown + (f"… ({len(text):,} characters)" if len(text) > width else "")


def closest(word: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.5)
    return match[0] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    best = closest(word, choices)
    hint = f"; did you mean '{best}'?" if best else ""
    return f"expected one of {', '.join(choices)}, got '{_one_line(str(word))}'{hint}"


class DlsolveError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_status = ExitStatus.BAD_INPUT


class SpecInvalid(ValueError):
    """Raised inside schema validators: a message and the path below the validated field.

    A ValueError so that pydantic collects it with the field's location; the loader adds
    `subpath` to that location to point at the offending element.
    """

    def __init__(self, message: str, subpath: Path = ()) -> None:
        super().__init__(message)
        self.message = message
        self.subpath = tuple(subpath)


class SpecError(DlsolveError):
    """Something wrong at a place in the problem file: path, message, and where it is."""

    def __init__(self, path: Path, message: str, file: str | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.path = tuple(path)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = self.file or "<problem>"
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        what = format_path(self.path)
        # one line per error: a value quoted from the file may hold a line break
        return f"{where}: {what + ': ' if what else ''}{self.message}".replace("\r", "\\r").replace("\n", "\\n")


class InputErrors(DlsolveError):
    """Several SpecErrors found at once (all of a file's schema errors)."""

    def __init__(self, errors: Sequence[SpecError]) -> None:
        super().__init__("\n".join(map(str, errors)))
        self.errors = list(errors)

    def __str__(self) -> str:
        return "\n".join(map(str, self.errors))


class YamlSyntaxError(DlsolveError):
    def __init__(self, file: str, line: int | None, column: int | None, problem: str) -> None:
        super().__init__(problem)
        self.file, self.line, self.column, self.problem = file, line, column, problem

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: YAML syntax error: {self.problem}"


class FileError(DlsolveError):
    def __init__(self, file: str, reason: str) -> None:
        super().__init__(reason)
        self.file, self.reason = file, reason

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class OptionError(DlsolveError):
    """A command-line option's value is wrong (e.g. --explain names no parameter)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option, self.message = option, message

    def __str__(self) -> str:
        return f"{self.option}: {self.message}"


class LimitExceeded(SpecError):
    """The file is larger, deeper or more expanded than a limit of dlsolve/limits.py allows.

    A SpecError, so it carries file:line:col where there is one; `limit` names the constant.
    """

    def __init__(self, limit: str, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, path: Path = ()) -> None:
        super().__init__(path, message, file, line, column)
        self.limit = limit


class TimeLimitExceeded(DlsolveError):
    """Solving one problem took longer than its wall-clock budget (dlsolve/limits.py, --timeout)."""

    def __init__(self, seconds: float, what: str = "solving", file: str | None = None) -> None:
        super().__init__(f"{what} took longer than {seconds:g} s")
        self.seconds, self.what, self.file = seconds, what, file

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return (f"{where}{self.what} took longer than {self.seconds:g} s; "
                f"--timeout N to allow more (N seconds, 0 for no limit)")
