"""The Gradescope autograder's run (`python3 -m dlsolve.export.autograde ROOT`, ROOT = /autograder).

It runs `dlsolve check` on the student's answers file (in ROOT/submission) against their variant
and writes ROOT/results/results.json in Gradescope's format: one test per asked answer (`name`,
`score`, `max_score`, `status`, `output` = verdict, diagnosis, follow-through), the total, the
first wrong answer. The variant is the file's `variant:`; when it has none, one is derived from the
student's Gradescope id (submission_metadata.json), the same for every upload. A submission that
cannot be read gets a result that says what to fix (score 0), never a crash; one with no answers
(no file, an empty file, only comments or a `variant:` line) is called an empty submission.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

SUFFIXES = (".yaml", ".yml")


def variant_for(user_id: Any, numbers: list[int]) -> int:
    """A student's variant from their Gradescope id: the same id always gives the same variant."""
    digest = hashlib.sha256(str(user_id).encode("utf-8")).hexdigest()
    return sorted(numbers)[int(digest, 16) % len(numbers)]


def _answers_file(submission: Path) -> Optional[Path]:
    files = sorted(f for f in submission.rglob("*") if f.is_file() and f.suffix in SUFFIXES) if submission.is_dir() else []
    named = [f for f in files if f.stem == "answers"]
    pick = named or files
    return pick[0] if pick else None


def _fail(message: str, max_score: float) -> dict[str, Any]:
    return {"score": 0.0, "output": message, "output_format": "text",
            "tests": [{"name": "answers file", "score": 0.0, "max_score": max_score, "status": "failed",
                       "output": message}]}


def _has_variant(text: str, names: list[str]) -> bool:
    """The file names its variant — or means to (`Variant:`, `varaint:`: check says "did you mean
    `variant`?", which beats grading against a variant derived from the student's id)."""
    from dlsolve.answers_file import META
    from dlsolve.marking import meant

    keys = [line.split("#")[0].partition(":")[0].strip() for line in text.splitlines() if ":" in line.split("#")[0]]
    return any(k and meant(k, names + list(META)) == "variant" for k in keys)


def _test(v: dict[str, Any], number: int, first_wrong: list[dict[str, Any]]) -> dict[str, Any]:
    right = bool(v.get("right"))
    yours = v.get("written") if v.get("written") is not None else v.get("given")
    lines = [f"{v.get('verdict', '✗')}  yours: {'—' if yours in (None, '') else _show(yours)}"]
    if not right and v.get("reference_rounded") is not None:
        lines.append(f"reference rounded as yours: {_show(v['reference_rounded'])}")
    if v.get("wrong_entries"):
        lines.append("wrong entries: " + ", ".join(v["wrong_entries"]))
    if v.get("not_graded"):
        lines.append("not graded: " + str(v["not_graded"]))
    if v.get("diagnosis"):
        lines.append("why: " + str(v["diagnosis"]))
    if v.get("follow_through") and not right:
        lines.append("right from your own earlier answers: credit carried forward")
    for w in first_wrong:
        if w.get("answer") == v["name"]:
            lines.append("the first wrong answer: its step is in the report above")
        elif v["name"] in (w.get("follows") or []):
            lines.append(f"follows from your {w['answer']}")
    return {"name": v["name"], "number": str(number), "score": float(v.get("earned") or 0.0),
            "max_score": float(v.get("points") or 0.0), "status": "passed" if right else "failed",
            "output": "\n".join(lines)}


def _show(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_show(y) for y in x) + "]"
    return str(x)


def grade(root: Path) -> dict[str, Any]:
    """The results of the submission in ROOT (nothing written)."""
    source = root / "source"
    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    asked: list[str] = config.get("answers") or []
    worth: dict[str, float] = config.get("points") or {}
    max_score = float(sum(worth.get(n, 1.0) for n in asked)) or 1.0
    answers = _answers_file(root / "submission")
    upload = ("upload a YAML file (answers.yaml) with one line per answer, `name: value`"
              + (", and `variant: N` (your variant's number)" if config["problem"] == "variants" else "") + ".")
    if answers is None:
        return _fail(f"Empty submission. No answers file found: {upload}", max_score)
    text = answers.read_text(encoding="utf-8", errors="replace")
    variant = None
    with tempfile.TemporaryDirectory(prefix="dlsolve-autograde-") as tmp:
        if config["problem"] == "variants" and not _has_variant(text, asked):
            meta_file = root / "submission_metadata.json"
            users = json.loads(meta_file.read_text(encoding="utf-8")).get("users", []) if meta_file.is_file() else []
            if not users:
                return _fail("Your answers file has no `variant: N` line: add the number of your variant.", max_score)
            variant = variant_for(users[0].get("id", users[0].get("email")), config["variants"])
            answers = Path(tmp) / "answers.yaml"
            answers.write_text(f"variant: {variant}\n" + text, encoding="utf-8")
        cmd = [sys.executable, "-m", "dlsolve", "check", str(source / config["problem"]), str(answers)]
        if config.get("follow_through"):
            cmd.append("--follow-through")
        if config.get("marks"):
            cmd += ["--marks", str(source / config["marks"])]
        elif asked:  # the answers the export asked (--answer), at their points: no others are graded
            scheme = Path(tmp) / "marks.yaml"
            scheme.write_text(json.dumps({"points": {n: worth.get(n, 1.0) for n in asked}}), encoding="utf-8")
            cmd += ["--marks", str(scheme)]
        done = subprocess.run(cmd + ["--format", "json"], capture_output=True, text=True, timeout=600)
        report = _report(done.stdout)
        # the marker's report (first wrong answer, the step that produces it) in Unicode text
        sheet = subprocess.run(cmd + ["--format", "text"], capture_output=True, text=True, timeout=600).stdout \
            if report.get("verdicts") else ""
    if done.returncode not in (0, 1) and not report.get("verdicts"):  # nothing could be graded
        from dlsolve.marking.klass import EMPTY

        if report.get("status") == EMPTY:  # check's own rule: no answers, only comments or `variant:`
            return _fail(f"Empty submission: {answers.name} has no answers; {upload}", max_score)
        why = done.stderr.strip() or "dlsolve check could not read it"
        return _fail(f"Your answers file could not be graded; fix it and upload it again:\n{why}", max_score)
    if done.returncode not in (0, 1):  # graded, but some answers could not be read: each scores 0, said first
        sheet = ("Some answers could not be read (0 points each); fix them and upload again:\n"
                 + done.stderr.strip() + "\n\n" + sheet)
    verdicts = [v for v in report.get("verdicts", []) if not asked or v["name"] in asked]  # one test per asked answer
    tests = [_test(v, k, report.get("first_wrong") or []) for k, v in enumerate(verdicts, 1)]
    given = {v["name"] for v in verdicts}
    for name in asked:
        if name not in given:
            tests.append({"name": name, "number": str(len(tests) + 1), "score": 0.0,
                          "max_score": float(worth.get(name, 1.0)), "status": "failed",
                          "output": "no answer given"})
    number = variant if variant is not None else _variant_in(text)
    head = f"Score {report.get('score', 0):g} of {report.get('max_score', 0):g}" + \
        (f" (variant {number})" if number is not None else "") + "."
    return {"score": float(report.get("score", 0.0)), "output": head + "\n\n" + sheet,
            "output_format": "text", "extra_data": {"variant": number}, "tests": tests}


def _report(text: str) -> dict[str, Any]:
    """check's JSON report of the submission ({} when it wrote none)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _variant_in(text: str) -> Optional[int]:
    for line in text.splitlines():
        key, _, value = line.split("#")[0].partition(":")
        if key.strip() == "variant":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else "/autograder")
    try:
        results = grade(root)
    except Exception as exc:  # noqa: BLE001 - the student must still get a result, and the TA the reason
        results = _fail(f"The autograder failed ({type(exc).__name__}: {exc}); your submission was not graded. "
                        "Please tell your instructor.", 0.0)
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
