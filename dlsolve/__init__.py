"""dlsolve: worked, step-by-step solutions of deep-learning exam numericals.

From Python::

    import dlsolve
    sol = dlsolve.solve("problems/p1-image-mlp.yaml")   # a path, YAML text, or a dict
    sol.answers["yhat"]                                  # name → value (float or NumPy array)
    print(sol.to("markdown"))                            # any sheet format
    report = dlsolve.check("problems/p1-image-mlp.yaml", {"yhat": 0.77})

Kept import-light on purpose: `import dlsolve` and `dlsolve --help` do not load NumPy or SymPy;
`solve`, `check`, `Solution` and `Report` are imported on first use.
"""

from __future__ import annotations

from typing import Any

from dlsolve.errors import (DlsolveError, FileError, InputErrors, OptionError, SpecError, SpecInvalid,
                            YamlSyntaxError)

__version__ = "0.1.0"  # the one version source (pyproject.toml reads it)

_LAZY = {
    "solve": ("dlsolve.api", "solve"),
    "check": ("dlsolve.api", "check"),
    "render": ("dlsolve.api", "render"),
    "Solution": ("dlsolve.solution", "Solution"),
    "AnswerSet": ("dlsolve.solution", "AnswerSet"),
    "Report": ("dlsolve.marking", "Report"),
    "SolveOptions": ("dlsolve.kinds", "SolveOptions"),
}

__all__ = ["__version__", "solve", "check", "render", "Solution", "AnswerSet", "Report", "SolveOptions",
           "DlsolveError", "SpecError", "InputErrors", "FileError", "YamlSyntaxError", "OptionError",
           "SpecInvalid"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = importlib.import_module(module)
        value = value if attr is None else getattr(value, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dlsolve' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
