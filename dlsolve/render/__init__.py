"""The registry of output formats: name → renderer class, imported only when used.

The CLI's --format choices and the tests both read FORMATS; adding a format is one class and
one line here. A renderer turns a Solution into text; it never computes a number.
"""

from __future__ import annotations

import importlib
from typing import Any

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
