"""The files of a set of exam variants: each variant's problem file as a person writes YAML, the
manifest beside them (which file is which variant), and the question sheet as a table (CSV: one
row per variant, one column per `vary:` key). Apart from the drawing (dlsolve/vary.py) so that
the sheets and the exports read a manifest without importing the drawing and NumPy."""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

MANIFEST = "variants.json"  # what `dlsolve vary` writes beside the variants: the seed and each variant's file


def variant_number(path: str) -> int | None:
    """The variant a problem file is, when `dlsolve vary` wrote it: the variants.json beside it
    lists the file (so its question paper asks for `variant: N`); None for any other file."""
    from pathlib import Path

    file = Path(path)
    manifest = file.parent / MANIFEST
    try:
        if not manifest.is_file() or manifest.stat().st_size > 50_000_000:
            return None
        for v in json.loads(manifest.read_text(encoding="utf-8"))["variants"]:
            if v.get("file") == file.name:
                return int(v["variant"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return None


def to_yaml(data: Mapping[str, Any], indent: int = 0) -> str:
    """Plain data (mappings, lists, numbers, text) as block YAML with flow lists, as a person
    writes a problem file (`- weights: [[1, 2]]`, `- conv2d: {filters: 8}`, `- flatten`)."""
    pad = "  " * indent
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:")
            lines.append(to_yaml(value, indent + 1).rstrip("\n"))
        elif isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
            lines.append(f"{pad}{key}:")
            for item in value:
                if isinstance(item, dict) and item:
                    for k, (name, v) in enumerate(item.items()):
                        lines.append(f"{pad}  {'- ' if k == 0 else '  '}{name}: {_flow(v)}")
                else:
                    lines.append(f"{pad}  - {_flow(item)}")
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"[A-Za-z_][^:#,\[\]{}\"'\n\\]*")
_KEYWORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _flow(v: Any) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    text = str(v)
    if _PLAIN.fullmatch(text) and text.lower() not in _KEYWORDS and "," not in text and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)  # JSON's escapes are YAML's double-quoted ones


def questions_table(rend: Any, rows: Sequence[tuple[int, str, dict[str, Any]]],
                    keys: Sequence[tuple[str, tuple[Any, ...]]]) -> str:
    """The question sheet as a table: each variant (its number and file) and the value drawn for
    each `vary:` key (a vector or matrix as a JSON list) — what differs from student to student."""
    def get(data: Any, path: tuple[Any, ...]) -> Any:
        for part in path:
            data = data[part]
        return data

    out = []
    for number, file, data in rows:
        values = [_whole(get(data, path)) for _, path in keys]
        out.append([number, file] + [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                                     for v in values])
    return str(rend.render_data({"columns": ["variant", "file"] + [k for k, _ in keys], "rows": out}))


def _whole(v: Any) -> Any:
    """3.0 → 3 (as the problem file writes it), inside lists too."""
    if isinstance(v, list):
        return [_whole(x) for x in v]
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v
