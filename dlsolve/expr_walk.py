"""Walking an expression tree without knowing its node classes: evaluation and per-node dispatch.

Split out of dlsolve/expr.py (which re-exports `evaluate`, `quiet` and `Visitor`, so
`from dlsolve.expr import evaluate` still works) to keep each module under the project's line
limit. What is here needs only the protocol every node of dlsolve.expr gives — `_eval(env)` for a
value, its class for dispatch — and none of the node classes themselves, so this module imports
nothing from dlsolve.expr at run time and there is no import cycle.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import numpy as np

if TYPE_CHECKING:
    from dlsolve.expr import Expr, Value


_QUIET = contextvars.ContextVar("dlsolve_expr_quiet", default=False)
_ALREADY = contextlib.nullcontext()   # inside quiet(): its errstate holds


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """One np.errstate for many evaluations (entering it per call costs more than tiny arithmetic)."""
    token = _QUIET.set(True)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _QUIET.reset(token)


def evaluate(expr: Expr, env: Mapping[str, Value]) -> Value:
    """The value of `expr` with the symbols' values from `env` (float for scalars).

    Overflow is allowed to give ±inf (e^1000), as a careful hand computation would say "huge";
    stable forms (σ via two branches) keep the usual activations finite.
    """
    with _ALREADY if _QUIET.get() else np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        value = expr._eval(env)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return float(value)
    if isinstance(value, (np.floating, np.integer, np.bool_, int)):
        return float(value)
    return value


class Visitor:
    """Per-node dispatch, one pattern for every walk that is not generic: `visit(e, *extra)` calls
    the method `visit_<Class>` of the first class in type(e)'s MRO that has one (so a subclass
    falls back on its base), else `unknown`. Used on our nodes (to_sympy, exact values, the
    printers) and on SymPy's (from_sympy)."""

    _cache: dict[tuple[type, type], str | None]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._cache = {}

    def visit(self, e: Any, *extra: Any) -> Any:
        key = (type(self), type(e))
        name = self._cache.get(key, "")
        if name == "":
            name = next((f"visit_{c.__name__}" for c in type(e).__mro__ if hasattr(self, f"visit_{c.__name__}")), None)
            self._cache[key] = name
        if name is None:
            return self.unknown(e, *extra)
        return getattr(self, name)(e, *extra)

    def unknown(self, e: Any, *extra: Any) -> Any:
        raise TypeError(f"{type(self).__name__} has no rule for {type(e).__name__}")
