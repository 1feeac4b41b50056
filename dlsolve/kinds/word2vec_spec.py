"""kind: word2vec — the problem as written: its optional parts (subsampling, similarity, an
embedding lookup, a skip-gram step), each checked into its own frozen object. The working is in
`kinds/word2vec.py`."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping, Optional, Union

import numpy as np
from pydantic import ConfigDict, Field

from dlsolve.errors import Path, SpecInvalid
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import AtLeastOne, ExactlyOne, PreparedSpec, Requires, Ruled, frozen
from dlsolve.schema import Matrix, Number, Vector  # field types with a JSON Schema


@dataclass(frozen=True)
class Counts:
    """Subsampling's numbers, checked: each word's count (positive, at most the corpus size), the
    corpus size and the threshold (positive)."""

    counts: Mapping[str, float]           # in the order written
    total: float
    t: float


class Subsampling(PreparedSpec[Counts]):
    model_config = ConfigDict(extra="forbid")
    counts: dict[str, Number] = Field(description="each word's count in the corpus")
    total: Number = Field(description="the number of words in the corpus")
    t: Number = Field(description="the threshold t (e.g. 1e-5)")
    formula: Literal["paper", "code"] = Field("paper",
                                              description="paper: P(discard) = 1 − √(t/f); code: word2vec.c's keep "
                                                          "probability (√(f/t) + 1)·t/f")

    def prepare(self) -> Counts:
        if not self.counts:
            raise SpecInvalid("expected at least one word with its count", ("counts",))
        total_ = V.number(self.total, ("total",))
        if total_ <= 0:
            raise SpecInvalid(f"the corpus size must be positive, got {self.total}", ("total",))
        t = V.number(self.t, ("t",))
        if t <= 0:
            raise SpecInvalid(f"the threshold t must be positive, got {self.t}", ("t",))
        counts = {}
        for w, given in self.counts.items():
            c = V.number(given, ("counts", w))
            if c <= 0:
                raise SpecInvalid(f"the count of '{w}' must be positive (a word never seen has no frequency), "
                                  f"got {given}", ("counts", w))
            if c > total_:
                raise SpecInvalid(f"the count of '{w}' ({given}) exceeds the corpus size ({self.total})",
                                  ("counts", w))
            counts[w] = c
        return Counts(MappingProxyType(counts), total_, t)


@dataclass(frozen=True)
class WordVectors:
    """Similarity's vectors, checked: one length for all, every word asked about has one, none of
    them (nor the analogy's target) is zero."""

    vectors: Mapping[str, np.ndarray]     # in the order written


class Similarity(PreparedSpec[WordVectors]):
    model_config = ConfigDict(extra="forbid")
    vectors: dict[str, Vector] = Field(description="each word's vector, by word")
    pairs: list[list[str]] = Field([], description="pairs of words [a, b] whose cosine similarity to compute")
    analogy: Optional[list[str]] = Field(None,
                                         description="[a, b, c]: a is to b as c is to ? (the nearest word to b − a + "
                                                     "c)")

    def prepare(self) -> WordVectors:
        if not self.vectors:
            raise SpecInvalid("expected at least one word with its vector", ("vectors",))
        vec: dict[str, np.ndarray] = {}
        first: Optional[str] = None
        for w, v in self.vectors.items():
            arr = V.vector(v, ("vectors", w), scalar_ok=False)
            if first is not None and len(arr) != len(vec[first]):
                width = len(vec[first])
                raise SpecInvalid(f"word vectors must all have the same length: '{first}' has {width} numbers, "
                                  f"'{w}' has {len(arr)}", ("vectors", w))
            first = first or w
            vec[w] = frozen(arr)
        used: list[tuple[str, Path]] = []
        for i, pair in enumerate(self.pairs):
            if len(pair) != 2:
                raise SpecInvalid(f"expected a pair of two words, got {len(pair)}", ("pairs", i))
            used += [(w, ("pairs", i, k)) for k, w in enumerate(pair)]
        if self.analogy is not None:
            if len(self.analogy) != 3:
                raise SpecInvalid(f"expected three words a, b, c (a − b + c), got {len(self.analogy)}", ("analogy",))
            used += [(w, ("analogy", k)) for k, w in enumerate(self.analogy)]
        if not used:
            raise SpecInvalid("expected pairs or an analogy to compute", ("pairs",))
        for w, path in used:
            if w not in vec:
                raise SpecInvalid(f"no vector for '{w}'; the vectors are: {', '.join(vec)}", path)
        for w in dict.fromkeys(w for w, _ in used):
            if not np.any(vec[w]):
                raise SpecInvalid(f"the vector of '{w}' is zero: its cosine similarity is undefined",
                                  ("vectors", w))
        if self.analogy is not None:
            a, b, c = self.analogy
            candidates = [w for w in vec if w not in self.analogy]
            if not candidates:
                raise SpecInvalid("the analogy needs a word other than its three to answer with", ("analogy",))
            for w in candidates:
                if not np.any(vec[w]):
                    raise SpecInvalid(f"the vector of '{w}' is zero: its cosine similarity is undefined",
                                      ("vectors", w))
            if not np.any(vec[a] - vec[b] + vec[c]):
                raise SpecInvalid(f"{a} − {b} + {c} is the zero vector: no word is nearest to it", ("analogy",))
        return WordVectors(MappingProxyType(vec))


@dataclass(frozen=True)
class Lookup:
    """An embedding lookup, checked: the matrix and a row index inside it."""

    matrix: np.ndarray
    index: int


class Embedding(PreparedSpec[Lookup]):
    model_config = ConfigDict(extra="forbid")
    matrix: Matrix = Field(description="the embedding matrix, one row per word")
    index: int = Field(description="the word's 0-based index (the one-hot position)")

    def prepare(self) -> Lookup:
        E = V.matrix(self.matrix, ("matrix",))
        if not 0 <= self.index < len(E):
            raise SpecInvalid(f"expected an index from 0 to {len(E) - 1} (rows count from 0), got {self.index}",
                              ("index",))
        return Lookup(frozen(E), self.index)


@dataclass(frozen=True)
class NegativeSampling:
    """A skip-gram step with negative sampling: v_c, u_o and the negatives' u_k (rows), one length."""

    center: np.ndarray
    context: np.ndarray
    negatives: np.ndarray


@dataclass(frozen=True)
class FullSoftmax:
    """A skip-gram step with the full softmax: v_c, every word's u_j (rows) and the context row o."""

    center: np.ndarray
    outputs: np.ndarray
    target: int


class SkipGram(PreparedSpec[Union[NegativeSampling, FullSoftmax]]):
    model_config = ConfigDict(extra="forbid")
    RULES = (
        ExactlyOne(("negatives", "outputs"),
                   message="give exactly one of negatives (negative sampling) and outputs (the full softmax)"),
        Requires("negatives", ("context",),
                 message="negative sampling needs context: the context word's output vector u_o"),
        Requires("outputs", ("target",),
                 message="the full softmax needs target: the row of outputs that is the context word"),
    )
    center: Vector = Field(description="v_c, the center word's input vector")
    context: Optional[Vector] = Field(None, description="u_o, the context word's output vector (negative sampling)")
    negatives: Optional[Matrix] = Field(None, description="the output vectors of the negative samples, one per row")
    outputs: Optional[Matrix] = Field(None, description="full softmax: every word's output vector, one per row")
    target: Optional[int] = Field(None, description="full softmax: the 0-based index of the context word")

    def prepare(self) -> Union[NegativeSampling, FullSoftmax]:
        vc = V.vector(self.center, ("center",), scalar_ok=False)
        n = len(vc)
        if self.negatives is not None:
            if self.target is not None:
                raise SpecInvalid("target picks a row of outputs (the full softmax); with negatives give context",
                                  ("target",))
            uo = V.vector(self.context, ("context",), scalar_ok=False)
            if len(uo) != n:
                raise SpecInvalid(f"expected {n} numbers (as the centre vector), got {len(uo)}", ("context",))
            neg = V.matrix(self.negatives, ("negatives",))
            if neg.shape[1] != n:
                raise SpecInvalid(f"expected vectors of {n} numbers (as the centre vector), got {neg.shape[1]}",
                                  ("negatives",))
            return NegativeSampling(frozen(vc), frozen(uo), frozen(neg))
        if self.context is not None:
            raise SpecInvalid("with outputs, the context word is the row `target` of outputs; remove context",
                              ("context",))
        U = V.matrix(self.outputs, ("outputs",))
        if U.shape[1] != n:
            raise SpecInvalid(f"expected vectors of {n} numbers (as the centre vector), got {U.shape[1]}",
                              ("outputs",))
        target = self.target
        if target is None or not 0 <= target < len(U):
            raise SpecInvalid(f"expected a row from 0 to {len(U) - 1} (rows count from 0), got {target}", ("target",))
        return FullSoftmax(frozen(vc), frozen(U), target)


class Spec(Ruled):
    """kind: word2vec — see the README for every key. Each part prepares its own checked numbers
    (`spec.skipgram.problem`); the kind adds only that some part is asked for."""

    model_config = ConfigDict(extra="forbid")
    RULES = (AtLeastOne(("subsampling", "similarity", "embedding", "skipgram"),
                        message="nothing to compute: give subsampling, similarity, embedding or skipgram"),)
    kind: Literal["word2vec"]
    title: Optional[str] = None
    subsampling: Optional[Subsampling] = Field(None,
                                               description="subsampling of frequent words: {counts, total, t, "
                                                           "formula}")
    similarity: Optional[Similarity] = Field(None,
                                             description="cosine similarities of word vectors: {vectors, pairs, "
                                                         "analogy}")
    embedding: Optional[Embedding] = Field(None,
                                           description="an embedding lookup: {matrix, index}, the row of a one-hot "
                                                       "input")
    skipgram: Optional[SkipGram] = Field(None,
                                         description="one skip-gram step: {center, context, negatives or outputs, "
                                                     "target}")
