"""How a number is shown: exact values as they are, computed values to N significant digits.

A value that prints exactly in at most N significant digits is shown as is (35, 0.5, 0.01);
any other is rounded to N significant digits with its trailing zeros kept, so 1 − 6.3e−16 shows
as 1.000 — the zeros say "rounded", where a bare 1 would claim exactness.
"""

from __future__ import annotations

import math
from typing import Callable
from decimal import ROUND_HALF_UP, Decimal


def _sig_digits(text: str) -> int:
    mant = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mant) if mant else 1


def _round_half_up(x: float, precision: int) -> str:
    """x to `precision` significant digits, ties away from zero as by hand (7.5625 → 7.563),
    judged on the exact binary value (2.675 is stored just below 2.675, so → 2.67)."""
    d = Decimal(x)
    exponent = d.adjusted()  # position of the leading digit
    q = d.quantize(Decimal(1).scaleb(exponent - precision + 1), rounding=ROUND_HALF_UP)
    if q.adjusted() != exponent:  # 9.9995 → 10.00: one digit more
        exponent = q.adjusted()
        q = d.quantize(Decimal(1).scaleb(exponent - precision + 1), rounding=ROUND_HALF_UP)
    if -4 <= exponent < precision:
        return format(q, "f")
    mant = q.scaleb(-exponent)
    return f"{format(mant, 'f')}e{exponent:+03d}"


def parts(x: float, precision: int) -> tuple[str, int | None]:
    """(mantissa text with '-' for minus, decimal exponent or None)."""
    x = float(x)
    if math.isnan(x):
        return "NaN", None
    if math.isinf(x):
        return ("-∞" if x < 0 else "∞"), None
    if x == 0:
        return "0", None
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x)), None
    shortest = repr(x)
    text = shortest if _sig_digits(shortest) <= precision else _round_half_up(x, precision)
    if "e" in text:
        mant, exp = text.split("e")
        return mant.rstrip(".") if mant.endswith(".") else mant, int(exp)
    return text.rstrip(".") if text.endswith(".") else text, None


def plain(x: float, precision: int) -> str:
    """ASCII form: -0.01434, 6.300e-16."""
    mant, exp = parts(x, precision)
    return mant if exp is None else f"{mant}e{exp:+03d}"


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def unicode(x: float, precision: int) -> str:
    """Terminal form: −0.01434, 6.300×10⁻¹⁶."""
    mant, exp = parts(x, precision)
    mant = mant.replace("-", "−")
    return mant if exp is None else f"{mant}×10{str(exp).translate(_SUP)}"


def latex(x: float, precision: int) -> str:
    mant, exp = parts(x, precision)
    mant = mant.replace("∞", r"\infty").replace("NaN", r"\mathrm{NaN}")
    return mant if exp is None else rf"{mant} \times 10^{{{exp}}}"


def given(x: float) -> str:
    """The shortest exact form, as a problem file writes it: 2, 0.5, 1e-05, −3."""
    x = float(x)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return str(int(x)).replace("-", "−")
    return unicode(x, 17) if not math.isfinite(x) else repr(x).replace("-", "−")


def grouped(n: float, sep: str = ",") -> str:
    """An integer with its digits grouped by thousands: 138,357,544 (in a list, where a comma
    separates the entries, a thin space: 138 357 544)."""
    return f"{int(n):,}".replace(",", sep).replace("-", "−")


def integer(n: float, sep: str = ",") -> str:
    """An integer as a table shows it: grouped from five digits on (1792, 36,928)."""
    return grouped(n, sep) if abs(int(n)) >= 10_000 else str(int(n)).replace("-", "−")


def prose(p: object, precision: int, number: Callable[[float], str] | None = None) -> str:
    """A piece of prose as text: a plain string as it is; a Phrase with its values formatted
    (`number` writes one value at the sheet's precision; unicode by default)."""
    from dlsolve.solution import Phrase

    if not isinstance(p, Phrase):
        return "" if p is None else str(p)
    one = number or (lambda x: unicode(x, precision))

    def write(value: object, style: str) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0):
            return "[" + ", ".join(write(v, style) for v in list(value)) + "]"
        if style == "given":
            return given(float(value))
        if style == "int":
            return grouped(float(value))
        return one(float(value))

    return p.format(write)
