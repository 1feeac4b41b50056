"""Benchmark: `dlsolve check` of one wrong answer to an optimizer problem with a long objective
run (SGD on an objective, 300 iterations: seconds per solve). The diagnoses solve the problem
again only under the conventions that can change it (Convention.applies: none for SGD), so the
problem is solved once. Goal (TA review): ≤ 2.5 s CPU on a quiet machine (was ~5.3 s: 6 solves, each running the optimizer 6 times; now 1 solve, 1 run).

    python benchmarks/bench_check_long.py [--iterations 300] [--repeat 3]
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

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = ROOT / "problems" / "opt-sgd-objective.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        problem, answers = Path(tmp) / "long.yaml", Path(tmp) / "answers.yaml"
        problem.write_text(PROBLEM.read_text().replace("iterations: 5", f"iterations: {args.iterations}"))
        answers.write_text("weight: 1.2345\n")  # wrong, and far from every alternative: every diagnosis is tried
        times, cpu = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            r = subprocess.run([sys.executable, "-m", "dlsolve", "check", str(problem), str(answers)],
                               capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if r.returncode != 1:
                sys.exit(f"check did not grade the answer wrong: {r.stderr}")
    print(f"check of a {args.iterations}-iteration objective run: median {statistics.median(times):.2f} s wall, "
          f"{statistics.median(cpu):.2f} s CPU (goal ≤ 2.5 s CPU on a quiet machine)")


if __name__ == "__main__":
    main()
