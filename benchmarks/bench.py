"""Speed goals, measured (not asserted in tests): `python benchmarks/bench.py`.

Goals: `dlsolve --help` well under 0.5 s; P1 worked in full under 2 s; one SGD update of a
784-128-10 sigmoid network with random weights, summarised, in a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - start


def big_network(path: Path) -> None:
    rng = np.random.default_rng(0)
    problem = {
        "kind": "backprop", "title": "784-128-10 sigmoid network, random weights",
        "input": rng.random(784).round(3).tolist(),
        "target": np.eye(10)[3].tolist(),
        "layers": [
            {"weights": (rng.normal(size=(784, 128)) * 0.05).round(4).tolist(), "activation": "sigmoid"},
            {"weights": (rng.normal(size=(128, 10)) * 0.1).round(4).tolist(), "activation": "softmax"},
        ],
        "loss": "cce", "learning_rate": 0.1,
    }
    path.write_text(json.dumps(problem))


def main() -> None:
    exe = [sys.executable, "-m", "dlsolve"]
    print(f"dlsolve --help             {timed(exe + ['--help']):6.2f} s")
    print(f"P1 worked in full          {timed(exe + ['backprop', str(ROOT / 'problems/p1-image-mlp.yaml')]):6.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        big_network(path)
        print(f"784-128-10, one update     {timed(exe + ['backprop', str(path), '--explain', 'W2[1,2]']):6.2f} s")
        print(f"784-128-10, json           {timed(exe + ['backprop', str(path), '--format', 'json']):6.2f} s")


if __name__ == "__main__":
    main()
