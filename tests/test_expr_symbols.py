"""Expr.symbols() is kept on the node after its first call (training evaluates the same formula
objects thousands of times): the order must be walk()'s, and a caller's list is its own."""

from __future__ import annotations

import warnings

from dlsolve.expr import Expr, Sym, call, evaluate, quiet
from tests.conftest import PROBLEMS, solve_file


def by_walk(e: Expr) -> list[str]:
    seen: list[str] = []
    for node in e.walk():
        if isinstance(node, Sym) and node.key not in seen:
            seen.append(node.key)
    return seen


def test_symbols_in_walk_order_for_every_step_of_some_problems():
    checked = 0
    for path in PROBLEMS[::6]:
        for sec in solve_file(path).sections:
            for block in sec.blocks:
                for form in getattr(block, "forms", ()):
                    if isinstance(form, Expr):
                        assert [s.key for s in form.symbols()] == by_walk(form)
                        assert [s.key for s in form.symbols()] == by_walk(form)   # the kept list
                        checked += 1
    assert checked > 100


def test_the_returned_list_is_the_callers():
    x, y = Sym("x", "x", "x"), Sym("y", "y", "y")
    e = x * y + call("exp", x)
    first = e.symbols()
    first.append(Sym("z", "z", "z"))
    assert [s.key for s in e.symbols()] == ["x", "y"]


def test_quiet_evaluates_like_evaluate():
    """Under quiet() (one errstate for many evaluations) overflow and 0·∞ give inf and NaN
    silently, as evaluate does on its own."""
    x = Sym("x", "x", "x")
    e = call("exp", x) * (x - x)              # e^1000 overflows to inf; inf·0 is NaN
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = evaluate(e, {"x": 1000.0})
        with quiet():
            inside = evaluate(e, {"x": 1000.0})
    assert str(plain) == str(inside) == "nan"
