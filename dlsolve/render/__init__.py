"""The registry of output formats: one frozen `Format` record per format, its renderer class
imported only when used.

A record says where the format's renderer lives (module and class name, imported on first use
so `dlsolve --help` loads none) and what the format can do (its capabilities). The CLI's --format
choices, its option checks (--fragment, --questions, --pdf), `render()`, `Solution.to` and the
tests all read these records; a renderer's class reads its own record as `cls.format`. Adding a
format is one renderer class (a `dlsolve.render.base.Renderer`) and one record here. A renderer
turns a Solution into text; it never computes a number.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator, cast

from dlsolve.errors import OptionError

if TYPE_CHECKING:  # the renderers import this package, and are imported only when used
    from dlsolve.render.base import Renderer
    from dlsolve.render.html import HtmlRenderer


@dataclass(frozen=True)
class Format:
    """An output format: its name (--format), where its renderer is, the suffix of its files and
    its capabilities."""

    name: str
    module: str        # the module holding the renderer class, imported on first use
    class_name: str
    suffix: str        # of the files it writes (-o folder/, an exam's sheets)
    colour: bool = False        # styled with rich when writing to a terminal
    one_document: bool = False  # several solutions make one document (a contents page, one file)
    sheets: bool = False        # takes --answers-only, --questions and --paper
    fragments: bool = False     # --fragment gives the body alone, to paste into a sheet
    compiles: bool = False      # --pdf compiles this format with a TeX engine
    structured: bool = False    # data for programs (check writes its report's fields)
    tabular: bool = False       # (with structured) a table, e.g. check's gradebook
    working: bool = True        # writes the worked sections (a method for every block); False: the answers alone

    def renderer(self) -> type[Renderer[Any]]:
        """The renderer class (its module imported now)."""
        cls: type[Renderer[Any]] = getattr(importlib.import_module(self.module), self.class_name)
        return cls


class Formats:
    """The formats in order (the first is the default), looked up by name; built once, it refuses
    two formats of one name or of one file suffix (a clash would write one format's files over
    another's)."""

    def __init__(self, *formats: Format) -> None:
        names: dict[str, str] = {}
        suffixes: dict[str, str] = {}
        for f in formats:
            for what, key, seen in (("name", f.name, names), ("suffix", f.suffix, suffixes)):
                if key in seen:
                    raise ValueError(f"formats {seen[key]!r} and {f.name!r} have the same {what} {key!r}")
                seen[key] = f.name
        self._by_name = {f.name: f for f in formats}

    def __iter__(self) -> Iterator[Format]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Format:
        return self._by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def having(self, capability: Callable[[Format], bool]) -> tuple[str, ...]:
        """The names of the formats with a capability: `having(lambda f: f.fragments)`."""
        return tuple(f.name for f in self if capability(f))


REGISTRY = Formats(
    Format("text", "dlsolve.render.text", "TextRenderer", ".txt", colour=True, sheets=True),
    Format("json", "dlsolve.render.json", "JsonRenderer", ".json", one_document=True, structured=True),
    Format("markdown", "dlsolve.render.markdown", "MarkdownRenderer", ".md", sheets=True),
    Format("latex", "dlsolve.render.latex", "LatexRenderer", ".tex", one_document=True, sheets=True,
           fragments=True, compiles=True),
    Format("html", "dlsolve.render.html", "HtmlRenderer", ".html", one_document=True, sheets=True),
    Format("csv", "dlsolve.render.csv", "CsvRenderer", ".csv", one_document=True, structured=True, tabular=True,
           working=False),
)

FORMATS = REGISTRY.names  # the --format choices, the default first


def format_named(name: str) -> Format:
    """The record of a format (`OptionError` for a name that is none)."""
    if name not in REGISTRY:
        raise OptionError("format", f"expected one of {', '.join(FORMATS)}, got {name!r}")
    return REGISTRY[name]


def renderer(name: str) -> type[Renderer[Any]]:
    """The renderer class of a format, imported now."""
    return format_named(name).renderer()


def render(solution: Any, fmt: str = "text", precision: int = 4, fragment: bool = False) -> str:
    """The solution as text in one of `FORMATS` (never coloured): what `Solution.to` and
    `dlsolve.render` give."""
    record = format_named(fmt)
    if fragment and not record.fragments:
        raise OptionError("fragment", "applies to the formats " + ", ".join(REGISTRY.having(lambda f: f.fragments)))
    return record.renderer()(precision=precision, fragment=fragment).render(solution)


def notebook(solution: Any, precision: int = 4) -> str:
    """The HTML page's body (MathML, no script) in a <div class="dlsolve">, for a notebook cell
    (`Solution._repr_html_`)."""
    html = cast("type[HtmlRenderer]", REGISTRY["html"].renderer())  # the html record names HtmlRenderer
    return html(precision=precision).notebook(solution)
