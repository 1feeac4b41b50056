"""Writing a problem file: `dlsolve kinds` (what can be solved), `dlsolve new` (a commented
template of a kind) and `dlsolve schema` (a kind's JSON Schema, for an editor's completion and
checking). None of them solves anything.
"""

from __future__ import annotations

import click

from dlsolve import kinds
from dlsolve.cli.boundary import boundary
from dlsolve.cli.options import complete_kinds
from dlsolve.errors import OptionError


@click.command("kinds")
def kinds_cmd() -> None:
    """List the problem kinds, one line each."""
    width = max(map(len, kinds.KINDS))
    for name in kinds.KINDS:
        click.echo(f"{name.ljust(width)}  {kinds.summary(name)}")


@click.command("new")
@click.argument("kind", shell_complete=complete_kinds)
def new_cmd(kind: str) -> None:
    """Print a commented template problem of KIND to edit (dlsolve new backprop > p.yaml).

    Its first line points editors with the YAML language server (VS Code's YAML extension) at
    the kind's JSON Schema, for completion and checking as you type."""
    with boundary(False):
        if kind not in kinds.KINDS:
            from dlsolve.errors import did_you_mean

            raise OptionError("dlsolve new", f"unknown kind: {did_you_mean(kind, kinds.KINDS)}")
        from importlib.resources import files

        from dlsolve.schema import modeline

        click.echo(modeline(kind), nl=True)
        click.echo(files("dlsolve.templates").joinpath(f"{kind}.yaml").read_text(encoding="utf-8"), nl=False)


@click.command("schema")
@click.argument("kind", required=False, shell_complete=complete_kinds)
@click.option("--all", "all_kinds", is_flag=True, help="One schema for a problem file of any kind (chosen by `kind:`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def schema_cmd(kind: str | None, all_kinds: bool, output: str | None) -> None:
    """Print the JSON Schema of a problem KIND (or --all), for editors' completion and checking.

    `dlsolve new KIND` already points VS Code at the installed copy; use this to keep one beside
    your problems: `dlsolve schema backprop -o backprop.schema.json`.
    """
    with boundary(False):
        if (kind is None) == (not all_kinds):
            raise OptionError("dlsolve schema", "give a KIND or --all (not both)")
        if kind is not None and kind not in kinds.KINDS:
            from dlsolve.errors import did_you_mean

            raise OptionError("dlsolve schema", f"unknown kind: {did_you_mean(kind, kinds.KINDS)}")
        from dlsolve import schema

        text = schema.dumps(schema.all_schema() if kind is None else schema.kind_schema(kind))  # None: --all
        if output is None:
            click.echo(text, nl=False)
        else:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            click.echo(f"wrote {output}", err=True)
