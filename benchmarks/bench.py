"""Speed and memory, measured (not asserted in tests): `python benchmarks/bench.py [--repeat 3]`.

Each case runs `python -m dlsolve …` in a fresh process, its output to a file; the report gives
the median wall time, the peak memory (the process's maximum resident set, from wait4) and the
size of the output, next to the goal of issue 11 where there is one:

- 1,000 updates of a 4-8-1 network (200 samples × 50 epochs, batch 10), text and JSON:
  ≤ 2 s and ≤ 200 MB, JSON ≤ 2 MB;
- Mazur's 2-2-2 network for 10,000 updates: ≤ 5 s;
- a 784-512-256-10 network, one update: ≤ 3 s;
- the whole problems/ set in one `solve` call; `dlsolve --help`; P1 worked in full.

The problems are generated with fixed seeds, so runs compare across commits.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def training_4_8_1() -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).round(3)
    y = (x @ np.array([0.5, -0.3, 0.8, 0.1]) > 0).astype(float)
    return {
        "kind": "backprop", "title": "4-8-1 network, 200 samples × 50 epochs, batch 10 (1,000 updates)",
        "samples": [{"input": xi.tolist(), "target": float(yi)} for xi, yi in zip(x, y)],
        "layers": [
            {"weights": (rng.normal(size=(4, 8)) * 0.5).round(3).tolist(), "bias": 0, "activation": "tanh"},
            {"weights": (rng.normal(size=(8, 1)) * 0.5).round(3).tolist(), "bias": 0, "activation": "sigmoid"},
        ],
        "loss": "bce", "learning_rate": 0.1, "epochs": 50, "batch_size": 10,
    }


def mazur() -> dict:
    """Matt Mazur's worked 2-2-2 example, trained for 10,000 updates."""
    return {
        "kind": "backprop", "title": "Mazur's 2-2-2 network, 10,000 updates",
        "input": [0.05, 0.10], "target": [0.01, 0.99],
        "layers": [
            {"weights": [[0.15, 0.25], [0.20, 0.30]], "bias": 0.35, "activation": "sigmoid"},
            {"weights": [[0.40, 0.50], [0.45, 0.55]], "bias": 0.60, "activation": "sigmoid"},
        ],
        "loss": {"name": "mse", "half": True, "reduction": "sum"}, "learning_rate": 0.5,
        "update_bias": False, "epochs": 10_000,
    }


def big_network() -> dict:
    rng = np.random.default_rng(0)
    return {
        "kind": "backprop", "title": "784-512-256-10 network, random weights, one update",
        "input": rng.random(784).round(3).tolist(),
        "target": np.eye(10)[3].tolist(),
        "layers": [
            {"weights": (rng.normal(size=(784, 512)) * 0.05).round(4).tolist(), "activation": "relu"},
            {"weights": (rng.normal(size=(512, 256)) * 0.05).round(4).tolist(), "activation": "relu"},
            {"weights": (rng.normal(size=(256, 10)) * 0.1).round(4).tolist(), "activation": "softmax"},
        ],
        "loss": "cce", "learning_rate": 0.1,
    }


def measure(args: list[str], timeout: float) -> tuple[float, float, int, int]:
    """(seconds, peak MB, output bytes, exit status) of one run in a fresh process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "dlsolve", *args], stdout=out,
                                stderr=subprocess.DEVNULL, cwd=ROOT)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                return float("inf"), usage.ru_maxrss / 1024, out.tell(), -9
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0, os.SEEK_END)
        return seconds, usage.ru_maxrss / 1024, out.tell(), proc.returncode


def report(label: str, args: list[str], repeat: int, timeout: float, goal: tuple[float, float, float] | None) -> bool:
    runs = [measure(args, timeout) for _ in range(repeat)]
    seconds = statistics.median(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    size = runs[0][2]
    status = runs[0][3]
    line = f"{label:44s} {seconds:7.2f} s {peak:8.0f} MB {size / MB:9.2f} MB out"
    ok = True
    if status not in (0, 1):
        line += f"   exit {status}" if status != -9 else f"   stopped after {timeout:g} s"
        ok = False
    if goal is not None:
        max_s, max_mb, max_out = goal
        misses = [what for what, got, want in (("time", seconds, max_s), ("memory", peak, max_mb),
                                               ("output", size / MB, max_out)) if got > want]
        ok = ok and not misses
        goal_text = f"goal ≤ {max_s:g} s" + (f", ≤ {max_mb:g} MB" if max_mb < 1e9 else "") + \
                    (f", ≤ {max_out:g} MB out" if max_out < 1e9 else "")
        line += f"   {'meets' if not misses else 'MISSES'} {goal_text}"
    print(line, flush=True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (the median time is reported)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds after which a run is stopped")
    ns = ap.parse_args()
    inf = float("inf")
    print(f"{'case':44s} {'median':>9s} {'peak':>11s} {'output':>13s}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, problem in (("train-4-8-1", training_4_8_1()), ("mazur", mazur()), ("big", big_network())):
            files[name] = Path(tmp) / f"{name}.yaml"
            files[name].write_text(json.dumps(problem))  # JSON is YAML 1.2
        problems = sorted(str(p) for p in (ROOT / "problems").glob("*.yaml"))
        cases = [
            ("dlsolve --help", ["--help"], (0.5, inf, inf)),
            ("P1 worked in full", ["backprop", str(ROOT / "problems/p1-image-mlp.yaml")], (2, inf, inf)),
            ("4-8-1, 1,000 updates, text", ["solve", str(files["train-4-8-1"])], (2, 200, 2)),
            ("4-8-1, 1,000 updates, json", ["solve", str(files["train-4-8-1"]), "--format", "json"], (2, 200, 2)),
            ("Mazur 2-2-2, 10,000 updates, text", ["solve", str(files["mazur"])], (5, inf, inf)),
            ("784-512-256-10, one update, text", ["solve", str(files["big"])], (3, inf, inf)),
            (f"all {len(problems)} problems in one solve", ["solve", *problems], None),
        ]
        for label, args, goal in cases:
            ok = report(label, args, ns.repeat, ns.timeout, goal) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
