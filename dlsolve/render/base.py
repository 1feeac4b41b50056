"""The one base of every renderer: its format's record, and one dispatch of blocks to methods.

Each block of a Solution (a Step, a Table, a Figure, …, every class of `dlsolve.solution.Block`)
and each picture in a Figure (`dlsolve.solution.Picture`) is handed to the renderer's method
`render_<Class>` — sympy's printers' `_print_<Class>`. A block or picture without a method is an
internal error naming the renderer and the class (`UnknownBlock`): a new block type is never
dropped from a sheet in silence, and tests/test_renderers.py asks every renderer for every class.
A renderer turns a Solution into text; it never computes a number.
"""

from __future__ import annotations

from typing import IO, Any, Callable, ClassVar, Generic, Sequence, TypeVar

from dlsolve.render import REGISTRY, Format
from dlsolve.solution import Block, Solution

Out = TypeVar("Out")  # what one block gives in this format (lines of text, a piece of a document)


class UnknownBlock(TypeError):
    """A renderer was handed a block (or picture) class it has no `render_<Class>` method for."""

    def __init__(self, renderer: object, item: object) -> None:
        name = type(item).__name__
        super().__init__(f"{type(renderer).__name__} has no method render_{name}: it cannot write a {name} "
                         f"(every renderer needs one for each block and picture class of dlsolve.solution)")


class Renderer(Generic[Out]):
    """A format's renderer. A concrete one names its format, `class LatexRenderer(DocumentRenderer,
    format="latex")`, and reads its capabilities from that record (`cls.format.suffix`, …) — the
    registry in dlsolve/render/__init__.py is their one home."""

    format: ClassVar[Format]

    def __init_subclass__(cls, format: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if format is None:
            return
        record = REGISTRY[format]
        if (record.module, record.class_name) != (cls.__module__, cls.__name__):
            raise TypeError(f"the format {format!r} is {record.module}.{record.class_name}, "
                            f"not {cls.__module__}.{cls.__name__}")
        cls.format = record

    def __init__(self, precision: int = 4, fragment: bool = False, mode: str = "full", paper: str = "a4") -> None:
        self.precision = precision
        self.fragment = fragment  # the body alone (a format whose record says `fragments`)
        self.mode = mode          # "full", "answers" or "questions" (a format whose record says `sheets`)
        self.paper = paper

    # -- the dispatch ------------------------------------------------------------------------
    def method(self, item: object) -> Callable[[Any], Any]:
        """The `render_<Class>` method for a block or picture; `UnknownBlock` if there is none."""
        found: Callable[[Any], Any] | None = getattr(self, "render_" + type(item).__name__, None)
        if found is None:
            raise UnknownBlock(self, item)
        return found

    def block(self, block: Block) -> Out:
        """One block in this format."""
        out: Out = self.method(block)(block)
        return out

    @classmethod
    def handles(cls, kind: type) -> bool:
        """Whether this renderer has a method for a block or picture class."""
        return callable(getattr(cls, "render_" + kind.__name__, None))

    # -- entry points ------------------------------------------------------------------------
    def render(self, sol: Solution) -> str:
        raise NotImplementedError

    def render_combined(self, sols: Sequence[Solution], title: str = "Answer key") -> str:
        """Several solutions as one document (an answer key, an exam's variants)."""
        raise NotImplementedError

    def render_index(self, entries: Sequence[tuple[str, str]], title: str = "Problems") -> str:
        """The index of a folder of sheets: (title, file name) each."""
        raise NotImplementedError

    def render_data(self, data: Any) -> str:
        """Data for programs (check's report) in this format: a format whose record says `structured`."""
        raise NotImplementedError(f"{type(self).__name__} writes no data: its format is not structured")

    def write(self, sol: Solution, stream: IO[str], color: bool = False) -> None:
        stream.write(self.render(sol))

