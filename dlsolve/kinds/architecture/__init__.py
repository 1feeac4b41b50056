"""kinds conv and params — output shapes and parameter counts of a layer stack, with formulas.

One format, two emphases: `conv` leads each layer with its output shape, `params` with its
parameter count; both show both, and a summary table like Keras' `summary()` with running,
trainable and non-trainable totals. Every shape and count is a formula evaluated with the
layer's numbers, so nothing needs a framework.

The package: one class per layer type (conv.py, pool.py, dense.py, elementwise.py,
recurrent.py; the base class and its context in base.py; typed options in fields.py), the list
of types and the YAML form of an entry (registry.py), the schema (spec.py) and the planner
that walks the layers and sums (planner.py).
"""

from __future__ import annotations

from dlsolve.conventions import Convention
from dlsolve.kinds.architecture.planner import solve
from dlsolve.kinds.architecture.spec import Spec

KIND = "conv"

# Where frameworks and the notes count differently; read by `dlsolve check`'s diagnoses.
CONVENTIONS = (
    Convention(("same_padding",), ("tensorflow", "symmetric"), "tensorflow"),
    # one bias vector per gate (Keras) or two (PyTorch's b_ih and b_hh), on every recurrent layer
    Convention(("layers", "*", ("simple_rnn", "lstm", "gru"), "bias_convention"), ("keras", "pytorch"), "keras",
               name="bias_convention (of every recurrent layer)"),
)

__all__ = ["CONVENTIONS", "KIND", "Spec", "solve"]
