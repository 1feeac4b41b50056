"""kind: attention — the problem as written: one query or a matrix of queries (or self-attention
from X), the keys and values, a score's own weights, a mask, heads and W_O, checked into one frozen
`Problem`. The working is in `kinds/attention.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import numpy as np
from pydantic import ConfigDict, Field, GetJsonSchemaHandler
from pydantic_core import CoreSchema

from dlsolve.errors import Path, SpecInvalid
from dlsolve.kinds import values as V
from dlsolve.kinds.prepared import ExactlyOne, PreparedSpec, Requires, frozen
from dlsolve.kinds.scoring import CONCAT, SCORES, Additive, Concat, nonzero_rows
from dlsolve.schema import Mask, Matrix, VectorOrMatrix  # field types with a JSON Schema

# The query's words in the rules' messages: one query and keys, or self-attention from X.
_EITHER = "give exactly one of query (with keys) and X (self-attention, with W_Q, W_K, W_V)"
_WITH_QUERY = "{key} go with a query; with X (self-attention) K = X·W_K and V = X·W_V: remove '{key}'"


def _score_rules(schema: dict[str, Any]) -> None:
    """A score's own weights (`Score.param`: W, additive, concat) go with that score alone: the
    JSON Schema states it from SCORES, the registry the validator below reads."""
    for param in sorted({s.param for s in SCORES.values() if s.param}):
        names = [n for n, s in SCORES.items() if s.param == param]
        schema.setdefault("allOf", []).extend([
            {"if": {"properties": {"score": {"enum": names}}, "required": ["score"]}, "then": {"required": [param]}},
            {"if": {"required": [param]}, "then": {"properties": {"score": {"enum": names}}, "required": ["score"]}}])


@dataclass(frozen=True)
class Problem:
    """An attention problem's numbers, checked: shapes that fit each other and the score."""

    queries: np.ndarray                   # one query (1-D) or one per row (2-D); X·W_Q for self-attention
    keys: np.ndarray                      # one per row
    values: np.ndarray                    # one per key (the keys when not given)
    W: Optional[np.ndarray]               # general: qᵀ·W·k
    additive: Optional[tuple[np.ndarray, np.ndarray, np.ndarray]]   # W_q, W_k, v
    concat: Optional[tuple[np.ndarray, np.ndarray]]                 # W_a, v_a
    mask: Optional[np.ndarray]            # True where a query may look at a key
    projection: Optional[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]   # X, W_Q, W_K, W_V
    W_O: Optional[np.ndarray]

    @property
    def several(self) -> bool:
        """A matrix of queries (or X), not one query."""
        return self.queries.ndim == 2


class Spec(PreparedSpec[Problem]):
    """kind: attention — see the README for every key."""

    model_config = ConfigDict(extra="forbid")
    RULES = (
        ExactlyOne(("query", "X"), message=_EITHER),
        Requires("query", ("keys",), message="a query needs keys to score it against (one key per row): add keys:"),
        Requires("keys", ("query",), message=_WITH_QUERY.format(key="keys")),
        Requires("values", ("query",), message=_WITH_QUERY.format(key="values")),
        Requires("X", ("W_Q", "W_K", "W_V"),
                 message="self-attention from X needs W_Q, W_K and W_V (Q = X·W_Q, K = X·W_K, V = X·W_V)"),
        *(Requires(w, ("X",), message=f"{w} projects X (self-attention): give X instead of query, or remove {w}")
          for w in ("W_Q", "W_K", "W_V")),
    )
    kind: Literal["attention"]
    title: Optional[str] = None
    score: Literal["dot", "scaled_dot", "general", "additive", "concat", "cosine"] = Field(
        "dot", description="the score of a query q and a key k: dot qᵀk, scaled_dot qᵀk/√d, general qᵀWk, "
                           "additive vᵀtanh(W_q q + W_k k), concat vᵀtanh(W[q; k]), cosine")
    query: Optional[VectorOrMatrix] = Field(None, description="the query q (or a matrix of queries, one per row)")
    keys: Optional[Matrix] = Field(None, description="the keys, one per row")
    values: Optional[Matrix] = Field(None, description="the values, one per row (default: the keys)")
    W: Optional[Matrix] = Field(None, description="score general: W in qᵀ·W·k")
    additive: Optional[Additive] = Field(None, description="score additive (Bahdanau): {W_q, W_k, v}")
    concat: Optional[Concat] = Field(None, description="score concat (Luong): {W, v}")
    temperature: float = Field(1.0, gt=0,
                               description="T: the scores are divided by T before the softmax (default 1)")
    mask: Optional[Mask] = Field(None,
                                 description="causal, or a 0/1 matrix (queries × keys): 1 where a query may look")
    X: Optional[Matrix] = Field(None,
                                description="self-attention: the inputs X, one per row; Q = X·W_Q, K = X·W_K, V = "
                                            "X·W_V")
    W_Q: Optional[Matrix] = Field(None, description="self-attention: W_Q, the query projection")
    W_K: Optional[Matrix] = Field(None, description="self-attention: W_K, the key projection")
    W_V: Optional[Matrix] = Field(None, description="self-attention: W_V, the value projection")
    heads: int = Field(1, ge=1,
                       description="the number of heads h: W_Q, W_K, W_V split into h column blocks (default 1)")
    W_O: Optional[Matrix] = Field(None,
                                  description="multi-head: W_O, the output projection of the concatenated heads")

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        """The RULES' schema, and which score takes which weights (from SCORES)."""
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        _score_rules(handler.resolve_ref_schema(schema))
        return schema

    def prepare(self) -> Problem:
        qk_path: Path
        if self.X is not None:
            X = V.matrix(self.X, ("X",))
            mats = []
            for name in ("W_Q", "W_K", "W_V"):
                m = V.matrix(getattr(self, name), (name,))
                if m.shape[0] != X.shape[1]:
                    raise SpecInvalid(f"expected {X.shape[1]} rows (X has {X.shape[1]} columns), got {m.shape[0]}",
                                      (name,))
                mats.append(m)
            projection: Optional[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = \
                (frozen(X), frozen(mats[0]), frozen(mats[1]), frozen(mats[2]))
            q, k, v = X @ mats[0], X @ mats[1], X @ mats[2]
            qk_path = ("W_K",)
        else:
            projection = None
            query = self.query
            q = V.matrix(query, ("query",)) if isinstance(query, list) and query and isinstance(query[0], list) \
                else V.vector(query, ("query",), scalar_ok=False)
            k = V.matrix(self.keys, ("keys",))
            v = k if self.values is None else V.matrix(self.values, ("values",))
            if len(v) != len(k):
                raise SpecInvalid(f"expected {len(k)} values (one per key), got {len(v)}", ("values",))
            qk_path = ("query",)
        several = q.ndim == 2
        dq, dk = q.shape[-1], k.shape[1]
        score = SCORES[self.score]
        W = None
        if score.param == "W":
            if self.W is None:
                raise SpecInvalid("score: general needs W (score = qᵀ·W·k)", ("score",))
            W = V.matrix(self.W, ("W",))
            if W.shape != (dq, dk):
                raise SpecInvalid(f"expected W of shape {dq}×{dk} (query length × key length), "
                                  f"got {W.shape[0]}×{W.shape[1]}", ("W",))
        elif self.W is not None:
            raise SpecInvalid("W is used only with score: general", ("W",))
        additive = self._additive(score.param == "additive", several and not score.several_queries, dq, dk)
        concat = self._concat(score is CONCAT, dq, dk)
        if score.same_length and dq != dk:
            raise SpecInvalid(f"expected a query of length {dk} (the keys' length) for a {self.score} score, "
                              f"got {dq}; a general (W) or additive score joins different lengths", qk_path)
        if score.needs_nonzero:
            nonzero_rows(q if several else q[None, :],
                         ("X",) if self.X is not None else ("query",), "query" if not several else "queries",
                         several or self.X is not None, "Q" if self.X is not None else None)
            nonzero_rows(k, ("X",) if self.X is not None else ("keys",), "key", True,
                         "K" if self.X is not None else None)
        mask = self._mask(several, len(q), len(k))
        if self.heads > 1:
            if not several:
                raise SpecInvalid("several heads need a matrix of queries (one row per query) or X", ("heads",))
            if score.param is not None or score.matrix is None:
                raise SpecInvalid(f"several heads are solved for dot, scaled_dot or cosine scores, not {self.score}",
                                  ("heads",))
            for what, width in (("Q and K", dk), ("V", v.shape[1])):
                if width % self.heads:
                    raise SpecInvalid(f"{self.heads} heads do not divide the width of {what} ({width})", ("heads",))
            if score.needs_nonzero:
                h = self.heads
                for blk in range(h):
                    w = dk // h
                    nonzero_rows(q[:, blk * w:(blk + 1) * w], ("X",) if self.X is not None else ("query",),
                                 f"head {blk + 1}'s query", True, "Q" if self.X is not None else None)
                    nonzero_rows(k[:, blk * w:(blk + 1) * w], ("X",) if self.X is not None else ("keys",),
                                 f"head {blk + 1}'s key", True, "K" if self.X is not None else None)
        WO = None
        if self.W_O is not None:
            if not several:
                raise SpecInvalid("W_O projects the outputs of a matrix of queries (or X)", ("W_O",))
            WO = V.matrix(self.W_O, ("W_O",))
            if WO.shape[0] != v.shape[1]:
                raise SpecInvalid(f"expected {v.shape[1]} rows (the width of the concatenated heads), "
                                  f"got {WO.shape[0]}", ("W_O",))
        return Problem(frozen(q), frozen(k), frozen(v), None if W is None else frozen(W), additive, concat,
                       None if mask is None else frozen(mask), projection, None if WO is None else frozen(WO))

    def _additive(self, wanted: bool, several: bool, dq: int, dk: int) -> Optional[tuple[np.ndarray, np.ndarray,
                                                                                        np.ndarray]]:
        """Bahdanau's W_q, W_k and v, checked against the query's and the keys' lengths."""
        if not wanted:
            if self.additive is not None:
                raise SpecInvalid("additive is used only with score: additive", ("additive",))
            return None
        if self.additive is None:
            raise SpecInvalid("score: additive needs additive: {W_q, W_k, v}", ("score",))
        if several:
            raise SpecInvalid("additive scores are solved for one query (Bahdanau's decoder state); "
                              "give the query as a vector", ("query",) if self.X is None else ("X",))
        Wq = V.matrix(self.additive.W_q, ("additive", "W_q"))
        Wk = V.matrix(self.additive.W_k, ("additive", "W_k"))
        v = V.vector(self.additive.v, ("additive", "v"), scalar_ok=False)
        if Wq.shape[1] != dq:
            raise SpecInvalid(f"expected {dq} columns (the query's length), got {Wq.shape[1]}", ("additive", "W_q"))
        if Wk.shape[1] != dk:
            raise SpecInvalid(f"expected {dk} columns (the keys' length), got {Wk.shape[1]}", ("additive", "W_k"))
        if Wk.shape[0] != Wq.shape[0]:
            raise SpecInvalid(f"expected {Wq.shape[0]} rows (as W_q), got {Wk.shape[0]}", ("additive", "W_k"))
        if len(v) != Wq.shape[0]:
            raise SpecInvalid(f"expected {Wq.shape[0]} entries (the rows of W_q), got {len(v)}", ("additive", "v"))
        return frozen(Wq), frozen(Wk), frozen(v)

    def _concat(self, wanted: bool, dq: int, dk: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
        """Luong's W_a and v_a, checked against the stacked query and key."""
        if not wanted:
            if self.concat is not None:
                raise SpecInvalid("concat is used only with score: concat", ("concat",))
            return None
        if self.concat is None:
            raise SpecInvalid("score: concat needs concat: {W, v} (score = v_aᵀ·tanh(W_a·[q; k]))", ("score",))
        Wa = V.matrix(self.concat.W, ("concat", "W"))
        va = V.vector(self.concat.v, ("concat", "v"), scalar_ok=False)
        if Wa.shape[1] != dq + dk:
            raise SpecInvalid(f"expected {dq + dk} columns (the query's {dq} and the key's {dk} stacked), "
                              f"got {Wa.shape[1]}", ("concat", "W"))
        if len(va) != Wa.shape[0]:
            raise SpecInvalid(f"expected {Wa.shape[0]} entries (the rows of W), got {len(va)}", ("concat", "v"))
        return frozen(Wa), frozen(va)

    def _mask(self, several: bool, m: int, n: int) -> Optional[np.ndarray]:
        """The mask as booleans (True = visible), m queries × n keys; no row hides every key."""
        if self.mask is None:
            return None
        if not several:
            raise SpecInvalid("a mask needs a matrix of queries (one row per query) or X", ("mask",))
        if isinstance(self.mask, str):
            if self.mask != "causal":
                raise SpecInvalid(f"expected 'causal' or a 0/1 matrix, got '{self.mask}'", ("mask",))
            mask = np.tril(np.ones((m, n), dtype=bool))
        else:
            mm = V.matrix(self.mask, ("mask",))
            if mm.shape != (m, n):
                raise SpecInvalid(f"expected a {m}×{n} mask (queries × keys), got {mm.shape[0]}×{mm.shape[1]}",
                                  ("mask",))
            bad = np.argwhere((mm != 0) & (mm != 1))
            if len(bad):
                i, j = bad[0]
                raise SpecInvalid("expected 0 (masked) or 1 (visible)", ("mask", int(i), int(j)))
            mask = mm == 1
        empty = np.flatnonzero(~mask.any(axis=1))
        if len(empty):
            raise SpecInvalid(f"row {empty[0] + 1} of the mask hides every key: its softmax is undefined",
                              ("mask",) if isinstance(self.mask, str) else ("mask", int(empty[0])))
        return mask
