"""Every layer type, and the YAML form of one entry of `layers:` built from them.

An entry is a bare name (`- flatten`, for a type whose options all have defaults) or a mapping
of one name to its options (`- conv2d: {filters: 32, kernel: 3}`). The entry's pydantic type is
a union tagged by that name, so the JSON Schema lists every layer type with its options; after
validation an entry is the layer object itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

from pydantic import (AfterValidator, BeforeValidator, ConfigDict, Discriminator, Field, PlainSerializer, Tag,
                      create_model)

from dlsolve.errors import SpecInvalid, did_you_mean
from dlsolve.kinds.architecture.base import Layer
from dlsolve.kinds.architecture.conv import Conv1d, Conv2d, Conv2dTranspose
from dlsolve.kinds.architecture.conv_variants import DepthwiseConv2d, LocallyConnected2d, SeparableConv2d
from dlsolve.kinds.architecture.dense import Dense, Embedding, Flatten
from dlsolve.kinds.architecture.elementwise import Activation, BatchNorm, Dropout, LayerNorm
from dlsolve.kinds.architecture.pool import AvgPool1d, AvgPool2d, GlobalAvgPool, MaxPool1d, MaxPool2d
from dlsolve.kinds.architecture.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from dlsolve.kinds.architecture.residual import Residual

# The order of the README's table and of `dlsolve schema`.
LAYER_TYPES: tuple[type[Layer], ...] = (
    Conv1d, Conv2d, Conv2dTranspose, DepthwiseConv2d, SeparableConv2d, LocallyConnected2d,
    MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, GlobalAvgPool,
    Flatten, Dense, Dropout, BatchNorm, LayerNorm, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Activation,
    Residual,
)
BY_TYPE: dict[str, type[Layer]] = {cls.type: cls for cls in LAYER_TYPES}
_BARE = "Bare"   # the tag of the bare-name branch (capitalised: the loader drops union tags from paths)


def _normalise(v: Any) -> Any:
    """Check the entry's form and name (with messages that name the layer), before the union."""
    if isinstance(v, str):
        if v not in BY_TYPE:
            raise SpecInvalid(f"unknown layer type: {did_you_mean(v, BY_TYPE)}")
        return v if BY_TYPE[v].takes_no_options() else {v: {}}
    if not isinstance(v, dict) or len(v) != 1:
        raise SpecInvalid("expected a layer such as `flatten` or `dense: {units: 128}`")
    (name, options), = v.items()
    if name not in BY_TYPE:
        raise SpecInvalid(f"unknown layer type: {did_you_mean(str(name), BY_TYPE)}")
    options = {} if options is None else options
    if not isinstance(options, dict):
        raise SpecInvalid(f"expected the options of {name} as a mapping, e.g. {{units: 128}}", (name,))
    known = BY_TYPE[name].model_fields
    for key in options:
        if key not in known:
            hint = did_you_mean(str(key), known) if known else "it takes no options"
            raise SpecInvalid(f"{name} has no option '{key}'; {hint}", (name, key, "<key>"))
    return {name: options}


def _tag(v: Any) -> Optional[str]:
    if isinstance(v, str):
        return _BARE
    if isinstance(v, Layer):
        return type(v).__name__
    if isinstance(v, dict) and len(v) == 1 and next(iter(v)) in BY_TYPE:
        return BY_TYPE[next(iter(v))].__name__
    return None


def _layer(entry: Any) -> Layer:
    """The validated entry as its layer object."""
    if isinstance(entry, str):
        return BY_TYPE[entry].written_bare()
    if isinstance(entry, Layer):
        return entry
    (name, layer), = entry.__dict__.items()
    return layer if layer is not None else BY_TYPE[name]()


def _written(layer: Layer) -> Any:
    """A layer as YAML writes it (for model_dump)."""
    options = layer.model_dump(exclude_defaults=True)
    return layer.type if layer.bare and not options else {layer.type: options}


def _entry(cls: type[Layer]) -> Any:
    doc = " ".join((cls.__doc__ or "").split())
    option: dict[str, Any] = {cls.type: (Optional[cls], Field(..., description=f"{cls.type}: {doc}"))}
    model = create_model(f"{cls.__name__}Entry", __config__=ConfigDict(extra="forbid"),
                         __doc__=f"`- {cls.type}: {{…}}`: " + doc, **option)
    return Annotated[model, Tag(cls.__name__)]


_bare_names = tuple(cls.type for cls in LAYER_TYPES if cls.takes_no_options())
if TYPE_CHECKING:
    # After validation an entry is its layer object (`_layer`); the union below is built at run time.
    LayerEntry = Layer
else:
    LayerEntry = Annotated[
        Union[tuple(_entry(cls) for cls in LAYER_TYPES) + (Annotated[Literal[_bare_names], Tag(_BARE)],)],
        Discriminator(_tag),
        BeforeValidator(_normalise),
        AfterValidator(_layer),
        PlainSerializer(_written),
    ]

# A residual block holds entries of this same union: resolved now that it exists.
Residual.model_rebuild(_types_namespace={"LayerEntry": LayerEntry})
