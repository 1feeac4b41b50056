"""Golden files: every problem in problems/ rendered in every registered format, stored in
tests/golden/ and reviewed as diffs. Regenerate with DLSOLVE_UPDATE_GOLDEN=1 and read the diff."""

from __future__ import annotations

import os
import re

import pytest

from dlsolve.render import FORMATS, renderer
from tests.conftest import PROBLEMS, ROOT, rendered

GOLDEN = ROOT / "tests" / "golden"


# A full-precision float (JSON, CSV) may differ in its last bit between machines: NumPy's BLAS picks
# its kernel by processor, and a dot product summed in another order rounds differently. Goldens
# compare such numbers at 12 significant digits; every number has its own independent test anyway.
_FULL_FLOAT = re.compile(r"-?\d+\.\d{12,}(?:e[-+]?\d+)?")


def _stable(text: str) -> str:
    return re.sub(r"dlsolve(_version\": \"| )\d+\.\d+\.\d+", r"dlsolve\1X", text)


def _to_12_digits(text: str) -> str:
    return _FULL_FLOAT.sub(lambda m: f"{float(m.group()):.12g}", text)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_golden(path, fmt):
    out = _stable(rendered(path, fmt, precision=4))  # the session's one solve and render of it
    golden = GOLDEN / f"{path.stem}{renderer(fmt).format.suffix}"
    if os.environ.get("DLSOLVE_UPDATE_GOLDEN") or not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
        if not os.environ.get("DLSOLVE_UPDATE_GOLDEN"):
            pytest.fail(f"{golden.name} did not exist; written now — review it and commit")
    assert _to_12_digits(out) == _to_12_digits(golden.read_text(encoding="utf-8"))
