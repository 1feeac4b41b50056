"""Catalogue problems P1–P4 (shared/problem-catalogue.md): answers computed independently
(PyTorch autograd and closed forms), rounded there to 6 decimals."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ROOT, solve_file

P = ROOT / "problems"


def close(got, want, tol=2e-6):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=tol)


@pytest.fixture(scope="module")
def p1():
    return solve_file(P / "p1-image-mlp.yaml")


def test_p1_forward(p1):
    close(p1.answer("z1").value, [35, 10, 1])
    close(p1.answer("a1").value, [1.0, 0.999955, 0.731059])
    close(p1.answer("z2").value, [-2.730922, 2.730877])
    close(p1.answer("a2").value, [0.061173, 0.938824])
    close(p1.answer("z3").value, [1.183517])
    close(p1.answer("yhat").value, 0.76558)
    close(p1.answer("loss").value, 0.267122)


def test_p1_backward_and_update(p1):
    close(p1.answer("delta3").value, [-0.23442])
    close(p1.answer("dW3").value, [[-0.01434], [-0.22008]], tol=1e-5)
    close(p1.answer("W3_new").value, [[4.000143], [1.002201]])
    close(p1.answer("delta2").value, [-0.053852, -0.013464])
    close(p1.answer("dW2").value, [[-0.053852, -0.013464], [-0.05385, -0.013463], [-0.039369, -0.009843]])
    close(p1.answer("W2_new").value, [[1.000539, -1.999865], [-2.999462, 4.000135], [-0.999606, 1.000098]])
    d1 = p1.answer("delta1").value
    close(d1[1:], [5e-06, 0.007941], tol=2e-7)
    assert abs(d1[0]) < 1e-16  # the catalogue: ≈ −3.6e−17 (σ(35) saturated)
    close(np.asarray(p1.answer("dW1").value)[:, 2], [0.015882, 0.023823, 0.039704, 0.047645])
    close(p1.answer("W1_new").value, [[1, 3.0, -2.000159], [2, -3.0, 3.999762], [3, -1.0, 0.999603],
                                      [2, 3.0, -2.000476]])
    close(p1.answer("b3_new").value, [0.002344])
    close(p1.answer("b2_new").value, [0.000539, 0.000135])
    close(p1.answer("b1_new").value, [0, -5e-08, -7.9e-05], tol=1e-6)


def test_p3_delta_rule():
    s = solve_file(P / "p3-delta-rule.yaml")
    close(s.answer("z1").value, [-0.02])
    close(s.answer("a1").value, [0.495], tol=1e-5)
    close(s.answer("z2").value, [0.0495], tol=1e-5)
    close(s.answer("yhat").value, 0.512372)
    close(s.answer("loss").value, 0.11889, tol=1e-5)
    close(s.answer("delta2").value, [-0.121832])         # ∂E/∂z2 = −δ_out
    close(s.answer("delta1").value, [-0.003046])
    close(s.answer("dW2").value, [[-0.060307]])
    close(s.answer("dW1").value, [[-0.000305], [-0.000914]])
    close(np.asarray(s.answer("W2_new").value) - 0.1, [[0.030153]])
    close(np.asarray(s.answer("W1_new").value) - np.array([[0.4], [-0.2]]), [[0.000152], [0.000457]])


def test_p4_sgd_two_rows():
    s = solve_file(P / "p4-cgpa-iq-salary.yaml")
    close(s.answer("z1").value, [4.375, 7.25])
    close(s.answer("yhat").value, 2.7625)
    close(s.answer("losses").value, [27.431406, 16.721332])
    close(s.answer("dW2").value, [[-45.828125], [-75.94375]])
    close(s.answer("db2").value, [-10.475])
    close(s.answer("W1_new").value, [[0.101926, -0.198705], [0.097559, 0.13204]])
    close(s.answer("b1_new").value, [0.000563, 0.000379])
    close(s.answer("W2_new").value, [[0.310362], [0.2157]])
    close(s.answer("b2_new").value, [0.001865])
    # the parameters after row 1, shown at the start of update 2
    given = {b.quantity.key: b.value for sec in s.sections if sec.title.startswith("Update 2")
             for b in sec.blocks if type(b).__name__ == "Given"}
    close(given["Wm1"], [[0.101178, -0.199214], [0.07514, 0.11676]])
    close(given["bv1"], [0.000314, 0.00021])
    close(given["Wm2"], [[0.304583], [0.207594]])
    close(given["bv2"], [0.001048])
