"""How a number is shown — one rule for every format (terminal, Markdown, LaTeX, HTML).

1. **Float rounding is cleaned.** A computed value within `ULPS` units in the last place of a
   short decimal (at most `SHORT` significant digits) is that decimal: 0.1 + 0.2 shows 0.3,
   (1 − 0.9)·0.5 shows 0.05, 2.9999999999999996 shows 3. Decimal inputs go through a handful of
   roundings on the way (each at most half an ulp), so their noise is an ulp or two; `ULPS = 4`
   leaves room for a few operations and no more. A value farther from every short decimal is
   left as it is: σ(35) = 1 − 6.3×10⁻¹⁶ is 6 ulps below 1 and still shows as the rounded 1.000,
   and a tiny δ such as 4.25×10⁻¹⁸ keeps its true value (it is near no short decimal at its
   own scale). Where a value comes out of a sum, `scale` (the size of the largest term) lets a
   cancellation's leftover count as 0: 0.5 − 0.6 + 0.1 = 2.8×10⁻¹⁷ is a fraction of an ulp of
   0.6, so it shows 0. A random value is within 4 ulps of a decimal of 12 digits with a
   chance of about 8·2.2×10⁻¹⁶/10⁻¹² ≈ 2×10⁻³, and snapping it then moves it by at most 4 ulps —
   which changes a printed digit only at a rounding tie, where the decimal is what a hand
   computation gives (2.675 to 3 digits is 2.68, as written, not 2.67 from its binary value).
2. **Exact or rounded.** A (cleaned) value with at most `precision` significant digits is shown
   as it is (35, 0.5, 0.05); any other is rounded half up to `precision` significant digits
   with its trailing zeros kept — the zeros say "rounded" (1.000), a bare 1 would claim exactness.
3. **Integers are grouped one way in every place**: from five digits on by commas (36,928;
   138,357,544), four digits ungrouped (1792) — in a step, a table, an answer and inside a list
   alike. A comma with no space after it is part of a number; entries of a list are separated by
   a comma and a space, so `[1792, 36,928, 0]` is three numbers, never a bare space inside one.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable, SupportsFloat, SupportsInt

ULPS = 4     # how many units in the last place of float noise are cleaned
SHORT = 12   # a "short decimal" has at most this many significant digits
GROUP_FROM = 10_000  # integers of five digits or more are grouped


def snap(x: float, scale: float = 0.0) -> Decimal | None:
    """The shortest decimal of at most SHORT significant digits within ULPS ulps of x (of
    max(|x|, scale) when the value is the sum of terms as large as `scale`), or None."""
    x = float(x)
    if not math.isfinite(x):
        return None
    tol = ULPS * math.ulp(max(abs(x), abs(scale)))
    if abs(x) <= tol and scale:
        return Decimal(0)
    if x == 0:
        return Decimal(0)
    for d in range(1, SHORT + 1):
        text = f"{x:.{d - 1}e}"  # the nearest d-digit decimal to the binary value
        if abs(float(text) - x) <= tol:
            return Decimal(text)
    return None


def cleaned(x: float, scale: float = 0.0) -> bool:
    """True when showing x cleans float rounding (x is a few ulps off the decimal shown)."""
    x = float(x)
    if not math.isfinite(x):
        return False
    d = snap(x, scale)
    return d is not None and float(d) != x


def any_cleaned(values: Iterable[Any]) -> bool:
    """Whether any number in `values` (scalars, lists, arrays, nested) is shown cleaned — so a
    sheet can say once that float rounding was cleaned."""
    for v in values:
        if isinstance(v, (bool, str)) or v is None:
            continue
        if isinstance(v, (int, float)) or type(v).__name__.startswith(("float", "int")):
            try:
                if cleaned(float(v)):
                    return True
            except (TypeError, ValueError, OverflowError):
                pass
            continue
        if hasattr(v, "tolist"):
            v = v.tolist()
            if not isinstance(v, list):
                v = [v]
        if isinstance(v, (list, tuple)) and any_cleaned(v):
            return True
    return False


def cleaned_in(solution: Any) -> bool:
    """Whether a sheet of `solution` shows some value cleaned of float rounding: a step the
    solver took on the decimals as written (dlsolve/as_written.py), or a value printed here as
    its short decimal — its givens, its steps' values, its tables' cells and its answers."""
    from dlsolve.solution import Given, Step, Table

    def values() -> Iterable[Any]:
        for section in solution.sections:
            for b in section.blocks:
                if isinstance(b, (Given, Step)):
                    yield b.value
                elif isinstance(b, Table):
                    yield from (c for row in b.rows for c in row if isinstance(c, (int, float, list, tuple)))
        for a in solution.answers:
            yield a.value

    return bool(getattr(solution, "float_cleaned", False)) or any_cleaned(values())


CLEANED_NOTE = ("Float rounding cleaned: values are those of the decimals as written (0.1 + 0.2 is 0.3, "
                "not the computer's 0.30000000000000004; 0.5 − 0.6 + 0.1 is 0).")


def _text(q: Decimal, precision: int, exponent: int) -> str:
    if -4 <= exponent < precision:
        return format(q, "f")
    mant = q.scaleb(-exponent)
    return f"{format(mant, 'f')}e{exponent:+03d}"


def _round_half_up(d: Decimal, precision: int) -> str:
    """d to `precision` significant digits, ties away from zero as by hand (7.5625 → 7.563)."""
    exponent = d.adjusted()  # position of the leading digit
    q = d.quantize(Decimal(1).scaleb(exponent - precision + 1), rounding=ROUND_HALF_UP)
    if q.adjusted() != exponent:  # 9.9995 → 10.00: one digit more
        exponent = q.adjusted()
        q = d.quantize(Decimal(1).scaleb(exponent - precision + 1), rounding=ROUND_HALF_UP)
    return _text(q, precision, exponent)


def parts(x: float, precision: int, scale: float = 0.0) -> tuple[str, int | None]:
    """(mantissa text with '-' for minus, decimal exponent or None); integers ungrouped."""
    x = float(x)
    if math.isnan(x):
        return "NaN", None
    if math.isinf(x):
        return ("-∞" if x < 0 else "∞"), None
    d = snap(x, scale)
    if d is not None and d == d.to_integral_value() and abs(d) < Decimal(10) ** 15:
        return str(int(d)), None
    if d is not None and len(d.normalize().as_tuple().digits) <= precision:
        d = d.normalize()
        text = _text(d, precision, d.adjusted())
    elif d is None and len(repr(x).lstrip("-").split("e")[0].replace(".", "").lstrip("0")) <= precision:
        text = repr(x)  # exact in `precision` digits as it is (JSON's 17 digits: the shortest repr)
    else:
        text = _round_half_up(Decimal(x) if d is None else d, precision)
    if "e" in text:
        mant, exp = text.split("e")
        return mant.rstrip(".") if mant.endswith(".") else mant, int(exp)
    return text.rstrip(".") if text.endswith(".") else text, None


def _grouped_mantissa(mant: str, sep: str) -> str:
    """Group the digits of an integer mantissa (from GROUP_FROM on); others unchanged."""
    digits = mant.lstrip("-")
    if digits.isdigit() and int(digits) >= GROUP_FROM:
        return ("-" if mant.startswith("-") else "") + f"{int(digits):,}".replace(",", sep)
    return mant


def plain(x: float, precision: int, scale: float = 0.0) -> str:
    """ASCII form, for programs (Mermaid, CSV labels): -0.01434, 6.300e-16, 36928."""
    mant, exp = parts(x, precision, scale)
    return mant if exp is None else f"{mant}e{exp:+03d}"


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def unicode(x: float, precision: int, scale: float = 0.0) -> str:
    """Terminal form: −0.01434, 6.300×10⁻¹⁶, 36,928."""
    mant, exp = parts(x, precision, scale)
    mant = _grouped_mantissa(mant, ",").replace("-", "−")
    return mant if exp is None else f"{mant}×10{str(exp).translate(_SUP)}"


def latex(x: float, precision: int, scale: float = 0.0) -> str:
    """LaTeX math: -0.01434, 6.300 \\times 10^{-16}, 36{,}928 (the braces keep TeX from
    spacing the comma as punctuation, and keep the number one <mn> in MathML)."""
    mant, exp = parts(x, precision, scale)
    mant = _grouped_mantissa(mant, "{,}")
    mant = mant.replace("∞", r"\infty").replace("NaN", r"\mathrm{NaN}")
    return mant if exp is None else rf"{mant} \times 10^{{{exp}}}"


def given(x: float) -> str:
    """The shortest exact form, as a problem file writes it: 2, 0.5, 1e-05, −3, 36,928."""
    x = float(x)
    if math.isfinite(x) and x.is_integer() and abs(x) < 1e15:
        return integer(x)
    return unicode(x, 17) if not math.isfinite(x) else repr(x).replace("-", "−")


def integer(n: SupportsInt, sep: str = ",") -> str:
    """An integer as every place shows it: grouped from five digits on (1792, 36,928), with a
    minus sign. `sep` is the format's group mark ("{,}" in LaTeX); the same in a list."""
    return _grouped_mantissa(str(int(n)), sep).replace("-", "−")


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
        if isinstance(value, (list, tuple)) or (isinstance(value, Iterable) and bool(getattr(value, "ndim", 0))):
            return "[" + ", ".join(write(v, style) for v in value) + "]"  # a list, or an array (not 0-d)
        if not isinstance(value, SupportsFloat):
            raise TypeError(f"a Phrase's value must be a number, text or a list, not {type(value).__name__}")
        if style == "given":
            return given(float(value))
        if style == "int":
            return integer(float(value))
        return one(float(value))

    return p.format(write)
