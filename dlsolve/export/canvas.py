"""Canvas (Classic Quizzes): a QTI 1.2 zip — `imsmanifest.xml`, `<quiz>/<quiz>.xml` (the assessment)
and `<quiz>/assessment_meta.xml` (Canvas's own settings) — with `numerical_question` items.

One question group per problem picks one of its variants. A numerical item takes one number, and
Classic Quizzes cannot keep several items on the same random variant, so a problem with variants
must ask one value (choose it with --answer); a problem without variants asks each value (each
entry of an array) as its own item. Canvas keeps 4 decimals of an answer (below 1e-4 it is 0),
so a value that needs more is asked scaled — "give ∂L/∂w × 10^5" — with its margin scaled alike.
Canvas counts every answer of a numerical item as right, so the slips are not answers: the
general feedback lists them with check's sentence, beside the worked solution.
"""

from __future__ import annotations

import math
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from dlsolve.errors import OptionError
from dlsolve.export.bank import Blank, Options, Problem, Variant, number_text

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
META = "http://canvas.instructure.com/xsd/cccv1p0"
KEPT_DECIMALS = 4   # Canvas rounds a numerical answer to 4 decimals
SMALLEST = 1e-4


def scale_of(value: float, decimals: int) -> int:
    """k such that the value is asked × 10^k: 0 unless Canvas's 4 decimals cannot hold it."""
    if value == 0 or abs(value) >= SMALLEST and decimals <= KEPT_DECIMALS:
        return 0
    return max(decimals - KEPT_DECIMALS, -math.floor(math.log10(abs(value))))


def _ident(*parts: object) -> str:
    return "i" + uuid.uuid5(uuid.NAMESPACE_URL, "dlsolve:" + ":".join(map(str, parts))).hex


def _field(parent: ET.Element, label: str, entry: str) -> None:
    f = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(f, "fieldlabel").text = label
    ET.SubElement(f, "fieldentry").text = entry


def _mattext(parent: ET.Element, html: str) -> None:
    m = ET.SubElement(parent, "material")
    ET.SubElement(m, "mattext", {"texttype": "text/html"}).text = html


def item(problem: Problem, v: Variant, blank: Blank, idx: tuple[int, ...], options: Options) -> ET.Element:
    """One numerical item: one entry of one asked value of one variant."""
    value, tol, dec = float(blank.value[idx]), float(blank.margin[idx]), int(blank.decimals[idx])
    k = scale_of(value, dec)
    f = 10.0 ** k
    name = blank.entry_name(idx)
    ident = _ident(problem.stem, v.number, name)
    it = ET.Element("item", {"ident": ident, "title": f"{problem.stem} v{v.number:02d} {name}"})
    md = ET.SubElement(ET.SubElement(it, "itemmetadata"), "qtimetadata")
    _field(md, "question_type", "numerical_question")
    _field(md, "points_possible", number_text(blank.points / blank.value.size))
    _field(md, "original_answer_ids", ident + "_a")
    _field(md, "assessment_question_identifierref", ident + "_q")
    entry = f" entry {name}" if idx else ""
    scaled = f" × 10<sup>{k}</sup>" if k else ""
    ask = (f"<p>Give {blank.label}{entry}{scaled} to {dec - k} decimal places"
           + (f" (the value is small: enter it multiplied by 10<sup>{k}</sup>)" if k else "") + ".</p>")
    pres = ET.SubElement(it, "presentation")
    _mattext(pres, v.question + ask)
    resp = ET.SubElement(pres, "response_str", {"ident": "response1", "rcardinality": "Single"})
    ET.SubElement(ET.SubElement(resp, "render_fib", {"fibtype": "Decimal"}), "response_label", {"ident": ident + "_a"})
    rp = ET.SubElement(it, "resprocessing")
    ET.SubElement(ET.SubElement(rp, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    general = ET.SubElement(rp, "respcondition", {"continue": "Yes"})
    ET.SubElement(ET.SubElement(general, "conditionvar"), "other")
    ET.SubElement(general, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
    right = ET.SubElement(rp, "respcondition", {"continue": "No"})
    either = ET.SubElement(ET.SubElement(right, "conditionvar"), "or")
    ET.SubElement(either, "varequal", {"respident": "response1"}).text = number_text(value * f)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", {"respident": "response1"}).text = number_text((value - tol) * f)
    ET.SubElement(both, "varlte", {"respident": "response1"}).text = number_text((value + tol) * f)
    ET.SubElement(right, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    fb = ET.SubElement(it, "itemfeedback", {"ident": "general_fb"})
    _mattext(ET.SubElement(fb, "flow_mat"), _slips_html(blank, idx, f) + v.worked)
    return it


def _slips_html(blank: Blank, idx: tuple[int, ...], factor: float) -> str:
    value, tol = float(blank.value[idx]), float(blank.margin[idx])
    rows = [f"<li>{number_text(float(s.value[idx]) * factor)}: {_esc(s.sentence)}</li>" for s in blank.slips
            if abs(float(s.value[idx]) - value) > tol]
    return ("<p>Values dlsolve can explain:</p><ul>" + "".join(rows) + "</ul>") if rows else ""


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def assessment(problems: list[Problem], quiz_id: str, title: str, options: Options) -> tuple[ET.Element, float]:
    root = ET.Element("questestinterop", {"xmlns": QTI})
    a = ET.SubElement(root, "assessment", {"ident": quiz_id, "title": title})
    md = ET.SubElement(ET.SubElement(a, "qtimetadata"), "qtimetadatafield")
    ET.SubElement(md, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(md, "fieldentry").text = "1"
    top = ET.SubElement(a, "section", {"ident": "root_section"})
    total = 0.0
    for problem in problems:
        if len(problem.variants) > 1:
            cells = [(b, idx) for b in problem.variants[0].blanks for idx in _indices(b)]
            if len(cells) != 1:
                raise OptionError("dlsolve export canvas", (
                    f"{problem.stem}: Canvas Classic Quizzes cannot keep several numerical items on the same random "
                    f"variant, and this problem asks {len(cells)} values; ask one with --answer NAME (a scalar), or "
                    "export to moodle, prairielearn or gradescope, which keep the parts of a variant together"))
            group = ET.SubElement(top, "section", {"ident": _ident(problem.stem, "group"), "title": problem.title})
            sel = ET.SubElement(ET.SubElement(group, "selection_ordering"), "selection")
            ET.SubElement(sel, "selection_number").text = "1"
            points = cells[0][0].points
            ET.SubElement(ET.SubElement(sel, "selection_extension"), "points_per_item").text = number_text(points)
            for v in problem.variants:
                group.append(item(problem, v, v.blanks[0], cells[0][1], options))
            total += points
        else:
            v = problem.variants[0]
            for b in v.blanks:
                for idx in _indices(b):
                    top.append(item(problem, v, b, idx, options))
                total += b.points
    return root, total


def _indices(b: Blank) -> list[tuple[int, ...]]:
    return [idx for idx, _, _ in b.entries]


def manifest(quiz_id: str) -> ET.Element:
    m = ET.Element("manifest", {"identifier": quiz_id + "_manifest", "xmlns": CP})
    meta = ET.SubElement(m, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(m, "organizations")
    res = ET.SubElement(m, "resources")
    r = ET.SubElement(res, "resource", {"identifier": quiz_id, "type": "imsqti_xmlv1p2"})
    ET.SubElement(r, "file", {"href": f"{quiz_id}/{quiz_id}.xml"})
    ET.SubElement(r, "dependency", {"identifierref": quiz_id + "_meta"})
    d = ET.SubElement(res, "resource", {"identifier": quiz_id + "_meta", "href": f"{quiz_id}/assessment_meta.xml",
                                        "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource"})
    ET.SubElement(d, "file", {"href": f"{quiz_id}/assessment_meta.xml"})
    return m


def meta(quiz_id: str, title: str, points: float) -> ET.Element:
    q = ET.Element("quiz", {"identifier": quiz_id, "xmlns": META})
    for tag, text in (("title", title), ("description", "Made by dlsolve export canvas."),
                      ("shuffle_answers", "false"), ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
                      ("points_possible", number_text(points)), ("show_correct_answers", "true"),
                      ("allowed_attempts", "1")):
        ET.SubElement(q, tag).text = text
    return q


def _bytes(el: ET.Element) -> bytes:
    tree = ET.ElementTree(el)
    ET.indent(tree)
    data: bytes = ET.tostring(el, encoding="UTF-8", xml_declaration=True)
    return data


def write(problems: list[Problem], out: Path, options: Options) -> list[Path]:
    """OUT is the zip (a folder: OUT/canvas-quiz.zip) to import as a QTI .zip file."""
    target = out / "canvas-quiz.zip" if out.is_dir() else out
    title = problems[0].title if len(problems) == 1 else f"{len(problems)} problems by dlsolve"
    quiz_id = _ident("quiz", *(p.stem for p in problems))
    body, points = assessment(problems, quiz_id, title, options)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", _bytes(manifest(quiz_id)))
        z.writestr(f"{quiz_id}/{quiz_id}.xml", _bytes(body))
        z.writestr(f"{quiz_id}/assessment_meta.xml", _bytes(meta(quiz_id, title, points)))
    return [target]
