"""One rule for numbers in every format (render/numbers.py): float rounding cleaned, trailing
zeros only where a value was rounded, integers grouped one way in steps, tables, answers and lists.

The expected texts are built here from the decimal's digits and exponent by string arithmetic
(or from exact fractions), never by the code under test.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

from hypothesis import given, strategies as st

from dlsolve.render import numbers

ROOT = Path(__file__).resolve().parents[1]


def decimal_text(mantissa: int, exponent: int) -> str:
    """The decimal mantissa·10^exponent written out by hand (no trailing zeros), as the sheet
    writes an exact value at precision 4: a whole number in full, others fixed from 10⁻⁴ up
    to below 10⁴, else m×10^e."""
    sign, digits = ("−" if mantissa < 0 else ""), str(abs(mantissa)).rstrip("0")
    shift = len(str(abs(mantissa))) - len(digits)
    exponent += shift                      # value = digits · 10^exponent
    lead = len(digits) - 1 + exponent      # the decimal exponent of the leading digit
    if exponent >= 0:                      # a whole number: written out, grouped from 10,000
        text = digits + "0" * exponent
        return sign + (f"{int(text):,}" if int(text) >= 10_000 else text)
    if -4 <= lead < 4:
        point = len(digits) + exponent
        body = digits[:point] + "." + digits[point:] if point > 0 else "0." + "0" * (-point) + digits
        return sign + body
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sup = str(lead).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))
    return f"{sign}{mant}×10{sup}"


# decimals of 1–4 significant digits, from 10⁻⁹ to 10⁸
short_decimals = st.tuples(st.integers(-9999, 9999).filter(lambda m: m != 0), st.integers(-12, 5))


def perturbed(m: int, e: int, how: int) -> float:
    """m·10^e as float arithmetic computes it on the way: the noise of a few operations."""
    x = m * 10.0 ** e if e >= 0 else m / 10.0 ** -e
    if how == 0:
        return (x + 0.1) - 0.1 if abs(x) > 1e-3 else x * 3 / 3
    if how == 1:
        return x * 0.1 * 10
    if how == 2:
        return (x / 7) * 7
    if how == 3:
        return x * (1 - 0.9) / 0.1 if abs(x) < 1e6 else x
    return math.fsum([x / 3, x / 3, x / 3])


@given(short_decimals, st.integers(0, 4))
def test_a_short_decimal_off_by_float_noise_prints_as_that_decimal(md, how):
    m, e = md
    x = perturbed(m, e, how)
    exact = Fraction(m) * Fraction(10) ** e
    ulps = abs(Fraction(x) - exact) / Fraction(math.ulp(x))
    if ulps > numbers.ULPS:           # this path gathered more noise than the rule cleans
        return
    assert numbers.unicode(x, 4) == decimal_text(m, e)


@given(st.floats(1e-9, 1e9), st.integers(1, 8))
def test_a_value_near_no_short_decimal_is_rounded_half_up_with_its_zeros(x, precision):
    # a value farther than ULPS ulps from every decimal of up to 12 digits is its binary self
    near = any(abs(float(f"{x:.{d - 1}e}") - x) <= numbers.ULPS * math.ulp(x) for d in range(1, 13))
    if near or x.is_integer():
        return
    f = Fraction(x)
    lead = math.floor(math.log10(x))
    if Fraction(10) ** lead > f:
        lead -= 1
    if Fraction(10) ** (lead + 1) <= f:
        lead += 1
    q = math.floor(f / Fraction(10) ** (lead - precision + 1) + Fraction(1, 2))   # half up
    if q >= 10 ** precision:
        q, lead = q // 10, lead + 1
    digits = str(q)
    assert len(digits) == precision
    want_mant = digits[0] + ("." + digits[1:] if precision > 1 else "")
    got = numbers.plain(x, precision)
    mant, _, exp = got.partition("e")
    value = Fraction(mant.replace("−", "-")) * Fraction(10) ** (int(exp) if exp else 0)
    assert value == Fraction(int(digits)) * Fraction(10) ** (lead - precision + 1)
    # every digit kept, trailing zeros included: the printed mantissa has `precision` digits
    assert len(mant.replace(".", "").lstrip("0")) == precision or mant.replace(".", "").lstrip("0") == \
        want_mant.replace(".", "").lstrip("0")


def test_values_that_are_not_short_decimals_keep_their_true_value():
    # σ(35) = 1 − 6.3×10⁻¹⁶ in float64: 6 ulps below 1, beyond the 4 cleaned, so it shows rounded
    s35 = 1 / (1 + math.exp(-35))
    assert (1 - Fraction(s35)) / Fraction(math.ulp(s35)) > numbers.ULPS
    assert numbers.unicode(s35, 4) == "1.000" and not numbers.cleaned(s35)
    # tiny values keep their size and digits (P1's δ, a stable logit loss, a sigmoid's derivative)
    assert numbers.unicode(4.25e-18, 4) == "4.25×10⁻¹⁸"
    assert numbers.unicode(-1.2345678e-10, 4) == "−1.235×10⁻¹⁰"
    assert numbers.unicode(math.exp(-40), 4) == "4.248×10⁻¹⁸"
    assert numbers.unicode(2.7755575615628914e-17, 4) == "2.776×10⁻¹⁷"  # alone it is no noise


def test_the_issue_examples():
    assert numbers.unicode((1 - 0.9) * 0.5, 4) == "0.05"                  # Adam's m₁
    assert numbers.unicode(0.6000000000000001, 4) == "0.6"                # a clipped gradient
    assert numbers.unicode(-0.04000000000000001, 4) == "−0.04"
    assert numbers.unicode(2.9999999999999996, 4) == "3"                  # W_new next to 1
    assert numbers.unicode(0.1 + 0.2, 4) == "0.3" and numbers.cleaned(0.1 + 0.2)
    assert numbers.unicode(0.1, 4) == "0.1" and not numbers.cleaned(0.1)
    assert numbers.unicode(0.5 - 0.6 + 0.1, 4, scale=0.6) == "0"           # a sum's leftover


def test_a_cancelled_sum_is_zero_in_the_solution():
    from dlsolve.derivation import Derivation
    from dlsolve.expr import Sym

    a, b, c, z = (Sym(n, n, n) for n in "abcz")
    d = Derivation()
    d.given(a, 0.5), d.given(b, 0.6), d.given(c, 0.1)
    assert d.derive(z, a - b + c) == 0.0                    # 0.5 − 0.6 + 0.1 = 0 as written
    assert d.derive(z, a * a - b * b) == -0.11              # 0.25 − 0.36 as written (float: −0.10999999999999999)
    third = Sym("h", "h", "h")
    d.given(third, 1 / 3)
    assert d.derive(z, a - b + third) == 0.5 - 0.6 + 1 / 3  # a term that is no short decimal: untouched
    assert d.derive(z, a - b + c + c) == 0.1                # 0.1, not 0.10000000000000003
    tiny, big = Sym("t", "t", "t"), Sym("g", "g", "g")
    d.given(tiny, 1e-17)
    assert d.derive(z, tiny + tiny) == 2e-17                # small terms: their own scale
    # a stable logit loss: max(z, 0) − z·y + log(1 + e^(−|z|)) at z = 40, y = 1 is 4.25×10⁻¹⁸;
    # 40 − 40 cancels exactly and the last term is no short decimal: kept (mpmath: 4.2483542552915890e-18)
    d.given(big, 40.0)
    d.given(tiny, math.log1p(math.exp(-40.0)))
    assert d.derive(z, big - big + tiny) == math.log1p(math.exp(-40.0))


def test_grouping_is_one_rule():
    assert numbers.integer(1792) == "1792"
    assert numbers.integer(36928) == "36,928"
    assert numbers.integer(-138357544) == "−138,357,544"
    assert numbers.unicode(36928.0, 4) == "36,928"
    assert numbers.latex(36928.0, 4) == "36{,}928"


def test_grouping_the_same_in_steps_tables_answers_and_lists():
    """VGG-16's second layer has 3·3·64·64 + 64 = 36,928 parameters; the total is the sum of
    the layers' counts computed here. Each shows grouped one way wherever it is printed."""
    import dlsolve

    convs = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
             (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    total = sum(9 * i * o + o for i, o in convs) + (25088 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
    assert total == 138_357_544
    sol = dlsolve.solve(str(ROOT / "problems" / "arch-vgg16.yaml"))
    text = sol.to("text")
    assert "36,928" in text and "138,357,544" in text
    assert not re.search(r"(?<![\d,])36928|36\u2009928|36 928|138357544", text)
    assert "[1792, 36,928, 0, 73,856" in text                       # the answer's list
    for fmt in ("latex", "markdown"):
        out = sol.to(fmt)
        assert "36{,}928" in out and "138{,}357{,}544" in out
        assert not re.search(r"(?<![\d,}])36928|36\\,928|138357544", out), fmt
    html = sol.to("html")
    assert "<mn>36,928</mn>" in html and "<mn>138,357,544</mn>" in html
    assert "<mn>36</mn>" not in html and "36928" not in html


def test_the_sheet_says_once_that_float_rounding_was_cleaned(tmp_path):
    import dlsolve

    p = tmp_path / "p.yaml"
    p.write_text("kind: graph\ngiven: {a: 0.1, b: 0.2}\ndefine:\n  z: a + b\nfind: [z]\n")
    sol = dlsolve.solve(str(p))
    assert sol.answers["z"] == 0.3 and sol.float_cleaned       # 0.1 + 0.2 as written (float64: 0.30000000000000004)
    for fmt in ("text", "markdown", "latex", "html"):
        assert sol.to(fmt).count("Float rounding cleaned") == 1, fmt
    q = tmp_path / "q.yaml"
    q.write_text("kind: graph\ngiven: {x1: 0.5, x2: 0.25}\ndefine:\n  z: x1 - x2\nfind: [z]\n")
    clean = dlsolve.solve(str(q))                             # exact in float64: nothing cleaned, nothing said
    assert not clean.float_cleaned and "Float rounding" not in clean.to("text")
