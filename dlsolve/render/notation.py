"""Course notation written as plain text (z^[1], δ^[2] = ∂L/∂z^[2], α_i, w_ij^[l], m̂ᵢ) made math
for the typeset formats.

Solvers write labels, column headings and conventions as unicode text, the way the terminal
shows them. A typeset sheet must show the same notation as mathematics, never as text with a
literal caret. `segments(text)` splits a piece of prose into runs of words and runs of notation
(each notation run translated to LaTeX by `to_tex`); each document format then sets the words
as text and the notation as math. Nothing here computes a value: it only reads notation.

The reading is deliberately conservative: a word is notation when it carries a mark of notation
(a sub- or superscript, a Greek letter, ∂, √, a hat) or is a single letter other than the
articles "a" and "I"; operators (=, +, −, /) join notation on both sides into one formula.
"""

from __future__ import annotations

import re
import unicodedata

from dlsolve.functions import FUNCTIONS as _RECORDS
from dlsolve.render.tex_escape import GREEK, tex_text

SYMBOLS = {
    "∂": r"\partial", "·": r"\cdot", "−": "-", "×": r"\times", "‖": r"\|", "⊙": r"\odot", "→": r"\to",
    "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx", "∞": r"\infty", "ℓ": r"\ell", "½": r"\tfrac{1}{2}",
    "⌈": r"\lceil ", "⌉": r"\rceil ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "ᵀ": r"^{\top}", "∓": r"\mp", "⊗": r"\otimes", "←": r"\leftarrow",
    "±": r"\pm", "′": "'", "…": r"\ldots", "⋯": r"\cdots", "∈": r"\in", "|": "|", "ŷ": r"\hat{y}",
    "%": r"\%", "&": r"\&", "#": r"\#", "~": r"\sim", "@": " ",
}
SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋ᵢⱼₖₗₘₙₒₚₜₓ", "0123456789+-ijklmnoptx"))
SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿⁱᶠᵍᵒʳᶻʰʸᵉʷ", "0123456789+-nifgorzhyew"))
ACCENTS = {"\u0302": r"\hat", "\u0303": r"\tilde", "\u0304": r"\bar", "\u0307": r"\dot"}
# Function names in prose, typeset as the function records print them by name (dlsolve.functions:
# sigmoid → σ, relu → relu; not √ or |x|, which need their argument), then the words that name no
# record: ln as written, ReLU as the course writes it.
FUNCTIONS = {**{w: f.tex for f in _RECORDS.values() for w in f.written if f.tex_form is None or f.power_form},
             "ln": r"\ln", "ReLU": r"\operatorname{ReLU}", "KL": r"\mathrm{KL}", "tr": r"\operatorname{tr}"}
OPERATORS = {"=", "@", "←", "+", "−", "-", "/", "·", "≈", "≤", "≥", "<", ">", "×", "⊙", "→", "≠", "∝", "*"}
_STRONG = set(GREEK) | {"∂", "√", "ᵀ", "⊙", "‖", "ŷ", "ℓ", "½", "⌈", "⌊", "^"} | set(SUB) | set(SUP) | set(ACCENTS)
# x_i, ŵ_j, h_(t−1), h_{k−1}, and the course's two- or three-capital names TP_c, FP_c, FN_c
_SUBSCRIPTED = re.compile(r"^(?:[A-Za-z\u0370-\u03ff][\u0302\u0303]?|[A-Z]{2,3})_(?:[A-Za-z0-9]+|[({][^\s]*[)}])")
_DERIVATIVE = re.compile(r"(^|[^A-Za-z])d[A-Za-z]+/d[A-Za-z]")
_APPLIED = re.compile(r"^[A-Za-z]\(.+\)$")  # H(P, Q), P(w), f(x)
_FUNCTION_OF = re.compile(r"^([A-Za-z]+)\((.+)\)$")  # tanh(c_t): a named function of notation
_NUMBER = re.compile(r"^[−-]?\d+(\.\d+)?$")


def is_notation(word: str) -> bool:
    """A word (no spaces) that is course notation rather than English."""
    if any(ch in _STRONG for ch in word):
        return True
    if len(word) > 1 and any(ch in "·*" for ch in word) and any(ch.isalpha() for ch in word):
        return True  # a product written without spaces: X·W_K, Wy*h3
    if _APPLIED.match(word):
        return True
    applied = _FUNCTION_OF.match(word)
    if applied and applied.group(1) in FUNCTIONS and is_notation(applied.group(2)):
        return True
    if _SUBSCRIPTED.match(word) or _DERIVATIVE.match(word):
        return True
    return len(word) == 1 and word.isalpha() and word.isascii() and word not in ("a", "I", "A")


def _tokens(text: str) -> list[str]:
    """Words and the spaces between them. A space inside brackets opened right after a character
    (f(a, b), α/(√G + ε), e^(u·v)) belongs to the word, and so does one inside a short bracketed
    formula ((1 − α)·T², (y − ŷ)²): a formula is not torn apart at its spaces."""
    out, word, depth = [], "", 0
    for i, ch in enumerate(text):
        if ch in "([{":
            if depth or (i and not text[i - 1].isspace()) or _formula_group(text, i):
                depth += 1
        elif ch in ")]}" and depth:
            depth -= 1
        if ch == " " and not depth:
            out += [word, " "]
            word = ""
        else:
            word += ch
    out.append(word)
    return [t for t in out if t]


def _formula_group(text: str, i: int) -> bool:
    """The bracket at text[i] opens a short formula: notation inside, and followed by more of it
    (a power, a product) or wholly notation."""
    inner, end = _group(text, i)
    inside = inner[1:-1]
    if len(inside.split()) > 6 or not any(is_notation(w) for w in inside.split()):
        return False
    after = text[end:end + 1]
    return bool(after) and not after.isspace() and after not in ",;:.)"


def _split_punct(word: str) -> tuple[str, str, str]:
    """(leading punctuation, the core, trailing punctuation); a bracket stays when it is matched."""
    lead, tail = "", ""
    while word and word[0] in "(\"'“‘" and (word[0] != "(" or word.count("(") > word.count(")")):
        lead, word = lead + word[0], word[1:]
    while word and word[-1] in ",;:.)\"'”’?!" and (word[-1] != ")" or word.count(")") > word.count("(")):
        tail, word = word[-1] + tail, word[:-1]
    return lead, word, tail


def segments(text: str) -> list[tuple[str, str]]:
    """[("text", words) | ("math", latex)] covering `text` in order (`formulas` keeps the
    notation as written beside each LaTeX)."""
    return [(kind, tex) for kind, tex, _ in formulas(text)]


def formulas(text: str) -> list[tuple[str, str, str]]:
    """[(kind, latex or words, as written)] covering `text` in order."""
    toks = _tokens(text)
    kinds: list[str] = []
    parts: list[tuple[str, str, str]] = []
    for t in toks:
        if t == " ":
            kinds.append("space")
            parts.append(("", t, ""))
            continue
        lead, core, tail = _split_punct(t)
        parts.append((lead, core, tail))
        if core in OPERATORS and not lead and not tail:
            kinds.append("op")
        elif core and is_notation(core):
            kinds.append("math")
        elif core and (_NUMBER.match(core) or core.lstrip("−-") in FUNCTIONS or core in ("…", "⋯")):
            kinds.append("weak")
        elif core in ("a", "A", "I"):
            kinds.append("article")  # a letter, but also a word: notation only beside an operator
        else:
            kinds.append("text")
    # a formula: notation words, with the operators, numbers and function names between them
    n = len(toks)
    words = [i for i in range(n) if kinds[i] != "space"]
    link = [False] * len(words)  # link[w]: word w joins the one before it

    def joinable(a: int, b: int) -> bool:  # no punctuation between tokens a < b
        return not parts[a][2] and not parts[b][0]

    for w in range(1, len(words)):
        a, b = words[w - 1], words[w]
        if not joinable(a, b):
            continue
        if kinds[a] in ("math", "weak") and kinds[b] in ("math", "weak"):
            link[w] = "math" in (kinds[a], kinds[b]) or kinds[a] == kinds[b] == "weak"
        elif kinds[b] == "op" and kinds[a] in ("math", "weak", "article") and w + 1 < len(words):
            c = words[w + 1]
            if joinable(b, c) and kinds[c] in ("math", "weak", "article") and \
                    "math" in (kinds[a], kinds[c]) or (kinds[a] == "weak" and kinds[c] == "weak"):
                link[w] = link[w + 1] = True
    inmath = [False] * n
    w = 0
    while w < len(words):
        e = w
        while e + 1 < len(words) and link[e + 1]:
            e += 1
        if any(kinds[words[k]] == "math" for k in range(w, e + 1)) and e > w or kinds[words[w]] == "math":
            for k in range(words[w], words[e] + 1):
                inmath[k] = True
        w = e + 1
    out: list[tuple[str, str, str]] = []

    def emit(kind: str, s: str) -> None:
        if not s:
            return
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + s, out[-1][2] + s)
        else:
            out.append((kind, s, s))

    i = 0
    while i < n:
        if not inmath[i]:
            lead, core, tail = parts[i]
            emit("text", lead + core + tail)
            i += 1
            continue
        j = i
        while j + 1 < n and inmath[j + 1]:
            j += 1
        emit("text", parts[i][0])
        formula = "".join(parts[k][0] + parts[k][1] + parts[k][2] for k in range(i, j + 1))
        formula = formula[len(parts[i][0]):]
        tail = parts[j][2]
        if tail:
            formula = formula[: -len(tail)]
        out.append(("math", to_tex(formula), formula))
        emit("text", tail)
        i = j + 1
    return out


# -- one formula as LaTeX ------------------------------------------------------------------------
def _group(s: str, i: int) -> tuple[str, int]:
    """The bracketed group starting at s[i] ('[', '(' or '{') → (its inside with brackets, end)."""
    close = {"[": "]", "(": ")", "{": "}"}[s[i]]
    depth = 0
    for j in range(i, len(s)):
        if s[j] == s[i]:
            depth += 1
        elif s[j] == close:
            depth -= 1
            if depth == 0:
                return s[i:j + 1], j + 1
    return s[i:], len(s)


def _script(s: str, i: int, python: bool) -> tuple[str, int]:
    """What follows ^ or _ at s[i]: a bracket group, or a run of letters and digits."""
    if i < len(s) and s[i] == "[":
        g, j = _group(s, i)
        return "[" + to_tex(g[1:-1], python) + "]", j
    if i < len(s) and s[i] in "({":
        g, j = _group(s, i)
        return to_tex(g[1:-1], python), j
    j = i
    if j < len(s) and s[j] in "−-":
        j += 1
    while j < len(s) and (s[j].isalnum() or s[j] in SUB) and s[j] not in SUP and not (s[j] in GREEK and j > i):
        j += 1
    word = s[i:j]
    if word[:1].isdigit() and not word.isdigit():  # w_1x_1: the digits only
        word = word[:len(word) - len(word.lstrip("0123456789"))]
        j = i + len(word)
    elif len(word) > 1 and s[j:j + 1] in ("_", "^") and s[j:j + 2] != "^[" and \
            not (len(word) > 3 and word.isalpha()):  # w_mx_m: one letter (p_teacher^T stays a word)
        word, j = word[0], i + 1
    if len(word) > 3 and word.isalpha() and word.isascii():
        return r"\text{" + word + "}", j
    if word.isascii() and word.replace("-", "").isalnum():
        return word, j
    return to_tex(word, python), j


def to_tex(s: str, python: bool | None = None) -> str:
    """A formula in course notation (unicode, carets, underscores) as LaTeX math."""
    if python is None:
        python = "*" in s
    # ĥ → h and its hat, as m̂ is written (letters only: ≠ must stay ≠)
    s = "".join(unicodedata.normalize("NFD", c) if unicodedata.category(c).startswith("L") else c for c in s)
    out: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "*" and python:
            if s[i:i + 2] == "**":
                sup, i = _script(s, i + 2, python)
                out.append("^{" + sup + "}")
                continue
            out.append(r" \cdot ")
            i += 1
        elif ch == "^":
            sup, i = _script(s, i + 1, python)
            out.append("^{" + sup + "}")
        elif ch == "_":
            sub, i = _script(s, i + 1, python)
            if out and out[-1].startswith("_{"):  # W_h_x, x1_2: one subscript, never two
                out[-1] = out[-1][:-1] + "," + sub + "}"
            else:
                out.append("_{" + sub + "}")
        elif ch in SUB:
            j = i
            while j < len(s) and s[j] in SUB:
                j += 1
            sub = "".join(SUB[c] for c in s[i:j])
            if out and out[-1].startswith("_{"):  # h₁ then its entry ₁₁: one subscript
                out[-1] = out[-1][:-1] + "," + sub + "}"
            else:
                out.append("_{" + sub + "}")
            i = j
        elif ch in SUP:
            j = i
            while j < len(s) and s[j] in SUP:
                j += 1
            out.append("^{" + "".join(SUP[c] for c in s[i:j]) + "}")
            i = j
        elif ch == "√":
            if i + 1 < len(s) and s[i + 1] == "(":
                g, j = _group(s, i + 1)
                out.append(r"\sqrt{" + to_tex(g[1:-1], python) + "}")
            else:
                j = i + 1
                while j < len(s) and (s[j].isalnum() or s[j] in "_" or s[j] in SUB or s[j] in ACCENTS):
                    if s[j] == "_":
                        _, j = _script(s, j + 1, python)
                        continue
                    j += 1
                out.append(r"\sqrt{" + to_tex(s[i + 1:j], python) + "}")
            i = j
        elif ch == "Σ":
            out.append(r"\sum ")
            i += 1
        elif ch in GREEK or (ch.isascii() and ch.isalpha()):
            j = i + 1
            if ch.isascii():
                while j < len(s) and s[j].isascii() and s[j].isalpha():
                    j += 1
            word = s[i:j]
            accent = ACCENTS.get(s[j]) if j < len(s) else None
            if accent and len(word) == 1:
                out.append(accent + "{" + (GREEK.get(word, word)) + "}")
                i = j + 1
                continue
            if len(word) == 1:
                out.append(GREEK[word] + " " if word in GREEK else word)
            elif word in FUNCTIONS:
                out.append(FUNCTIONS[word] + " ")
            elif python and word == "yhat":
                out.append(r"\hat{y}")
            elif python and re.fullmatch(r"[A-Za-z][a-z]", word) and word[0].isupper():
                out.append(f"{word[0]}_{{{word[1]}}}")  # Wy → W_y, as the graph names it
            elif word[0] == "d" and 2 <= len(word) <= 3 and _DERIVATIVE.search(s):
                rest = word[1:]  # dL/dWh: the d upright, Wh as the graph names it (W_h)
                if len(rest) == 2 and rest[0].isupper() and rest[1].islower():
                    rest = f"{rest[0]}_{{{rest[1]}}}"
                out.append(r"\mathrm{d}" + rest)
            else:
                out.append(r"\mathrm{" + word + "}")
            i = j
            if python and i < len(s) and s[i] in "0123456789" and len(word) == 1:
                j = i
                while j < len(s) and s[j] in "0123456789":
                    j += 1
                out.append("_{" + s[i:j] + "}")  # x1 → x₁
                i = j
        elif ch in SYMBOLS:
            out.append(SYMBOLS[ch])
            i += 1
        elif ch in "{}":
            out.append("\\" + ch)
            i += 1
        elif ch in ACCENTS:
            i += 1
        elif ch == "'":
            out.append("'")
            i += 1
        elif ord(ch) < 128:
            out.append(ch)
            i += 1
        else:
            out.append(r"\text{" + tex_text(ch) + "}")
            i += 1
    text = ""
    for piece in out:  # a control word needs a space before a letter, none before a script
        if re.search(r"\\[A-Za-z]+$", text) and piece[:1].isalpha():
            text += " "
        text += piece
    text = re.sub(r"(\\[A-Za-z]+) +(?=[_^{}()\[\]])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()
