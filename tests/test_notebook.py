"""The example notebook runs top to bottom in a real kernel and shows the solution typeset."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "examples" / "solve-in-a-notebook.ipynb"


def _client():
    nbformat = pytest.importorskip("nbformat", reason="nbformat is a test extra: pip install -e '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="nbclient is a test extra: pip install -e '.[test]'")
    pytest.importorskip("ipykernel", reason="no Jupyter kernel: ipykernel is a test extra (pip install -e '.[test]')")
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel is installed")
    return nbformat, nbclient


def test_the_example_notebook_executes_and_shows_mathml_and_latex():
    nbformat, nbclient = _client()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    try:
        client.execute()
    except RuntimeError as exc:  # the kernel could not start here (no ports, no sockets)
        if "kernel" in str(exc).lower() and "died" in str(exc).lower():
            pytest.skip(f"the Jupyter kernel could not start: {exc}")
        raise
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o["data"] for o in outputs if o.output_type in ("execute_result", "display_data")]
    solution = next(d for d in shown if "text/html" in d)
    assert "<math" in solution["text/html"]                      # MathML, typeset by the browser
    assert "\\section*" in solution["text/latex"] and "\\frac" in solution["text/latex"]
    assert "```math" in solution["text/markdown"]
    assert "ŷ" in solution["text/plain"] or "yhat" in solution["text/plain"]
    checked = shown[-1]["text/plain"]
    assert "('yhat', True)" in checked and "('loss', True)" in checked
