"""The formula printers: order as written, negative numbers parenthesised, exact constants."""

from __future__ import annotations

from fractions import Fraction

from dlsolve.expr import Num, Sym, call
from dlsolve.render import numbers
from dlsolve.render.mathprint import LatexPrinter, UnicodePrinter

x, w, b = Sym("x", "x", "x"), Sym("w", "w", "w"), Sym("b", "b", "b")


def test_negative_values_are_parenthesised():
    u = UnicodePrinter()
    assert u.print(x ** Num(2), {"x": -3.0}) == "(−3)²"
    assert u.print(x - w, {"x": 1.0, "w": -2.0}) == "1 − (−2)"
    assert u.print(x * w + b, {"x": 2.0, "w": -3.0, "b": -1.0}) == "2·(−3) + (−1)"
    assert u.print(x + w, {"x": -2.0, "w": 3.0}) == "−2 + 3"
    assert LatexPrinter().print(x ** Num(2), {"x": -3.0}) == r"(-3)^{2}"


def test_terms_keep_the_written_order():
    u = UnicodePrinter()
    assert u.print(w * x + x * b) == "w·x + x·b"
    assert u.print(Num(1) / (Num(1) + call("exp", -x))) == "1/(1 + e^(−x))"
    assert u.print(Num(Fraction(1, 2)) * (x - w) ** Num(2)) == "(1/2)·(x − w)²"


def test_numbers_exact_or_rounded_with_zeros():
    assert numbers.unicode(35.0, 4) == "35"
    assert numbers.unicode(0.01, 4) == "0.01"
    assert numbers.unicode(1 - 6.3e-16, 4) == "1.000"
    assert numbers.unicode(0.765580, 4) == "0.7656"
    assert numbers.unicode(-0.0143396, 4) == "−0.01434"
    assert numbers.unicode(4.889e-6 + 1e-12, 4) == "4.889×10⁻⁶"
    assert numbers.plain(6.3e-16 + 1e-20, 2) == "6.3e-16"
    assert numbers.unicode(float("inf"), 4) == "∞"


def test_ties_round_half_up_as_by_hand():
    assert numbers.unicode(7.5625, 4) == "7.563"      # exact tie: up, not to even
    assert numbers.unicode(107.25, 4) == "107.3"
    assert numbers.unicode(-0.00625, 2) == "−0.0063"
    assert numbers.unicode(2.675, 3) == "2.68"        # the decimal as written: a tie, up (its binary is just below)
    assert numbers.unicode(2.6749999, 3) == "2.67"    # genuinely below the tie
    assert numbers.unicode(9.99951, 4) == "10.00"
    assert numbers.unicode(0.00012345, 3) == "0.000123"
    assert numbers.unicode(1.23456e-7, 3) == "1.23×10⁻⁷"
    assert numbers.unicode(123456.7, 4) == "1.235×10⁵"


def test_exact_numbers_beyond_float64_print_as_powers_of_ten():
    # SymPy expands (w/2^60)^100 to w^100/2^6000: an exact integer float64 cannot hold (found by fuzzing)
    w = Sym("w", "w", "w")
    assert UnicodePrinter().print(w ** Num(100) / Num(2 ** 6000)) == "w¹⁰⁰/(1.513×10¹⁸⁰⁶)"  # 6000·log10 2 = 1806.18
    assert LatexPrinter().print(Num(-3 ** 5000)) == r"-4.039 \times 10^{2385}"
    assert UnicodePrinter().print(Num(Fraction(1, 7 ** 2000))) == "6.367×10⁻¹⁶⁹¹"
