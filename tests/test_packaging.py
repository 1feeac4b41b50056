"""Packaging: one version source, py.typed and the schemas shipped, every dependency in the
README's set-up, completion documented, and `python -m dlsolve` beside a folder named dlsolve."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

import pytest

import dlsolve
from tests.conftest import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None


def _pyproject() -> str:
    return (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_one_version_source():
    text = _pyproject()
    project = text[text.index("[project]"):text.index("\n[", text.index("[project]") + 1)]
    assert not re.search(r"(?m)^version\s*=", project), "the version is written in pyproject.toml too"
    assert 'dynamic = ["version"]' in text and 'version = {attr = "dlsolve.__version__"}' in text
    assert version("dlsolve") == dlsolve.__version__
    r = subprocess.run([sys.executable, "-m", "dlsolve", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.strip().endswith(dlsolve.__version__)


def test_py_typed_schemas_and_classifiers_are_packaged():
    assert (ROOT / "dlsolve" / "py.typed").exists()
    text = _pyproject()
    assert '"dlsolve" = ["py.typed"]' in text and '"dlsolve.schemas" = ["*.json"]' in text
    classifiers = metadata("dlsolve").get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers and any(c.startswith("Programming Language :: Python :: 3") for c in classifiers)


def _dependencies() -> list[str]:
    if tomllib is not None:
        deps = tomllib.loads(_pyproject())["project"]["dependencies"]
    else:
        block = re.search(r"dependencies = \[(.*?)\]", _pyproject(), re.S).group(1)
        deps = re.findall(r'"([^"]+)"', block)
    return [re.match(r"[A-Za-z0-9_.\-]+", d).group(0) for d in deps]


def test_the_readme_setup_names_every_dependency_and_the_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set-up"):readme.index("## Using it")]
    for dep in _dependencies():
        assert dep in setup, dep
    assert "source .venv/bin/activate" in setup and "pipx install" in setup
    for shell in ("bash", "zsh", "fish"):
        assert f"_DLSOLVE_COMPLETE={shell}_source dlsolve" in setup, shell


def test_completion_scripts_are_generated_for_each_shell():
    script = shutil.which("dlsolve", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the dlsolve command is not installed beside this Python")
    for shell in ("bash", "zsh", "fish"):
        r = subprocess.run([script], capture_output=True, text=True, cwd=ROOT,
                           env={"_DLSOLVE_COMPLETE": f"{shell}_source", "PATH": "/usr/bin:/bin"})
        assert r.returncode == 0 and "_DLSOLVE_COMPLETE" in r.stdout, (shell, r.stderr)


def test_python_m_dlsolve_beside_a_folder_named_dlsolve(tmp_path):
    (tmp_path / "dlsolve").mkdir()   # a folder of problems that happens to be called dlsolve
    (tmp_path / "dlsolve" / "p3.yaml").write_text((ROOT / "problems" / "p3-delta-rule.yaml").read_text(encoding="utf-8"),
                                                   encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "dlsolve", "backprop", "dlsolve/p3.yaml"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "W1_new" in r.stdout
    r = subprocess.run([sys.executable, "-m", "dlsolve", "kinds"], capture_output=True, text=True,
                       cwd=ROOT / "dlsolve", timeout=60)   # from inside the package's own folder
    assert r.returncode == 0 and "backprop" in r.stdout, r.stderr
