"""Typed option fields of the layer classes: each checks its value with a message in the
course's words and gives pydantic (and so the JSON Schema) its exact type.

A field is `Annotated[python type, PlainValidator(check, json_schema_input_type=schema type)]`:
the check is the one place a value is accepted or refused; the schema type says the same to
an editor. Errors are `SpecInvalid`, which the loader places at the option's line and column.
An option that names itself in its messages is written `Annotated[int, Whole("filters")]`:
`Whole(...)` is the metadata (the check and how it is written), and the type before it is the
held value's, which mypy reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Callable, Iterator, Literal, Union

from annotated_types import GroupedMetadata
from pydantic import Field, PlainSerializer, PlainValidator

from dlsolve.errors import SpecInvalid


def _as_written(v: Any) -> Any:
    """A held value as YAML writes it: sizes and shapes as lists (for model_dump)."""
    return list(v) if isinstance(v, tuple) else v


_LIST = PlainSerializer(_as_written)


# The largest size any option or input dimension may have: far above any real network, and
# small enough that every product of sizes stays a finite float.
LARGEST = 10 ** 9


def _is_whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _not_huge(what: str, x: int) -> int:
    if x > LARGEST:
        raise SpecInvalid(f"{what} must be at most {LARGEST:,} (a size this large is surely a slip)")
    return x


def _bound(low: int) -> str:
    return "≥ 0" if low == 0 else "at least 1"


def _whole_check(what: str, low: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if not _is_whole(v) or v < low:
            raise SpecInvalid(f"expected {what} as a whole number {'≥ 0' if low == 0 else '≥ 1'}, got {v!r}")
        return _not_huge(what, int(v))
    return check


def _pair_check(what: str, low: int) -> Callable[[Any], tuple[int, int]]:
    def check(v: Any) -> tuple[int, int]:
        vals = v if isinstance(v, (list, tuple)) else [v, v]
        if len(vals) != 2 or not all(_is_whole(x) for x in vals):
            raise SpecInvalid(f"expected {what} as a whole number or [height, width], got {v!r}")
        for x in vals:
            if x < low:
                raise SpecInvalid(f"{what} must be {_bound(low)}, got {x}")
        return _not_huge(what, int(vals[0])), _not_huge(what, int(vals[1]))
    return check


def _single_check(what: str, low: int) -> Callable[[Any], tuple[int]]:
    def check(v: Any) -> tuple[int]:
        if isinstance(v, (list, tuple)):
            if len(v) != 1:
                raise SpecInvalid(f"a 1-D layer takes one {what}, got {v!r}")
            v = v[0]
        return (_whole_check(what, low)(v),)
    return check


class Checked(GroupedMetadata):
    """The metadata of an option's type: its check (a PlainValidator with the schema it states)
    and, for a size held as a tuple, how it is written back. pydantic unpacks it in
    `Annotated[held type, Checked(...)]` as it unpacks annotated_types' groups."""

    __slots__ = ("items",)

    def __init__(self, *items: object) -> None:
        self.items = items

    def __iter__(self) -> Iterator[object]:
        return iter(self.items)


def Whole(what: str, low: int = 1) -> Checked:
    """A whole number ≥ low (filters, units, groups, vocab, dim): `Annotated[int, Whole(...)]`."""
    return Checked(PlainValidator(_whole_check(what, low), json_schema_input_type=Annotated[int, Field(ge=low, le=LARGEST)]))


def Pair(what: str, low: int = 1) -> Checked:
    """A 2-D size: one whole number for both axes, or [height, width]; held as a pair
    (`Annotated[tuple[int, int], Pair(...)]`)."""
    one = Annotated[int, Field(ge=low, le=LARGEST)]
    schema = Union[one, Annotated[list[one], Field(min_length=2, max_length=2)]]
    return Checked(PlainValidator(_pair_check(what, low), json_schema_input_type=schema), _LIST)


def Single(what: str, low: int = 1) -> Checked:
    """A 1-D size: a whole number (or a list of one); held as a 1-tuple, like a Pair's axes
    (`Annotated[tuple[int], Single(...)]`)."""
    one = Annotated[int, Field(ge=low, le=LARGEST)]
    schema = Union[one, Annotated[list[one], Field(min_length=1, max_length=1)]]
    return Checked(PlainValidator(_single_check(what, low), json_schema_input_type=schema), _LIST)


# A padding as held: 'valid', 'same', or zeros on each side per spatial axis.
PaddingValue = Union[str, tuple[int, ...]]


def _padding_check(n: int) -> Callable[[Any], PaddingValue]:
    def check(v: Any) -> PaddingValue:
        if v in ("valid", "same"):
            return str(v)
        vals = v if isinstance(v, (list, tuple)) else [v] * n
        if len(vals) == n and all(_is_whole(x) and x >= 0 for x in vals):
            return tuple(_not_huge("padding", int(x)) for x in vals)
        axes = "[ph, pw]" if n == 2 else "[p]"
        raise SpecInvalid(f"expected padding valid, same, a whole number or {axes}, got {v!r}")
    return check


def Padding(n_spatial: int) -> Checked:
    """'valid', 'same', or explicit zero padding per side (one number, or one per axis):
    `Annotated[PaddingValue, Padding(2)]`."""
    one = Annotated[int, Field(ge=0, le=LARGEST)]
    schema = Union[Literal["valid", "same"], one,
                   Annotated[list[one], Field(min_length=n_spatial, max_length=n_spatial)]]
    return Checked(PlainValidator(_padding_check(n_spatial), json_schema_input_type=schema), _LIST)


def _rate(v: Any) -> float:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v < 1:
        raise SpecInvalid(f"expected a dropout rate in [0, 1), got {v!r}")
    return float(v)


Rate = Annotated[float, PlainValidator(_rate, json_schema_input_type=Annotated[float, Field(ge=0, lt=1)])]


def _flag(v: Any) -> bool:
    if not isinstance(v, bool):
        raise SpecInvalid(f"expected true or false, got {v!r}")
    return v


Flag = Annotated[bool, PlainValidator(_flag, json_schema_input_type=bool)]


def _input(v: Any) -> tuple[int, ...]:
    raw = v if isinstance(v, (list, tuple)) else [v]
    if not raw or not all(_is_whole(x) and x >= 1 for x in raw):
        raise SpecInvalid("expected the input shape as whole numbers ≥ 1, e.g. [28, 28, 1]")
    if len(raw) > 3:
        raise SpecInvalid(f"expected at most 3 dimensions (height, width, channels), got {len(raw)}")
    return tuple(_not_huge("an input dimension", int(x)) for x in raw)


_dim = Annotated[int, Field(ge=1, le=LARGEST)]
InputShape = Annotated[tuple[int, ...], PlainValidator(
    _input, json_schema_input_type=Union[_dim, Annotated[list[_dim], Field(min_length=1, max_length=3)]]), _LIST]
