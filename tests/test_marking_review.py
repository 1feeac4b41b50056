"""The TA review of marking a class: the report at 80 columns, a wrong variant, the gradebook in
roster order, an empty Gradescope submission, a mistyped `variant:` key, and each alternative
solved once. Every number is computed here, by hand, not by the code under test."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from tests.test_marking_class import P1, adam_variants, answers_text, p1_reference, run


def _section(report: str, title: str) -> list[str]:
    """The lines of one section of a text report (from its title to the next title)."""
    lines = report.splitlines()
    start = lines.index(title)
    end = next((k for k in range(start + 2, len(lines)) if lines[k] and not lines[k].startswith(" ")
                and lines[k + 1:k + 2] and set(lines[k + 1]) == {"─"}), len(lines))
    return lines[start + 2:end]


def test_the_verdict_table_reads_as_one_table_at_80_columns(tmp_path, monkeypatch):
    ref = p1_reference()
    dW2 = ref["dW2"] + 0.5                                   # a wrong 3×2 matrix: the widest cells
    path = tmp_path / "s1.yaml"
    path.write_text(answers_text({"z1": ref["z1"], "yhat": 0.9, "dW2": dW2, "W3_new": ref["W3_new"]}, 4),
                    encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "80")
    out = run("check", P1, path, "--follow-through").stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    table = _section(out, "Verdicts")
    heads = [line for line in table if line.lstrip().startswith("answer")]
    assert len(heads) == 1, "\n".join(table)                 # one table, not folded into parts
    rows = {line.split()[0]: line for line in table if line.startswith("  ") and line.split()[0] in
            ("z1", "yhat", "dW2", "W3_new")}
    assert set(rows) == {"z1", "yhat", "dW2", "W3_new"}
    yhat = float(ref["yhat"])
    rel = abs(0.9 - yhat) / yhat
    # yhat's row: ✗, 0.9000 as written, the reference to 4 decimals, and the relative error (4 digits)
    assert rows["yhat"].split()[1:5] == ["✗", "0.9000", f"{yhat:.4f}", f"{rel:.4g}"]
    assert rows["z1"].split()[1] == "✓" and rows["W3_new"].split()[1] == "✓"
    # the wrong matrix's rounded reference is in its (wrapped) cell: its first entry to 4 decimals
    assert f"[[{ref['dW2'][0, 0]:.4f},".replace("-", "−") in rows["dW2"]


def test_a_wrong_variant_is_said_marked_against_the_named_one_and_kept_out_of_the_slips(tmp_path, monkeypatch):
    from tests.test_marking_class import ADAM_ASKED, adam

    grads = adam_variants(tmp_path)
    two, three = adam(grads[2]), adam(grads[3])
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "mixup.yaml").write_text("variant: 2\n" + answers_text({k: three[k] for k in ADAM_ASKED}, 8),
                                        encoding="utf-8")
    doc = json.loads(run("check", tmp_path / "v", answers, "--format", "json").stdout)
    got = doc["students"][0]
    # marked against variant 2, as the file says: right only where variant 3's value rounds to variant 2's
    right = sum(bool(np.all(np.abs(np.round(three[k], 8) - two[k]) <= 0.5e-8 * (1 + 1e-9) + 1e-15))
                for k in ADAM_ASKED)
    assert got["status"] == "wrong variant" and got["variant"] == 2 and got["score"] == right
    assert "fit variant 3" in got["other_variant"]
    assert got["first_wrong"] == [] and all(v["diagnosis"] is None for v in got["verdicts"])
    monkeypatch.setenv("COLUMNS", "80")
    r = run("check", tmp_path / "v", answers / "mixup.yaml")
    assert r.exit_code == 1                                   # read, and wrong: not "could not be read"
    report = r.stdout
    said = " ".join(" ".join(_section(report, "Wrong variant")).split())
    assert "fit variant 3" in said and "Marked against variant 2" in said
    assert "Where it went wrong" not in report and "What explains a wrong value" not in report
    (answers / "other.yaml").write_text("variant: 3\n" + answers_text({k: -three[k] for k in ADAM_ASKED}, 8),
                                        encoding="utf-8")
    summary = run("check", tmp_path / "v", answers).stdout
    slips = " ".join(" ".join(_section(summary, "Slips found")).split())
    # the sign slip of `other` is counted once; nothing from the mix-up's walk through variant 2
    assert "the sign is flipped" in slips and "no diagnosis" not in slips, slips
    counts = [line.split()[-1] for line in _section(summary, "Slips found")[2:]
              if line.split() and line.split()[-1].isdigit()]
    assert counts == ["1"], slips
    assert "1 wrong variant" in " ".join(summary.split())


def test_gradebook_rows_follow_the_roster_then_the_files_of_no_roster_student(tmp_path):
    ref = p1_reference()
    answers = tmp_path / "answers"
    answers.mkdir()
    right = {"z1": ref["z1"], "a1": ref["a1"], "z2": ref["z2"], "yhat": ref["yhat"]}
    # file name → how many of its four answers are right (the others are off by 0.5)
    files = {"a": 1, "b": 2, "c": 3, "extra": 4}
    for name, k in files.items():
        values = {n: v if i < k else np.asarray(v) + 0.5 for i, (n, v) in enumerate(right.items())}
        (answers / f"{name}.yaml").write_text(answers_text(values, 6), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nc,Cy C,c@uni.edu\nabsent,Al Absent,absent@uni.edu\na,Ann A,a@uni.edu\n"
                      "b,Bo B,b@uni.edu\n", encoding="utf-8")
    order = ["c", "absent", "a", "b", "extra"]
    score = {"c": 3, "absent": 0, "a": 1, "b": 2, "extra": 4}
    book = list(csv.reader(io.StringIO(run("check", P1, answers, "--roster", roster, "--format", "csv").stdout)))
    head = book[0]
    assert [r[0] for r in book[1:]] == order
    assert {r[0]: int(r[head.index("score")]) for r in book[1:]} == score
    assert book[2][head.index("status")] == "no file"
    lms = {"moodle": (1, 0, 4), "canvas": (2, 2, 5), "gradescope": (1, 1, 3)}  # (rows skipped, id column, score)
    for platform, (skip, id_col, score_col) in lms.items():
        rows = list(csv.reader(io.StringIO(run("check", P1, answers, "--roster", roster, "--gradebook",
                                               platform).stdout)))[skip:]
        assert [r[id_col] for r in rows] == order, platform
        assert [float(r[score_col]) for r in rows] == [score[s] for s in order], platform
    doc = json.loads(run("check", P1, answers, "--roster", roster, "--format", "json").stdout)
    assert [s["student"] for s in doc["students"]] == order


def _autograder_root(tmp_path):
    """A Gradescope /autograder tree for P1 asking loss (2 points) and yhat (1), as the export writes it."""
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / "problem.yaml").write_text(P1.read_text(encoding="utf-8"), encoding="utf-8")
    config = {"problem": "problem.yaml", "title": "p1", "answers": ["loss", "yhat"], "points": {"loss": 2, "yhat": 1},
              "variants": [1], "follow_through": False, "marks": None}
    (root / "source" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return root


def test_an_empty_submission_is_called_empty_on_gradescope_and_in_the_gradebook(tmp_path):
    from dlsolve.export.autograde import grade

    root = _autograder_root(tmp_path)
    for body in ("", "# I ran out of time\n\n", "student: s1\n"):
        (root / "submission" / "answers.yaml").write_text(body, encoding="utf-8")
        result = grade(root)
        assert result["score"] == 0.0 and result["output"].startswith("Empty submission"), (body, result["output"])
        assert [t["max_score"] for t in result["tests"]] == [3.0]        # loss 2 + yhat 1
    (root / "submission" / "answers.yaml").unlink()
    assert grade(root)["output"].startswith("Empty submission")
    # the class gradebook's status and an LMS's feedback say it too
    answers = tmp_path / "answers"
    answers.mkdir()
    (answers / "s1.yaml").write_text("", encoding="utf-8")
    (answers / "s2.yaml").write_text("student: s2\n# nothing\n", encoding="utf-8")
    book = list(csv.DictReader(io.StringIO(run("check", P1, answers, "--format", "csv").stdout)))
    assert [(r["student"], r["status"], r["score"]) for r in book] == [("s1", "empty submission", "0"),
                                                                        ("s2", "empty submission", "0")]
    moodle = list(csv.reader(io.StringIO(run("check", P1, answers, "--gradebook", "moodle").stdout)))
    assert all("empty submission" in row[-1] for row in moodle[1:])


def test_a_capitalised_or_mistyped_variant_key_gets_a_did_you_mean(tmp_path):
    from tests.test_marking_class import ADAM_ASKED, adam

    grads = adam_variants(tmp_path)
    three = adam(grads[3])
    answers = tmp_path / "answers"
    answers.mkdir()
    body = answers_text({k: three[k] for k in ADAM_ASKED}, 8)
    for name, head in (("capital", "Variant: 3"), ("typo", "varaint: 3"), ("student", "Student: s9\nvariant: 3")):
        (answers / f"{name}.yaml").write_text(head + "\n" + body, encoding="utf-8")
    r = run("check", tmp_path / "v", answers, "--format", "json")
    got = {s["file"].rsplit("/", 1)[-1]: s for s in json.loads(r.stdout)["students"]}
    for name, key in (("capital", "Variant"), ("typo", "varaint")):
        why = " ".join(got[f"{name}.yaml"]["not_graded"])
        assert f"line 1: {key}: no key is called `{key}`; did you mean `variant`?" in why, why
        assert got[f"{name}.yaml"]["status"] == "no such variant"         # read as written, as answer names are
        n = len(ADAM_ASKED)                                               # the mistyped key is no answer given
        assert f"fit variant 3 ({n} of {n} right there)" in got[f"{name}.yaml"]["other_variant"]
    s9 = got["student.yaml"]
    assert "did you mean `student`?" in " ".join(s9["not_graded"]) and s9["variant"] == 3
    assert not any("Student" in v["name"] for v in s9["verdicts"])      # not graded as an answer too
    assert "capital.yaml:1:1: Variant: no key is called `Variant`; did you mean `variant`?" in r.stderr


def _solves(monkeypatch, module):
    """A list that grows by one (the options' `round`) each time `module.solve` runs."""
    calls = []
    real = module.solve

    def counted(spec, options=None):
        calls.append(getattr(options, "round", None))
        return real(spec, options)

    monkeypatch.setattr(module, "solve", counted)
    return calls


def test_check_solves_an_optimizer_again_only_under_the_conventions_that_change_it(tmp_path, monkeypatch):
    import dlsolve.kinds.optimizer as optimizer
    from tests.test_marking_class import ADAM, adam

    sgd = tmp_path / "sgd.yaml"
    sgd.write_text((P1.parent / "opt-sgd-objective.yaml").read_text(encoding="utf-8")
                   .replace("iterations: 5", "iterations: 40"), encoding="utf-8")
    w = 0.5
    for _ in range(40):                                   # f(w) = (w − 3)² + 0.5·w, f'(w) = 2(w − 3) + 0.5
        w -= 0.1 * (2 * (w - 3) + 0.5)
    (tmp_path / "a.yaml").write_text(f"weight: {w + 1:.4f}\n", encoding="utf-8")   # wrong by 1: no slip explains it
    calls = _solves(monkeypatch, optimizer)
    doc = json.loads(run("check", sgd, tmp_path / "a.yaml", "--format", "json").stdout)
    assert doc["verdicts"][0]["verdict"] == "✗" and abs(doc["verdicts"][0]["reference"] - w) < 1e-9
    assert calls == [None]                    # solved once: no optimizer convention changes SGD
    # Adam: again under each of its two conventions (ε placement, bias correction), once each
    adam_file = tmp_path / "adam.yaml"
    adam_file.write_text(ADAM, encoding="utf-8")
    inside = adam([0.5, -0.3, 0.2, 0.4], eps_inside=True)
    (tmp_path / "b.yaml").write_text(f"weight: {inside['weight']:.6f}\n", encoding="utf-8")
    calls.clear()
    doc = json.loads(run("check", adam_file, tmp_path / "b.yaml", "--format", "json").stdout)
    assert "epsilon_placement: inside" in doc["verdicts"][0]["diagnosis"]       # the diagnosis is still found
    assert calls.count(None) == 1 + 2 and all(c is None for c in calls[:3])


def test_gradescope_grades_the_asked_answers_and_what_it_could_read(tmp_path):
    from dlsolve.export.autograde import grade

    root = _autograder_root(tmp_path)
    ref = p1_reference()
    # yhat right, loss mistyped (no answer name), z1 wrong: only loss (2) and yhat (1) are asked
    (root / "submission" / "answers.yaml").write_text(
        f"yhat: {ref['yhat']:.4f}\nLoss: {ref['loss']:.4f}\nz1: [1, 2, 3]\n", encoding="utf-8")
    result = grade(root)
    tests = {t["name"]: t for t in result["tests"]}
    assert set(tests) == {"loss", "yhat"}                                   # one test per asked answer
    assert (tests["yhat"]["score"], tests["yhat"]["max_score"]) == (1.0, 1.0)
    assert (tests["loss"]["score"], tests["loss"]["max_score"]) == (0.0, 2.0)
    assert "did you mean 'loss'?" in tests["loss"]["output"]
    assert result["score"] == 1.0 and result["output"].startswith("Score 1 of 3.")
    assert "Some answers could not be read" in result["output"]


def test_gradescope_does_not_derive_a_variant_over_a_mistyped_variant_key(tmp_path):
    from dlsolve.export.autograde import grade, variant_for
    from tests.test_marking_class import ADAM_ASKED, adam

    grads = adam_variants(tmp_path)
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    (root / "source" / "variants").symlink_to(tmp_path / "v")
    config = {"problem": "variants", "title": "adam", "answers": ["weight"], "points": {"weight": 1},
              "variants": sorted(grads), "follow_through": False, "marks": None}
    (root / "source" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": 77, "email": "s@u.edu"}]}))
    mine = 3 if variant_for(77, sorted(grads)) != 3 else 2                  # not the variant the id gives
    body = answers_text({k: adam(grads[mine])[k] for k in ADAM_ASKED}, 8)
    (root / "submission" / "answers.yaml").write_text(f"Variant: {mine}\n" + body, encoding="utf-8")
    result = grade(root)
    assert result["score"] == 0.0 and "did you mean `variant`?" in result["output"], result["output"]
    (root / "submission" / "answers.yaml").write_text(f"variant: {mine}\n" + body, encoding="utf-8")
    assert grade(root)["score"] == 1.0
