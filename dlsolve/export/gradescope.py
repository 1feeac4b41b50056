"""Gradescope: an autograder zip (one assignment per problem). Students upload their answers file
(`answers.yaml`, as `dlsolve check` reads it, with `variant: N` when the problem has variants).

The zip's root holds `setup.sh` (installs dlsolve from the wheel inside the zip; its dependencies
come from PyPI), `run_autograder` (runs `dlsolve check` on the submission against the student's
variant and writes `results/results.json`, see `dlsolve.export.autograde`), `config.json`, the
problem (its variants folder, or the problem file) and the marking scheme if one was given.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from dlsolve.errors import OptionError
from dlsolve.export.bank import Options, Problem

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once while building the autograder image: dlsolve from the wheel in this zip.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v pip3 >/dev/null 2>&1; then
  apt-get update && apt-get install -y python3 python3-pip
fi
pip3 install ./{wheel}
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for each submission: dlsolve check on the answers file, results/results.json.
# DLSOLVE_AUTOGRADER_ROOT moves the /autograder tree (for testing the autograder on your machine).
ROOT="${DLSOLVE_AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT"
exec python3 -m dlsolve.export.autograde "$ROOT"
"""


def build_wheel(into: Path) -> Path:
    """A wheel of this dlsolve (`pip wheel --no-deps` on its source tree)."""
    import dlsolve

    root = Path(dlsolve.__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        raise OptionError("--wheel", "this dlsolve is not installed from its source tree, so no wheel can be built "
                                     "here; give one with --wheel FILE (pip wheel --no-deps dlsolve)")
    # built from a clean copy: no build/ left in the source tree, no stale module from an old build in the wheel
    src = into / "src"
    shutil.copytree(root / "dlsolve", src / "dlsolve", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, src / name)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into), str(src)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(into.glob("dlsolve-*.whl"))
    if done.returncode != 0 or not wheels:
        raise OptionError("--wheel", "building the dlsolve wheel failed (" + (done.stderr.strip().splitlines() or ["?"])[-1]
                          + "); give one with --wheel FILE")
    return wheels[-1]


def write(problems: list[Problem], out: Path, options: Options) -> list[Path]:
    """OUT is the zip (a folder: OUT/gradescope-autograder.zip) to upload as the autograder."""
    if len(problems) != 1:
        raise OptionError("dlsolve export gradescope", f"an autograder grades one problem (one assignment); got "
                                                       f"{len(problems)}: export each on its own")
    problem = problems[0]
    target = out / "gradescope-autograder.zip" if out.is_dir() else out
    with tempfile.TemporaryDirectory(prefix="dlsolve-gradescope-") as tmp:
        wheel = Path(options.wheel) if options.wheel else build_wheel(Path(tmp))
        config = {"problem": "variants" if problem.varied else "problem.yaml", "title": problem.title,
                  "answers": [b.name for b in problem.variants[0].blanks],
                  "points": {b.name: b.points for b in problem.variants[0].blanks},
                  "variants": [v.number for v in problem.variants],
                  "follow_through": options.follow_through, "marks": "marks.yaml" if options.marks_file else None}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in (("setup.sh", SETUP.format(wheel=wheel.name)), ("run_autograder", RUN)):
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16
                z.writestr(info, text)
            z.write(wheel, wheel.name)
            z.writestr("config.json", json.dumps(config, indent=2, ensure_ascii=False) + "\n")
            if problem.folder is not None:
                for f in sorted(problem.folder.iterdir()):
                    if f.is_file() and (f.suffix in (".yaml", ".yml") or f.name == "variants.json"):
                        z.write(f, f"variants/{f.name}")
            else:
                z.write(problem.variants[0].file, "problem.yaml")
            if options.marks_file:
                z.write(options.marks_file, "marks.yaml")
    return [target]
