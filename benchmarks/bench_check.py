"""Benchmark: a TA grades a class — 300 answer files of the 12/9 exam problem (catalogue P1) in
one `dlsolve check` run, with follow-through and a CSV gradebook. Goal (issue 12): ≤ 5 s.

    python benchmarks/bench_check.py [--students 300]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
P1 = ROOT / "problems" / "p1-image-mlp.yaml"


def make_class(folder: Path, students: int, seed: int = 7) -> None:
    """Answer files: the right values, some with an early slip or a sign error."""
    sys.path.insert(0, str(ROOT))
    from dlsolve.load import load_problem
    from dlsolve.kinds import SolveOptions

    prob = load_problem(str(P1))
    sol = prob.module.solve(prob.spec, SolveOptions())
    rng = np.random.default_rng(seed)
    names = ["z1", "a1", "z2", "a2", "z3", "yhat", "loss", "delta3", "delta2", "dW3", "dW2", "W3_new"]
    for k in range(students):
        lines = []
        for name in names:
            v = np.asarray(sol.answer(name).value, dtype=float)
            if rng.random() < 0.1:
                v = v * (-1 if rng.random() < 0.5 else 1.01)
            lines.append(f"{name}: {np.round(v, 4).tolist()}")
        (folder / f"student{k + 1}.yaml").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_class(folder, args.students)
        times, cpu = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = subprocess.run([sys.executable, "-m", "dlsolve", "check", str(P1), str(folder), "--follow-through",
                                "--format", "csv"], capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if r.returncode not in (0, 1):
                sys.exit(f"check failed: {r.stderr}")
        rows = r.stdout.count("\n") - 1
    print(f"check of {args.students} answer files ({rows} gradebook rows): median {statistics.median(times):.2f} s "
          f"wall, {statistics.median(cpu):.2f} s CPU (goal ≤ 5 s on a quiet machine)")


if __name__ == "__main__":
    main()
