"""`python -m dlsolve` runs the command line.

`python -m` puts the current folder first on sys.path, so a folder there named `dlsolve` (say,
a folder of problems) would be imported as an empty namespace package in place of this one;
and run from inside this package's own folder, its modules would shadow top-level ones. Both
entries are dropped and the real package imported again, from the folder this file is in.
"""

import os
import sys


def _use_this_package() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    loaded = sys.modules.get("dlsolve")
    wrong = loaded is None or os.path.dirname(os.path.abspath(getattr(loaded, "__file__", None) or "")) != here

    def shadows(entry: str) -> bool:
        path = os.path.abspath(entry or os.curdir)
        return path == here or (os.path.isdir(os.path.join(path, "dlsolve")) and
                                os.path.join(path, "dlsolve") != here)

    sys.path[:] = [p for p in sys.path if not shadows(p)]
    if wrong:
        for name in [m for m in sys.modules if m == "dlsolve" or m.startswith("dlsolve.")]:
            del sys.modules[name]
        parent = os.path.dirname(here)
        if parent not in sys.path:
            sys.path.insert(0, parent)


_use_this_package()

from dlsolve.cli import main  # noqa: E402 - after the path is set right

if __name__ == "__main__":
    main()
