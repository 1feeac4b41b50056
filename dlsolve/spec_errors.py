"""pydantic's validation errors as SpecErrors: the path in the problem file and a plain message.

pydantic names union branches and internal types in its locations and messages; these helpers
drop the branch labels, say what was expected in the course's words, and suggest known keys.
"""

from __future__ import annotations

from typing import Any

from dlsolve.errors import Path, SpecError, SpecInvalid, describe, did_you_mean


def dedupe(errors: list[SpecError]) -> list[SpecError]:
    seen, out = set(), []
    for e in errors:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out


def _value_at(data: Any, loc: Path) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


_TYPE_TAGS = {"str", "int", "float", "bool", "none", "list", "dict", "tuple"}


def _is_union_tag(part: object) -> bool:
    """pydantic names the branch of a union it tried: 'str', 'LossSpec', 'list[float]', …"""
    return isinstance(part, str) and (part in _TYPE_TAGS or any(c in part for c in "[]-") or part[:1].isupper())


def _clean_loc(loc: tuple[Any, ...], data: Any) -> tuple[Path, bool]:
    """(the location without union-branch labels, whether a branch label was dropped)."""
    out: list[Any] = []
    node = data
    tagged = False
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif _is_union_tag(part):
            tagged = True
        elif isinstance(node, dict) and isinstance(part, str):
            out.append(part)  # a missing or unknown key
            node = None
    return tuple(out), tagged


def _fields_at(model: Any, loc: Path) -> list[str]:
    """Field names of the model reached by following `loc` from `model` (best effort)."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        current = fields[part].annotation
        for _ in range(4):
            args = [a for a in typing.get_args(current) if hasattr(a, "model_fields")]
            if hasattr(current, "model_fields"):
                break
            if args:
                current = args[0]
                break
            inner = typing.get_args(current)
            if not inner:
                break
            current = inner[0]
    fields = getattr(current, "model_fields", None)
    return [f.alias or k for k, f in fields.items()] if fields else []


def _quoted_number(given: Any) -> str:
    """A number written in quotes is text to YAML (and to the JSON Schema): say how to write it."""
    if isinstance(given, str):
        try:
            float(given)
        except ValueError:
            return ""
        return f"; remove the quotes to write the number {given.strip()}"
    return ""


def spec_errors(exc: Any, model: Any, data: Any) -> list[SpecError]:
    out: list[SpecError] = []
    raw = exc.errors(include_url=False)
    cleaned = [_clean_loc(e["loc"], data) for e in raw]
    causes = [(e.get("ctx") or {}).get("error") for e in raw]   # a SpecInvalid points below its loc
    deeper = {full[:k] for (loc, _), cause in zip(cleaned, causes)
              for full in [loc + cause.subpath if isinstance(cause, SpecInvalid) else loc] for k in range(len(full))}
    for err, (loc, tagged) in zip(raw, cleaned):
        etype = err["type"]
        if tagged and loc in deeper and etype.endswith("_type"):
            continue  # the union branch that does not fit the data; the other branch says what is wrong
        if etype == "too_short":
            out.append(SpecError(loc, "expected at least one entry, got none"))
            continue
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, SpecInvalid):
            out.append(SpecError(loc + cause.subpath, cause.message))
        elif etype == "missing":
            out.append(SpecError(loc, "missing (this key is required)"))
        elif etype == "extra_forbidden":
            key = loc[-1] if loc else "?"
            known = _fields_at(model, loc[:-1])
            hint = did_you_mean(str(key), known) if known else f"unknown key '{key}'"
            out.append(SpecError(loc + ("<key>",), f"unknown key '{key}'; {hint}" if known else hint))
        elif etype == "literal_error":
            expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
            given = _value_at(data, loc)
            out.append(SpecError(loc, did_you_mean(str(given), [e.strip() for e in expected.split(",")])))
        elif etype.startswith(("float_", "int_")) or etype in ("finite_number",):
            what = "a whole number" if etype.startswith("int_") else "a number"
            given = _value_at(data, loc)
            out.append(SpecError(loc, f"expected {what}, got {describe(given)}" + _quoted_number(given)))
        elif etype.startswith("bool_"):
            given = _value_at(data, loc)
            hint = ("; YAML 1.2 reads yes/no/on/off as text: write true or false"
                    if isinstance(given, str) and given.lower() in ("yes", "no", "on", "off", "y", "n") else "")
            out.append(SpecError(loc, f"expected true or false, got {describe(given)}{hint}"))
        elif etype in ("string_type",):
            out.append(SpecError(loc, f"expected text, got {describe(_value_at(data, loc))}"))
        elif etype in ("list_type",):
            out.append(SpecError(loc, f"expected a list, got {describe(_value_at(data, loc))}"))
        elif etype in ("model_type", "dict_type", "model_attributes_type"):
            out.append(SpecError(loc, f"expected a mapping of keys, got {describe(_value_at(data, loc))}"))
        else:
            msg = err.get("msg", "invalid")
            msg = msg.removeprefix("Value error, ")
            out.append(SpecError(loc, msg[0].lower() + msg[1:] if msg else msg))
    return out
