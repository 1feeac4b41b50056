"""Lists of files as a person expects them: folders expanded, names in natural order (p2 before p10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

SUFFIXES = (".yaml", ".yml")


def natural_key(name: str) -> list:
    """'p10-x' sorts after 'p2-y': runs of digits compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def expand(paths: Iterable[str]) -> list[str]:
    """Each path as it is, except a folder: its YAML files, in natural order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out += [str(f) for f in sorted((f for f in path.iterdir() if f.suffix in SUFFIXES and f.is_file()),
                                           key=lambda f: natural_key(f.name))]
        else:
            out.append(p)
    return out
