"""The picture of a fully connected network, as the course draws it: the units in columns, the
inputs first, each weight on its arrow, a non-zero bias above its unit.

A kind that solves a network (backprop) hands over the matrices it was given and the names of its
units; this builds the `Network` a renderer draws. It computes nothing: every number drawn is a
given value, and a network too large to read unit by unit (or with symbolic weights) gets none.
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from dlsolve.expr import Sym
from dlsolve.solution import Network

MAX_UNITS = 8      # a layer wider than this is not drawn unit by unit
MAX_WEIGHTS = 60   # nor a network with more weights than this


def network(weights: Sequence[Optional[np.ndarray]], biases: Sequence[Optional[np.ndarray]],
            units: Sequence[Sequence[Sym]], activations: Sequence[str] = ()) -> Optional[Network]:
    """`weights[l - 1]` is W^[l] as inputs × units (n_{l−1} × n_l), `biases[l - 1]` is b^[l],
    `units[l]` the names of layer l's units (layer 0 the inputs). None when a weight is not a
    number or the network is too large to draw."""
    mats = []
    for w in weights:
        if w is None:
            return None
        try:
            mats.append(np.asarray(w, dtype=float))
        except (TypeError, ValueError):  # symbolic weights: no numbers to draw
            return None
    sizes = [len(layer) for layer in units]
    if len(mats) != len(sizes) - 1 or any(m.shape != (sizes[l], sizes[l + 1]) for l, m in enumerate(mats)):
        return None
    if max(sizes) > MAX_UNITS or sum(m.size for m in mats) > MAX_WEIGHTS:
        return None
    drawn = tuple((l, i, j, float(m[i, j])) for l, m in enumerate(mats, 1)
                  for j in range(m.shape[1]) for i in range(m.shape[0]))
    bs = []
    for l, b in enumerate(biases, 1):
        try:
            v = np.zeros(0) if b is None else np.asarray(b, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            continue
        bs += [(l, j, float(v[j])) for j in range(v.size) if v.size == sizes[l] and v[j] != 0]
    return Network(tuple(tuple(layer) for layer in units), drawn, tuple(bs), tuple(activations))
