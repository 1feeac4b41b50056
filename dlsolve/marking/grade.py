"""Grading one answer: the student's value against the reference, entry by entry.

A value is right when it equals the reference rounded to as many decimals as the student wrote
(0.77 is right for 0.76558), or, when a tolerance is asked for, when it is within it. Which
entries are wrong is kept, so a wrong matrix names its wrong entries (dW1[4,3]), and the
reference is also given rounded to the student's decimals, to be shown beside their value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from dlsolve.errors import SpecError, describe
from dlsolve.expr import Expr
from dlsolve.marking.words import first_word, is_word, not_a_word, same_word
from dlsolve.solution import Answer, Prose

NEAR_ZERO = 1e-12  # below this |reference|, a relative error says nothing: the absolute one is shown


def half_unit(decimals: Any) -> np.ndarray:
    """Half a unit of the last decimal written: 0.7656 stands for [0.76555, 0.76565]."""
    return np.asarray(0.5 * 10.0 ** -np.asarray(decimals, dtype=float))


@dataclass(frozen=True)
class Rule:
    """How right is decided: to the decimals written (rtol = atol = None), or within a tolerance."""

    rtol: Optional[float] = None
    atol: Optional[float] = None
    slack: float = 1.0  # × the half-unit of the last decimal written (follow-through allows for
                        # the rounding the student's own inputs carried: 4 → two units)

    @property
    def by_decimals(self) -> bool:
        return self.rtol is None and self.atol is None

    def ok(self, got: np.ndarray, ref: np.ndarray, decimals: Any) -> np.ndarray:
        """Entry by entry: is `got` right for `ref`? (∞ is right for ∞.)"""
        err = gap(got, ref)
        if self.by_decimals:
            tol = self.slack * half_unit(np.broadcast_to(np.asarray(decimals, dtype=float), ref.shape))
            right: np.ndarray = err <= tol * (1 + 1e-9) + 1e-15
            return right
        right = err <= (self.atol or 0.0) + (self.rtol or 0.0) * np.abs(ref)
        return right


@dataclass(frozen=True)
class Verdict:
    name: str
    label: Prose
    given: Any                 # as parsed: a number or (nested) lists
    written: Any               # as the student wrote it: a string, or (nested) lists of strings
    reference: Any             # the reference value (full precision)
    rounded: Any               # the reference rounded to the student's decimals (None with a tolerance)
    right: bool
    abs_error: float           # largest |given − reference|
    relative_error: Optional[float]  # largest relative error; None where the reference is ~0
    wrong_entries: tuple[tuple[int, ...], ...] = ()  # 0-based indices of the wrong entries
    shape: tuple[int, ...] = ()
    decimals: Any = 0          # decimals the student wrote (per entry)
    follow_through: Optional[bool] = None  # right given the student's own earlier answers
    follow_value: Any = None
    diagnosis: Optional[str] = None
    points: Optional[float] = None
    earned: Optional[float] = None
    notes: tuple[str, ...] = field(default=())
    problem: Optional[str] = None  # why the answer could not be graded (it scores 0)

    @property
    def word(self) -> bool:
        """A word answer (marking/words.py): no decimals, errors or follow-through."""
        return is_word(self.reference)

    @property
    def mark(self) -> str:
        if self.problem is not None:
            return "✗ not graded"
        if self.right:
            return "✓"
        return "✓ follow-through" if self.follow_through else "✗"

    def entry_name(self, idx: tuple[int, ...]) -> str:
        """dW1[4,3]: 1-based, as the matrix is written."""
        return self.name + ("[" + ",".join(str(i + 1) for i in idx) + "]" if idx else "")


def reference_array(answer: Answer) -> np.ndarray:
    value = answer.value
    if isinstance(value, Expr) or (isinstance(value, (list, tuple)) and value and
                                   isinstance(np.ravel(np.array(value, dtype=object))[0], Expr)):
        raise SpecError((answer.name,), f"'{answer.name}' is a formula in this problem; only numbers can be checked")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError((answer.name,), f"'{answer.name}' has no single array shape here (its entries differ in "
                                        "length); it cannot be checked as one value") from None


def shaped(name: str, given: Any, ref: np.ndarray) -> tuple[np.ndarray, bool]:
    """The student's value as an array of the reference's shape, and whether it came transposed.

    0.77 for [0.7656] and [[a], [b]] for [a, b] are the same value; a matrix given as its
    transpose is graded (wrong) and diagnosed; any other shape is bad input, not a wrong answer.
    """
    try:
        got = np.asarray(given, dtype=float)
    except (TypeError, ValueError):
        raise SpecError((name,), "expected a number, or a list (of rows) of numbers, with the same number of "
                                 "entries in every row") from None
    if got.shape == ref.shape:
        return got, False
    if ref.ndim == 2 and got.shape == ref.shape[::-1] and ref.shape[0] != ref.shape[1]:
        return got.T, True
    if got.size == ref.size and (got.ndim <= 1 or ref.ndim <= 1 or 1 in got.shape):
        return got.reshape(ref.shape), False
    want = "one number" if ref.size == 1 else (f"a list of {ref.size} numbers" if ref.ndim == 1 else
                                                f"{ref.shape[0]} rows of {ref.shape[1]} numbers" if ref.ndim == 2
                                                else f"an array shaped {list(ref.shape)}")
    got_text = "one number" if got.ndim == 0 else f"an array shaped {list(got.shape)}"
    raise SpecError((name,), f"expected {want}, got {got_text}")


def round_to(ref: np.ndarray, decimals: Any) -> Any:
    """The reference rounded to the decimals the student wrote, entry by entry."""
    dec = np.broadcast_to(np.asarray(decimals, dtype=int), ref.shape)
    out = np.array(ref, dtype=float, copy=True)
    for n in np.unique(dec):
        out = np.where(dec == n, np.round(ref, int(n)), out)
    return float(out) if np.ndim(out) == 0 else out


def gap(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """|got − ref| entry by entry, 0 where both are the same infinity (∞ − ∞ is not an error)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(got == ref, 0.0, np.abs(got - ref))


SIGNIFICANT = 2  # a value judged by its decimals must show at least this many significant digits


def too_coarse(ref: np.ndarray, decimals: Any) -> np.ndarray:
    """Entries written with too few decimals to say anything: 0 for 0.43 or 1 for 0.5625 would
    be 'right' by rounding; a marker wants two significant digits (a reference the written
    decimals give exactly — 0.5 for σ(0), −1 for an integer — or one of about zero, may be
    written as it is).

    The digits are judged per answer, not per entry: the decimals needed are those that give the
    answer's largest entry two significant digits, so an entry far below the answer's scale
    (4.9×10⁻⁶ beside 0.3) written as 0.000005 at the decimals asked is right."""
    dec = np.broadcast_to(np.asarray(decimals, dtype=float), ref.shape)
    finite = np.isfinite(ref)
    mag = np.where(finite, np.abs(ref), 1.0)
    scale = float(np.max(np.where(finite, np.abs(ref), 0.0), initial=0.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        needed = SIGNIFICANT - 1 - np.floor(np.log10(scale if scale > 0 else 1.0))
        places = 10.0 ** np.clip(dec, 0, 15)
        plain = np.where(finite, ref, 0.0)
        exact = np.abs(plain - np.round(plain * places) / places) <= 1e-9 * np.maximum(1.0, mag)
    coarse: np.ndarray = (mag >= NEAR_ZERO) & ~exact & np.isfinite(ref) & (dec < needed)
    return coarse


def grade(answer: Answer, given: Any, written: Any, decimals: Any, rule: Rule) -> Verdict:
    if is_word(answer.value):
        return _grade_word(answer, given, written)
    word = first_word(given)
    if word is not None:  # a word where a number is asked (the reader keeps words: marking/words.py)
        raise SpecError((answer.name,), f"expected a number, got {describe(word)}")
    ref = reference_array(answer)
    got, transposed = shaped(answer.name, given, ref)
    dec = decimals if not transposed else np.asarray(decimals).T
    dec = dec if ref.shape == np.shape(dec) or np.ndim(dec) == 0 else np.reshape(dec, ref.shape)
    ok = rule.ok(got, ref, dec)
    coarse = too_coarse(ref, dec) if rule.by_decimals else np.zeros(ref.shape, dtype=bool)
    ok = ok & ~coarse
    err = gap(got, ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        near_zero = np.abs(ref) < NEAR_ZERO
        rel = None if np.any(near_zero & (err > 0)) else float(np.max(np.where(near_zero, 0.0, err / np.abs(ref)),
                                                                       initial=0.0))
    wrong = tuple(tuple(int(i) for i in idx) for idx in np.argwhere(~ok)) if ref.ndim else \
        (() if bool(ok) else ((),))
    rounded = None
    if rule.by_decimals:
        rounded = round_to(ref, np.reshape(dec, ref.shape) if np.ndim(dec) and np.size(dec) == ref.size else dec)
    all_ok = bool(np.all(ok))
    diagnosis = None
    if transposed:  # the numbers may be right, the layout is not
        diagnosis = ("your matrix is the transpose of the reference: the same numbers in the other layout "
                     "(rows and columns swapped)" if all_ok else None)
    notes: tuple[str, ...] = ("given with rows and columns swapped",) if transposed else ()
    if np.any(coarse):
        notes += (f"too few decimals to judge: give at least {SIGNIFICANT} significant digits",)
    return Verdict(answer.name, answer.label, given, written, answer.value, rounded, all_ok and not transposed,
                   float(np.max(err, initial=0.0)), rel, () if all_ok else wrong, ref.shape,
                   np.asarray(dec).tolist() if np.ndim(dec) else int(dec), diagnosis=diagnosis, notes=notes)


def _grade_word(answer: Answer, given: Any, written: Any) -> Verdict:
    """A word answer: right when it is the reference word (marking/words.py); a number or a list
    where a word is asked is not graded (SpecError, with its reason)."""
    if not is_word(given):
        raise not_a_word(answer.name, given, written)
    right = same_word(given, str(answer.value))
    return Verdict(answer.name, answer.label, given, written if written is not None else given, answer.value, None,
                   right, math.nan, None, () if right else ((),), shape=())
