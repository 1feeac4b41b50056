"""kind: training — how many weight updates a training run makes: batches per epoch and in total.

From the number of samples n, the batch size B and the epochs: ⌈n/B⌉ batches per epoch when the
last, smaller batch is kept (PyTorch's DataLoader and Keras's fit by default), ⌊n/B⌋ when it is
dropped (`drop_last: true`); the size of the last batch; and the notes' "epochs × batches"
updates in all. Stochastic (B = 1) and full-batch (B = n) gradient descent are compared.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from dlsolve.derivation import Derivation
from dlsolve.errors import SpecInvalid
from dlsolve.expr import Num, Sym, call
from dlsolve.kinds import SolveOptions
from dlsolve.solution import Solution

KIND = "training"
MAX_SAMPLES = 10 ** 9  # with at most 10⁶ epochs every count stays below 2⁵³, exact in float64
MAX_EPOCHS = 10 ** 6


class Spec(BaseModel):
    """kind: training — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["training"]
    title: Optional[str] = None
    samples: StrictInt = Field(ge=1, le=MAX_SAMPLES, description="n, the number of training samples")
    batch_size: Union[StrictInt, Literal["full"]] = Field(
        description="B, the samples per batch; 1 is stochastic gradient descent, 'full' is batch GD (B = n)")
    epochs: StrictInt = Field(default=1, ge=1, le=MAX_EPOCHS, description="passes over the training set")
    drop_last: bool = Field(default=False, description="drop the last, smaller batch of each epoch")

    @model_validator(mode="after")
    def _check(self) -> "Spec":
        if isinstance(self.batch_size, int) and not 1 <= self.batch_size <= MAX_SAMPLES:
            raise SpecInvalid(f"expected a batch size from 1 to {MAX_SAMPLES:,}, got {self.batch_size}", ("batch_size",))
        if self.drop_last and self.batch_size != "full" and self.batch_size > self.samples:
            raise SpecInvalid(f"a batch of {self.batch_size} with only {self.samples} samples and drop_last: "
                              "true drops every batch (no update at all)", ("drop_last",))
        return self


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    n_val = spec.samples
    b_val = n_val if spec.batch_size == "full" else spec.batch_size
    partial = n_val % b_val != 0
    d.convention("drop_last: true — the last, smaller batch of each epoch is dropped (its samples are not seen "
                 "that epoch)" if spec.drop_last else
                 "the last batch keeps the samples left over, so it may be smaller (drop_last: false, the default "
                 "of PyTorch's DataLoader and Keras's fit)")
    d.convention("one weight update per batch")
    d.section("Given")
    n, B, E = Sym("n", "n", "n"), Sym("B", "B", "B"), Sym("epochs", "epochs", r"\text{epochs}")
    d.given(n, float(n_val), note="training samples")
    d.given(B, float(b_val), note="the whole set in one batch: batch gradient descent" if spec.batch_size == "full"
            else "one sample per batch: stochastic gradient descent" if b_val == 1 else "samples per batch")
    d.given(E, float(spec.epochs), note="passes over the training set")
    d.section("Batches per epoch")
    per = Sym("batches", "batches per epoch", r"\text{batches per epoch}")
    if spec.drop_last:
        batches = int(d.scalar(per, call("floor", n / B),
                               note="only full batches" + (": the remainder is dropped" if partial else "")))
    else:
        batches = int(d.scalar(per, call("ceil", n / B), note="every sample once per epoch; the last batch is smaller"
                               if partial else "n is a multiple of B: every batch is full"))
    d.answer("batches_per_epoch", batches, "batches (updates) per epoch", keys=(per.key,))
    last = Sym("last_batch", "last batch", r"\text{last batch}")
    if not spec.drop_last:
        size = d.scalar(last, n - (per - Num(1)) * B, note="the samples left for the last batch")
        d.answer("last_batch", int(size), "the size of the last batch", keys=(last.key,))
    else:
        seen = Sym("seen", "samples seen per epoch", r"\text{samples seen per epoch}")
        seen_value = d.scalar(seen, per * B, note="the dropped remainder is not seen in that epoch" if partial else None)
        d.answer("samples_per_epoch", int(seen_value), "samples seen per epoch", keys=(seen.key,))
    d.section("Updates in all")
    total = Sym("updates", "updates", r"\text{updates}")
    updates = d.scalar(total, E * per, note="the notes' epochs × batches")
    d.answer("updates", int(updates), "weight updates in all", keys=(total.key,))
    if partial:
        other = (n_val // b_val if not spec.drop_last else -(-n_val // b_val)) * spec.epochs
        d.note(f"with drop_last: {'true' if not spec.drop_last else 'false'} it would be {{u:int}} updates", u=other)
    d.section("For comparison", level=2)
    d.table(("gradient descent", "batch size", "updates per epoch", "updates in all"),
            [("stochastic (one sample)", 1, n_val, n_val * spec.epochs),
             ("mini-batch (this problem)", b_val, batches, batches * spec.epochs),
             ("batch (the whole set)", n_val, 1, spec.epochs)])
    return d.solution(KIND, spec.title or "Weight updates of a training run")
