"""Plain text as pdflatex-safe LaTeX: the escape tables and `tex_text`, with the Greek letters'
control words (`GREEK`) they share with the formula notation.

Its own module because both the LaTeX renderer (dlsolve/render/latex.py: notes, labels, names)
and the formula notation (dlsolve/render/notation.py: a character with no math form) escape text
this way, and neither should import the other for it.
"""

from __future__ import annotations

import unicodedata

GREEK = {  # values are control words: to_tex puts a space after one before a letter
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ζ": r"\zeta",
    "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu",
    "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "ς": r"\varsigma", "τ": r"\tau", "υ": r"\upsilon",
    "φ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "ϵ": r"\epsilon",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi",
    "Σ": r"\Sigma", "Υ": r"\Upsilon", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
}
_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}"}
_MATH = {
    "∂": r"\partial", "ŷ": r"\hat{y}", "m̂": r"\hat{m}", "v̂": r"\hat{v}", "x̃": r"\tilde{x}", "·": r"\cdot",
    "−": "-", "×": r"\times", "→": r"\to", "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "≈": r"\approx",
    "∞": r"\infty", "√": r"\surd", "⌈": r"\lceil", "⌉": r"\rceil", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⊙": r"\odot", "∓": r"\mp", "±": r"\pm", "ᵀ": r"^{\top}", "′": "'", "ᵢ": "_{i}", "ⱼ": "_{j}", "₋": "_{-}",
    "↳": r"\hookrightarrow", "ℓ": r"\ell", "⋯": r"\cdots", "⋮": r"\vdots", "δ̂": r"\hat{\delta}", "∈": r"\in",
    "∑": r"\sum", "←": r"\leftarrow", "∝": r"\propto", "½": r"\tfrac{1}{2}", "‖": r"\|", "⁻": "^{-}", "ⁿ": "^{n}", "ᵉ": "^{e}",
    "ʷ": "^{w}", "⁽": "^{(}", "⁾": "^{)}", "⎡": "", "⎤": "", "⎣": "", "⎦": "", "⎢": "", "⎥": "",
}
_MATH.update(GREEK)
# the gate letters of recurrent cells (zᶠ, δʳ, bʰ), ∂⁺ (an immediate derivative) and ⊗
_MATH.update({"ⁱ": "^{i}", "ᶠ": "^{f}", "ᵍ": "^{g}", "ᵒ": "^{o}", "ʳ": "^{r}", "ᶻ": "^{z}", "ʰ": "^{h}",
              "ʸ": "^{y}", "⁺": "^{+}", "⊗": r"\otimes"})
_MATH.update({chr(0x2080 + d): f"_{{{d}}}" for d in range(10)})
_MATH.update({s: f"^{{{d}}}" for d, s in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "°": r"\textdegree{}",
         "✓": r"\ensuremath{\checkmark}", "✗": r"\ensuremath{\times}", "•": r"\textbullet{}", "─": "-", "═": "=",
         "\u00a0": "~", "€": r"\texteuro{}", "§": r"\S{}", "©": r"\textcopyright{}", "ß": r"\ss{}",
         "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}", "Ø": r"\O{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ł": r"\l{}",
         "Ł": r"\L{}", "ı": r"\i{}", "ð": r"\dh{}", "Ð": r"\DH{}", "þ": r"\th{}", "Þ": r"\TH{}"}
_ACCENT = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
           "\u0307": ".", "\u030a": "r", "\u030c": "v", "\u0327": "c", "\u0328": "k", "\u030b": "H", "\u0306": "u"}


def _accented(ch: str) -> str | None:
    """A Latin letter with accents as LaTeX accent commands (ü → \\"{u}, ő → \\H{o}), or None."""
    base, *marks = list(unicodedata.normalize("NFD", ch))
    if not base.isascii() or not base.isalpha() or not marks or any(m not in _ACCENT for m in marks):
        return None
    out = base if base not in "ij" else "\\" + base  # dotless i under an accent
    for m in marks:
        cmd = _ACCENT[m]
        out = f"\\{cmd}{{{out}}}" if cmd.isalpha() else f"\\{cmd}{{{out}}}"
    return out


def tex_text(text: str) -> str:
    """Plain text (with the unicode of notes and labels) as pdflatex-safe LaTeX: Latin letters
    with accents as accent commands, Greek and symbols as math, anything else named."""
    out = []
    i = 0
    while i < len(text):
        two = text[i:i + 2]
        if two in _MATH:
            out.append(r"\ensuremath{" + _MATH[two] + "}")
            i += 2
            continue
        ch = text[i]
        if ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch in _MATH:
            out.append(r"\ensuremath{" + _MATH[ch] + "}" if _MATH[ch] else "")
        elif ord(ch) < 128:
            out.append(ch)
        elif unicodedata.combining(ch):
            pass  # an accent on a letter it could not be put on
        else:
            acc = _accented(unicodedata.normalize("NFC", text[i:i + 2])) if i + 1 < len(text) and \
                unicodedata.combining(text[i + 1]) else None
            if acc is not None:
                out.append(acc)
                i += 2
                continue
            acc = _accented(ch)
            out.append(acc if acc is not None else r"\textsc{[" + unicodedata.name(ch, f"U+{ord(ch):04X}").lower()
                       + "]}")
        i += 1
    return "".join(out)
