"""A class marked as a TA marks it: generated classes for P1 and for an Adam table.

Every student is built here from a reference computed independently (NumPy loops on P1's
network and on Adam's update), with one known slip each — or a typo, a blank, a Unicode minus,
a quoted number, an empty or broken file. The test knows each student's score by construction
(the answers left untouched, one point each) and which slip must be named; dlsolve must give
every student a row, exactly that score, name the slip, and give no diagnosis where none applies.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve.cli import main
from tests.conftest import ROOT

P1 = ROOT / "problems" / "p1-image-mlp.yaml"

X = np.array([2, 3, 5, 6], dtype=float)
W1 = np.array([[1, 3, -2], [2, -3, 4], [3, -1, 1], [2, 3, -2]], dtype=float)
W2 = np.array([[1, -2], [-3, 4], [-1, 1]], dtype=float)
W3 = np.array([[4], [1]], dtype=float)
ETA = 0.01


def sig(z):
    return 1 / (1 + np.exp(-z))


def p1_reference(places=None):
    """P1 by hand (BCE, y = 1, layout in_out); each quantity rounded to `places` as it is worked."""
    r = (lambda v: np.round(v, places)) if places is not None else (lambda v: v)  # noqa: E731
    z1 = r(X @ W1)
    a1 = r(sig(z1))
    z2 = r(a1 @ W2)
    a2 = r(sig(z2))
    z3 = r(a2 @ W3)
    yhat = r(sig(z3))
    loss = -np.log(yhat)
    delta3 = yhat - 1                                  # BCE with a sigmoid output: ŷ − y
    delta2 = (delta3 @ W3.T) * a2 * (1 - a2)
    dW3 = np.outer(a2, delta3)
    dW2 = np.outer(a1, delta2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "z3": z3, "yhat": yhat[0], "loss": loss[0], "delta3": delta3,
            "delta2": delta2, "dW3": dW3, "dW2": dW2, "W3_new": W3 - ETA * dW3}


ASKED = ["z1", "a1", "z2", "a2", "z3", "yhat", "loss", "delta3", "delta2", "dW2", "dW3", "W3_new"]  # the problem's order


def text(v, places=6, minus="-"):
    v = np.asarray(v, dtype=float)
    if v.ndim == 0:
        return f"{float(v):.{places}f}".replace("-", minus)
    return "[" + ", ".join(text(x, places, minus) for x in v) + "]"


def answers_text(values, places=6, **written):
    """`name: value` lines; `written` overrides a line's text (a blank, a typo, a quoted number)."""
    lines = []
    for name, v in values.items():
        lines.append(f"{name}: {written[name]}" if name in written else f"{name}: {text(v, places)}")
    return "\n".join(lines) + "\n"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def p1_class(folder):
    """name → (file text, expected score, {answer: words its diagnosis must contain (None: none)})."""
    ref = p1_reference()
    right = {k: ref[k] for k in ASKED}
    out = {}
    out["perfect"] = (answers_text(right), 12, {})
    out["sign"] = (answers_text({**right, "dW3": -ref["dW3"]}), 11, {"dW3": "the sign is flipped"})
    out["transposed"] = (answers_text({**right, "dW2": ref["dW2"].T}), 11, {"dW2": "transpose"})
    one = ref["dW2"].copy()
    one[1, 0] = -one[1, 0]
    out["one_entry"] = (answers_text({**right, "dW2": one}), 11, {"dW2": "the sign of dW2[2,1] is flipped"})
    out["update_sign"] = (answers_text({**right, "W3_new": W3 + ETA * ref["dW3"]}), 11,
                          {"W3_new": "the update has the wrong sign"})
    # ŷ worked with every intermediate rounded to 2 decimals, the loss then written in full
    rounded = p1_reference(2)
    out["rounding"] = (answers_text({**right, "loss": rounded["loss"]}), 11, {"loss": "rounding carried forward"})
    # a sign slip in δ^[3], and what follows from it worked from the student's own δ^[3]
    d3 = -ref["delta3"]
    d2 = (d3 @ W3.T) * ref["a2"] * (1 - ref["a2"])
    dW3 = np.outer(ref["a2"], d3)
    out["follow_on"] = (answers_text({**right, "delta3": d3, "delta2": d2, "dW3": dW3,
                                      "dW2": np.outer(ref["a1"], d2), "W3_new": W3 - ETA * dW3}), 7,
                        {"delta3": "the sign is flipped"})
    out["blanks"] = (answers_text(right, dW2="", loss="", z3=""), 9, {})
    out["typo"] = (answers_text(right, yhat="0.5").replace("yhat:", "y_hat:").replace("loss:", "Loss:"), 10, {})
    out["unicode_minus"] = (answers_text(right, delta3=text(ref["delta3"], 6, "\u2212"),
                                         delta2=text(ref["delta2"], 6, "\u2212")), 12, {})
    out["quoted"] = (answers_text(right, yhat=f'"{ref["yhat"]:.6f}"', loss=f"'{ref['loss']:.4f}'"), 12, {})
    fw = text(ref["z3"], 4).translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    out["full_width"] = (answers_text(right, z3=fw), 12, {})
    out["text_and_shape"] = (answers_text(right, loss="about a quarter", dW2="[1, 2, 3]"), 10, {})
    out["broken_line"] = (answers_text(right, z1="[35, 10, 1", a1="[1, 2]]"), 10, {})
    # right, but short of digits: ✗ (two significant digits are asked) and no diagnosis
    short = answers_text(right, yhat="0.8", dW2=text(ref["dW2"], 1), W3_new=text(ref["W3_new"], 0))
    out["short"] = (short, 9, {"yhat": None, "dW2": None, "W3_new": None})
    # an entry far below the answer's scale, written to the decimals asked, is right
    out["small_entry"] = (answers_text({**right, "a2": ref["a2"]}, a2=text(ref["a2"], 2)), 12, {})
    out["empty"] = ("", 0, {})
    out["comments_only"] = ("# I did not finish\n", 0, {})
    out["not_a_mapping"] = ("- 1\n- 2\n", 0, {})
    out["student_key"] = ("student: s1234567\n" + answers_text(right), 12, {})
    for name, (body, _, _) in out.items():
        (folder / f"{name}.yaml").write_text(body, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def p1_marked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("p1class")
    answers = folder / "answers"
    answers.mkdir()
    students = p1_class(answers)
    marks = folder / "marks.yaml"
    marks.write_text("points: {" + ", ".join(f"{n}: 1" for n in ASKED) + "}\n", encoding="utf-8")
    r = run("check", P1, answers, "--marks", marks, "--format", "json")
    return students, json.loads(r.stdout), r, folder, marks


def test_every_student_has_a_row_and_the_score_computed_here(p1_marked):
    students, doc, r, _, _ = p1_marked
    assert r.exit_code == 2                                     # some files could not be read, all graded
    got = {s["student"]: s for s in doc["students"]}
    got["student_key"] = got.pop("s1234567")                    # the file says whose it is
    assert set(got) == set(students)
    for name, (_, score, _) in students.items():
        assert got[name]["score"] == score, (name, got[name]["score"], got[name].get("not_graded"))
        assert got[name]["max_score"] == len(ASKED)             # out of every answer asked
    assert got["empty"]["status"] == "empty submission" and "empty" in got["empty"]["not_graded"][0]
    assert got["blanks"]["status"] == "graded, some answers not read"
    assert got["perfect"]["status"] == "graded" and got["perfect"]["all_right"]


def test_each_slip_is_named_and_nothing_else_is_diagnosed(p1_marked):
    students, doc, _, _, _ = p1_marked
    got = {s["student"]: s for s in doc["students"]}
    got["student_key"] = got.pop("s1234567")
    for name, (_, _, slips) in students.items():
        verdicts = {v["name"]: v for v in got[name]["verdicts"]}
        for answer, words in slips.items():
            if words is None:
                assert verdicts[answer]["verdict"] == "✗" and verdicts[answer]["diagnosis"] is None, (name, answer)
            else:
                assert words in (verdicts[answer]["diagnosis"] or ""), (name, answer, verdicts[answer]["diagnosis"])
        named = {a for a, w in slips.items() if w}
        for v in got[name]["verdicts"]:                         # no diagnosis on any other answer
            if v["name"] not in named and name != "follow_on":
                assert v["diagnosis"] is None, (name, v["name"], v["diagnosis"])


def test_follow_on_answers_are_grouped_under_their_slip(p1_marked):
    _, doc, _, _, _ = p1_marked
    s = next(s for s in doc["students"] if s["student"] == "follow_on")
    assert [b["answer"] for b in s["first_wrong"]] == ["delta3"]
    assert set(s["first_wrong"][0]["follows"]) == {"delta2", "dW3", "dW2", "W3_new"}


def test_lenient_forms_are_read_with_a_note_and_bad_answers_score_zero_with_a_reason(p1_marked):
    _, doc, r, _, _ = p1_marked
    got = {s["student"]: {v["name"]: v for v in s["verdicts"]} for s in doc["students"]}
    assert "Unicode minus" in " ".join(got["unicode_minus"]["delta3"]["notes"])
    assert "quotes" in " ".join(got["quoted"]["yhat"]["notes"]) and got["quoted"]["loss"]["right"]
    assert "full-width" in " ".join(got["full_width"]["z3"]["notes"])
    assert got["blanks"]["loss"]["not_graded"] == "left blank: no value given"
    assert "given as `y_hat`" in got["typo"]["yhat"]["not_graded"]
    assert "did you mean 'loss'" in got["typo"]["loss"]["not_graded"]
    assert "'about a quarter' (text)" in got["text_and_shape"]["loss"]["not_graded"]
    assert "expected 3 rows of 2 numbers" in got["text_and_shape"]["dW2"]["not_graded"]
    assert got["broken_line"]["z1"]["not_graded"] and got["broken_line"]["a1"]["not_graded"]
    # every problem of a file is reported at once, located, on stderr
    err = r.stderr
    assert "broken_line.yaml:1:1: z1:" in err and "broken_line.yaml:2:1: a1:" in err
    assert "blanks.yaml:5:1: z3: left blank" in err and "blanks.yaml:7:1: loss: left blank" in err


def test_the_gradebook_has_every_answer_in_the_problems_order(p1_marked, tmp_path):
    students, _, _, folder, marks = p1_marked
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email,section\nperfect,Ada Lovelace,ada@uni.edu,A\ns1234567,Alan Turing,alan@uni.edu,B\n"
                      "absent,Grace Hopper,grace@uni.edu,A\n", encoding="utf-8")
    r = run("check", P1, folder / "answers", "--marks", marks, "--roster", roster, "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["student", "name", "email", "section", "variant", "status", *ASKED, "score", "max_score"]
    by = {row[0]: row for row in rows[1:]}
    assert len(rows) - 1 == len(students) + 1                  # every file, and the student with none
    assert by["perfect"][1:4] == ["Ada Lovelace", "ada@uni.edu", "A"]
    assert by["s1234567"][1] == "Alan Turing" and by["s1234567"][-2:] == ["12", "12"]
    assert by["absent"][5] == "no file" and by["absent"][-2:] == ["0", "12"]
    col = rows[0].index("loss")
    assert by["blanks"][col] == "0" and by["perfect"][col] == "1"
    assert by["empty"][col] == "—"                             # nothing answered: a dash, not 0


def test_a_feedback_folder_has_one_report_per_student_and_a_class_summary(p1_marked, tmp_path):
    students, _, _, folder, marks = p1_marked
    out = tmp_path / "reports"
    r = run("check", P1, folder / "answers", "--marks", marks, "--format", "markdown", "-o", f"{out}/")
    assert r.exit_code == 2
    files = {p.name for p in out.iterdir()}
    assert {f"{n}.md" for n in students if n != "student_key"} | {"s1234567.md", "class-summary.md",
                                                                   "gradebook.csv"} == files
    summary = (out / "class-summary.md").read_text()
    assert "Score distribution" in summary and "Success per question" in summary and "Slips found" in summary
    # the slips table counts students: the sign slip (sign, follow_on) was made by two
    row = next(line for line in summary.splitlines() if "the sign is flipped: your value is the negative" in line)
    assert row.rstrip(" |$`").endswith("2") and row.split("|")[-2].strip(" $`") == "2"
    assert "(2 of 12" not in (out / "perfect.md").read_text()


# -- Adam -------------------------------------------------------------------------------------

ADAM = """kind: optimizer
title: Adam, four iterations
optimizer: adam
learning_rate: 0.1
gradients: [0.5, -0.3, 0.2, 0.4]
initial_weight: 1.0
beta1: 0.9
beta2: 0.999
epsilon: 0.1
epsilon_placement: outside
bias_correction: true
"""


def adam(gradients, eps_inside=False, correct=True, sign=-1.0, lr=0.1, eps=0.1, b1=0.9, b2=0.999):
    """Adam by a plain loop: m, v, m̂, v̂ and the weight after each iteration."""
    m = v = 0.0
    w = 1.0
    out = {k: [] for k in ("m", "v", "m_hat", "v_hat", "weights")}
    for t, g in enumerate(gradients, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if correct else (m, v)
        step = lr * mh / (np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps)
        w = w + sign * step
        for k, x in zip(out, (m, v, mh, vh, w)):
            out[k].append(x)
    return {**{k: np.array(x) for k, x in out.items()}, "weight": out["weights"][-1]}


ADAM_ASKED = ["m", "v", "m_hat", "v_hat", "weights", "weight"]


def test_an_adam_class(tmp_path):
    problem = tmp_path / "adam.yaml"
    problem.write_text(ADAM, encoding="utf-8")
    g = [0.5, -0.3, 0.2, 0.4]
    ref = adam(g)
    right = {k: ref[k] for k in ADAM_ASKED}
    inside = adam(g, eps_inside=True)
    plus = adam(g, sign=1.0)
    nocorr = adam(g, correct=False)
    assert abs(inside["weight"] - ref["weight"]) > 1e-3 and abs(nocorr["weight"] - ref["weight"]) > 1e-3
    cls = {
        "perfect": (answers_text(right, 8), 6, {}),
        "eps_inside": (answers_text({**right, "weights": inside["weights"], "weight": inside["weight"]}, 8), 4,
                       {"weights": "epsilon_placement: inside"}),
        "no_correction": (answers_text({**right, "m_hat": nocorr["m_hat"], "v_hat": nocorr["v_hat"],
                                        "weights": nocorr["weights"], "weight": nocorr["weight"]}, 8), 2,
                          {"weights": "bias_correction: false", "weight": "bias_correction: false"}),
        "update_sign": (answers_text({**right, "weights": plus["weights"], "weight": plus["weight"]}, 8), 4,
                        {"weights": "the update has the wrong sign"}),
        # the reference weight 0.7… written with one decimal: short of digits, no convention named
        "short": (answers_text({**right}, 8, weight=f"{ref['weight']:.1f}"), 5, {"weight": None}),
        "blank_and_minus": (answers_text(right, 8, m=text(ref["m"], 8, "\u2212"), v=""), 5, {}),
    }
    folder = tmp_path / "answers"
    folder.mkdir()
    for name, (body, _, _) in cls.items():
        (folder / f"{name}.yaml").write_text(body, encoding="utf-8")
    marks = tmp_path / "marks.yaml"
    marks.write_text("points: {" + ", ".join(f"{n}: 1" for n in ADAM_ASKED) + "}\n", encoding="utf-8")
    doc = json.loads(run("check", problem, folder, "--marks", marks, "--format", "json").stdout)
    got = {s["student"]: s for s in doc["students"]}
    assert set(got) == set(cls)
    for name, (_, score, slips) in cls.items():
        assert got[name]["score"] == score, (name, got[name]["score"])
        verdicts = {v["name"]: v for v in got[name]["verdicts"]}
        for answer, words in slips.items():
            if words is None:
                assert verdicts[answer]["diagnosis"] is None, (name, answer, verdicts[answer]["diagnosis"])
            else:
                assert words in (verdicts[answer]["diagnosis"] or ""), (name, answer, verdicts[answer]["diagnosis"])
    # one sentence per slip: ε placement explains weights and weight together
    report = " ".join(run("check", problem, folder / "eps_inside.yaml").stdout.split())
    assert report.count("epsilon_placement: inside") == 1
    assert "weights and weight: your value is what the `epsilon_placement: inside` convention gives" in report


def adam_variants(tmp_path):
    """Four variants of the Adam problem (other gradients) in tmp_path/v: variant → its gradients."""
    from dlsolve.load import load_problem

    problem = tmp_path / "adam.yaml"
    problem.write_text(ADAM + "vary:\n  gradients: {range: [-0.9, 0.9], step: 0.1, nonzero: true}\n",
                       encoding="utf-8")
    assert run("vary", problem, "--count", "4", "--seed", "3", "-o", tmp_path / "v").exit_code == 0
    manifest = json.loads((tmp_path / "v" / "variants.json").read_text())
    return {v["variant"]: list(load_problem(str(tmp_path / "v" / v["file"])).spec.gradients)
            for v in manifest["variants"]}


def test_a_wrong_variant_is_pointed_out(tmp_path):
    grads = adam_variants(tmp_path)
    manifest = json.loads((tmp_path / "v" / "variants.json").read_text())
    assert all(x != 0 for gs in grads.values() for x in gs)         # nonzero is honoured with range
    three = adam(grads[3])
    answers = tmp_path / "answers"
    answers.mkdir()
    body = answers_text({k: three[k] for k in ADAM_ASKED}, 8)
    (answers / "mixup.yaml").write_text("variant: 2\n" + body, encoding="utf-8")
    (answers / "nameless.yaml").write_text(body, encoding="utf-8")
    (answers / "honest.yaml").write_text("variant: 3\n" + body, encoding="utf-8")
    doc = json.loads(run("check", tmp_path / "v", answers, "--format", "json").stdout)
    got = {s["student"]: s for s in doc["students"]}
    assert (got["honest"]["score"], got["honest"]["max_score"]) == (6, 9) and got["honest"]["other_variant"] is None
    assert "your answers fit variant 3" in got["mixup"]["other_variant"] and got["mixup"]["variant"] == 2
    assert got["nameless"]["status"] == "no such variant" and "fit variant 3" in got["nameless"]["other_variant"]
    # one variant's file checked on its own: the variant: key the sheet asked for is accepted
    one = tmp_path / "v" / manifest["variants"][2]["file"]
    r = run("check", one, answers / "honest.yaml")
    assert r.exit_code == 0, r.output
    r = run("check", one, answers / "mixup.yaml")
    assert "your file says variant 2, but it was checked against variant 3" in " ".join(r.output.lower().split())


# -- vary and solve for a class ---------------------------------------------------------------

def test_a_draw_failure_gives_its_real_numbers_and_fitting_advice(tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text((ROOT / "problems" / "p3-delta-rule.yaml").read_text()
                       + "vary:\n  target: {integers: [0, 1], shape: [3]}\n", encoding="utf-8")
    r = run("vary", problem, "--count", "2", "-o", tmp_path / "v")
    assert r.exit_code == 2
    assert "expected 1 target value (one per output unit), got 3" in r.output and " N " not in r.output
    assert "widen the ranges" not in r.output and "<dict>" not in r.output


def test_vary_csv_writes_the_questions_and_solve_writes_one_paper_per_variant(tmp_path):
    problem = tmp_path / "adam.yaml"
    problem.write_text(ADAM + "vary:\n  gradients: {range: [-0.9, 0.9], step: 0.1, nonzero: true}\n",
                       encoding="utf-8")
    assert run("vary", problem, "--count", "3", "-o", tmp_path / "v", "--format", "csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "v" / "questions.csv").read_text())))
    assert rows[0] == ["variant", "file", "gradients"] and len(rows) == 4
    from dlsolve.load import load_problem
    for row in rows[1:]:
        assert json.loads(row[2]) == list(load_problem(str(tmp_path / "v" / row[1])).spec.gradients)
    papers = tmp_path / "papers"
    r = run("solve", tmp_path / "v", "--questions", "--format", "markdown", "-o", f"{papers}/")
    assert r.exit_code == 0, r.output
    assert {"adam-v01.md", "adam-v02.md", "adam-v03.md"} <= {p.name for p in papers.iterdir()}
    one = tmp_path / "one"
    assert run("solve", tmp_path / "v" / "adam-v01.yaml", "--questions", "-o", f"{one}/").exit_code == 0
    assert (one / "adam-v01.txt").is_file()                    # a folder, not a file named "one"


def test_latex_question_papers_each_start_on_a_new_page():
    from dlsolve import solve
    from dlsolve.render import renderer

    sols = [solve(P1), solve(ROOT / "problems" / "p3-delta-rule.yaml")]
    tex = renderer("latex")(mode="questions").render_combined(sols, title="Questions")
    assert tex.count(r"\clearpage\section") == 2


def test_check_takes_the_same_options_as_solve_and_fits_columns(tmp_path, monkeypatch):
    help_check, help_solve = run("check", "--help").output, run("solve", "--help").output
    for option in ("--color", "--pdf", "--precision", "--output"):
        assert option in help_check and option in help_solve
    squash = lambda t: " ".join(t.split())  # noqa: E731
    assert "Significant digits shown" in squash(help_check) and "Colour in the terminal" in squash(help_check)
    ref = p1_reference()
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(answers_text({"z1": ref["z1"], "dW2": -ref["dW2"]}), encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "60")
    out = run("check", P1, tmp_path / "a.yaml", tmp_path / "b.yaml").output
    assert max(len(line) for line in out.splitlines()) <= 60
    one = run("check", P1, tmp_path / "a.yaml", "--color", "always").output
    assert "\x1b[" in one


def test_an_entry_far_below_the_answers_scale_is_right_at_the_decimals_asked(tmp_path):
    """P1's δ^[1] = [−1.8×10⁻¹⁷, 4.9×10⁻⁶, 0.0079]: every entry rounded to 6 decimals, as asked."""
    ref = p1_reference()
    a1 = ref["a1"]
    delta1 = (ref["delta2"] @ W2.T) * a1 * (1 - a1)
    assert 1e-6 < delta1[1] < 1e-5
    path = tmp_path / "a.yaml"
    path.write_text(f"delta1: {text(delta1, 6)}\n", encoding="utf-8")   # [-0.000000, 0.000005, 0.007941]
    doc = json.loads(run("check", P1, path, "--format", "json").stdout)
    assert doc["verdicts"][0]["verdict"] == "✓"
    path.write_text(f"delta1: {text(delta1, 3)}\n", encoding="utf-8")   # 0.008: one significant digit
    doc = json.loads(run("check", P1, path, "--format", "json").stdout)
    assert doc["verdicts"][0]["verdict"] == "✗" and doc["verdicts"][0]["diagnosis"] is None


def test_the_gradebook_rows_are_the_export_contract(tmp_path):
    """GradeRow and Student (dlsolve.marking.roster) are what the LMS gradebook writers read."""
    from dlsolve import api
    from dlsolve.marking.klass import Problem, grade_class
    from dlsolve.marking.roster import GradeRow, Student

    ref = p1_reference()
    (tmp_path / "ada.yaml").write_text(answers_text({"z1": ref["z1"], "yhat": ref["yhat"] + 0.1}), encoding="utf-8")
    loaded = api.load(str(P1))
    graded = grade_class(Problem(api.solve_loaded(loaded), api.alternatives(loaded)), [str(tmp_path / "ada.yaml")],
                         roster=[Student("ada", "Ada Lovelace", "ada@uni.edu", "A")])
    row = graded[0].row(["z1", "a1", "yhat"])
    assert isinstance(row, GradeRow) and row.student.name == "Ada Lovelace" and row.variant is None
    assert row.answers == {"z1": 1.0, "a1": None, "yhat": 0.0} and (row.score, row.max_score) == (1.0, 23.0)
    assert row.status == "graded" and "Score 1 of 23" in row.feedback and row.file.endswith("ada.yaml")


def test_the_half_left_out_of_mse_is_one_slip_across_every_answer_it_explains(tmp_path):
    """P3 (E = ½(y − ŷ)²) by hand, and a student who leaves the ½ out: the loss and every
    gradient and update after it double; one sentence names the slip and lists them all."""
    x, w1, w2, y, lr = np.array([0.1, 0.3]), np.array([[0.4], [-0.2]]), np.array([[0.1]]), 1.0, 0.5

    def worked(half):
        z1 = x @ w1
        a1 = sig(z1)
        z2 = a1 @ w2
        yhat = sig(z2)
        c = 1.0 if half else 2.0                       # d/dŷ of ½(y − ŷ)² or of (y − ŷ)²
        delta2 = c * (yhat - y) * yhat * (1 - yhat)
        delta1 = (delta2 @ w2.T) * a1 * (1 - a1)
        dW1, dW2 = np.outer(x, delta1), np.outer(a1, delta2)
        return {"z1": z1, "a1": a1, "z2": z2, "yhat": yhat[0], "loss": (0.5 if half else 1.0) * (y - yhat[0]) ** 2,
                "delta2": delta2, "delta1": delta1, "dW1": dW1, "dW2": dW2, "W1_new": w1 - lr * dW1,
                "W2_new": w2 - lr * dW2}

    right, slip = worked(True), worked(False)
    changed = [k for k in right if not np.allclose(right[k], slip[k])]
    assert changed == ["loss", "delta2", "delta1", "dW1", "dW2", "W1_new", "W2_new"]
    path = tmp_path / "half.yaml"
    path.write_text(answers_text(slip, 6), encoding="utf-8")
    problem = ROOT / "problems" / "p3-delta-rule.yaml"
    doc = json.loads(run("check", problem, path, "--format", "json").stdout)
    assert doc["score"] == len(right) - len(changed) and doc["max_score"] == 16   # P3 defines 16 answers
    verdicts = {v["name"]: v for v in doc["verdicts"]}
    for k in changed:
        assert verdicts[k]["diagnosis"] == "your value is what the `loss.half: false` convention gives", k
    assert len(doc["first_wrong"]) == 1                 # one slip, the rest follow from it
    text_report = " ".join(run("check", problem, path).stdout.split())
    assert text_report.count("`loss.half: false` convention gives") == 1
    assert text_report.count("The first wrong answer is") == 1


def test_a_sum_for_a_mean_in_a_class_is_counted_in_the_slips_table(tmp_path):
    """P12's Huber loss by hand: two students sum the per-sample losses instead of averaging."""
    e = np.abs(np.array([3, -0.5, 2, 7]) - np.array([2.5, 0, 2, 8]))
    per = np.where(e <= 1, 0.5 * e ** 2, e - 0.5)
    folder = tmp_path / "answers"
    folder.mkdir()
    for name, loss in (("mean1", per.mean()), ("sum1", per.sum()), ("sum2", per.sum()), ("blank", None)):
        body = f"per_sample: {text(per, 4)}\nloss: {'' if loss is None else f'{loss:.4f}'}\n"
        (folder / f"{name}.yaml").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    r = run("check", ROOT / "problems" / "p12-regression-losses.yaml", folder, "-o", f"{out}/")
    assert r.exit_code == 2
    rows = {row[0]: row for row in csv.reader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert [rows[n][-2:] for n in ("mean1", "sum1", "sum2", "blank")] == [["2", "2"], ["1", "2"], ["1", "2"],
                                                                         ["1", "2"]]
    summary = " ".join((out / "class-summary.txt").read_text().split())
    assert "your value is what the `reduction: sum` convention gives loss 2" in summary


def test_a_roster_matches_files_by_key_or_name_and_its_errors_are_located(tmp_path):
    from dlsolve.marking.roster import Student, match

    roster = [Student("s1234567", "Alan Turing", "alan@uni.edu"), Student("s7654321", "Ada", "ada@uni.edu")]
    assert match(roster, None, "hw1-s1234567").name == "Alan Turing"
    assert match(roster, "ADA@uni.edu", "whatever").id == "s7654321"
    assert match(roster, None, "hw1") is None
    bad = tmp_path / "roster.csv"
    bad.write_text("name,section\nAda,A\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("yhat: 0.77\n", encoding="utf-8")
    r = run("check", P1, tmp_path / "a.yaml", "--roster", bad)
    assert r.exit_code == 2 and f"{bad}:1: the roster's header has no id column" in r.output
    bad.write_text("id,name\nada,Ada\nADA,Ada again\n", encoding="utf-8")
    r = run("check", P1, tmp_path / "a.yaml", "--roster", bad)
    assert r.exit_code == 2 and f"{bad}:3: the id 'ADA' is also on line 2" in r.output


def test_check_writes_each_platforms_gradebook_with_the_scores_computed_here(p1_marked, tmp_path):
    """`check --gradebook` joins the roster and writes the platform's import shape; every score is
    the one the test built the student for (the Canvas header and "Points Possible" row as in
    Canvas's gradebook export; Gradescope's upload by e-mail)."""
    students, _, _, folder, marks = p1_marked
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email,section\n" + "".join(
        f"{'s1234567' if n == 'student_key' else n},Student {n},{n}@uni.example,A\n" for n in students)
        + "absent,Absent Student,absent@uni.example,B\n", encoding="utf-8")
    r = run("check", P1, folder / "answers", "--marks", marks, "--roster", roster, "--gradebook", "canvas",
            "--assignment", "Exam 1", "--assignment-id", "77")
    assert r.exit_code == 2, r.output  # some files cannot be read: still every row is written
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Exam 1 (77)"]
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == len(ASKED)
    by_sis = {row[2]: row for row in rows[2:]}
    for name, (_, score, _) in students.items():
        sis = "s1234567" if name == "student_key" else name
        assert float(by_sis[sis][5]) == score, name
        assert by_sis[sis][0] == f"{name}, Student" and by_sis[sis][4] == "A"  # Canvas: "Last, First"
    assert float(by_sis["absent"][5]) == 0
    out = tmp_path / "fb"
    r = run("check", P1, folder / "answers", "--marks", marks, "--roster", roster, "--gradebook", "gradescope",
            "-o", f"{out}/")
    rows = list(csv.DictReader(io.StringIO((out / "gradebook-gradescope.csv").read_text(encoding="utf-8"))))
    scores = {row["Email"]: float(row["Total Score"]) for row in rows}
    assert scores == {**{f"{n}@uni.example": s for n, (_, s, _) in students.items()}, "absent@uni.example": 0}
    assert (out / "gradebook.csv").exists()


@pytest.mark.parametrize("body, where", [("id,name\na," + "x" * 200_000 + "\n", ":2:1: "),
                                         ('id,name\n"a,b\n', ":2:1: "),
                                         ("\ufeffid,name\ns1,Ann\ns1,Bob\n", ":3: the id 's1' is also on line 2")])
def test_a_roster_is_read_through_the_loaders_limits_with_located_errors(tmp_path, body, where):
    """A cell past Python's CSV field limit, an unclosed quote, a repeated id (after Excel's BOM)."""
    roster = tmp_path / "roster.csv"
    roster.write_text(body, encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("yhat: 0.5\n", encoding="utf-8")
    r = run("check", P1, answers, "--roster", roster)
    assert r.exit_code == 2 and f"roster.csv{where}" in r.output and "internal error" not in r.output, r.output


def test_an_exact_value_written_short_is_right_and_a_rounded_one_is_not(tmp_path):
    """σ(0) = 0.5 exactly: `0.5` is right; 3·σ(0.1) = 1.5749… written `2` has too few digits."""
    problem = tmp_path / "p.yaml"
    problem.write_text('kind: graph\ngiven: {z: 0, u: 0.1, w: 3}\ndefine: {a: "sigmoid(z)", b: "w*sigmoid(u)"}\n'
                       "find: [a, b]\n", encoding="utf-8")
    answers = tmp_path / "a.yaml"
    answers.write_text("a: 0.5\nb: 2\n", encoding="utf-8")
    doc = json.loads(run("check", problem, answers, "--format", "json").stdout)
    right = {v["name"]: v["right"] for v in doc["verdicts"]}
    assert right == {"a": True, "b": False}
    assert 3 / (1 + math.exp(-0.1)) == pytest.approx(1.5749, abs=5e-5)   # b's reference, by hand


def test_forms_a_folder_of_real_files_has_are_graded(tmp_path):
    """A byte-order mark (Windows editors), `name = value`, a stray line of its own (it must not
    swallow the answer above it), an upper-case .YAML extension."""
    ref = p1_reference()
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "bom.yaml").write_text("\ufeff" + answers_text({"yhat": ref["yhat"]}), encoding="utf-8")
    (folder / "equals.yaml").write_text(f"yhat = {ref['yhat']:.6f}\nloss: {ref['loss']:.6f}\n", encoding="utf-8")
    (folder / "stray.yaml").write_text(f"loss: {ref['loss']:.6f}\nI was not sure about the rest\n", encoding="utf-8")
    (folder / "UPPER.YAML").write_text(answers_text({"yhat": ref["yhat"]}), encoding="utf-8")
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(run("check", P1, folder, "--format", "csv").stdout))}
    assert set(rows) == {"bom", "equals", "stray", "UPPER"}
    assert rows["bom"]["yhat"] == "1" and rows["UPPER"]["yhat"] == "1"
    assert rows["equals"]["yhat"] == "1" and rows["equals"]["loss"] == "1"
    assert rows["stray"]["loss"] == "1"


def test_each_variants_own_paper_asks_for_its_variant_line(tmp_path):
    """`solve variants/ --questions` (one paper per variant, as the README says to print them)
    tells each student which variant line to write: the file is listed in variants.json."""
    problem = tmp_path / "adam.yaml"
    problem.write_text(ADAM + "vary:\n  gradients: {range: [-0.9, 0.9], step: 0.1, nonzero: true}\n",
                       encoding="utf-8")
    assert run("vary", problem, "--count", "2", "-o", tmp_path / "v").exit_code == 0
    manifest = json.loads((tmp_path / "v" / "variants.json").read_text(encoding="utf-8"))
    for v in manifest["variants"]:
        paper = run("solve", tmp_path / "v" / v["file"], "--questions").stdout
        assert f"begin with the line variant: {v['variant']}." in " ".join(paper.split())
    assert "variant:" not in run("solve", problem, "--questions").stdout   # not a variant: no such line


def test_a_transposed_matrix_short_of_digits_gets_no_rounding_diagnosis(tmp_path):
    """W3_new ≈ [4, 1] (4 − 0.01·dW3), given transposed and written to 4 significant digits (4 for
    3.9999…): the layout is noted and the digits judged, but no 'rounding carried forward' — the
    values are right under the rule (a TA's review found the false diagnosis)."""
    ref = p1_reference()
    rows = "[" + ", ".join("[" + ", ".join(f"{x:.4g}" for x in row) + "]" for row in ref["W3_new"].T) + "]"
    answers = tmp_path / "a.yaml"
    answers.write_text(f"W3_new: {rows}\n", encoding="utf-8")
    doc = json.loads(run("check", P1, answers, "--format", "json").stdout)
    v = next(v for v in doc["verdicts"] if v["name"] == "W3_new")
    assert not v["right"] and not v.get("diagnosis"), v
