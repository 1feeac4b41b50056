"""Time against size, per kind (issue 26): `python benchmarks/sizes.py [--sizes 100 1000 100000]`.

Each case is a problem of one kind grown along the axis a slip grows (samples of a loss, scores
of a softmax, layers of conv/params and backprop, epochs, an RNN's inputs, graph finds, a
convolve signal), solved by `python -m dlsolve solve` in a fresh process in text and in JSON. The
report gives, per kind and size, the wall time and whether the problem was solved (exit 0/1) or
refused by a stated limit (exit 2, the limit's name shown); a size-10 run of each gives the
start-up time of a fresh process on the machine as it is loaded. The goal: every size solves in ≤ 5 s
or is refused in ≤ 1 s, so `--timeout` is the last guard, never the usual one. It measures; the
tests assert only the refusals (tests/test_sizes.py).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

MAZUR_LAYERS = [{"weights": [[0.15, 0.25], [0.2, 0.3]], "bias": 0.35, "activation": "sigmoid"},
                {"weights": [[0.4, 0.5], [0.45, 0.55]], "bias": 0.6, "activation": "sigmoid"}]

KINDS: dict[str, tuple[str, Callable[[int], dict[str, Any]], tuple[str, ...]]] = {
    "loss": ("samples", lambda n: {"kind": "loss", "loss": "mse", "y_true": [i % 7 / 10 for i in range(n)],
                                   "y_pred": [i % 5 / 10 for i in range(n)]}, ()),
    "softmax": ("scores", lambda n: {"kind": "softmax", "scores": [i % 13 / 10 for i in range(n)]}, ()),
    "graph": ("finds", lambda n: {"kind": "graph", "given": {"x": 1.5, "w": 2}, "define": {"z": "w*x", "L": "z**2"},
                                  "find": ["dL/dw"] * n}, ()),
    "params": ("layers", lambda n: {"kind": "params", "input": [32], "layers": [{"dense": {"units": 4}}] * n}, ()),
    "backprop-layers": ("ReLU layers, --explain", lambda n: {
        "kind": "backprop", "input": [1.0], "target": [1.0], "loss": "mse", "learning_rate": 0.1,
        "layers": [{"weights": [[1.0]], "bias": 0.0, "activation": "relu"}] * n}, ("--explain", "W1[1,1]")),
    "backprop-epochs": ("epochs, --round 4", lambda n: {
        "kind": "backprop", "input": [0.05, 0.1], "target": [0.01, 0.99], "layers": MAZUR_LAYERS, "loss": "mse",
        "learning_rate": 0.5, "epochs": n}, ("--round", "4")),
    "rnn": ("inputs, --exact --round 12", lambda n: {
        "kind": "rnn", "cell": "rnn", "activation": "tanh", "inputs": [(i % 7 - 3) / 10 for i in range(n)], "h0": 0.2,
        "weights": {"W": 0.5, "U": 0.8}, "readout": {"V": 1.2, "activation": "sigmoid"}, "target": 1,
        "loss": "bce", "learning_rate": 0.1}, ("--exact", "--round", "12")),
    "metrics": ("samples, ROC", lambda n: {"kind": "metrics", "y_true": [i % 2 for i in range(n)],
                                           "scores": [i % 10 / 10 for i in range(n)], "threshold": 0.5,
                                           "roc": True}, ()),
    "entropy": ("probabilities", lambda n: {"kind": "entropy", "p": [1 / n] * n, "q": [1 / n] * n}, ()),
    "perceptron": ("samples, one epoch", lambda n: {
        "kind": "perceptron", "inputs": [[i % 2, i // 2 % 2] for i in range(n)],
        "targets": [i % 2 | i // 2 % 2 for i in range(n)],
        "weights": [0, 0], "bias": 0, "step_at_zero": 1, "learn": {"learning_rate": 0.1, "epochs": 1}}, ()),
    "distillation": ("classes", lambda n: {"kind": "distillation", "teacher_logits": [float(i % 5) for i in range(n)],
                                           "student_logits": [float(i % 3) for i in range(n)], "label": 1,
                                           "temperature": 2}, ()),
    "attention": ("key positions (2-d)", lambda n: {"kind": "attention", "score": "dot", "query": [1, 0.5],
                                                    "keys": [[i % 5 / 5, 0.4] for i in range(n)]}, ()),
    "convolve": ("signal entries", lambda n: {"kind": "convolve", "input": [[float(i % 5) for i in range(n)]],
                                              "kernel": [[1, 2]]}, ()),
}


def run(path: Path, fmt: str, extra: tuple[str, ...], timeout: float) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "dlsolve", "solve", str(path), "--format", fmt, *extra],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, f"still running after {timeout:g} s"
    seconds = time.perf_counter() - start
    if done.returncode in (0, 1):
        return seconds, "solved"
    limit = re.search(r"limit ([A-Z_]+(?:\[[^]]*\])*)", done.stderr)
    return seconds, f"refused ({limit.group(1)})" if limit else f"exit {done.returncode}: {done.stderr.strip()[:80]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 100_000])
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before a run is stopped")
    args = ap.parse_args()
    print(f"{'kind':16} {'size':>9}  {'grown along':26} {'text':>7} {'json':>7}  outcome")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.kinds:
            axis, make, extra = KINDS[name]
            for n in args.sizes:
                path = Path(tmp) / f"{name}-{n}.json"
                path.write_text(json.dumps(make(n)))
                text_s, outcome = run(path, "text", extra, args.timeout)
                json_s, _ = run(path, "json", extra, args.timeout)
                goal = 1.0 if outcome.startswith("refused") else 5.0
                flag = "" if max(text_s, json_s) <= goal else f"  (goal ≤ {goal:g} s)"
                print(f"{name:16} {n:>9,}  {axis:26} {text_s:6.2f}s {json_s:6.2f}s  {outcome}{flag}", flush=True)


if __name__ == "__main__":
    main()
