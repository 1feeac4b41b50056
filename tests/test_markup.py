"""No raw markup in typeset text: every problem's LaTeX, HTML and Markdown sheet (the golden
files, which test_golden keeps equal to the output) is scanned outside its mathematics for
notation left as typed — h_(t−1), h_{k−1}, c\\_t, TP_c, e^(x) — and inside it for a subscript
that took one letter of a word (p_{t}eacher). Answer names (typed by students, in code font)
and the YAML keys a convention quotes (step_at_zero) are words, not notation."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"

# a letter or two (or a capital pair: TP_c) then _ or ^ then a script, not part of a longer word
NAME = r"(?<![A-Za-z_\\])(?:[A-Za-zα-ωΑ-Ωŷ]{1,2}|[A-Z]{3})"
RAW = re.compile(NAME + r"[_^](?:[({\[]|[A-Za-z0-9−]{1,2}(?![A-Za-z_]))"
                 + r"|" + NAME + r"\\_(?:[({]|[A-Za-z0-9]{1,2}(?![A-Za-z]))|\\textasciicircum")
TORN = re.compile(r"_\{[A-Za-z]\}(?:\\mathrm\{)?[a-z]{3,}")   # p_{t}eacher: one letter subscripted


def _html_text(s: str) -> str:
    for tag in ("math", "svg", "style", "title", "code", "script"):
        s = re.sub(rf"<{tag}\b.*?</{tag}>", " ", s, flags=re.S)
    s = re.sub(r'<td class="name">.*?</td>', " ", s, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", s))


def _tex_text(s: str) -> str:
    s = re.sub(r"\\begin\{(align\*|equation\*|tikzpicture|gather\*)\}.*?\\end\{\1\}", " ", s, flags=re.S)
    s = re.sub(r"\\\[.*?\\\]", " ", s, flags=re.S)
    s = re.sub(r"(?<!\\)\$.*?(?<!\\)\$", " ", s, flags=re.S)
    return re.sub(r"\\texttt\{(?:[^{}]|\{\})*\}", " ", s)


def _md_text(s: str) -> str:
    s = re.sub(r"```.*?```", " ", s, flags=re.S)
    s = re.sub(r"\$`.*?`\$|\$\$.*?\$\$", " ", s, flags=re.S)
    return re.sub(r"`[^`]*`", " ", s)


TEXT = {".html": _html_text, ".tex": _tex_text, ".md": _md_text}
FILES = sorted(p for p in GOLDEN.glob("*.*") if p.suffix in TEXT)


def test_the_scanner_finds_what_the_issue_found():
    assert RAW.search(_html_text("<p>one column per unit of h_(t−1)</p>"))
    assert RAW.search(_md_text("with h\\_{k−1} held fixed"))
    assert RAW.search(_tex_text(r"\item $f_t$ ⊙ tanh(c\_t)"))
    assert RAW.search(_html_text("<li>per class: TP_c = C_cc</li>"))
    assert TORN.search(r"p_{t}\mathrm{eacher}^{T}")
    assert not RAW.search(_tex_text(r"(step\_at\_zero: 1) and $h_{t-1}$ and \texttt{W1\_new}, in\_out, out\_in"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_raw_markup_in_typeset_text(path):
    s = path.read_text(encoding="utf-8")
    text = TEXT[path.suffix](s)
    raw = [text[max(0, m.start() - 25):m.end() + 10] for m in RAW.finditer(text)]
    assert not raw, raw[:5]
    torn = [m.group(0) for m in TORN.finditer(s)]
    assert not torn, torn[:5]


def test_notation_the_issue_found_is_read_as_notation():
    from dlsolve.render.notation import segments

    assert segments("one column per unit of h_(t−1)") == [("text", "one column per unit of "), ("math", "h_{t-1}")]
    assert ("math", "h_{k-1}") in segments("with h_{k−1} held fixed.")
    assert segments("c_(t−1) + i ⊙ tanh(c_t)") == [("math", r"c_{t-1} + i \odot \tanh(c_{t})")]
    assert segments("TP_c = C_cc")[0] == ("math", r"\mathrm{TP}_{c} = C_{cc}")
    assert r"p_{\text{teacher}}^{T}" in segments("KL(p_teacher^T ‖ p_student^T)")[0][1]
    assert segments("w_mx_m") == [("math", "w_{m}x_{m}")]       # one letter where a script follows
    assert segments("at_zero: 0") == [("text", "at_zero: 0")]  # a YAML key stays words
