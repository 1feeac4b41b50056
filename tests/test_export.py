"""`dlsolve export`: every file parsed and checked field by field against the platform's documented
shape (written here from the documentation: Moodle's XML format and multianswer grammar, Canvas's
QTI 1.2 package, PrairieLearn's info.json / elements / server.py contract, Gradescope's autograder
specification), and every number compared with the solver's answer for that variant, computed here
through the API (and once with the catalogue), never through the exporter's formatting."""

from __future__ import annotations

import copy
import csv
import importlib.util
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve import api
from dlsolve.cli import main
from dlsolve.marking import Rule
from tests.conftest import solved

ROOT = Path(__file__).resolve().parent.parent
EXAM = str(ROOT / "examples" / "exam-backprop.yaml")
P12 = str(ROOT / "problems" / "p12-regression-losses.yaml")

# Moodle's multianswer grammar (question/type/multianswer): {weight:NUMERICAL:alt~alt…}, an
# alternative is (=|%fraction%)answer:margin#feedback, numbers as NUMBER_REGEX.
NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
BLANK = re.compile(r"\{([0-9]*):(?:NUMERICAL|NM):([^}]*)\}")
ALT = re.compile(rf"^(=|%-?[0-9]+(?:\.[0-9]+)?%)({NUMBER}):({NUMBER})(?:#(.*))?$", re.S)


def run(*args: str) -> None:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


def decimals_for(x: float, asked: int = 4, scale: float | None = None) -> int:
    """The decimals a value is asked to, from the marking rule's words: the asked decimals, more
    where two significant digits of the answer's largest entry (`scale`; the value itself for a
    scalar) need them (an integer or 0 as it is)."""
    if x == 0 or float(x).is_integer():
        return asked
    return max(asked, 1 - math.floor(math.log10(abs(x) if scale is None else scale)))


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    out = tmp_path_factory.mktemp("vary")
    run("vary", EXAM, "--count", "3", "-o", str(out))
    return out


def variant_files(folder: Path) -> dict[int, str]:
    manifest = json.loads((folder / "variants.json").read_text())
    return {v["variant"]: str(folder / v["file"]) for v in manifest["variants"]}


# -- Moodle -----------------------------------------------------------------------------------

def test_moodle_cloze_per_variant_with_reference_values_margins_and_slips(varied, tmp_path):
    out = tmp_path / "q.xml"
    run("export", "moodle", str(varied), "-o", str(out), "--answer", "loss", "--answer", "dW1")
    root = ET.parse(out).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    assert questions[0].find("category/text").text.startswith("$course$/")
    cloze = questions[1:]
    files = variant_files(varied)
    assert len(cloze) == len(files) == 3
    for q, (n, file) in zip(cloze, sorted(files.items())):
        assert q.get("type") == "cloze"
        assert q.find("name/text").text.endswith(f"v{n:02d}")
        assert q.find("questiontext").get("format") == "html"
        assert q.find("generalfeedback").get("format") == "html"
        assert "\\(" in q.find("generalfeedback/text").text          # math as \( … \) for MathJax
        assert "<math" not in q.find("generalfeedback/text").text
        float(q.find("penalty").text)
        assert q.find("hidden").text == "0"
        assert q.find("idnumber").text.endswith(f"v{n:02d}")
        blanks = BLANK.findall(q.find("questiontext/text").text)
        sol = api.solve(file)
        refs = [float(sol.answers["loss"])] + list(np.ravel(sol.answers["dW1"]))
        assert len(blanks) == len(refs) == 5                         # one blank per matrix entry
        # the half-loss convention, solved here from the variant's own data
        data = api.load(file).data
        half = api.solve({**copy.deepcopy(data), "loss": {"name": "mse", "half": True}})
        halves = [float(half.answers["loss"])] + list(np.ravel(half.answers["dW1"]))
        scales = [abs(refs[0])] + [float(np.max(np.abs(refs[1:])))] * 4   # the marking rule is per answer
        for (weight, body), ref, h, scale in zip(blanks, refs, halves, scales):
            assert weight == "1"
            alts = [ALT.match(a) for a in body.split("~")]
            assert all(alts), body
            right = alts[0]
            assert right.group(1) == "=" and float(right.group(2)) == ref
            d = decimals_for(ref, scale=scale)
            assert float(right.group(3)) == pytest.approx(0.5 * 10.0 ** -d, rel=1e-12)
            m = float(right.group(3))                                # the marking rule agrees at its edges
            assert bool(Rule().ok(np.array(ref + 0.999 * m), np.array(ref), d))
            assert not bool(Rule().ok(np.array(ref + 1.001 * m), np.array(ref), d))
            wrong = {float(a.group(2)): a.group(4) for a in alts[1:]}
            assert all(a.group(1) == "%0%" for a in alts[1:])
            if abs(ref) > m:
                assert "sign is flipped" in wrong[-ref]
            if abs(h - ref) > m and abs(h + ref) > m:
                assert "loss.half: true" in wrong[h]
            for text in wrong.values():
                assert not re.search(r"[{}~#]", text)


def test_moodle_matches_the_catalogue_and_the_sum_convention(tmp_path):
    out = tmp_path / "q.xml"
    run("export", "moodle", P12, "-o", str(out), "--answer", "loss")
    q = ET.parse(out).getroot().findall("question")[1]
    [(_, body)] = BLANK.findall(q.find("questiontext/text").text)
    alts = [ALT.match(a) for a in body.split("~")]
    assert float(alts[0].group(2)) == 0.1875                         # catalogue P12: Huber(δ = 1) = 0.1875
    wrong = {float(a.group(2)): a.group(4) for a in alts[1:]}
    assert "reduction: sum" in wrong[0.75]                           # the sum of the four: 4 × 0.1875


# -- Canvas -----------------------------------------------------------------------------------

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def test_canvas_qti_zip_one_group_per_problem_picking_one_variant(varied, tmp_path):
    out = tmp_path / "quiz.zip"
    run("export", "canvas", str(varied), "-o", str(out), "--answer", "loss")
    z = zipfile.ZipFile(out)
    manifest = ET.fromstring(z.read("imsmanifest.xml"))
    assert manifest.tag == CP + "manifest"
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    qti = [r for r in resources if r.get("type") == "imsqti_xmlv1p2"][0]
    ident = qti.get("identifier")
    href = qti.find(CP + "file").get("href")
    assert href == f"{ident}/{ident}.xml" and href in z.namelist()
    dep = qti.find(CP + "dependency").get("identifierref")
    meta_res = [r for r in resources if r.get("identifier") == dep][0]
    assert meta_res.get("href") == f"{ident}/assessment_meta.xml" in z.namelist()
    meta = ET.fromstring(z.read(f"{ident}/assessment_meta.xml"))
    assert meta.get("identifier") == ident and meta.find("{http://canvas.instructure.com/xsd/cccv1p0}title").text
    body = ET.fromstring(z.read(href))
    assert body.tag == QTI + "questestinterop"
    assessment = body.find(QTI + "assessment")
    root_section = assessment.find(QTI + "section")
    assert root_section.get("ident") == "root_section"
    [group] = root_section.findall(QTI + "section")
    assert group.find(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number").text == "1"
    items = group.findall(QTI + "item")
    files = variant_files(varied)
    assert len(items) == len(files)
    for it, (n, file) in zip(items, sorted(files.items())):
        fields = {f.find(QTI + "fieldlabel").text: f.find(QTI + "fieldentry").text
                  for f in it.iter(QTI + "qtimetadatafield")}
        assert fields["question_type"] == "numerical_question"
        float(fields["points_possible"])
        assert it.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib").get("fibtype") == "Decimal"
        ref = float(api.solve(file).answers["loss"])
        cond = it.find(f"{QTI}resprocessing/{QTI}respcondition[@continue='No']/{QTI}conditionvar/{QTI}or")
        assert float(cond.find(QTI + "varequal").text) == ref
        m = 0.5 * 10.0 ** -decimals_for(ref)
        assert float(cond.find(f"{QTI}and/{QTI}vargte").text) == pytest.approx(ref - m, abs=1e-15)
        assert float(cond.find(f"{QTI}and/{QTI}varlte").text) == pytest.approx(ref + m, abs=1e-15)
        fb = {f.get("ident"): f for f in it.findall(QTI + "itemfeedback")}
        assert "general_fb" in fb and "sign is flipped" in "".join(fb["general_fb"].itertext())


def test_canvas_refuses_several_values_of_a_random_variant(varied, tmp_path):
    result = CliRunner().invoke(main, ["export", "canvas", str(varied), "-o", str(tmp_path / "q.zip"),
                                       "--answer", "loss", "--answer", "yhat"])
    assert result.exit_code == 2
    assert "--answer" in result.output and "Traceback" not in result.output


def test_canvas_asks_a_value_below_1e_4_scaled():
    from dlsolve.export.bank import Blank, Problem, Variant, Options
    from dlsolve.export.canvas import item

    value = np.array(7.210497844919921e-05)
    dec = np.array(decimals_for(float(value)))                         # 6 decimals: 0.000072
    blank = Blank("dW", "dW", value, dec, 0.5 * 10.0 ** -dec, 1.0, ())
    it = item(Problem("p", "p", None), Variant(1, None, [blank], "<p>q</p>", "<p>w</p>", "f"), blank, (), Options())
    text = "".join(it.find("presentation").itertext())
    assert "10" in text and "multiplied by 10" in text
    cond = it.find("resprocessing/respcondition[@continue='No']/conditionvar/or")
    scaled = float(cond.find("varequal").text)
    assert 1e-4 <= abs(scaled) and scaled == pytest.approx(float(value) * 1e5)


# -- PrairieLearn ----------------------------------------------------------------------------

def _server(folder: Path):
    spec = importlib.util.spec_from_file_location(f"pl_server_{folder.name}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prairielearn_question_folder_generate_and_grade(varied, tmp_path):
    run("export", "prairielearn", str(varied), "-o", str(tmp_path), "--answer", "loss", "--answer", "dW1")
    [folder] = [p for p in tmp_path.iterdir() if p.is_dir()]
    info = json.loads((folder / "info.json").read_text())
    uuid.UUID(info["uuid"])
    assert info["type"] == "v3" and info["title"] and isinstance(info["topic"], str)
    assert isinstance(info["tags"], list)
    html = (folder / "question.html").read_text()
    names = dict(re.findall(r"<(pl-number-input|pl-matrix-component-input) answers-name=\"(\w+)\"", html))
    assert names == {"pl-number-input": "loss", "pl-matrix-component-input": "dW1"}
    assert 'comparison="relabs"' in html and "{{params.atol.loss}}" in html
    server = _server(folder)
    files = variant_files(varied)
    seen = set()
    for seed in (0, 1, 2, 7, 4294967295):
        data = {"variant_seed": seed, "params": {}, "correct_answers": {}}
        server.generate(data)
        json.dumps(data)                                               # everything JSON-serialisable
        n = data["params"]["variant"]
        seen.add(n)
        sol = api.solve(files[n])
        assert data["correct_answers"]["loss"] == float(sol.answers["loss"])
        matrix = data["correct_answers"]["dW1"]
        assert np.array_equal(np.array(matrix["_value"]), np.asarray(sol.answers["dW1"]))
        assert data["params"]["atol"]["loss"] == 0.5 * 10.0 ** -decimals_for(float(sol.answers["loss"]))
        # a flipped sign earns check's sentence as feedback; a right value none
        data.update(submitted_answers={"loss": -float(sol.answers["loss"]), "dW1": matrix},
                    partial_scores={"loss": {"score": 0}, "dW1": {"score": 1}}, feedback={})
        server.grade(data)
        assert "sign is flipped" in data["partial_scores"]["loss"]["feedback"]
        assert "dW1" not in data["feedback"]
        # a transposed matrix: check's sentence in the question's feedback; the matrix element's own
        # per-entry feedback (a dict it renders) is left alone
        transposed = {**matrix, "_value": np.array(matrix["_value"]).T.tolist()}
        if not np.allclose(transposed["_value"], matrix["_value"], atol=1e-4):
            entries = {"dW11": "correct"}
            data.update(submitted_answers={"loss": float(sol.answers["loss"]), "dW1": transposed},
                        partial_scores={"loss": {"score": 1}, "dW1": {"score": 0.5, "feedback": entries}}, feedback={})
            server.grade(data)
            assert "transpose" in data["feedback"]["dW1"] and data["partial_scores"]["dW1"]["feedback"] is entries
    assert len(seen) > 1


# -- Gradescope ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """The dlsolve wheel, built once per session as `dlsolve export gradescope` builds it."""
    from dlsolve.export.gradescope import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _autograder(zip_path: Path, where: Path) -> Path:
    root = where / "autograder"
    (root / "source").mkdir(parents=True)
    zipfile.ZipFile(zip_path).extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return root


def _submit(root: Path, text: str | None, user_id: int = 4001) -> dict:
    sub = root / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    sub.mkdir()
    if text is not None:
        (sub / "answers.yaml").write_text(text)
    (root / "submission_metadata.json").write_text(json.dumps(
        {"id": 1, "assignment": {"title": "t", "total_points": 2}, "users": [{"email": "a@b.c", "id": user_id, "name": "A"}]}))
    env = {**os.environ, "DLSOLVE_AUTOGRADER_ROOT": str(root),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    subprocess.run(["bash", str(root / "run_autograder")], env=env, check=True, timeout=300)
    return json.loads((root / "results" / "results.json").read_text())


def _spec_shape(results: dict) -> None:
    """Gradescope's results.json (autograder_samples docs/specs.md)."""
    assert isinstance(results["score"], float)
    for t in results["tests"]:
        assert isinstance(t["name"], str) and isinstance(t["score"], float) and isinstance(t["max_score"], float)
        assert isinstance(t["output"], str) and t["status"] in ("passed", "failed")


def _submit_all(zip_path: Path, where: Path, texts: dict[str, str | None], user_id: int = 4001) -> dict[str, dict]:
    """Each answers text through its own copy of the autograder, two at a time: every run is a
    separate process (`run_autograder` → python), so on 2 cores they overlap."""
    from concurrent.futures import ThreadPoolExecutor

    def one(name: str) -> dict:
        return _submit(_autograder(zip_path, where / name), texts[name], user_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(texts, pool.map(one, texts)))


def test_gradescope_autograder_right_wrong_and_malformed(varied, tmp_path, wheel):
    out = tmp_path / "ag.zip"
    run("export", "gradescope", str(varied), "-o", str(out), "--answer", "loss", "--answer", "yhat",
        "--wheel", str(wheel))
    names = zipfile.ZipFile(out).namelist()
    assert {"setup.sh", "run_autograder", wheel.name, "config.json"} <= set(names)
    assert wheel.name in zipfile.ZipFile(out).read("setup.sh").decode()
    sol = api.solve(variant_files(varied)[2])
    loss, yhat = float(sol.answers["loss"]), float(np.ravel(sol.answers["yhat"])[0])
    # no `variant:` line: the variant comes from the student's Gradescope id, the same every time
    from dlsolve.export.autograde import variant_for

    n = variant_for(4001, [1, 2, 3])
    mine = api.solve(variant_files(varied)[n])
    malformed = {"misspelt": (f"variant: 2\nlosss: {loss}\n", "did you mean"), "bad yaml": ("variant: 2\nloss: [1, \n", ""),
                 "none": (None, "No answers file")}
    results = _submit_all(out, tmp_path, {
        "right": f"variant: 2\nloss: {loss:.6f}\nyhat: {yhat:.6f}\n",
        "wrong": f"variant: 2\nloss: {-loss:.6f}\nyhat: {yhat:.6f}\n",
        **{name: text for name, (text, _) in malformed.items()},
        "derived": f"loss: {float(mine.answers['loss']):.6f}\n"})

    right = results["right"]
    _spec_shape(right)
    assert right["score"] == 2.0 and all(t["status"] == "passed" for t in right["tests"])
    assert right["extra_data"]["variant"] == 2

    wrong = results["wrong"]
    _spec_shape(wrong)
    assert wrong["score"] == 1.0
    [bad] = [t for t in wrong["tests"] if t["name"] == "loss"]
    assert bad["status"] == "failed" and "sign is flipped" in bad["output"]
    assert "The first wrong answer is loss" in wrong["output"] and "L = " in wrong["output"]  # and its step

    for name, (_, hint) in malformed.items():
        _spec_shape(results[name])
        assert results[name]["score"] == 0.0 and hint in results[name]["output"], name
        assert "Traceback" not in results[name]["output"]

    derived = results["derived"]
    assert derived["extra_data"]["variant"] == n and derived["tests"][0]["status"] == "passed"


def test_gradescope_marks_and_follow_through_and_moodle_weights(varied, tmp_path, wheel):
    marks = tmp_path / "marks.yaml"
    marks.write_text("points: {z2: 2, yhat: 3}\nfollow_through: 0.5\n")
    out = tmp_path / "ag.zip"
    run("export", "gradescope", str(varied), "-o", str(out), "--marks", str(marks), "--follow-through",
        "--wheel", str(wheel))
    root = _autograder(out, tmp_path)
    sol = api.solve(variant_files(varied)[3])
    z2 = float(np.ravel(sol.answers["z2"])[0])
    wrong_z2 = z2 + 0.5                                                 # ŷ from it: σ(z2 + 0.5), worked here
    results = _submit(root, f"variant: 3\nz2: {wrong_z2:.4f}\nyhat: {1 / (1 + math.exp(-wrong_z2)):.4f}\n")
    _spec_shape(results)
    tests = {t["name"]: t for t in results["tests"]}
    assert (tests["z2"]["score"], tests["z2"]["max_score"]) == (0.0, 2.0)
    assert (tests["yhat"]["score"], tests["yhat"]["max_score"]) == (1.5, 3.0)   # half of 3 carried forward
    assert "carried forward" in tests["yhat"]["output"] and results["score"] == 1.5
    xml = tmp_path / "q.xml"
    run("export", "moodle", str(varied), "-o", str(xml), "--marks", str(marks))
    q = ET.parse(xml).getroot().findall("question")[1]
    assert [w for w, _ in BLANK.findall(q.find("questiontext/text").text)] == ["2", "3"]


# -- gradebooks ------------------------------------------------------------------------------

@dataclass
class FakeStudent:
    id: str
    name: str
    email: str
    section: str
    username: str


@dataclass
class FakeRow:
    student: FakeStudent
    variant: int | None
    status: str
    score: float
    max_score: float
    answers: dict = field(default_factory=dict)
    feedback: str = ""


ROWS = [FakeRow(FakeStudent("30000001", "Ada Lovelace", "ada@uni.edu", "SEC-001", "av123456"), 3, "graded", 7.5, 10.0,
                {"loss": 0.2}, "dW1: the sign is flipped,\nsee step 4"),
        FakeRow(FakeStudent("30000002", "Alan Turing", "alan@uni.edu", "SEC-002", "at654321"), 1, "graded", 10.0, 10.0)]


def test_canvas_gradebook_has_the_import_header_and_points_possible():
    from dlsolve.export.gradebooks import GRADEBOOKS

    rows = list(csv.reader(io.StringIO(GRADEBOOKS["canvas"](ROWS, "Exam 1", "4242"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Exam 1 (4242)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][1:5] == ["", "", "", ""] and float(rows[1][5]) == 10
    assert rows[2] == ["Lovelace, Ada", "", "30000001", "av123456", "SEC-001", "7.5"]
    assert float(rows[3][5]) == 10.0 and len(rows) == 4


def test_moodle_and_gradescope_gradebooks():
    from dlsolve.export.gradebooks import GRADEBOOKS

    moodle = list(csv.DictReader(io.StringIO(GRADEBOOKS["moodle"](ROWS, "Exam 1", ""))))
    assert moodle[0]["Email address"] == "ada@uni.edu" and moodle[0]["ID number"] == "30000001"
    assert moodle[0]["Username"] == "av123456" and float(moodle[0]["Exam 1"]) == 7.5
    assert moodle[0]["Exam 1 (feedback)"] == "dW1: the sign is flipped, see step 4"   # one line
    gs = list(csv.DictReader(io.StringIO(GRADEBOOKS["gradescope"](ROWS, "Exam 1", ""))))
    assert [(r["Email"], r["SID"], float(r["Total Score"])) for r in gs] == [
        ("ada@uni.edu", "30000001", 7.5), ("alan@uni.edu", "30000002", 10.0)]


def test_export_draws_variants_from_a_problem_file_as_vary_does(varied, tmp_path):
    out = tmp_path / "q.xml"
    run("export", "moodle", EXAM, "--count", "3", "-o", str(out), "--answer", "loss")
    cloze = ET.parse(out).getroot().findall("question")[1:]
    files = variant_files(varied)                                      # `dlsolve vary` with the file's seed
    assert len(cloze) == 3
    for q, (n, file) in zip(cloze, sorted(files.items())):
        [(_, body)] = BLANK.findall(q.find("questiontext/text").text)
        assert float(ALT.match(body.split("~")[0]).group(2)) == float(api.solve(file).answers["loss"])


def test_canvas_without_variants_asks_each_entry_as_an_item(tmp_path):
    out = tmp_path / "q.zip"
    run("export", "canvas", P12, "-o", str(out), "--answer", "per_sample")
    z = zipfile.ZipFile(out)
    [xml_name] = [n for n in z.namelist() if n.endswith(".xml") and "/" in n and not n.endswith("assessment_meta.xml")]
    items = list(ET.fromstring(z.read(xml_name)).iter(QTI + "item"))
    # catalogue P12: Huber(δ = 1) per sample of e = [0.5, −0.5, 0, −1]: ½e² = 0.125, 0.125, 0, and 1 − ½ = 0.5
    assert [float(it.find(f".//{QTI}varequal").text) for it in items] == [0.125, 0.125, 0.0, 0.5]


def test_every_problem_file_exports_to_moodle_with_the_solvers_numbers(tmp_path):
    """The whole catalogue through Moodle: every blank parses by Moodle's grammar and its right
    value is the solver's answer (a symbolic problem, with nothing to ask, is left out)."""
    out = tmp_path / "all.xml"
    run("export", "moodle", str(ROOT / "problems"), "-o", str(out))
    questions = [q for q in ET.parse(out).getroot().findall("question") if q.get("type") == "cloze"]
    stems = {q.find("name/text").text.rsplit(" v", 1)[0] for q in questions}
    files = sorted((ROOT / "problems").glob("*.yaml"))
    # answers that are formulas: a graph given in symbols, a network given by its units alone
    symbolic = {f.stem for f in files if re.search(r"^input_units:|\bsymbol\b", f.read_text(encoding="utf-8"), re.M)}
    assert stems == {f.stem for f in files} - symbolic, symbolic
    for q in questions:
        stem = q.find("name/text").text.rsplit(" v", 1)[0]
        sol = solved(ROOT / "problems" / f"{stem}.yaml")  # the session's shared solution of the file
        expected = []
        for a in sol.answers:
            try:
                arr = np.asarray(a.value, dtype=float)
            except (TypeError, ValueError):
                continue
            if np.all(np.isfinite(arr)):
                expected += list(np.ravel(arr))
        blanks = BLANK.findall(q.find("questiontext/text").text)
        assert len(blanks) == len(expected), stem
        for (_, body), ref in zip(blanks, expected):
            alts = [ALT.match(a) for a in body.split("~")]
            assert all(alts), (stem, body)
            assert float(alts[0].group(2)) == ref, stem


@pytest.mark.parametrize("x", [0.00095, 0.001, 0.0123, 0.5, -7.2e-05, 3.0, 0.0])
def test_the_asked_decimals_are_the_marking_rules(x):
    """4 decimals, or two significant digits below 0.001 (what the questions tell students)."""
    from dlsolve.slips import answer_decimals

    assert int(answer_decimals(np.array(x), 4)) == decimals_for(x)
    assert (decimals_for(x) > 4) == (0 < abs(x) < 0.001 and not float(x).is_integer())


def test_the_cli_targets_are_the_registry():
    from dlsolve.export import TARGETS

    command = main.commands["export"]
    assert list(command.params[0].type.choices) == list(TARGETS)
    result = CliRunner().invoke(main, ["export", "blackboard", P12, "-o", "x"])
    assert result.exit_code == 2 and "moodle" in result.output


def test_a_rounding_alternative_is_what_check_diagnoses_as_rounding(tmp_path):
    """Each 0 % alternative of a blank, written to the blank's decimals and handed to `dlsolve
    check` as a student's answer, gets the very sentence the blank gives as feedback."""
    p1 = str(ROOT / "problems" / "p1-image-mlp.yaml")
    out = tmp_path / "q.xml"
    run("export", "moodle", p1, "-o", str(out), "--answer", "yhat", "--answer", "loss")
    q = ET.parse(out).getroot().findall("question")[1]
    blanks = BLANK.findall(q.find("questiontext/text").text)
    seen_rounding = False
    for name, (_, body) in zip(("yhat", "loss"), blanks):
        alts = [ALT.match(a) for a in body.split("~")]
        ref = float(alts[0].group(2))
        d = decimals_for(ref)
        for a in alts[1:]:
            written = f"{float(a.group(2)):.{d}f}"
            report = api.check(p1, {name: float(written)})
            assert report.verdicts[0].diagnosis == a.group(4), (name, written)
            seen_rounding |= "rounding carried forward" in a.group(4)
    assert seen_rounding


def test_a_platforms_question_text_has_no_answers_file_instructions(tmp_path):
    """The blanks ask what is asked: no sheet Find list of every answer, no line on writing an
    answers file (a TA's review: `--answer loss` still listed 23 Find items)."""
    out = tmp_path / "q.xml"
    run("export", "moodle", str(ROOT / "problems" / "p1-image-mlp.yaml"), "-o", str(out), "--answer", "loss")
    text = ET.parse(out).getroot().findall("question")[1].find("questiontext/text").text
    assert "answer name" not in text and "per line" not in text and "W1_new" not in text
    assert len(BLANK.findall(text)) == 1
