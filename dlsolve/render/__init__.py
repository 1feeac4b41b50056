"""The registry of output formats: name → renderer class, imported only when used.

The CLI's --format choices and the tests both read FORMATS; adding a format is one class and
one line here. `Solution.to` and its notebook displays reach the renderers through this registry
(the renderers import dlsolve.solution, so it cannot import them). A renderer turns a Solution into text; it never computes a number.
"""

from __future__ import annotations

import importlib
from typing import Any

from dlsolve.errors import OptionError

RENDERERS: dict[str, tuple[str, str]] = {
    "text": ("dlsolve.render.text", "TextRenderer"),
    "json": ("dlsolve.render.json", "JsonRenderer"),
    "markdown": ("dlsolve.render.markdown", "MarkdownRenderer"),
    "latex": ("dlsolve.render.latex", "LatexRenderer"),
    "html": ("dlsolve.render.html", "HtmlRenderer"),
    "csv": ("dlsolve.render.csv", "CsvRenderer"),
}

FORMATS = tuple(RENDERERS)


def renderer(name: str) -> Any:
    module, cls = RENDERERS[name]
    return getattr(importlib.import_module(module), cls)


def render(solution: Any, fmt: str = "text", precision: int = 4, fragment: bool = False) -> str:
    """The solution as text in one of `FORMATS` (never coloured): what `Solution.to` and
    `dlsolve.render` give."""
    if fmt not in FORMATS:
        raise OptionError("format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    cls = renderer(fmt)
    if fragment and not getattr(cls, "fragments", False):
        raise OptionError("fragment", "applies to the formats " +
                          ", ".join(f for f in FORMATS if getattr(renderer(f), "fragments", False)))
    return str(cls(precision=precision, fragment=fragment).render(solution))
