"""Per-class dispatch, the one pattern for every tree walk that is not generic.

`Visitor.visit(e, *extra)` calls the method `visit_<Class>` of the first class in type(e)'s MRO
that has one (so a subclass falls back on its base), else `unknown`. It knows no node class, so
one pattern serves walks over dlsolve.expr's nodes (SymPy forms, exact values, the printers) and
over SymPy's own (`from_sympy`), as SymPy's printers dispatch on `_print_<Class>`.
"""

from __future__ import annotations

from typing import Any


class Visitor:
    """Subclass it with one `visit_<Class>` method per node class it handles."""

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
