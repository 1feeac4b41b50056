"""PrairieLearn: one question folder per problem — `info.json` (uuid, type v3, title, topic, tags),
`question.html` (a `pl-number-input` per scalar answer, a `pl-matrix-component-input` per array,
tolerances from the marking rule, the givens typeset) and `server.py`.

`server.py` carries the problem's variants baked in (PrairieLearn needs no dlsolve): `generate()`
picks one from the variant seed and sets the params and correct answers; `grade()` adds, for a
wrong value that equals a slip dlsolve can diagnose for that variant, check's sentence as feedback.
The topic is the problem's kind: add it to the course's `infoCourse.json` topics.
"""

from __future__ import annotations

import json
import uuid
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from dlsolve.export.bank import Blank, Options, Problem, Variant, asked_sentence

SERVER = '''\
"""PrairieLearn server of a dlsolve problem (TITLE), its variants baked in: no dlsolve needed here.

generate() picks a variant from data["variant_seed"]; grade() adds dlsolve's diagnosis of a wrong
value (a flipped sign, a transposed matrix, another convention, rounding) as feedback.
"""

import json

TITLE = {title!r}
VARIANTS = json.loads({variants!r})  # {count} variant(s)


def _to_pl(value):
    """A correct answer as the elements read it: a number, or an array (prairielearn.to_json)."""
    if not isinstance(value, list):
        return value
    try:
        import numpy as np
        import prairielearn as pl

        return pl.to_json(np.array(value, dtype=float))
    except ImportError:
        return {{"_type": "ndarray", "_value": value, "_dtype": "float64"}}


def _numbers(value):
    """A submitted value as a flat list of floats (None when it is not numbers)."""
    if isinstance(value, dict) and "_value" in value:
        value = value["_value"]
    out = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for x in v:
                walk(x)
        else:
            out.append(float(v))

    try:
        walk(value)
    except (TypeError, ValueError):
        return None
    return out


def _variant(number):
    return next(v for v in VARIANTS if v["number"] == number)


def generate(data):
    v = VARIANTS[int(data.get("variant_seed", 0)) % len(VARIANTS)]
    data["params"]["variant"] = v["number"]
    data["params"]["question_html"] = v["question_html"]
    data["params"]["solution_html"] = v["solution_html"]
    data["params"]["atol"] = {{name: a["atol"] for name, a in v["answers"].items()}}
    for name, a in v["answers"].items():
        data["correct_answers"][name] = _to_pl(a["value"])


def grade(data):
    v = _variant(data["params"]["variant"])
    notes = []
    for name, a in v["answers"].items():
        part = data["partial_scores"].get(name)
        if part is None or (part.get("score") or 0) >= 1:
            continue
        given = _numbers(data["submitted_answers"].get(name))
        if given is None:
            continue
        for slip in a["slips"]:
            want = _numbers(slip["value"])
            if len(want) == len(given) and all(abs(g - w) <= m for g, w, m in zip(given, want, a["margins"])):
                if not isinstance(slip["value"], list):  # a matrix input keeps its per-entry feedback
                    part["feedback"] = slip["feedback"]
                data["feedback"][name] = slip["feedback"]
                notes.append(name + ": " + slip["feedback"])
                break
    if notes:
        data["feedback"]["dlsolve"] = "; ".join(notes)
'''


def _plain(a: np.ndarray) -> Any:
    return a.tolist() if a.ndim else float(a)


def _matrix(a: np.ndarray) -> np.ndarray:
    """A vector as one row: the matrix input takes a matrix."""
    return a.reshape(1, -1) if a.ndim == 1 else a


def variant_data(v: Variant) -> dict[str, Any]:
    answers = {}
    for b in v.blanks:
        shaped = b.value if b.value.ndim == 0 else _matrix(b.value)
        answers[b.name] = {
            "value": _plain(shaped), "atol": float(np.min(b.margin)), "margins": np.ravel(b.margin).tolist(),
            "slips": [{"label": s.label, "value": _plain(s.value if s.value.ndim == 0 else _matrix(s.value)),
                       "feedback": s.sentence} for s in b.slips]}
    return {"number": v.number, "question_html": v.question, "solution_html": v.worked, "answers": answers}


def element(b: Blank) -> str:
    label = escape(b.label + " =", quote=True)
    common = (f'answers-name="{b.name}" label="{label}" comparison="relabs" rtol="0" '
              f'atol="{{{{params.atol.{b.name}}}}}" weight="{max(1, round(b.points))}"')  # elements read a whole weight
    if b.value.ndim == 0:
        return f"<pl-number-input {common}></pl-number-input>"
    return f'<pl-matrix-component-input {common} allow-partial-credit="true"></pl-matrix-component-input>'


def question_html(problem: Problem, options: Options) -> str:
    first = problem.variants[0]
    return "\n".join([
        "<pl-question-panel>",
        "{{{params.question_html}}}",
        f"<p>{asked_sentence(options.decimals)}</p>",
        "</pl-question-panel>",
        *(element(b) for b in first.blanks),
        "<pl-submission-panel>{{#feedback.dlsolve}}<p>{{feedback.dlsolve}}</p>{{/feedback.dlsolve}}</pl-submission-panel>",
        "<pl-answer-panel>{{{params.solution_html}}}</pl-answer-panel>",
    ]) + "\n"


def info(problem: Problem) -> dict[str, Any]:
    kind = problem.variants[0].solution.kind
    return {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"dlsolve:{problem.stem}:{problem.seed}")),
            "type": "v3", "title": problem.title, "topic": kind, "tags": ["dlsolve", kind],
            "singleVariant": len(problem.variants) == 1, "partialCredit": True, "showCorrectAnswer": True}


def write(problems: list[Problem], out: Path, options: Options) -> list[Path]:
    """OUT is a folder (a course's questions/…); one question folder per problem in it."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for problem in problems:
        folder = out / problem.stem
        folder.mkdir(exist_ok=True)
        (folder / "info.json").write_text(json.dumps(info(problem), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (folder / "question.html").write_text(question_html(problem, options), encoding="utf-8")
        baked = json.dumps([variant_data(v) for v in problem.variants], ensure_ascii=False)
        (folder / "server.py").write_text(SERVER.format(title=problem.title, count=len(problem.variants),
                                                        variants=baked), encoding="utf-8")
        written.append(folder)
    return written
