"""Every kind's checked data has one home: the frozen problem `prepare()` makes (spec.problem).

A pydantic model that keeps what its validator found in private attributes (`self._x = …`)
hides checked data where only a private read can reach it; the issue asks for one pattern.
These tests load every kind and walk every model of the package.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil

import numpy as np
import pytest
from pydantic import BaseModel

import dlsolve
from dlsolve.kinds import KINDS, module
from dlsolve.kinds.prepared import PreparedSpec
from dlsolve.load import load_problem

from tests.conftest import PROBLEMS  # every file in problems/


def _models() -> list[type[BaseModel]]:
    for info in pkgutil.walk_packages(dlsolve.__path__, "dlsolve."):
        importlib.import_module(info.name)
    out, todo = [], [BaseModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("dlsolve."):
                out.append(sub)
    return out


def _hidden(model: type[BaseModel]) -> list[str]:
    """Its private attributes that no read-only property of the same name shows (`_problem` has
    `problem`; a layer's `_bare`, how it was written, has `bare`)."""
    return sorted(name for name in model.__private_attributes__
                  if not isinstance(getattr(model, name[1:], None), property))


def test_no_model_keeps_checked_data_in_private_attributes():
    keeping = {f"{m.__module__}.{m.__qualname__}: {_hidden(m)}" for m in _models() if _hidden(m)}
    assert not keeping, "return it from prepare() in a frozen Problem instead:\n" + "\n".join(sorted(keeping))


def test_the_walk_sees_a_hidden_attribute():
    from pydantic import PrivateAttr

    class Hiding(BaseModel):
        _x: int = PrivateAttr(0)

    assert _hidden(Hiding) == ["_x"]
    assert _hidden(PreparedSpec) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_kind_that_prepares_data_does_so_through_prepared_spec(kind):
    spec = module(kind).Spec
    if "prepare" in vars(spec) or any("prepare" in vars(c) for c in spec.__mro__[1:] if c is not PreparedSpec):
        assert issubclass(spec, PreparedSpec), f"{kind}: prepare() belongs on a PreparedSpec"


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_a_prepared_problem_is_frozen(path):
    spec = load_problem(str(path)).spec
    if not isinstance(spec, PreparedSpec):
        return
    problem = spec.problem
    assert dataclasses.is_dataclass(problem), f"{path.name}: a Problem is a frozen dataclass"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(problem, dataclasses.fields(problem)[0].name, None)
    for f in dataclasses.fields(problem):
        value = getattr(problem, f.name)
        if isinstance(value, np.ndarray) and value.size:
            with pytest.raises(ValueError):
                value.flat[0] = 0  # read-only: the solver cannot change a checked number
