"""`python -m dlsolve.cli` runs the command line, as `python -m dlsolve` does."""

from dlsolve.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
