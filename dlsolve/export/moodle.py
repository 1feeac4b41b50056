"""Moodle XML: one Cloze (embedded answers) question per variant, the variants of a problem in one
question category, so a quiz's "random question from this category" gives each student one.

A Cloze question keeps all parts of one variant on the same numbers (a `calculated` question has
one answer formula). Each asked value is a NUMERICAL blank, `{weight:NUMERICAL:=value:margin#…}`
(Moodle's multianswer grammar: the margin is absolute), a vector or matrix one blank per entry
laid out as the array; each slip dlsolve can diagnose for the variant is a 0 % alternative with
check's sentence as its feedback; the worked solution is the general feedback, math as \\( … \\).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from dlsolve.export.bank import Blank, Options, Problem, Variant, asked_sentence, number_text

PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try (interactive mode)
CATEGORY_ROOT = "$course$/top/dlsolve"
_FIELD_ENDS = re.compile(r"[{}~#]")


def feedback_text(sentence: str) -> str:
    """A Cloze feedback field ends at } ~ #, and it is read as HTML: those characters are
    replaced, < > & escaped."""
    text = _FIELD_ENDS.sub(lambda m: {"{": "(", "}": ")", "~": "-", "#": "no. "}[m.group()], sentence)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def weight(points: float) -> int:
    """A Cloze weight is a whole number: the answer's points, at least 1."""
    return max(1, int(round(points)))


def cloze(blank: Blank, idx: tuple[int, ...]) -> str:
    """One entry's NUMERICAL blank: the right value, then each slip that changes this entry."""
    value, tol = float(blank.value[idx]), float(blank.margin[idx])
    parts = [f"={number_text(value)}:{number_text(tol)}#{feedback_text('Right.')}"]
    seen = [value]
    for slip in blank.slips:
        other = float(slip.value[idx])
        if all(abs(other - s) > tol for s in seen):
            parts.append(f"%0%{number_text(other)}:{number_text(tol)}#{feedback_text(slip.sentence)}")
            seen.append(other)
    return "{" + f"{weight(blank.points)}:NUMERICAL:" + "~".join(parts) + "}"


def blank_html(blank: Blank) -> str:
    """The label and the blanks laid out as the value is: one, a row, or a table."""
    v = blank.value
    if v.ndim == 0:
        return f"<p>{blank.label} = {cloze(blank, ())}</p>"
    rows: list[list[tuple[int, ...]]]
    if v.ndim == 1:
        rows = [[(i,) for i in range(v.shape[0])]]
    elif v.ndim == 2:
        rows = [[(i, j) for j in range(v.shape[1])] for i in range(v.shape[0])]
    else:
        rows = [[idx] for idx in np.ndindex(v.shape)]
    body = "".join("<tr>" + "".join(f"<td>{cloze(blank, idx)}</td>" for idx in row) + "</tr>" for row in rows)
    return f"<p>{blank.label} =</p><table class=\"dlsolve-array\">{body}</table>"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = text
    return el


def question(problem: Problem, v: Variant, options: Options) -> ET.Element:
    q = ET.Element("question", {"type": "cloze"})
    _text(q, "name", f"{problem.stem} v{v.number:02d}")
    asked = f"<p>{asked_sentence(options.decimals)}</p>"
    _text(q, "questiontext", v.question + asked + "\n".join(blank_html(b) for b in v.blanks), format="html")
    _text(q, "generalfeedback", v.worked, format="html")
    ET.SubElement(q, "penalty").text = PENALTY
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = f"dlsolve:{problem.stem}:s{problem.seed if problem.seed is not None else '-'}:v{v.number:02d}"
    return q


def quiz(problems: list[Problem], options: Options) -> ET.Element:
    root = ET.Element("quiz")
    for problem in problems:
        cat = ET.SubElement(root, "question", {"type": "category"})
        _text(cat, "category", f"{CATEGORY_ROOT}/{problem.stem}")
        _text(cat, "info", f"{problem.title}: {len(problem.variants)} variant(s) by dlsolve"
              + (f", seed {problem.seed}" if problem.seed is not None else ""), format="html")
        for v in problem.variants:
            root.append(question(problem, v, options))
    return root


def write(problems: list[Problem], out: Path, options: Options) -> list[Path]:
    """OUT is the XML file (a folder: OUT/questions.xml)."""
    target = out / "moodle-questions.xml" if out.is_dir() else out
    tree = ET.ElementTree(quiz(problems, options))
    ET.indent(tree)
    tree.write(target, encoding="UTF-8", xml_declaration=True)
    return [target]
