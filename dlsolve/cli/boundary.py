"""The one place errors become text and exit statuses: every command runs inside `boundary`.

A typed error (dlsolve's own, or a file the system could not read) is one line on standard
error and exit 2; anything else is a bug, said plainly with exit 3, its traceback shown only with
--traceback.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, Iterator

import click

from dlsolve.errors import DlsolveError, ExitStatus, SpecError, SpecInvalid


@contextlib.contextmanager
def boundary(traceback: bool, source: Callable[[], Any] = lambda: None) -> Iterator[None]:
    """The one place errors become text: a typed error → its message and its exit status (with
    file:line:col where `source()` can locate it); anything else → 'internal error', exit 3."""
    import warnings

    # NumPy's RuntimeWarnings (overflow, 0/0) are not for the user: every NaN or ∞ a solution
    # shows carries a note that says why
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        yield
    except SystemExit:
        raise
    except (DlsolveError, SpecInvalid) as err:
        if traceback:
            raise
        if isinstance(err, SpecInvalid):  # raised while solving: a typed error without a place yet
            err = SpecError(err.subpath, err.message)
        where = source()
        if isinstance(err, SpecError) and err.line is None and where is not None:
            err = where.locate(err)
        click.echo(str(err), err=True)
        sys.exit(err.exit_status)
    except OSError as exc:
        if traceback:
            raise
        click.echo(f"{exc.filename or ''}: {exc.strerror or exc}", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except MemoryError:
        if traceback:
            raise
        click.echo("the problem is too large: solving it needs more memory than this machine has", err=True)
        sys.exit(ExitStatus.BAD_INPUT)
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --traceback
        if traceback:
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in dlsolve; rerun with --traceback and report it.", err=True)
        sys.exit(ExitStatus.INTERNAL)
