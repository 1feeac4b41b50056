"""The residual block: a path of layers whose output is added to a shortcut of its input.

    y = F(x) + shortcut(x)

The shortcut is the input itself (identity) when F keeps the shape; otherwise a projection, a
1×1 convolution with the stride that matches F's output (the ResNet paper's option B), unless
the problem writes its own shortcut layers. Parameters: those of both paths; FLOPs: both
paths' and one add per output value; the receptive field: the main path's, which holds the
shortcut's (checked, else none is given).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, Union

from pydantic import Field

from dlsolve.expr import Add, Mul, total
from dlsolve.kinds.architecture.base import Context, Cost, Layer
from dlsolve.kinds.architecture.conv import Conv2d
from dlsolve.kinds.architecture.fields import Flag

if TYPE_CHECKING:
    from dlsolve.kinds.architecture.planner import Row

    LayerEntry = Layer   # the registry's entry type, resolved by `Residual.model_rebuild` there


class Residual(Layer):
    """A block of layers with a shortcut around it, added at the end (ResNet)."""

    type: ClassVar[str] = "residual"
    nests: ClassVar[bool] = True
    layers: list["LayerEntry"] = Field(min_length=1, description="the main path's layers, first to last")
    shortcut: Union[Literal["auto", "identity", "projection"], list["LayerEntry"]] = Field(
        "auto", description="auto: identity when the path keeps the shape, else a 1×1 projection; "
                            "identity; projection; or the shortcut's own layers")
    projection_bias: Flag = Field(False, description="the projection's 1×1 convolution has biases "
                                                     "(false, as torchvision's ResNet: batch norm follows)")


    def inner(self) -> list[Layer]:
        shortcut = self.shortcut if isinstance(self.shortcut, list) else []
        return [x for layer in [*self.layers, *shortcut] for x in (layer, *layer.inner())]

    def _plan(self, c: Context) -> None:
        """Both paths, once: the main path's rows, then the shortcut's (labelled l.s1, …)."""
        if c.inner:
            return
        assert c.nest is not None, "a residual block is planned by the walker"
        nest, level = c.nest, c.level + 1
        before = nest.field_state()
        main, shape, dims, seq = nest.run(list(self.layers), f"{c.l}.", c.path + ("layers",), c.shape, c.dims,
                                          c.sequence, level)
        main_field = nest.field_state()
        shortcut = self._shortcut(c, shape)
        nest.resume_field(before)
        short: list[Row] = []
        if shortcut:
            short, s_shape, _, _ = nest.run(shortcut, f"{c.l}.s", c.path + ("shortcut",), c.shape, c.dims,
                                             c.sequence, level)
        else:
            s_shape = c.shape
        if tuple(s_shape) != tuple(shape):
            raise c.fail(f"the shortcut gives {c.show(list(s_shape))} but the main path {c.show(list(shape))}: "
                         "they must have one shape to be added (write the shortcut's layers, or shortcut: projection)")
        if nest.full:
            c.d.section(f"Layer {c.l}: the add", level=level)
        nest.join_fields(c, main_field)
        c.inner = main + short
        c.main_dims = dims

    def _shortcut(self, c: Context, shape: tuple[int, ...]) -> list[Layer]:
        if isinstance(self.shortcut, list):
            return list(self.shortcut)
        if self.shortcut == "identity" or (self.shortcut == "auto" and tuple(shape) == tuple(c.shape)):
            return []
        if len(shape) != 3 or len(c.shape) != 3:
            raise c.fail("a projection shortcut is a 1×1 conv2d: write the shortcut's layers for this input")
        strides = [max(n_in // max(n_out, 1), 1) for n_in, n_out in zip(c.shape[:2], shape[:2])]
        return [Conv2d.model_validate({"filters": shape[-1], "kernel": (1, 1), "stride": tuple(strides),
                                       "bias": self.projection_bias})]

    def check(self, c: Context) -> None:
        self._plan(c)

    def shape(self, c: Context) -> None:
        self._plan(c)
        c.out(list(c.main_dims), ["the main path's output plus the shortcut, entry by entry"] + [None] * (len(c.main_dims) - 1))

    def count(self, c: Context) -> None:
        self._plan(c)
        rows = c.inner
        fixed = [r.N for r in rows if r.N is not None]
        c.params(total([r.P for r in rows]), note="the main path's and the shortcut's layers",
                 non_trainable=total(fixed) if fixed else None,
                 non_trainable_note="their non-trainable parameters" if fixed else None)

    def cost(self, c: Context) -> Cost:
        return Cost(ops=Add.of(*[r.fig.F for r in c.inner], Mul.of(*c.out_dims)),
                    note="both paths' work, and one add per output value")
