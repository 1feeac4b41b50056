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
DEFAULT_TIMEOUT = 120.0              # seconds to solve one problem, unless --timeout says otherwise


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
