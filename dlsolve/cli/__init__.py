"""The command line: the only package that imports click, and the only place errors become text.

Split by idea, each module a family of commands or what they share:
- `options`: the flags several commands share, one definition each (the solve options read from
  `dlsolve.kinds.SolveOptions`), and the renderer the sheet flags ask for;
- `boundary`: every command runs inside it; typed errors become one line and exit 2, anything
  else is a bug, said plainly with exit 3 (and its traceback with --traceback);
- `solving`: `dlsolve solve` and each kind's subcommand (the options that kind takes);
- `authoring`: `kinds`, `new` and `schema`, for writing a problem file;
- `marking`: `check`, students' answers graded;
- `exams`: `vary` and `export`, an exam's variants and a course platform's questions.
This module makes the group and adds the commands. Heavy modules (NumPy, SymPy, the YAML
loader) are imported inside the commands, so that `dlsolve --help` and `dlsolve kinds` start
instantly.
"""

from __future__ import annotations

import click

from dlsolve import __version__
from dlsolve.cli import authoring, exams, marking, solving
from dlsolve.cli.options import SOLVE_OPTIONS
from dlsolve.cli.solving import Output

__all__ = ["SOLVE_OPTIONS", "Output", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlsolve")
def main() -> None:
    """Worked, step-by-step solutions of deep-learning exam numericals.

    Write the problem as the exam states it in a YAML file, then run e.g.
    `dlsolve backprop problem.yaml`. `dlsolve new backprop` prints a template to start from.
    """


for _command in (solving.solve_cmd, *solving.kind_commands(), marking.check_cmd, authoring.kinds_cmd,
                 authoring.new_cmd, authoring.schema_cmd, exams.vary_cmd, exams.export_cmd):
    main.add_command(_command)
