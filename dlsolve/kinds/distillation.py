"""kind: distillation — the knowledge-distillation loss of a student against a teacher.

L = α·hard + (1 − α)·T²·soft, where hard = CE(one-hot label, softmax(student)) at T = 1 and
soft = KL(p_teacher^T ‖ p_student^T) (or the cross-entropy H(p_teacher^T, p_student^T)).
The T² (Hinton et al., 2015) keeps the soft term's gradients on the scale of the hard term's.
The other conventions are computed too, so the solution can say what they would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional, Union

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve import notation as N
from dlsolve.conventions import Convention
from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Add, Neg, Num, Sym, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import ExactlyOne, NameNeeds, PreparedSpec, frozen
from dlsolve.kinds.prob import NAME_NEEDS_CLASSES, class_index, softmax_steps
from dlsolve.solution import Phrase, Solution
from dlsolve.schema import Vector  # field types with a JSON Schema

KIND = "distillation"

# Where distillation is written differently (each changes the loss): Hinton's T² factor on the
# soft term, and KL or cross-entropy as the soft term.
CONVENTIONS = (
    Convention(("t_squared",), (True, False), True),
    Convention(("soft_loss",), ("kl", "cross_entropy"), "kl"),
)


@dataclass(frozen=True)
class Problem:
    """A distillation problem's numbers, checked: the logits (or the teacher's probabilities)
    as arrays of one length k, and the true class as a 0-based index."""

    student: np.ndarray                   # z^s, k logits
    teacher: np.ndarray                   # z^t, or p^t as given when softened
    softened: bool                        # teacher holds teacher_probs, used as given
    c: int                                # the true class, 0-based


class Spec(PreparedSpec[Problem]):
    """kind: distillation — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (ExactlyOne(("teacher_logits", "teacher_probs")),
             NameNeeds("label", "classes", message=NAME_NEEDS_CLASSES))
    kind: Literal["distillation"]
    title: Optional[str] = None
    teacher_logits: Optional[Vector] = Field(None,
                                             description="the teacher's scores, softened here at T (give this or "
                                                         "teacher_probs)")
    teacher_probs: Optional[Vector] = Field(None,
                                            description="the teacher's probabilities, used as given (give this or "
                                                        "teacher_logits)")
    student_logits: Vector = Field(description="the student's scores")
    label: Union[int, str] = Field(description="the true class: a 0-based index, or a name from classes")
    classes: Optional[list[str]] = Field(None, description="names of the classes, for label")
    temperature: float = Field(default=1.0, description="T > 0, the softening temperature (default 1)")
    alpha: float = Field(description="α in [0, 1], the weight of the hard-label term")
    soft_loss: Literal["kl", "cross_entropy"] = Field("kl",
                                                      description="kl: KL(p_teacher^T ‖ p_student^T); cross_entropy: "
                                                                  "H(p_teacher^T, p_student^T)")
    t_squared: bool = Field(True, description="multiply the soft term by T²")

    def prepare(self) -> Problem:
        s = V.vector(self.student_logits, ("student_logits",), scalar_ok=False)
        k = len(s)
        if k < 2:
            raise SpecInvalid("expected at least 2 classes", ("student_logits",))
        if self.teacher_logits is not None:
            t = V.vector(self.teacher_logits, ("teacher_logits",), scalar_ok=False)
            if len(t) != k:
                raise SpecInvalid(f"expected {k} teacher logits (like the student's), got {len(t)}",
                                  ("teacher_logits",))
        else:
            t = V.vector(self.teacher_probs, ("teacher_probs",), scalar_ok=False)
            if len(t) != k:
                raise SpecInvalid(f"expected {k} teacher probabilities, got {len(t)}", ("teacher_probs",))
            if np.any(t < 0) or not np.isclose(t.sum(), 1.0, atol=1e-9):
                raise SpecInvalid(f"teacher_probs must be non-negative and sum to 1, got sum {t.sum():g}",
                                  ("teacher_probs",))
        if self.temperature <= 0:
            raise SpecInvalid(f"the temperature must be positive, got {self.temperature:g}", ("temperature",))
        if not 0 <= self.alpha <= 1:
            raise SpecInvalid(f"alpha weights the hard term and must lie in [0, 1], got {self.alpha:g}", ("alpha",))
        if self.classes is not None and len(self.classes) != k:
            raise SpecInvalid(f"expected {k} class names, got {len(self.classes)}", ("classes",))
        c = class_index(self.label, self.classes, k, ("label",))
        return Problem(frozen(s), frozen(t), self.teacher_logits is None, c)


def _vec(name: str, uni: str, tex: str, k: int) -> list[Sym]:
    return [N.quantity(name, uni, tex, (i,)) for i in range(1, k + 1)]


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    problem = spec.problem
    k = len(problem.student)
    T = float(spec.temperature)
    a = spec.alpha
    d.convention("L = α·hard + (1 − α)·" + ("T²·" if spec.t_squared else "") + "soft with α = {a:given} on the "
                 "hard term", a=a)
    d.convention("hard = cross-entropy of the one-hot label with the student's softmax at T = 1")
    d.convention(("soft = KL(p_teacher^T ‖ p_student^T)" if spec.soft_loss == "kl" else
                  "soft = cross-entropy H(p_teacher^T, p_student^T)") + "; natural logarithms")
    d.section("Given")
    Tsym, Asym = Sym("T", "T", "T"), Sym("alpha", "α", r"\alpha")
    d.given(Tsym, T)
    d.given(Asym, a, note="the weight of the hard-label term")
    zs = _vec("zs", "z^s", "z^{s}", k)
    d.given(Sym("zsv", "student logits z^s", "z^{s}"), problem.student)
    for s, v in zip(zs, problem.student):
        d.bind(s, float(v))
    y = _vec("y", "y", "y", k)
    onehot = np.eye(k)[problem.c]
    label = spec.classes[problem.c] if spec.classes else f"class {problem.c} (0-based)"
    d.given(Sym("yv", "y", "y"), onehot, note=f"the one-hot label: {label}")
    for s, v in zip(y, onehot):
        d.bind(s, float(v))
    pt = _vec("pt", "p^t", "p^{t}", k)
    if not problem.softened:
        zt = _vec("zt", "z^t", "z^{t}", k)
        d.given(Sym("ztv", "teacher logits z^t", "z^{t}"), problem.teacher)
        for s, v in zip(zt, problem.teacher):
            d.bind(s, float(v))
        d.section("Teacher, softened at T = {T:given}", T=T)
        p_teacher = softmax_steps(d, zt, Tsym, pt, tag="teacher")
    else:
        d.given(Sym("ptv", "p^t", "p^{t}"), problem.teacher,
                note="teacher_probs: used as given, as the softened teacher")
        for s, v in zip(pt, problem.teacher):
            d.bind(s, float(v))
        p_teacher = [float(v) for v in problem.teacher]
    d.section("Student, softened at T = {T:given}", T=T)
    ps = _vec("ps", "p^s", "p^{s}", k)
    p_student = softmax_steps(d, zs, Tsym, ps, tag="student")
    d.section("Student at T = 1 (for the hard label)")
    q = _vec("q", "q", "q", k)
    p_hard = softmax_steps(d, zs, None, q, tag="student1")

    d.section("Hard term")
    hard = Sym("hard", "hard", r"\mathcal{L}_{\text{hard}}")
    c = problem.c + 1
    hard_v = d.scalar(hard, Neg(Add.of(*(yi * call("log", qi) for yi, qi in zip(y, q)))),
                      Neg(call("log", q[c - 1])),
                      note=f"only the true class (y_{c} = 1) contributes")

    d.section("Soft term")
    kl = Sym("kl", "KL(p^t‖p^s)", r"D_{KL}(p^{t} \| p^{s})")
    ce = Sym("ce_soft", "H(p^t, p^s)", r"H(p^{t}, p^{s})")
    kl_terms = [pti * call("log", pti / psi) for pti, psi, v in zip(pt, ps, p_teacher) if v > 0]
    ce_terms = [pti * call("log", psi) for pti, psi, v in zip(pt, ps, p_teacher) if v > 0]
    first, second = ((kl, total(kl_terms)), (ce, Neg(total(ce_terms)))) if spec.soft_loss == "kl" else \
        ((ce, Neg(total(ce_terms))), (kl, total(kl_terms)))
    soft_v = d.scalar(first[0], first[1])

    d.section("Weighted total")
    L = Sym("L", "L", "L")
    t2 = Tsym ** Num(2)
    soft_part = (Num(1) - Asym) * t2 * first[0] if spec.t_squared else (Num(1) - Asym) * first[0]
    loss_v = d.scalar(L, Asym * hard + soft_part)

    d.section("Other conventions, for comparison")
    d.text("The same numbers under the conventions not chosen (they change the answer):")
    d.derive(second[0], second[1])
    alt_soft = (Num(1) - Asym) * first[0] if spec.t_squared else (Num(1) - Asym) * t2 * first[0]
    alt1 = Sym("L_alt_t2", f"L {'without' if spec.t_squared else 'with'} T²", "L'")
    d.derive(alt1, Asym * hard + alt_soft)
    other_part = (Num(1) - Asym) * t2 * second[0] if spec.t_squared else (Num(1) - Asym) * second[0]
    other_name = "cross-entropy" if spec.soft_loss == "kl" else "KL"
    alt2 = Sym("L_alt_soft", f"L with the {other_name} soft term", "L''")
    d.derive(alt2, Asym * hard + other_part)
    d.note("KL(p^t‖p^s) = H(p^t, p^s) − H(p^t): the two soft terms differ by the teacher's entropy, "
           "which does not depend on the student, so both give the student the same gradients")

    d.answer("p_teacher", p_teacher, Phrase("p_teacher at T = {T:given}", T=T), keys=tuple(s.key for s in pt))
    d.answer("p_student", p_student, Phrase("p_student at T = {T:given}", T=T), keys=tuple(s.key for s in ps))
    d.answer("p_student_hard", p_hard, "p_student at T = 1", keys=tuple(s.key for s in q))
    d.answer("hard_loss", hard_v, "hard term", keys=("hard",))
    d.answer("soft_loss", soft_v, "soft term (" + spec.soft_loss + ")", keys=(first[0].key,))
    d.answer("loss", loss_v, "L", keys=("L",))
    return d.solution(KIND, spec.title)
