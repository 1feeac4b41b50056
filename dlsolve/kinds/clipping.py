"""Gradient clipping, one iteration's steps (used by kind: optimizer).

By norm, as PyTorch's `clip_grad_norm_`: the whole gradient vector is rescaled by
c = min(1, τ/(‖g‖ + ε)) — PyTorch adds ε = 1e-6 to the norm; ε = 0 is TensorFlow's
`clip_by_norm` (Keras's `global_clipnorm`, or `clipnorm` for a single variable). By value, as
`clip_grad_value_` and Keras's `clipvalue`: each component is put into [−v, v].
"""

from __future__ import annotations

from typing import Callable, Optional

from pydantic import ConfigDict, Field, model_validator

from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Expr, Num, Sym, call
from dlsolve.kinds.prepared import ExactlyOne, Ruled
from dlsolve.solution import Phrase

TAU = Sym("clip_norm", "τ", r"\tau")
EPS = Sym("clip_eps", "ε_clip", r"\varepsilon_{\text{clip}}")
BOUND = Sym("clip_value", "v", "v")


class ClipSpec(Ruled):
    """`clip: {norm: 1.0}` or `clip: {value: 0.5}`; `eps` is added to the norm (PyTorch's 1e-6)."""

    model_config = ConfigDict(extra="forbid")
    RULES = (ExactlyOne(("norm", "value"), message="give exactly one of norm (rescale the whole gradient) and "
                                                   "value (clip each component)"),)
    norm: Optional[float] = Field(None,
                                  description="τ: the whole gradient rescaled by min(1, τ/(‖g‖ + ε)) (PyTorch's "
                                              "clip_grad_norm_)")
    value: Optional[float] = Field(None,
                                   description="c: each entry clipped into [−c, c] (PyTorch's clip_grad_value_)")
    eps: float = Field(default=1e-6, ge=0, description="ε added to the norm (PyTorch's 1e-6)")

    @property
    def bound(self) -> float:
        """τ when clipping by norm, v when by value (RULES make exactly one of them given)."""
        bound = self.norm if self.norm is not None else self.value
        if bound is None:
            raise TypeError("a ClipSpec with neither norm nor value passed its RULES")
        return bound

    @model_validator(mode="after")
    def _check(self) -> "ClipSpec":
        if self.bound <= 0:
            raise SpecInvalid(f"a clipping bound must be positive, got {self.bound:g}",
                              ("norm" if self.norm is not None else "value",))
        if self.value is not None and "eps" in self.model_fields_set:
            raise SpecInvalid("eps belongs to clipping by norm", ("eps",))
        return self


def convention(clip: ClipSpec) -> Phrase:
    if clip.norm is not None:
        return Phrase("gradient clipping by norm (PyTorch's clip_grad_norm_ over all weights together): "
                      "g̃ = g·min(1, τ/(‖g‖ + ε_clip)) with τ = {t:given}, ε_clip = {e:given}"
                      + (" (PyTorch's; 0 gives TensorFlow's clip_by_norm)" if clip.eps == 1e-6 else ""),
                      t=clip.norm, e=clip.eps)
    return Phrase("gradient clipping by value (clip_grad_value_, Keras's clipvalue): each component into "
                  "[−v, v] with v = {v:given}", v=clip.value)


def bind(clip: ClipSpec, put: Callable[[Sym, float], object]) -> None:
    if clip.norm is not None:
        put(TAU, clip.norm)
        put(EPS, clip.eps)
    else:
        put(BOUND, clip.bound)


def clip_step(d: Derivation, clip: ClipSpec, g: Sym, vector: bool, clipped: Sym, norm: Sym, factor: Sym,
              first: bool) -> dict[str, object]:
    """Derive the clipped gradient g̃ of one iteration; returns the table cells of the row."""
    if clip.norm is not None:
        size: Expr = call("sqrt", call("sum", g ** Num(2))) if vector else call("abs", g)
        d.derive(norm, size, note="the L2 norm of the whole gradient" if first and vector else None)
        d.derive(factor, call("min", Num(1), TAU / (norm + EPS)),
                 note="1 when the norm is within the bound: the gradient is left as it is" if first else None)
        d.derive(clipped, factor * g)
        return {"‖g‖": d.env.get(norm.key), "g̃": d.env.get(clipped.key)}
    d.derive(clipped, call("min", call("max", g, -BOUND), BOUND),
             note="each component put into [−v, v]" if first else None)
    return {"g̃": d.env.get(clipped.key)}
