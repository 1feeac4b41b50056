"""Lists of files as a person expects them: folders expanded, names in natural order (p2 before p10)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Union

SUFFIXES = (".yaml", ".yml")


def natural_key(name: str) -> list[Union[int, str]]:
    """'p10-x' sorts after 'p2-y': runs of digits compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def expand(paths: Iterable[str]) -> list[str]:
    """Each path as it is, except a folder: its YAML files, in natural order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out += [str(f) for f in sorted((f for f in path.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file()),
                                           key=lambda f: natural_key(f.name))]
        else:
            out.append(p)
    return out


INDEX_SUFFIXES = (".txt", ".lst")


def ordered(paths: Iterable[str]) -> list[str]:
    """The problem files of a sheet in the order a person expects: folders expanded, an index file
    (.txt: one path a line, relative to the index, # for comments) replaced by its files in its
    order; without an index, all in natural order (p2 before p10, whatever the shell's glob gave)."""
    paths = list(paths)
    if any(Path(p).suffix in INDEX_SUFFIXES for p in paths):
        out: list[str] = []
        for p in paths:
            if Path(p).suffix not in INDEX_SUFFIXES:
                out += expand([p])
                continue
            base = Path(p).parent
            for line in Path(p).read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    out += expand([str(base / line) if not Path(line).is_absolute() else line])
        return out
    files = expand(paths)
    if len(files) > 1 and "-" not in files:
        files.sort(key=lambda f: (natural_key(Path(f).name), str(Path(f).parent)))
    return files
