"""The YAML of dropout (`layers[].dropout`) and weight regularisation (`regularization`), and
their checks. The solver's parts are in `dropout.py` and `penalty.py`.

Dropout multiplies a layer's output a^[l] elementwise by a factor r (the next layer reads
ã^[l] = r ⊙ a^[l]; the backward pass multiplies by the same r):
  a training mask m with `scaling: inverted` (PyTorch, Keras): r = m/(1 − p);
  a training mask with `scaling: classic` (the original paper): r = m, and ×(1 − p) at test time;
  no mask (the test-time pass): r = 1 (inverted) or r = 1 − p (classic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve.errors import Path, SpecInvalid
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import AtLeastOne, Ruled, frozen

_STRICT = ConfigDict(extra="forbid")


class DropoutSpec(BaseModel):
    model_config = _STRICT
    rate: float = Field(description="p, the probability of dropping a unit, in [0, 1)")
    mask: Optional[list[float]] = Field(None,
                                        description="one 0 or 1 per unit: 1 keeps the unit, 0 drops it (the same mask"
                                                    " in the backward pass)")
    scaling: Literal["inverted", "classic"] = Field("inverted",
                                                    description="inverted: kept units scaled by 1/(1 − p) while "
                                                                "training (PyTorch, Keras); classic: scaled by 1 − p "
                                                                "at test time")


class RegularizationSpec(Ruled):
    model_config = _STRICT
    RULES = (AtLeastOne(("l2", "l1"), message="give l2: λ (λΣw²) or l1: λ (λΣ|w|), or both"),)
    l2: Optional[float] = Field(None, description="λ of the L2 penalty λΣw² (λ/2·Σw² with half)")
    l1: Optional[float] = Field(None, description="λ of the L1 penalty λΣ|w|")
    half: bool = Field(False, description="true: λ/2·Σw² (gradient λw, PyTorch's weight_decay for SGD)")
    include_bias: bool = Field(False, description="true regularises the biases too")


@dataclass(frozen=True)
class Dropout:
    rate: float
    mask: Optional[np.ndarray]
    scaling: str

    @property
    def shown(self) -> bool:
        """The layer's output is multiplied by something other than 1 (a step of its own)."""
        return self.mask is not None or self.scaling == "classic"

    def factor(self) -> np.ndarray | float:
        """r, with ã = r ⊙ a (see the module docstring)."""
        p = self.rate
        if self.mask is None:
            return 1.0 if self.scaling == "inverted" else 1.0 - p
        return self.mask / (1.0 - p) if self.scaling == "inverted" else self.mask.copy()


@dataclass(frozen=True)
class Regularization:
    l2: Optional[float]
    l1: Optional[float]
    half: bool
    include_bias: bool


def prepare_dropout(spec: Optional[DropoutSpec], n_out: int, path: Path, final: bool) -> Optional[Dropout]:
    if spec is None:
        return None
    path = path + ("dropout",)
    if final:
        raise SpecInvalid("dropout belongs to a hidden layer: the output layer's ŷ is never dropped",
                          path)
    if not 0 <= spec.rate < 1:
        raise SpecInvalid(f"expected a dropout rate p in [0, 1) (the probability of dropping a unit), "
                          f"got {spec.rate:g}", path + ("rate",))
    mask = None
    if spec.mask is not None:
        mask = V.vector(spec.mask, path + ("mask",))
        if len(mask) != n_out:
            raise SpecInvalid(f"expected {n_out} mask value{'s' if n_out != 1 else ''} (one per unit of "
                              f"this layer), got {len(mask)}", path + ("mask",))
        bad = [float(v) for v in mask if v not in (0.0, 1.0)]
        if bad:
            raise SpecInvalid(f"a dropout mask holds 0 (dropped) or 1 (kept), got {bad[0]:g}", path + ("mask",))
    return Dropout(float(spec.rate), None if mask is None else frozen(mask), spec.scaling)


def prepare_regularization(spec: Optional[RegularizationSpec]) -> Optional[Regularization]:
    if spec is None:
        return None
    path: Path = ("regularization",)
    for key in ("l2", "l1"):
        lam = getattr(spec, key)
        if lam is not None and (lam < 0 or not np.isfinite(lam)):
            raise SpecInvalid(f"expected λ ≥ 0, got {lam:g}", path + (key,))
    if spec.half and spec.l2 is None:
        raise SpecInvalid("half applies to l2 (λ/2·Σw²); there is no l2", path + ("half",))
    return Regularization(spec.l2, spec.l1, spec.half, spec.include_bias)
