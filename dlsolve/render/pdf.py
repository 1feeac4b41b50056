"""--pdf: the LaTeX sheet compiled by the TeX installation on this machine.

latexmk runs pdflatex as often as the document needs (the Contents page needs a second run);
without latexmk, pdflatex runs twice. The work happens in a temporary folder, so only the PDF
is left behind. No engine, or a failed run, is a typed error with the first line TeX complained
about, never a traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dlsolve.errors import DlsolveError


class EngineError(DlsolveError):
    """No LaTeX engine, or the engine failed on the document."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"--pdf: {self.message}"


INSTALL = ("install TeX Live (Debian/Ubuntu: apt-get install texlive-latex-base texlive-latex-recommended "
           "texlive-fonts-recommended texlive-pictures latexmk), or write the .tex with --format latex")


def engines() -> list[list[str]]:
    """The commands that turn key.tex into key.pdf, in the order to run them."""
    flags = ["-interaction=nonstopmode", "-halt-on-error"]
    if shutil.which("latexmk") and shutil.which("pdflatex"):
        return [["latexmk", "-pdf", "-quiet", *flags, "key.tex"]]
    if shutil.which("pdflatex"):
        return [["pdflatex", *flags, "key.tex"]] * 2
    return []


def build_pdf(tex: str, target: Path, timeout: float = 600) -> None:
    """Compile `tex` and write the PDF to `target`."""
    commands = engines()
    if not commands:
        raise EngineError(f"no LaTeX engine found (pdflatex, latexmk); {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="dlsolve-pdf-") as work:
        folder = Path(work)
        (folder / "key.tex").write_text(tex, encoding="utf-8")
        for cmd in commands:
            try:
                proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, errors="replace",
                                      timeout=timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise EngineError(f"{cmd[0]} did not finish in {timeout:.0f} s") from None
            if proc.returncode != 0:
                log = folder / "key.log"
                text = log.read_text(errors="replace") if log.exists() else proc.stdout
                first = next((line for line in text.splitlines() if line.startswith("!")), proc.stdout[-300:])
                raise EngineError(f"{cmd[0]} failed: {first.strip()}")
        pdf = folder / "key.pdf"
        if not pdf.exists():
            raise EngineError(f"{commands[-1][0]} wrote no PDF")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, target)
