"""Exam variants: the same problem with other numbers, one per student, reproducible by seed.

A problem's `vary:` section says which given numbers may change and how; keys are paths as
error messages write them (`input`, `layers[0].weights`, `learning_rate`):

    vary:
      seed: 7                                      # optional: the default --seed
      input: {integers: [-3, 3]}                   # each entry a random integer, the given shape
      layers[0].weights: {integers: [-2, 2], shape: [4, 3], nonzero: true}
      learning_rate: {range: [0.01, 0.1], step: 0.01}
      target: {choices: [0, 1]}

A `range` or `integers` rule on a list draws every entry; `choices` picks one whole value.
Variant n of seed s is drawn from its own generator (s, n, attempt), so it is the same whatever
--count is. A draw that makes the problem ill-posed is redrawn and the reason counted: it does
not solve (a typed error: a zero denominator, a window larger than its input …), a value is not
finite, a unit saturates (the solution notes it), or an output shape is not a whole number
(a floor or ceil in a shape formula actually rounds).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from dlsolve.errors import DlsolveError, FileError, SpecError, SpecInvalid, describe
from dlsolve.expr import Call, evaluate
from dlsolve.solution import Solution, question_sections
from dlsolve.vary_files import MANIFEST, questions_table, to_yaml

MAX_DRAWS = 100  # per variant, before giving up with the reasons
STEP = "step"    # a range rule's key (range: [a, b], step: s); the word is also a function's name


class VaryError(DlsolveError):
    """A variant could not be drawn well-posed (the reasons counted), or a variants folder is bad."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# -- the vary section ------------------------------------------------------------------------

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\.")


def parse_path(text: str) -> tuple[Any, ...]:
    """'layers[0].weights' → ('layers', 0, 'weights')."""
    out: list[Any] = []
    pos = 0
    for m in _PART.finditer(text):
        if m.start() != pos:
            raise SpecInvalid(f"expected a key path like layers[0].weights, got '{text}'")
        pos = m.end()
        if m.group(1):
            out.append(m.group(1))
        elif m.group(2):
            out.append(int(m.group(2)))
    if pos != len(text) or not out:
        raise SpecInvalid(f"expected a key path like layers[0].weights, got '{text}'")
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """How one given value may change."""

    path: tuple[Any, ...]
    key: str
    range: tuple[float, float] | None = None
    step: float = 1.0
    choices: tuple[Any, ...] | None = None
    integers: tuple[int, int] | None = None
    shape: tuple[int, ...] | None = None
    nonzero: bool = False

    def draw(self, current: Any, rng: np.random.Generator) -> Any:
        if self.choices is not None:
            return copy.deepcopy(self.choices[int(rng.integers(len(self.choices)))])
        shape = self.shape if self.shape is not None else np.shape(current)
        if self.integers is not None:
            first, last = self.integers
            values = [v for v in range(first, last + 1) if v or not self.nonzero]
            arr = rng.choice(values, size=shape)
            return arr.tolist() if shape else int(arr)
        lo, hi = self.range  # type: ignore[misc]  # a rule with neither choices nor integers has a range
        n = int(math.floor((hi - lo) / self.step + 1e-9))
        digits = _decimals(self.step) + _decimals(lo)
        if self.nonzero:  # the grid's points without 0 (a zero weight or rate is no exam value)
            grid = np.round(lo + np.arange(n + 1) * self.step, digits)
            arr = grid[grid != 0][rng.integers(0, int(np.count_nonzero(grid)), size=shape)]
            return _tidy(arr.tolist())
        ks = rng.integers(0, n + 1, size=shape)
        arr = np.round(lo + ks * self.step, digits)
        out = arr.tolist()
        return _tidy(out)


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text:
        mant, exp = text.split("e")
        return max(len(mant.split(".")[1].rstrip("0")) - int(exp), 0) if "." in mant else max(-int(exp), 0)
    return len(text.split(".")[1].rstrip("0"))


def _tidy(v: Any) -> Any:
    """Whole floats as ints (3 rather than 3.0), as a person writes them."""
    if isinstance(v, list):
        return [_tidy(x) for x in v]
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def _number(v: Any, path: tuple[Any, ...]) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SpecError(path, f"expected a number, got {describe(v)}")
    return float(v)


def _pair(v: Any, path: tuple[Any, ...], whole: bool = False) -> tuple[Any, ...]:
    if not isinstance(v, list) or len(v) != 2:
        raise SpecError(path, f"expected [low, high], got {describe(v)}")
    lo, hi = (_number(x, path + (i,)) for i, x in enumerate(v))
    if whole and not (lo.is_integer() and hi.is_integer()):
        raise SpecError(path, f"expected whole numbers [low, high], got {v}")
    if lo > hi:
        raise SpecError(path, f"low {v[0]} is above high {v[1]}")
    return (int(lo), int(hi)) if whole else (lo, hi)


def parse_rules(section: Any, data: Mapping[str, Any]) -> tuple[list[Rule], int | None]:
    """The rules of a `vary:` section, checked against the problem's data, and its seed."""
    if not isinstance(section, dict) or not section:
        raise SpecError(("vary",), f"expected a mapping of key paths to rules, got {describe(section)}")
    seed = section.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise SpecError(("vary", "seed"), f"expected a whole number ≥ 0, got {describe(seed)}")
    rules = []
    for key, spec in section.items():
        if key == "seed":
            continue
        where = ("vary", key)
        try:
            path = parse_path(key)
        except SpecInvalid as exc:
            raise SpecError(where + ("<key>",), exc.message) from None
        current = _get(data, path)
        if current is _MISSING:
            raise SpecError(where + ("<key>",), f"the problem has no value at {key} to vary")
        if not isinstance(spec, dict):
            raise SpecError(where, f"expected a rule (range/step, choices, or integers), got {describe(spec)}")
        unknown = set(spec) - {"range", STEP, "choices", "integers", "shape", "nonzero"}
        if unknown:
            bad = sorted(unknown)[0]
            raise SpecError(where + (bad, "<key>"), f"unknown key '{bad}'; a rule has range and step, choices, "
                                                    "or integers (with shape, nonzero)")
        kinds_given = [k for k in ("range", "choices", "integers") if k in spec]
        if len(kinds_given) != 1:
            raise SpecError(where, "expected exactly one of range, choices, integers")
        rule = Rule(path, key)
        if "range" in spec:
            step = _number(spec.get(STEP, 1), where + (STEP,))
            if step <= 0:
                raise SpecError(where + (STEP,), f"expected a step > 0, got {spec.get(STEP)}")
            rule = dataclasses.replace(rule, range=_pair(spec["range"], where + ("range",)), step=step,
                                       nonzero=bool(spec.get("nonzero", False)))
            if rule.nonzero and rule.range[0] == rule.range[1] == 0:  # type: ignore[index]
                raise SpecError(where + ("range",), "only 0 lies in the range, and nonzero is set")
        elif "choices" in spec:
            if not isinstance(spec["choices"], list) or not spec["choices"]:
                raise SpecError(where + ("choices",), f"expected a list of values, got {describe(spec['choices'])}")
            rule = dataclasses.replace(rule, choices=tuple(spec["choices"]))
        else:
            rule = dataclasses.replace(rule, integers=_pair(spec["integers"], where + ("integers",), whole=True),
                                       nonzero=bool(spec.get("nonzero", False)))
            lo, hi = rule.integers  # type: ignore[misc]
            if rule.nonzero and lo == hi == 0:
                raise SpecError(where + ("integers",), "only 0 lies in the range, and nonzero is set")
        if "shape" in spec:
            shape = spec["shape"]
            if not isinstance(shape, list) or not shape or not all(
                    isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape):
                raise SpecError(where + ("shape",), f"expected a list of sizes ≥ 1, e.g. [3, 2], got {describe(shape)}")
            rule = dataclasses.replace(rule, shape=tuple(shape))
        if rule.choices is None and rule.shape is None and not _numeric(current):
            raise SpecError(where + ("<key>",), f"{key} is {describe(current)}: a range or integers rule needs "
                                                "numbers (or give shape)")
        rules.append(rule)
    if not rules:
        raise SpecError(("vary",), "no value to vary: give at least one key path with a rule")
    return rules, seed


_MISSING = object()


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return data


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _numeric(v: Any) -> bool:
    if isinstance(v, list):
        return bool(v) and all(_numeric(x) for x in v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# -- drawing variants ------------------------------------------------------------------------

@dataclass
class Variant:
    number: int
    seed: int
    draws: int
    data: dict[str, Any]
    solution: Solution


@dataclass
class Draw:
    """What `draw_variants` gives: the variants and the count of each reason a draw was redrawn."""

    variants: list[Variant]
    redrawn: Counter[str] = field(default_factory=Counter)


def ill_posed(solution: Solution) -> str | None:
    """Why a solved variant is not a fair exam problem, or None."""
    for step in solution.steps:
        if step.value is not None:
            try:
                arr = np.asarray(step.value, dtype=float)
            except (TypeError, ValueError):
                arr = None
            if arr is not None and not np.all(np.isfinite(arr)):
                return "a value is not finite (a zero denominator or the log of 0)"
        for node in (n for form in step.forms for n in form.walk()):
            if isinstance(node, Call) and node.fn.saturates and node.args:
                try:
                    z = np.asarray(evaluate(node.args[0], step.bindings), dtype=float)
                except Exception:  # noqa: BLE001 - a symbol the step does not bind: nothing to judge
                    continue
                if node.fn.saturated(z):  # the record's slope (σ' or tanh') below its threshold
                    return "a saturated unit"
            if isinstance(node, Call) and node.fn.rounds and node.args:
                try:
                    inner = np.asarray(evaluate(node.args[0], step.bindings), dtype=float)
                except Exception:  # noqa: BLE001 - a symbol the step does not bind: nothing to judge
                    continue
                if not np.all(np.abs(inner - np.round(inner)) < 1e-9):
                    return "an output shape is not a whole number (floor/ceil rounds it)"
    return None


def _reason(err: Exception) -> str:
    """A redraw's reason from a solve error: its first line, with its real numbers."""
    msg = getattr(err, "message", None) or str(err)
    return "does not solve: " + re.sub(r"^<dict>(:\d+)*: ", "", str(msg).splitlines()[0])


def _kind(reason: str) -> str:
    """A reason with the numbers of its draw left out, to count the draws that failed alike."""
    return re.sub(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", "#", reason)


def draw_variants(problem_data: dict[str, Any], rules: list[Rule], count: int, seed: int,
                  solve: Any, judge: Any = None) -> Draw:
    """`count` well-posed variants. `solve(data)` solves a draw (raises on a bad one); `judge` may refuse it."""
    out = Draw([])
    for n in range(1, count + 1):
        reasons: Counter[str] = Counter()
        example: dict[str, str] = {}  # a reason, as its first draw gave it, for each kind of failure
        for attempt in range(MAX_DRAWS):
            rng = np.random.default_rng([seed, n, attempt])
            data = copy.deepcopy(problem_data)
            for rule in rules:
                _set(data, rule.path, rule.draw(_get(data, rule.path), rng))
            try:
                solution = solve(data)
            except (DlsolveError, SpecInvalid, ArithmeticError, ValueError) as err:
                reason = _reason(err)
                reasons[example.setdefault(_kind(reason), reason)] += 1
                continue
            why = ill_posed(solution) or (judge(data, solution) if judge is not None else None)
            if why is not None:
                reasons[why] += 1
                continue
            out.variants.append(Variant(n, seed, attempt + 1, data, solution))
            out.redrawn.update(reasons)
            break
        else:
            listed = "; ".join(f"{c}× {r}" for r, c in reasons.most_common(3))
            advice = ("change the `vary:` rules so that a draw fits the problem (the first such draw's message "
                      "is quoted)" if any(r.startswith("does not solve") for r in reasons) else
                      "widen the ranges, or narrow them away from the values that fail")
            raise VaryError(f"variant {n}: no well-posed draw in {MAX_DRAWS} tries ({listed}); {advice}")
    return out


# -- writing and reading -------------------------------------------------------------------

def variant_file(stem: str, number: int, width: int) -> str:
    return f"{stem}-v{number:0{width}d}.yaml"


def question_sheet(solution: Solution) -> Solution:
    """The problem as set, for a format without sheets (JSON, CSV): its given blocks, no answers."""
    return dataclasses.replace(solution, sections=question_sections(solution), answers=())


class VariantSet:
    """A folder written by `dlsolve vary`: its manifest, and each variant's solution on demand."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder, self.manifest = folder, manifest
        self.files = {int(v["variant"]): folder / v["file"] for v in manifest["variants"]}
        self._solved: dict[int, tuple[Any, ...]] = {}

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> "VariantSet":
        folder = Path(folder)
        path = folder / MANIFEST
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            manifest["variants"]  # noqa: B018 - the key must be there
        except FileNotFoundError:
            raise FileError(str(folder), f"is a folder without {MANIFEST}; give a problem file, or a folder "
                                         "written by `dlsolve vary`") from None
        except (ValueError, KeyError, TypeError):
            raise FileError(str(path), "is not a manifest written by `dlsolve vary`") from None
        return cls(folder, manifest)

    @property
    def title(self) -> str:
        return str(self.manifest.get("title") or self.manifest.get("problem") or "variants")

    def solved(self, number: int) -> tuple[Any, ...]:
        """(solution, alternatives) of variant `number`, solved once."""
        if number not in self._solved:
            from dlsolve.kinds import SolveOptions
            from dlsolve.load import load_problem
            from dlsolve.marking import Alternatives
            from dlsolve.sheets import solve_located

            problem = load_problem(str(self.files[number]))
            self._solved[number] = (solve_located(problem, SolveOptions()), Alternatives.of(problem))
        return self._solved[number]

    def pick(self, given: dict[str, Any]) -> tuple[Any, ...]:
        """The (solution, alternatives) of the variant an answers file names (`variant: 7`); the
        key is removed from `given`."""
        if "variant" not in given:
            raise SpecError((), "missing key 'variant' (which exam variant these answers are for, e.g. "
                                f"variant: 7; this folder has {min(self.files)}–{max(self.files)})")
        number = given.pop("variant")
        if isinstance(number, bool) or not isinstance(number, int) or number not in self.files:
            raise SpecError(("variant",), f"expected a variant number {min(self.files)}–{max(self.files)}, "
                                          f"got {describe(number)}")
        return self.solved(number)

    def __iter__(self) -> Iterator[int]:
        return iter(sorted(self.files))


@dataclass
class Written:
    folder: Path
    files: list[str]
    sheets: list[str]
    draw: Draw


SHEET_FORMAT = "markdown"  # the question sheet's and answer key's format unless --format says


def write_variants(file: str, count: int, seed: int | None, folder: str | Path, fmt: str | None = None,
                   precision: int = 4) -> Written:
    """`dlsolve vary`: draw `count` variants of the problem in `file` and write one problem file
    each, the manifest, a combined question sheet and the answer key in format `fmt`."""
    from dlsolve.kinds import SolveOptions
    from dlsolve.load import load_data, load_text, parse_data, read_text
    from dlsolve.render import renderer
    from dlsolve.sheets import solve_located
    from dlsolve.slips import Judge

    name, text = read_text(file)
    problem = load_text(text, name)  # the base problem must itself be valid
    source = problem.source
    raw = parse_data(text, name)
    if "vary" not in raw:
        raise source.locate(SpecError((), "the problem has no `vary:` section saying which numbers may change"))
    base = {k: v for k, v in raw.items() if k != "vary"}
    try:
        rules, file_seed = parse_rules(raw["vary"], base)
    except SpecError as err:
        raise source.locate(err) from None
    seed = seed if seed is not None else (file_seed if file_seed is not None else 0)
    titled = "title" in problem.module.Spec.model_fields
    stem = Path(name).stem if file != "-" else "problem"
    base_title = base.get("title") or stem

    def solve(data: dict[str, Any]) -> Solution:
        return solve_located(load_data(data), SolveOptions())

    def with_title(data: dict[str, Any], n: int) -> dict[str, Any]:
        return {**data, "title": f"{base_title} — variant {n}"} if titled else data

    drawn = draw_variants(base, rules, count, seed, solve, judge := Judge(base))  # slips told apart
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(count)))
    files, solutions = [], []
    for v in drawn.variants:
        data = with_title(v.data, v.number)
        fname = variant_file(stem, v.number, width)
        header = (f"# Variant {v.number} of {name}: dlsolve vary --seed {seed} (draw {v.draws}).\n"
                  f"# Students answering it write `variant: {v.number}` in their answers file.\n")
        (out / fname).write_text(header + to_yaml(data), encoding="utf-8")
        files.append(fname)
        solutions.append(dataclasses.replace(v.solution, title=data["title"] if titled else v.solution.title,
                                             variant=v.number))
    manifest = {"problem": name, "title": base_title, "seed": seed, "count": count,
                "variants": [{"variant": v.number, "file": f, "draws": v.draws,
                              # every kept draw was judged, so `of` finds it
                              "tells_apart": judge.of(v.data).apart}  # type: ignore[union-attr]
                             for v, f in zip(drawn.variants, files)],
                "redrawn": dict(drawn.redrawn.most_common())}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sheets = []
    cls = renderer(fmt or SHEET_FORMAT)
    for label, mode in (("questions", "questions"), ("answer-key", "full")):  # the exam paper, the key
        sols = solutions if cls.format.sheets or mode == "full" else [question_sheet(s) for s in solutions]
        rend = cls(precision=precision, mode=mode) if cls.format.sheets else cls(precision=precision)
        target = f"{label}{cls.format.suffix}"
        title = f"{base_title}: {'questions' if label == 'questions' else 'answer key'}, {count} variants"
        text = (questions_table(rend, [(v.number, f, v.data) for v, f in zip(drawn.variants, files)],
                                [(r.key, r.path) for r in rules]) if label == "questions" and
                cls.format.tabular else rend.render_combined(sols, title=title))
        (out / target).write_text(text, encoding="utf-8")
        sheets.append(target)
    return Written(out, files, sheets, drawn)
