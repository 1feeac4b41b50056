"""`python -m dlsolve` runs the command line."""

from dlsolve.cli import main

if __name__ == "__main__":
    main()
