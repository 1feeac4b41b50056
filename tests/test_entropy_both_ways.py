"""kind: entropy — H(P, Q) and H(Q, P) from one file, and `normalize: false` (the notes' un-normalised
scores), against NumPy sums written here and the catalogue's P8."""

from __future__ import annotations

import numpy as np
import pytest

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def h(a, b):
    """−Σ a_i·log₂ b_i over a_i ≠ 0, with a loop."""
    return -sum(x * np.log2(y) for x, y in zip(a, b) if x != 0)


def test_catalogue_p8_both_cross_entropies():
    p, q = [0.1, 0.3, 0.2, 0.4], [0.25, 0.1, 0.35, 0.3]
    a = answers(solve_data({"kind": "entropy", "p": p, "q": q}))
    assert a["cross_entropy"] == pytest.approx(2.194279, abs=5e-7)            # the catalogue
    assert a["cross_entropy_qp"] == pytest.approx(1.883383 + 0.330049, abs=2e-6)   # H(Q) + KL(Q‖P)
    assert a["cross_entropy_qp"] == pytest.approx(h(q, p), rel=1e-14)


def test_unnormalised_scores_as_the_notes_use_them():
    p, q = [0.1, 0.3, 0.2, 0.4], [0.25, 0.1, 0.1, 0.3]
    sol = solve_data({"kind": "entropy", "p": p, "q": q, "normalize": False})
    a = answers(sol)
    assert a["entropy_q"] == pytest.approx(h(q, q), rel=1e-14)
    assert a["entropy_q"] == pytest.approx(1.6855, abs=1e-4)                  # the notes: "1.67"
    assert a["cross_entropy"] == pytest.approx(0.2 + 0.5 * np.log2(10) - 0.4 * np.log2(0.3), rel=1e-14)
    assert a["cross_entropy"] == pytest.approx(2.5557, abs=1e-4)              # the notes: "2.435"
    assert a["cross_entropy_qp"] == pytest.approx(h(q, p), rel=1e-14)
    assert a["kl_qp"] == pytest.approx(sum(x * np.log2(x / y) for x, y in zip(q, p)), rel=1e-13)
    assert any("normalize: false" in str(c) for c in sol.conventions)
    assert verify_solution(sol) == []


def test_normalize_true_divides_by_the_sum():
    p, q = [0.1, 0.3, 0.2, 0.4], [0.25, 0.1, 0.1, 0.3]
    a = answers(solve_data({"kind": "entropy", "p": p, "q": q}))
    qn = np.array(q) / sum(q)
    assert a["cross_entropy"] == pytest.approx(h(p, qn), rel=1e-14)
    assert a["cross_entropy_qp"] == pytest.approx(h(qn, p), rel=1e-14)
