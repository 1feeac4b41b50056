"""The limits that keep one hostile or mistaken problem file from crashing or hanging dlsolve.

Every limit is a named constant here, so a message can name it and a test can reach it. The
loader checks the input limits before or while parsing (dlsolve/load.py); `time_limit` bounds
the wall-clock time of solving one problem (the CLI's `--timeout`).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

from dlsolve.errors import TimeLimitExceeded

MAX_FILE_BYTES = 16 * 1024 * 1024    # a 784-512-256-10 network written out is about 5 MB
MAX_DEPTH = 64                       # nesting of lists and mappings; real problems use under 10
MAX_NODES = 1_000_000                # values in the document after YAML aliases are expanded
MAX_INT_DIGITS = 1000                # digits of an integer written in the file (Python reads at most 4,300)
MAX_ENTRIES = 1_000_000              # entries of one vector or matrix
MAX_CELL_CHARS = 10_000              # characters of one cell of a CSV side file (a roster)
DEFAULT_TIMEOUT = 120.0              # seconds to solve one problem, unless --timeout says otherwise

# How much one problem may ask to be worked. Each sample, score, layer or update is a worked step
# (or a row of a table), so an exam's tens are far inside, and a slip's 100,000 is refused at once
# with its place instead of minutes of solving (issue 26). The loader checks WORKED before the
# kind's validator runs: kind → key (a.b for a key inside a mapping) → (most, what is counted);
# a list counts its items (a one-hot row is one sample), or its numbers when what is counted is
# "entries"; a mapping counts its keys; a whole number counts itself.
MAX_WORKED = 1_000                   # samples, scores or values worked one by one
MAX_LAYERS = 1_000                   # layers of a shape/parameter table (conv, params)
MAX_NETWORK_LAYERS = 100             # layers of a network trained by hand (each δ passes every one)
MAX_FINDS = 100                      # things asked of one graph
MAX_TIME_STEPS = 100                 # inputs of an RNN unrolled by hand (BPTT's sum has a term per step,
                                     # each a product over the steps after it: the working grows as steps²)
MAX_UPDATES = 10_000                 # updates of a training run (epochs × batches per epoch)
MAX_ROUNDED_UPDATES = 2_000          # the same under --round or --exact, which work every update step by step
MAX_GRID = 10_000                    # entries of an input worked entry by entry (convolve)
MAX_COUNTED = 10_000                 # samples only counted, not worked one by one (metrics)
WORKED: dict[str, dict[str, tuple[int, str]]] = {
    "loss": {"y_true": (MAX_WORKED, "samples"), "y_pred": (MAX_WORKED, "samples")},
    "softmax": {"scores": (MAX_WORKED, "scores"), "values": (MAX_WORKED, "values"),
                "temperature": (MAX_FINDS, "temperatures")},
    "graph": {"find": (MAX_FINDS, "things to find")},
    "conv": {"layers": (MAX_LAYERS, "layers")},
    "params": {"layers": (MAX_LAYERS, "layers")},
    "convolve": {"input": (MAX_GRID, "input entries")},
    "attention": {"query": (MAX_WORKED, "query entries"), "keys": (MAX_WORKED, "key entries"),
                  "values": (MAX_WORKED, "value entries"), "X": (MAX_WORKED, "X entries")},
    "metrics": {"y_true": (MAX_COUNTED, "samples"), "y_pred": (MAX_COUNTED, "samples"),
                "scores": (MAX_COUNTED, "scores")},
    "entropy": {"p": (MAX_WORKED, "probabilities"), "q": (MAX_WORKED, "probabilities")},
    "perceptron": {"inputs": (MAX_WORKED, "samples"), "targets": (MAX_WORKED, "targets")},
    "distillation": {key: (MAX_WORKED, "class entries") for key in ("teacher_logits", "teacher_probs",
                                                                     "student_logits")},
    "optimizer": {"initial_weight": (MAX_WORKED, "weight entries"), "gradients": (MAX_GRID, "gradient entries")},
    "word2vec": {"subsampling.counts": (MAX_WORKED, "words"), "similarity.vectors": (MAX_WORKED, "words"),
                 **{f"skipgram.{k}": (MAX_WORKED, f"{k} entries") for k in ("center", "context", "negatives")}},
    "rnn": {"inputs": (MAX_TIME_STEPS, "time steps")},
    "backprop": {"layers": (MAX_NETWORK_LAYERS, "layers"), "samples": (MAX_WORKED, "samples"),
                 "epochs": (MAX_UPDATES, "epochs")},
}


@contextmanager
def time_limit(seconds: float | None, what: str = "solving") -> Iterator[None]:
    """Raise TimeLimitExceeded when the block runs longer than `seconds` of wall-clock time.

    Uses SIGALRM (ITIMER_REAL), so it only works on the main thread of a POSIX process; elsewhere,
    or with `seconds` None or 0, the block runs unbounded. After the first expiry the timer keeps
    firing every half second until the block ends, so code that catches and ignores one exception
    (a broad `except Exception` in a library) cannot swallow the limit. A long single C call (one
    huge integer power) is interrupted only when it returns: such work needs its own bound.
    """
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable or seconds is None:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(float(seconds), what)

    previous_handler = signal.signal(signal.SIGALRM, expired)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, float(seconds), 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0] > 0:  # an enclosing limit keeps running (less the time spent here)
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)
