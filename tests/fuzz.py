"""Fuzzing the command line with mutated problem files: no crash, no hang, no traceback.

Every case starts from one file of problems/ and applies one to three mutations (types, shapes,
deletions, numeric extremes, NaN/∞, YAML aliases and merge keys, alias bombs, deep nesting, huge
sizes, unicode, duplicate keys, hostile expression strings, broken YAML text). It then runs one
command (`solve` in a random format and with random options, a kind's own command, or `check`
against mutated answers) and classifies the outcome. A good outcome is exit 0, 1 or 2 with no
traceback, every exit-2 line naming the file (`file:` — and `file:line:col` where the place is
known), JSON output that strict `json.loads` reads, within CASE_SECONDS and CASE_MEMORY_MB.

Cases run in-process through click's CliRunner, inside worker processes (forked after the
imports, so they start instantly) that the parent kills and replaces on a hang, a crash of the
interpreter (a segfault) or a memory blow-up; so every case, even a deep-nesting one, is safe.
Case i of seed s is a pure function of (s, i): runs are reproducible and independent of workers.

    python -m tests.fuzz --cases 10000            # summary by outcome; failures in fuzz-failures/

The suite's tests/test_fuzz.py runs a fixed-seed share of this on every problem file.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted((ROOT / "problems").glob("*.yaml"))
CASE_SECONDS = 20.0     # a case running longer is a hang
CASE_MEMORY_MB = 1500   # a worker growing past this is a memory blow-up
GOOD = {"exit 0", "exit 1", "exit 2"}


# ---------------------------------------------------------------- problem text from data

class Raw(str):
    """Text written into the YAML as it is (a tag, an alias, `.nan`, deep brackets)."""


@dataclass
class Anchored:
    name: str
    value: Any


def flow(v: Any) -> str:
    """A value as one line of YAML flow syntax (JSON plus YAML's own tokens)."""
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, Anchored):
        return f"&{v.name} {flow(v.value)}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        if v != v:
            return ".nan"
        if v in (float("inf"), float("-inf")):
            return ".inf" if v > 0 else "-.inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return json.dumps(str(v))


def key(k: Any) -> str:
    return str(k) if isinstance(k, Raw) or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k)) else json.dumps(str(k))


def emit(pairs: list[tuple[Any, Any]]) -> str:
    """Top-level `key: value` lines (duplicates allowed, which a dict could not hold)."""
    return "".join(f"{key(k)}: {flow(v)}\n" for k, v in pairs)


# ---------------------------------------------------------------- mutations

HOSTILE_EXPRESSIONS = [
    "9**9**9", "x**x**x**x", "2**10**10", "exp(exp(exp(x)))", "1/0", "0**-1", "log(0)", "sqrt(-1)",
    "x ** 1e308", "x" * 3000, "(" * 300 + "x" + ")" * 300, "__import__('os').system('true')",
    "lambda: 0", "x if x else x", "[x for x in x]", "x[0]", "x.real", "abs(x ** c)", "1e999", "nan",
    "inf", "x @ x @ x @ x", "-" * 500 + "x", "x +", "", " ", "\x00", "σ(z)", "x\u202ey", "𝑥 + 1",
    "max(x, x, x, x, x)", "relu(relu(relu(relu(x))))", "tanh(1e308 * x)", "10**400", "x / (x - x)",
]
NUMBERS = [0, -0.0, 1, -1, 0.5, 1e-320, 5e-324, 1e308, -1e308, 1.7e308, 2**53 + 1, 2**63, 10**30, 10**308,
           1e-12, 1e12, 123456789.123456789, 3, 1000, 10**6, -7]
EXTREMES = [float("nan"), float("inf"), float("-inf"), Raw("1e999"), Raw("-1e999"), Raw(".NaN"),
            Raw("9" * 450), Raw("0x" + "f" * 300), Raw("0o777"), Raw("1_000")]
STRINGS = ["", " ", "σ", "ŷ", "δ⊙η", "\u202e", "😀" * 50, "a" * 10000, "null", "true", "1e-5", "~",
           "relu", "sigmoid", "softmax", "mse", "bce", "cce", "sgd", "adam", "same", "valid", "max",
           "W2[1,2]", "-", "é\u0301", "\t", "line\nbreak", "'", '"', "#", "&a", "*a", "!!str"]
RAW_VALUES = [Raw("!!binary aGVsbG8="), Raw("!!set {a, b}"), Raw("!!omap [a: 1, b: 2]"), Raw("2001-12-14"),
              Raw("!!timestamp 2001-12-14t21:59:43.10-05:00"), Raw("!!python/object:os.system [true]"),
              Raw("!unknown 3"), Raw("!!float 1"), Raw("!!int '3'"), Raw("!!str 3"), Raw("{? [a, b]: 1}"),
              Raw("{[1, 2]: 3}"), Raw("|\n  text"), Raw("*undefined"), Raw("~"), Raw("0b101"), Raw(".inf")]


def paths(data: Any) -> list[tuple]:
    """Every path to a node of the data (without the root)."""
    out, stack = [], [((), data)]
    while stack:
        p, node = stack.pop()
        if p:
            out.append(p)
        if isinstance(node, dict):
            stack.extend((p + (k,), v) for k, v in node.items())
        elif isinstance(node, list) and len(node) <= 64:
            stack.extend((p + (i,), v) for i, v in enumerate(node))
    return sorted(out, key=str)


def get(data: Any, p: tuple) -> Any:
    for part in p:
        data = data[part]
    return data


def put(data: Any, p: tuple, value: Any) -> None:
    get(data, p[:-1])[p[-1]] = value


def _pick(rng: random.Random, data: Any) -> tuple | None:
    ps = paths(data)
    return rng.choice(ps) if ps else None


def m_value(rng, data):
    """Replace a node with a value of another type or an extreme number."""
    p = _pick(rng, data)
    if p is None:
        return "nothing to replace"
    pool = rng.choice([NUMBERS, EXTREMES, STRINGS, RAW_VALUES, [True, False, None, [], {}, [[]], {"a": 1}]])
    old = get(data, p)
    value = rng.choice(pool)
    if isinstance(old, (int, float)) and not isinstance(old, bool) and rng.random() < 0.3:
        value = old * rng.choice([1e300, -1e300, 1e-300, -1, 0, 10**6])
    put(data, p, value)
    return f"value {p} = {str(value)[:40]!r}"


def m_delete(rng, data):
    p = _pick(rng, data)
    if p is None:
        return "nothing to delete"
    parent = get(data, p[:-1])
    del parent[p[-1]]
    return f"delete {p}"


def m_shape(rng, data):
    """Change the shape of a list: grow, shrink, empty, wrap, unwrap, transpose, ragged."""
    lists = [p for p in paths(data) if isinstance(get(data, p), list)]
    if not lists:
        return "no list"
    p = rng.choice(lists)
    v = get(data, p)
    how = rng.choice(["append", "pop", "empty", "wrap", "unwrap", "transpose", "ragged", "repeat"])
    if how == "append":
        v.append(v[-1] if v else 1)
    elif how == "pop" and v:
        v.pop()
    elif how == "empty":
        put(data, p, [])
    elif how == "wrap":
        put(data, p, [v])
    elif how == "unwrap" and v:
        put(data, p, v[0])
    elif how == "transpose" and v and all(isinstance(r, list) for r in v):
        try:
            put(data, p, [list(c) for c in zip(*v)])
        except TypeError:
            pass
    elif how == "ragged" and v and isinstance(v[0], list):
        v[0] = v[0] + [0.5]
    elif how == "repeat":
        put(data, p, v * rng.choice([2, 3, 10]))
    return f"shape {how} {p}"


def m_huge(rng, data):
    """A very long vector, a big matrix, or a huge count."""
    p = _pick(rng, data)
    if p is None:
        return "nothing"
    how = rng.choice(["vector", "matrix", "count"])
    if how == "vector":
        n = rng.choice([1000, 20000, 100000])
        put(data, p, [round(rng.uniform(-1, 1), 3) for _ in range(min(n, 1000))] * max(1, n // 1000))
    elif how == "matrix":
        n = rng.choice([50, 200, 400])
        row = [round(rng.uniform(-1, 1), 2) for _ in range(n)]
        put(data, p, [row] * n)
    else:
        put(data, p, rng.choice([10**6, 10**9, 10**12, 2**62]))
    return f"huge {how} at {p}"


def m_expression(rng, data):
    """A hostile expression string in place of a text value (or appended to one)."""
    strings = [p for p in paths(data) if isinstance(get(data, p), str)] or paths(data)
    if not strings:
        return "nothing"
    p = rng.choice(strings)
    e = rng.choice(HOSTILE_EXPRESSIONS)
    old = get(data, p)
    value = f"{old} + {e}" if isinstance(old, str) and old and rng.random() < 0.5 else e
    put(data, p, value)
    return f"expression {p} = {value[:40]!r}"


def m_unicode(rng, data):
    """A key or a text value in other scripts, combining marks, control characters."""
    p = _pick(rng, data)
    if p is None:
        return "nothing"
    parent = get(data, p[:-1])
    if isinstance(parent, dict) and rng.random() < 0.5:
        new = rng.choice(["ｋｉｎｄ", "kind\u200b", "Kind", "layérs", "σ", "\u0000", "1", "null", "<<"])
        parent[new] = parent.pop(p[-1])
        return f"rename key {p} to {new!r}"
    put(data, p, rng.choice(STRINGS))
    return f"unicode value at {p}"


def m_alias(rng, data):
    """Anchor one value and alias it elsewhere, or merge one mapping into another (<<)."""
    ps = paths(data)
    if len(ps) < 2:
        return "nothing"
    a, b = rng.sample(ps, 2)
    if a[:len(b)] == b or b[:len(a)] == a:
        return "nested pair"
    maps = [p for p in ps if isinstance(get(data, p), dict)]
    if maps and rng.random() < 0.4:
        src, dst = rng.choice(maps), rng.choice(maps)
        if src[:len(dst)] == dst or dst[:len(src)] == src:
            return "nested maps"
        put(data, src, Anchored("m", get(data, src)))
        get(data, dst)[Raw("<<")] = Raw("*m")
        return f"merge {src} into {dst}"
    put(data, a, Anchored("a", get(data, a)))
    put(data, b, Raw("*a"))
    return f"alias {b} = *{a}"


def bomb(levels: int, width: int) -> Raw:
    """A billion-laughs alias bomb: width**levels values from a few hundred bytes."""
    parts = ["&l0 [0.5, 0.5]"]
    for i in range(1, levels):
        parts.append(f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return Raw("[" + ", ".join(parts) + "]")


def m_bomb(rng, data):
    p = _pick(rng, data)
    if p is None:
        return "nothing"
    levels, width = rng.choice([(9, 10), (7, 10), (12, 5), (4, 10), (30, 2)])
    put(data, p, bomb(levels, width))
    return f"alias bomb {width}^{levels} at {p}"


def m_deep(rng, data):
    """Deeply nested lists or mappings (flow or block style)."""
    p = _pick(rng, data)
    if p is None:
        return "nothing"
    n = rng.choice([20, 63, 65, 1000, 100000])
    style = rng.choice(["list", "map"])
    value = Raw("[" * n + "1" + "]" * n) if style == "list" else Raw("{a: " * n + "1" + "}" * n)
    put(data, p, value)
    return f"deep {style} {n} at {p}"


def m_recursive_alias(rng, data):
    p = _pick(rng, data)
    if p is None:
        return "nothing"
    put(data, p, Raw("&r [1, *r]"))
    return f"recursive alias at {p}"


DATA_MUTATIONS: list[tuple[float, Callable]] = [
    (5, m_value), (2, m_delete), (3, m_shape), (1, m_huge), (2, m_expression), (1, m_unicode),
    (2, m_alias), (0.5, m_bomb), (0.7, m_deep), (0.2, m_recursive_alias)]


def text_mutation(rng: random.Random, text: str) -> tuple[str, str]:
    """Break the original text: lines deleted, doubled, swapped, re-indented, cut, prefixed."""
    lines = text.splitlines(keepends=True) or [""]
    i = rng.randrange(len(lines))
    how = rng.choice(["delete", "double", "swap", "indent", "dedent", "tab", "cut", "document", "bom",
                      "directive", "block-deep", "dash-deep", "control", "duplicate-key", "empty"])
    if how == "delete":
        del lines[i]
    elif how == "double" or how == "duplicate-key":
        lines.insert(i, lines[i])
    elif how == "swap":
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif how == "indent":
        lines[i] = "  " + lines[i]
    elif how == "dedent":
        lines[i] = lines[i].lstrip()
    elif how == "tab":
        lines[i] = "\t" + lines[i]
    elif how == "cut":
        return how, text[:rng.randrange(len(text) + 1)]
    elif how == "document":
        lines.insert(i, "---\n")
    elif how == "bom":
        return how, "\ufeff" + text
    elif how == "directive":
        return how, "%YAML 1.1\n---\n" + text
    elif how == "block-deep":
        n = rng.choice([70, 3000])
        return how, text + "deep:\n" + "".join(" " * (k + 1) + "a:\n" for k in range(n)) + " " * (n + 1) + "1\n"
    elif how == "dash-deep":
        return how, text + "deep: " + "- " * rng.choice([70, 100000]) + "1\n"
    elif how == "control":
        lines[i] = lines[i][:3] + rng.choice(["\x00", "\x07", "\u2028", "\ud7ff", "\x85"]) + lines[i][3:]
    elif how == "empty":
        return how, rng.choice(["", "   \n", "# only a comment\n", "---\n", "~\n", "[]\n", "kind:\n"])
    return f"text {how} line {i + 1}", "".join(lines)


# ---------------------------------------------------------------- cases

OPTION_FLAGS = [("exact", ["--exact"]), ("round", ["--round", "2"]), ("detail", ["--detail", "units"]),
                ("detail", ["--detail", "layers"]), ("explain", ["--explain", "W2[1,2]"])]

@dataclass
class Seed:
    path: Path
    text: str
    data: dict
    kind: str
    answers: dict


@dataclass
class Case:
    ident: str
    seed: str
    mutations: list[str]
    files: dict[str, bytes]          # file name → content, written to the case's folder
    args: list[str]                  # command line; "{dir}" stands for the case's folder


def load_seeds() -> list[Seed]:
    from click.testing import CliRunner

    from dlsolve.cli import main
    from dlsolve.load import parse_data

    seeds = []
    for path in PROBLEMS:
        text = path.read_text(encoding="utf-8")
        data = parse_data(text, path.name)
        r = CliRunner().invoke(main, ["solve", str(path), "--format", "json"])
        answers = {k: v for k, v in json.loads(r.stdout)["answers"].items()
                   if isinstance(v, (int, float, list)) and "null" not in json.dumps(v)}
        seeds.append(Seed(path, text, data, data["kind"], answers))
    return seeds


def make_case(seed: Seed, index: int, base: int = 0) -> Case:
    """Case `index` of `seed`: the same every time for the same (seed file, index, base)."""
    rng = random.Random(f"{base}:{seed.path.name}:{index}")
    mutations: list[str] = []
    if rng.random() < 0.25:
        how, text = text_mutation(rng, seed.text)
        mutations.append(how)
        content = text.encode("utf-8", "surrogatepass")
        if rng.random() < 0.03:
            content = content[:10] + b"\xff\xfe" + content[10:]
            mutations.append("invalid utf-8")
    else:
        data = json.loads(json.dumps(seed.data))
        weights, funcs = zip(*DATA_MUTATIONS)
        for f in rng.choices(funcs, weights, k=rng.choice([1, 1, 2, 3])):
            try:
                mutations.append(f(rng, data))
            except (KeyError, IndexError, TypeError, AttributeError):
                mutations.append(f"{f.__name__}: not applicable")
        pairs = list(data.items()) if isinstance(data, dict) else [("kind", data)]
        if rng.random() < 0.05 and pairs:
            pairs.insert(rng.randrange(len(pairs) + 1), rng.choice(pairs))
            mutations.append("duplicate key")
        content = emit(pairs).encode("utf-8", "surrogatepass")
    files = {"problem.yaml": content}
    roll = rng.random()
    if roll < 0.15 and seed.answers:
        answers = json.loads(json.dumps(seed.answers))
        if rng.random() < 0.7:
            mutations.append("answers " + rng.choice(DATA_MUTATIONS[:6])[1](rng, answers))
        files["answers.yaml"] = emit(list(answers.items()) or [("x", 1)]).encode("utf-8", "surrogatepass")
        args = ["check", "{dir}/problem.yaml", "{dir}/answers.yaml"]
        if rng.random() < 0.3:
            args += ["--format", "json"]
    elif roll < 0.25:
        args = [seed.kind, "{dir}/problem.yaml"]
    else:
        args = ["solve", "{dir}/problem.yaml", "--format",
                rng.choice(["text", "text", "json", "json", "markdown", "latex", "html"])]
        from dlsolve.kinds import KINDS

        takes = KINDS[seed.kind].options  # an option the file's kind does not take is refused (fine, but dull)
        args += rng.choice([[], [], [], ["--precision", "15"]]
                           + [flags for option, flags in OPTION_FLAGS if option in takes])
    return Case(f"{seed.path.stem}-{base}-{index}", seed.path.name, mutations, files, args)


# ---------------------------------------------------------------- running

@dataclass
class Result:
    case: Case
    outcome: str                 # "exit 0/1/2" or a failure: "exit 3", "traceback", "hang", ...
    output: str
    seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.outcome in GOOD


_TRACEBACK = "Traceback (most recent call last)"


def classify(case: Case, folder: str, exit_code: int, stdout: str, stderr: str, exception: Any) -> str:
    """The outcome of one run, judged by the rules of the module docstring."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"uncaught {type(exception).__name__}"
    if _TRACEBACK in stdout or _TRACEBACK in stderr:
        return "traceback"
    if exit_code not in (0, 1, 2):
        return f"exit {exit_code}"
    if exit_code == 2:
        names = [folder + "/" + n for n in case.files]
        for line in stderr.splitlines():  # each line names the file (or the option) it is about
            if line.strip() and not any(line.startswith(n + ":") for n in names) and not line.startswith("--"):
                return "exit 2 without file:"
    if exit_code in (0, 1) and "--format" in case.args and case.args[case.args.index("--format") + 1] == "json":
        try:
            json.loads(stdout, parse_constant=_refuse)
        except ValueError:
            return "invalid json"
    return f"exit {exit_code}"


def _refuse(token: str) -> Any:
    raise ValueError(f"bare {token}")


def _reset_peak() -> bool:
    """Reset this process's peak resident memory (Linux), so each case's own peak is measured."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _status_mb("VmHWM") > 0
    except OSError:
        return False


def _status_mb(field: str) -> float:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _peak_mb() -> float:
    return _status_mb("VmHWM")


def _worker(conn: Any, memory_mb: int) -> None:
    """Run cases sent over `conn` until told to stop; one reply per case."""
    from click.testing import CliRunner

    from dlsolve.cli import main

    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2 * 2**20, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        pass
    base_mb = _status_mb("VmRSS")  # what the worker holds from its parent; a case's use is above it
    while True:
        msg = conn.recv()
        if msg is None:
            return
        case, folder = msg
        reset = _reset_peak()
        args = [a.replace("{dir}", folder) for a in case.args]
        start = time.perf_counter()
        r = CliRunner().invoke(main, args, catch_exceptions=True)
        seconds = time.perf_counter() - start
        stderr = r.stderr
        outcome = classify(case, folder, r.exit_code, r.stdout, stderr, r.exception)
        out = (r.stdout[-2000:] + "\n" + stderr[-3000:])
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            import traceback
            out += "".join(traceback.format_exception(r.exception))[-3000:]
        peak_mb = (_peak_mb() if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024) - base_mb
        retire = peak_mb > memory_mb or _status_mb("VmRSS") - base_mb > memory_mb / 3
        conn.send((outcome, out, seconds, peak_mb, retire))
        if retire:
            return  # a fresh worker for the next case (caches grown, or the limit passed)


class Pool:
    """Worker processes, each running one case at a time; replaced on a hang or a crash."""

    def __init__(self, workers: int = 2, seconds: float = CASE_SECONDS, memory_mb: int = CASE_MEMORY_MB):
        import dlsolve.cli  # noqa: F401  (imported before forking, so workers start instantly)
        import dlsolve.load  # noqa: F401

        self.ctx = mp.get_context("fork")
        self.seconds, self.memory_mb = seconds, memory_mb
        self.slots = [self._spawn() for _ in range(max(1, workers))]
        self.tmp = tempfile.mkdtemp(prefix="dlsolve-fuzz-")

    def _spawn(self) -> tuple[Any, Any]:
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child, self.memory_mb), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, cases: list[Case]) -> list[Result]:
        results: list[Result | None] = [None] * len(cases)
        todo = list(enumerate(cases))[::-1]
        busy: dict[int, tuple[int, float, str]] = {}   # slot → (case index, start, folder)
        while todo or busy:
            for s in range(len(self.slots)):
                if s not in busy and todo:
                    i, case = todo.pop()
                    folder = os.path.join(self.tmp, f"w{s}")
                    shutil.rmtree(folder, ignore_errors=True)
                    os.makedirs(folder)
                    for name, content in case.files.items():
                        Path(folder, name).write_bytes(content)
                    self.slots[s][1].send((case, folder))
                    busy[s] = (i, time.perf_counter(), folder)
            mp.connection.wait([self.slots[s][1] for s in busy] + [self.slots[s][0].sentinel for s in busy],
                               timeout=0.05)
            for s, (i, start, folder) in list(busy.items()):
                proc, conn = self.slots[s]
                elapsed = time.perf_counter() - start
                retire = False
                if conn.poll():
                    try:
                        outcome, out, seconds, rss, retire = conn.recv()
                    except (EOFError, OSError):
                        outcome, out, seconds, rss = self._crashed(proc), "", elapsed, 0.0
                    if rss > self.memory_mb:
                        outcome = f"memory > {self.memory_mb} MB"
                    results[i] = Result(cases[i], outcome, out, seconds, {"rss_mb": rss})
                elif not proc.is_alive():
                    results[i] = Result(cases[i], self._crashed(proc), "", elapsed)
                elif elapsed > self.seconds:
                    proc.kill()
                    proc.join()
                    results[i] = Result(cases[i], f"hang > {self.seconds:g} s", "", elapsed)
                else:
                    continue
                del busy[s]
                if retire or not self.slots[s][0].is_alive() or results[i].outcome.startswith(("hang", "crash", "memory")):
                    if self.slots[s][0].is_alive() and not retire:
                        try:
                            self.slots[s][1].send(None)
                        except (BrokenPipeError, OSError):
                            pass
                    self.slots[s][0].join(5)
                    if self.slots[s][0].is_alive():
                        self.slots[s][0].kill()
                        self.slots[s][0].join()
                    self.slots[s] = self._spawn()
        return [r for r in results if r is not None]

    @staticmethod
    def _crashed(proc: Any) -> str:
        proc.join(5)
        code = proc.exitcode
        return f"crash (signal {-code})" if code is not None and code < 0 else f"crash (exit {code})"

    def close(self) -> None:
        for proc, conn in self.slots:
            if proc.is_alive():
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)


def save_reproducer(result: Result, folder: Path, n: int) -> Path:
    """The failing case's files and a note of its command, mutations and output."""
    slug = re.sub(r"[^a-z0-9]+", "-", result.outcome.lower()).strip("-")
    target = folder / f"{n:04d}-{slug}-{result.case.ident}"
    target.mkdir(parents=True, exist_ok=True)
    for name, content in result.case.files.items():
        (target / name).write_bytes(content)
    args = " ".join(a.replace("{dir}", str(target)) for a in result.case.args)
    (target / "README.txt").write_text(
        f"outcome: {result.outcome}\ncommand: dlsolve {args}\nseed: problems/{result.case.seed}\n"
        f"mutations: {'; '.join(result.case.mutations)}\nseconds: {result.seconds:.2f}\n\n{result.output}\n",
        encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10000, help="number of cases (spread over every problem file)")
    ap.add_argument("--seed", type=int, default=1, help="base seed; the same seed gives the same cases")
    ap.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds after which a case is a hang")
    ap.add_argument("--out", default="fuzz-failures", help="folder for reproducers of failures")
    ns = ap.parse_args(argv)
    seeds = load_seeds()
    cases = [make_case(seeds[i % len(seeds)], i // len(seeds), ns.seed) for i in range(ns.cases)]
    pool = Pool(ns.workers, ns.timeout)
    start = time.perf_counter()
    try:
        results = []
        for k in range(0, len(cases), 200):
            results += pool.run(cases[k:k + 200])
            done = len(results)
            print(f"\r{done}/{len(cases)} cases, {sum(not r.ok for r in results)} failures", end="",
                  file=sys.stderr, flush=True)
    finally:
        pool.close()
    print(file=sys.stderr)
    counts = Counter(r.outcome for r in results)
    print(f"{len(results)} cases in {time.perf_counter() - start:.0f} s (seed {ns.seed})")
    for outcome, n in sorted(counts.items(), key=lambda kv: (kv[0] not in GOOD, kv[0])):
        print(f"  {'ok  ' if outcome in GOOD else 'FAIL'}  {outcome:32s} {n:6d}")
    located = sum(1 for r in results if r.outcome == "exit 2" and re.search(r":\d+:\d+: ", r.output))
    print(f"  exit-2 messages with line:col: {located} of {counts.get('exit 2', 0)}")
    slow = max(results, key=lambda r: r.seconds, default=None)
    if slow:
        print(f"  slowest case: {slow.seconds:.1f} s ({slow.case.ident}: {'; '.join(slow.case.mutations)})")
    failures = [r for r in results if not r.ok]
    if failures:
        out = Path(ns.out)
        for n, r in enumerate(failures):
            save_reproducer(r, out, n)
        print(f"reproducers of {len(failures)} failures in {out}/")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
