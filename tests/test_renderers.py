"""Every renderer handles every block and picture class of dlsolve.solution, and an unknown one
is an internal error naming the renderer and the class — never a block left off a sheet in
silence. The format registry refuses two formats of one name or suffix, stays lazy, and is
where capabilities are read."""

from __future__ import annotations

import dataclasses
import re
from typing import get_args

import pytest

import dlsolve.solution as solution_module
from dlsolve.expr import Sym
from dlsolve.render import FORMATS, REGISTRY, Format, Formats, format_named, renderer
from dlsolve.render.base import Renderer, UnknownBlock
from dlsolve.solution import (DEFINED, GIVEN, WORKED, Answer, Block, Figure, Given, Graph, Network, Picture, Plane,
                              Roc, Section, Series, Solution, Stack, Step, Table, Text)
from tests.conftest import ROOT
from tests.test_layering import loaded_after

X, W, Z = Sym("x", "x", "x"), Sym("w", "w", "w"), Sym("z", "z", "z")

# One of each block and picture class. A class added to `Block` or `Picture` without a sample
# here fails test_every_block_class_has_a_sample, and its sample then goes through every renderer.
PICTURES: dict[type, object] = {
    Network: Network(((X,), (Z,)), ((1, 0, 0, 0.5),), ((1, 0, 0.25),), ("σ",)),
    Stack: Stack((28, 28, 1), (("1 Dense", (10,), 7850),)),
    Plane: Plane(((0.0, 1.0, 1.0), (1.0, 0.0, 0.0)), (1.0, -1.0), 0.5),
    Roc: Roc(((0.0, 0.0), (0.5, 1.0), (1.0, 1.0)), 0.75),
}
BLOCKS: dict[type, object] = {
    Given: Given(X, 2.0),
    Step: Step(Z, (W * X,), {"w": 0.5, "x": 2.0}, 1.0),
    Table: Table(("zebra column", "value"), (("row", 1.5),), title="Zebratable title", part=GIVEN),
    Text: Text("Zebratext sentence.", part=GIVEN),
    Series: Series("zebraloss", (1.0, 0.5, 0.25)),
    Graph: Graph((("x", "z"), ("w", "z"))),
    Figure: Figure(PICTURES[Network], "zebra caption", given=True),
}
# the classes of dlsolve.solution that are not blocks or pictures: what holds them, and prose
CONTAINERS = {solution_module.Phrase, Section, Answer, Solution}


def every_block() -> Solution:
    """A solution holding one of each block, a figure of each picture, a DEFINED step and a hidden one."""
    blocks = list(BLOCKS.values()) + [Figure(p, given=True) for p in PICTURES.values()] + [
        Step(W, (X * X,), {}, None, part=DEFINED), Step(X, (W,), {"w": 0.5}, 0.5, shown=False)]
    return Solution("test", "Every block", (Section("Given", tuple(blocks)),), (Answer("z", 1.0, "z"),),
                    conventions=("a convention",))


def test_every_block_class_has_a_sample():
    assert set(BLOCKS) == set(get_args(Block))
    assert set(PICTURES) == set(get_args(Picture))


def test_every_class_of_the_solution_module_is_a_block_a_picture_or_a_container():
    """A new dataclass in dlsolve.solution is a block (add it to `Block`, and it needs a method in
    every renderer) or a container: it must be said which."""
    classes = {c for c in vars(solution_module).values()
               if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == solution_module.__name__}
    assert classes == set(get_args(Block)) | set(get_args(Picture)) | CONTAINERS


WORKING = [f.name for f in REGISTRY if f.working]


@pytest.mark.parametrize("fmt", WORKING)
def test_every_working_renderer_has_a_method_for_every_block(fmt):
    cls = renderer(fmt)
    missing = [b.__name__ for b in get_args(Block) if not cls.handles(b)]
    assert not missing, f"{cls.__name__} has no render_<Block> for {missing}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_renderer_writes_a_solution_of_every_block(fmt):
    record = REGISTRY[fmt]
    modes = ("full", "answers", "questions") if record.sheets else ("full",)
    for mode in modes:
        out = record.renderer()(precision=4, mode=mode).render(every_block())
        assert out.strip()
        if record.sheets and mode != "answers":  # the prose of the blocks is on the sheet
            text = re.sub(r"\\[a-z]+\{|[{}]", "", out)
            for marker in ("Zebratext sentence", "Zebratable title"):
                assert marker in text, (fmt, mode, marker)
        if record.sheets and mode == "answers":
            assert "Zebratext" not in out


@pytest.mark.parametrize("fmt", [f for f in WORKING if REGISTRY[f].sheets])
def test_a_sheet_draws_every_picture(fmt):
    """Every picture class goes through the renderer's picture methods (a missing one raises)."""
    rend = renderer(fmt)(precision=4)
    for picture in PICTURES.values():
        sol = Solution("test", "One picture", (Section("Figure", (Figure(picture, given=True),)),), ())
        assert rend.render(sol).strip()


@dataclasses.dataclass(frozen=True)
class Odd:
    """A block no renderer knows."""

    part: str = WORKED


@pytest.mark.parametrize("fmt", WORKING)
def test_an_unknown_block_is_an_internal_error_naming_renderer_and_class(fmt):
    sol = Solution("test", "Odd", (Section("Work", (Odd(),)),), ())
    cls = renderer(fmt)
    with pytest.raises(UnknownBlock, match=rf"{cls.__name__} has no method render_Odd"):
        cls(precision=4).render(sol)


@pytest.mark.parametrize("fmt", [f for f in WORKING if REGISTRY[f].sheets])
def test_an_unknown_picture_is_an_internal_error(fmt):
    sol = Solution("test", "Odd", (Section("Work", (Figure(Odd(), given=True),)),), ())
    with pytest.raises(UnknownBlock, match="render_Odd"):
        renderer(fmt)(precision=4).render(sol)


def test_an_unknown_block_is_exit_3_from_the_cli(monkeypatch, tmp_path):
    """The CLI reports it as an internal error (exit 3), not a sheet with the block missing."""
    from click.testing import CliRunner

    from dlsolve import cli, sheets
    from dlsolve.errors import ExitStatus

    real = sheets.solve_problem

    def odd(problem, options):
        sol = real(problem, options)
        return dataclasses.replace(sol, sections=sol.sections + (Section("Odd", (Odd(),)),))

    monkeypatch.setattr(sheets, "solve_problem", odd)
    result = CliRunner().invoke(cli.main, ["solve", str(ROOT / "problems" / "p1-image-mlp.yaml")])
    assert result.exit_code == ExitStatus.INTERNAL, result.output
    assert "TextRenderer has no method render_Odd" in result.output


# -- the registry ------------------------------------------------------------------------------

def test_the_registry_refuses_a_duplicate_name_or_suffix():
    a = Format("a", "m", "A", ".a")
    with pytest.raises(ValueError, match="formats 'a' and 'a' have the same name 'a'"):
        Formats(a, Format("a", "m", "B", ".b"))
    with pytest.raises(ValueError, match="formats 'a' and 'b' have the same suffix '.a'"):
        Formats(a, Format("b", "m", "B", ".a"))
    assert Formats(a, Format("b", "m", "B", ".b")).names == ("a", "b")


def test_every_record_names_its_renderer_and_the_renderer_reads_it():
    assert FORMATS == REGISTRY.names and FORMATS[0] == "text"
    for record in REGISTRY:
        cls = record.renderer()
        assert issubclass(cls, Renderer) and cls.format is record
        assert (cls.__module__, cls.__name__) == (record.module, record.class_name)


def test_a_renderer_naming_another_formats_record_is_refused():
    with pytest.raises(TypeError, match="the format 'latex' is dlsolve.render.latex.LatexRenderer"):
        class Impostor(Renderer[None], format="latex"):
            pass


def test_an_unknown_format_is_an_option_error():
    from dlsolve.errors import OptionError

    with pytest.raises(OptionError):
        format_named("pdf")


def test_capabilities_are_read_from_the_records_never_by_getattr():
    """No `getattr(x, "fragments", False)`: a capability is a field of the format's record."""
    fields = [f.name for f in dataclasses.fields(Format)]
    pattern = re.compile(r"getattr\([^)]*[\"'](" + "|".join(fields) + r")[\"']")
    for path in (ROOT / "dlsolve").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_no_renderer_class_spells_a_capability_itself():
    """A renderer holds its capabilities only through its record (`cls.format`)."""
    capabilities = {f.name for f in dataclasses.fields(Format)} - {"name"}
    for record in REGISTRY:
        for klass in record.renderer().__mro__:
            assert not capabilities & set(vars(klass)), (klass.__name__, capabilities & set(vars(klass)))


def test_help_imports_no_renderer():
    mods = loaded_after("import sys; sys.argv = ['dlsolve', '--help']\n"
                        "from dlsolve.cli import main\n"
                        "try:\n    main()\nexcept SystemExit:\n    pass")
    assert "dlsolve.render" in mods
    assert not {record.module for record in REGISTRY} & mods
    assert "dlsolve.render.base" not in mods


def test_the_formats_sheets_hold_the_same_parts():
    """The terminal and the document formats read one plan of a sheet (render/walk.py): on the
    exam paper the Find list and no answers; on the key the answers and no working."""
    sol = every_block()
    for fmt in [f for f in FORMATS if REGISTRY[f].sheets]:
        questions = renderer(fmt)(precision=4, mode="questions").render(sol)
        answers = renderer(fmt)(precision=4, mode="answers").render(sol)
        assert "Find" in questions and "Answers" not in questions, fmt
        assert "Find" not in answers and "Zebratext" not in answers, fmt
