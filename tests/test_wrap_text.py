"""wrap_text keeps each character's width once (a 10,000-value answer in one cell stays linear):
it must break exactly where the plain loop below — re-measuring the rest of the text for every
line — breaks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlsolve.render.layout import width, wrap_text


def plain(text: str, w: int) -> list[str]:
    out = []
    while width(text) > w:
        cut, cols, best = 0, 0, -1
        for k, ch in enumerate(text):
            cols += width(ch)
            if cols > w:
                break
            cut = k + 1
            if k + 1 < len(text) and (ch == " " or (ch == "," and not text[k + 1].isdigit())):
                best = k + 1
        at = best if best > 0 else max(cut, 1)
        out.append(text[:at].rstrip())
        text = text[at:].lstrip(" ")
    out.append(text)
    return out


@given(st.text(alphabet="ab, \t1x\u0302中−×⁻⁵", max_size=60), st.integers(min_value=1, max_value=14))
def test_wrap_text_breaks_where_the_plain_loop_does(text, w):
    assert wrap_text(text, w) == plain(text, w)


def test_a_long_answer_cell_wraps_to_lines_of_at_most_w_columns():
    cell = ", ".join(f"{k / 7:.4f}" for k in range(10_000))
    lines = wrap_text(cell, 40)
    assert all(width(line) <= 40 for line in lines)
    assert "".join(lines).replace(" ", "") == cell.replace(" ", "")


def test_a_grouped_number_is_never_broken_at_its_comma():
    cell = "[1792, 36,928, 0, 73,856, 147,584, 0, 295,168, 590,080]"
    for w in range(10, 30):
        joined = " ".join(wrap_text(cell, w))   # a break after ", " rejoins as ", "; one inside 36,928 would not
        assert joined == cell, w
