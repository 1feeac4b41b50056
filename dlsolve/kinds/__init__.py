"""The registry of problem kinds: name → module, imported only when used.

Every kind module has the same shape: KIND (its name), Spec (the pydantic schema of its YAML)
and solve(spec, options) -> Solution. Its entry in KINDS below gives its module, its line for
`dlsolve kinds` and the command-line options it takes; its commented template for
`dlsolve new KIND` is dlsolve/templates/KIND.yaml.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields
from types import ModuleType
from typing import ClassVar, Literal, get_args

from dlsolve.errors import OptionError

Detail = Literal["auto", "units", "layers", "full"]


@dataclass(frozen=True)
class SolveOptions:
    """The options that change what is solved (not how it is shown), with their one set of defaults.

    The command line's flags (`--explain`, `--detail`, `--round`, `--exact`) and the keywords of
    `dlsolve.solve(...)` are these fields, by name; both take their defaults from here. A kind
    reads them as attributes (`options.round`), so a misspelt name is an AttributeError, and a
    value of the wrong type or range is an OptionError when the object is made. Which kinds take
    which option is their KINDS entry below; `for_kind` refuses one a kind does not take.
    """

    explain: tuple[str, ...] = ()  # parameters to expand unit by unit, e.g. "W2[1,2]"
    detail: Detail = "auto"        # "units": every unit; "layers": vectors and matrices; "auto": by size;
                                   # "full": by size, and every update of a training run in its own section
    round: int | None = None       # round every derived value to this many decimals (exam-style arithmetic)
    exact: bool = False            # also keep exact values where the inputs are exact

    DETAILS: ClassVar[tuple[str, ...]] = get_args(Detail)
    MAX_ROUND: ClassVar[int] = 12  # decimals; float64 holds about 15 significant digits

    def __post_init__(self) -> None:
        explain = (self.explain,) if isinstance(self.explain, str) else self.explain
        if not isinstance(explain, (tuple, list)) or not all(isinstance(t, str) for t in explain):
            raise OptionError("explain", f"expected parameters like 'W2[1,2]', got {self.explain!r}")
        object.__setattr__(self, "explain", tuple(explain))  # one string or a list, as the API allows
        if self.detail not in self.DETAILS:
            raise OptionError("detail", f"expected one of {', '.join(self.DETAILS)}, got {self.detail!r}")
        if self.round is not None and (isinstance(self.round, bool) or not isinstance(self.round, int)
                                       or not 0 <= self.round <= self.MAX_ROUND):
            raise OptionError("round", f"expected a whole number of decimals from 0 to {self.MAX_ROUND}, "
                                       f"got {self.round!r}")
        if not isinstance(self.exact, bool):
            raise OptionError("exact", f"expected True or False, got {self.exact!r}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def for_kind(self, kind: str, flag: str = "") -> SolveOptions:
        """These options, checked against what `kind` takes: the one applicability check. An option
        set away from its default that the kind does not take is an OptionError naming the kinds
        that take it (never silently ignored); `flag` prefixes its name ("--" on the command line)."""
        for f in fields(self):
            if getattr(self, f.name) != f.default and not takes(kind, f.name):
                raise OptionError(flag + f.name, f"applies to kind {', '.join(kinds_taking(f.name))} only, "
                                                 f"not to a `kind: {kind}` problem")
        return self


# The options of SolveOptions a kind takes; the CLI offers each kind's subcommand only these.
DERIVED = frozenset({"round", "exact"})  # every kind that solves through Derivation.derive


@dataclass(frozen=True)
class Kind:
    """One problem kind: where its module is, its line for `dlsolve kinds`, the options it takes.

    Kept here rather than in the kind's module so that the CLI can build every subcommand
    without importing NumPy, pydantic or SymPy (`dlsolve --help` stays instant). Its options
    are names of SolveOptions fields (checked when the entry is made).
    """

    module: str
    summary: str
    options: frozenset[str] = DERIVED

    def __post_init__(self) -> None:
        unknown = self.options - set(SolveOptions.names())
        if unknown:
            raise ValueError(f"{self.module}: {', '.join(sorted(unknown))} is no field of SolveOptions")


KINDS: dict[str, Kind] = {
    "backprop": Kind("dlsolve.kinds.backprop",
                     "forward pass, loss, every chain-rule product of the backward pass, and the "
                     "update of a multilayer perceptron", DERIVED | {"explain", "detail"}),
    "loss": Kind("dlsolve.kinds.loss",
                 "a loss over samples (MSE, MAE, Huber, smooth L1, BCE, CCE, sparse CCE, hinge, multiclass "
                 "SVM, cosine, KL) with its conventions"),
    "softmax": Kind("dlsolve.kinds.softmax", "softmax probabilities at one or several temperatures, and Σ p·v"),
    "entropy": Kind("dlsolve.kinds.entropy",
                    "entropy, cross-entropy and KL divergence of discrete distributions (bits by default)"),
    "distillation": Kind("dlsolve.kinds.distillation", "the knowledge-distillation loss of a student against a teacher"),
    "optimizer": Kind("dlsolve.kinds.optimizer",
                      "learning-rate and weight tables of SGD, momentum, Nesterov, Adagrad, RMSProp, Adam, AdamW"),
    "conv": Kind("dlsolve.kinds.architecture",
                 "output shapes of a layer stack (CNN, MLP, RNN) with formulas, and the parameter counts, "
                 "activations, memory, FLOPs and receptive fields", DERIVED | {"detail"}),
    "params": Kind("dlsolve.kinds.architecture",
                   "parameter counts of a layer stack with formulas, and the output shapes, activations, "
                   "memory, FLOPs and receptive fields", DERIVED | {"detail"}),
    "convolve": Kind("dlsolve.kinds.convolve", "a convolution or pooling worked by hand on a small matrix"),
    "normalize": Kind("dlsolve.kinds.normalize",
                      "batch norm (with running statistics and the backward pass), layer norm, standardisation, min-max"),
    "init": Kind("dlsolve.kinds.init", "the spread of Xavier, He and LeCun weight initialisation from a layer's fans"),
    "graph": Kind("dlsolve.kinds.graph",
                  "the chain rule through any expression: every local derivative and the sum over paths"),
    "perceptron": Kind("dlsolve.kinds.perceptron",
                       "a step-function unit's truth table (gates) and the perceptron learning rule"),
    "metrics": Kind("dlsolve.kinds.metrics",
                    "confusion matrix, precision, recall, specificity, F1 (per class and averaged), ROC and AUC"),
    "rnn": Kind("dlsolve.kinds.rnn",
                "a simple RNN, LSTM or GRU over a sequence: every gate per step, BPTT, the update",
                DERIVED | {"detail"}),
    "attention": Kind("dlsolve.kinds.attention",
                      "attention scores (dot, scaled dot, general, additive, concat, cosine), softmax weights and "
                      "the context; masked and multi-head self-attention"),
    "word2vec": Kind("dlsolve.kinds.word2vec",
                     "word vectors: subsampling, cosine similarity and analogies, embedding lookup, "
                     "skip-gram loss and gradients (negative sampling or full softmax)"),
    "style": Kind("dlsolve.kinds.style",
                  "style transfer: Gram matrices, content and style losses, their weighted total and gradients"),
    "training": Kind("dlsolve.kinds.training",
                     "weight updates of a training run: batches per epoch (with or without the last partial "
                     "batch) and in total"),
}

# Other names a kind's subcommand answers to (`dlsolve adagrad FILE`).
ALIASES: dict[str, str] = {"adagrad": "optimizer"}


def module(kind: str) -> ModuleType:
    return importlib.import_module(KINDS[kind].module)


def summary(kind: str) -> str:
    return KINDS[kind].summary


def takes(kind: str, option: str) -> bool:
    """Whether `kind` takes the SolveOptions field `option` (a name that is no field is an error)."""
    if option not in SolveOptions.names():
        raise ValueError(f"{option!r} is no field of SolveOptions")
    return option in KINDS[kind].options


def kinds_taking(option: str) -> list[str]:
    return [name for name in KINDS if takes(name, option)]
