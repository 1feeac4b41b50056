"""kind: metrics — classification metrics from labels, from scores and a threshold, or from counts.

Binary: TP, FP, FN, TN, the confusion matrix, accuracy, precision, recall (= sensitivity, TPR),
specificity (TNR), FPR, F1 (and F-beta), balanced accuracy. Several classes: the confusion matrix,
per-class precision/recall/F1 and support, and their macro, micro and weighted averages. With
scores: the ROC curve (one point per distinct score) and its area by the trapezoid rule.
Every value is a worked line from the counts (precision = TP/(TP + FP) = 5/(5 + 3) = 0.625);
a ratio whose denominator is 0 is taken as 0, as scikit-learn does, and a note says so.
"""

from __future__ import annotations

from typing import Optional

from dlsolve.derivation import Derivation
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.metrics.binary import solve_binary
from dlsolve.kinds.metrics.multiclass import solve_multiclass
from dlsolve.kinds.metrics.spec import Spec
from dlsolve.solution import Solution

KIND = "metrics"
__all__ = ["KIND", "Spec", "solve"]


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    if len(spec.problem.classes) == 2:
        solve_binary(d, spec)
    else:
        solve_multiclass(d, spec)
    return d.solution(KIND, spec.title)
