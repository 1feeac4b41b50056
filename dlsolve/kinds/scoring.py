"""Attention scores and cosine similarity as records: how each is written out, by hand and as a matrix.

One record per score (dot, scaled_dot, general, additive, cosine) holds its formula, the paper
it comes from, which parameters it takes, and the steps that compute it — so the attention kind
asks the record instead of comparing names. `dot` and `norm_step` (a·b and ‖a‖ written out) are
shared with the word2vec kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dlsolve import notation as N
from dlsolve.derivation import Derivation, NoteArg
from dlsolve.errors import Path, SpecInvalid
from dlsolve.expr import Div, Expr, MatMul, Outer, Sym, Transpose, call, hadamard, total
from dlsolve.solution import WORKED
from dlsolve.schema import Matrix, Vector  # field types with a JSON Schema


def dot(a: Sequence[Expr], b: Sequence[Expr]) -> Expr:
    """a₁·b₁ + a₂·b₂ + … written out."""
    return total([x * y for x, y in zip(a, b)])


def norm_step(d: Derivation, sym: Sym, a: Sequence[Expr]) -> float:
    """‖a‖ = √(a₁² + a₂² + …)."""
    return d.scalar(sym, call("sqrt", total([x ** 2 for x in a])))


def env_array(d: Derivation, sym: Sym) -> np.ndarray:
    """The value of a vector or matrix step already derived (or given)."""
    value = d.env[sym.key]
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{sym.key}: expected an array, the step holds {value!r}")
    return value


def nonzero_rows(rows: np.ndarray, path: Path, what: str, indexed: bool, derived: Optional[str]) -> None:
    """A zero vector has no direction: its cosine is undefined, so say which one it is."""
    for i, r in enumerate(rows):
        if not np.any(r):
            where = f" (row {i + 1} of {derived})" if derived else ""
            raise SpecInvalid(f"the {what}{f' {i + 1}' if indexed else ''} is the zero vector{where}: "
                              "its cosine similarity is undefined", path + ((i,) if indexed and not derived else ()))


class Additive(BaseModel):
    """Bahdanau's score vᵀ·tanh(W_q·q + W_k·k)."""

    model_config = ConfigDict(extra="forbid")
    W_q: Matrix = Field(description="W_q, applied to the query")
    W_k: Matrix = Field(description="W_k, applied to each key")
    v: Vector = Field(description="v in vᵀ·tanh(W_q q + W_k k)")


class Concat(BaseModel):
    """Luong's concat score v_aᵀ·tanh(W_a·[q; k])."""

    model_config = ConfigDict(extra="forbid")
    W: Matrix = Field(description="W, applied to [q; k]")
    v: Vector = Field(description="v in vᵀ·tanh(W·[q; k])")


def bind_matrix(d: Derivation, base: str, uni: str, values: np.ndarray, tag: str) -> list[list[Sym]]:
    """Element symbols of a shown matrix (row i, column j), made known without steps."""
    out = []
    for i, row in enumerate(values, 1):
        syms = []
        for j, x in enumerate(row, 1):
            s = N.quantity(f"{base}{tag}", uni, uni, (i, j))
            d.bind(s, float(x))
            syms.append(s)
        out.append(syms)
    return out


def bind_vector(d: Derivation, base: str, uni: str, values: np.ndarray, tag: str) -> list[Sym]:
    out = []
    for i, x in enumerate(values, 1):
        s = N.quantity(f"{base}{tag}", uni, uni, (i,))
        d.bind(s, float(x))
        out.append(s)
    return out


SymMatrix = Sequence[Sequence[Sym]]


@dataclass(frozen=True)
class ScoreParams:
    """A score's own weights as bound element symbols (empty where the score takes none)."""

    W: SymMatrix = ()                     # general
    Wq: SymMatrix = ()                    # additive, applied to the query
    Wk: SymMatrix = ()                    # additive, applied to each key
    Wa: SymMatrix = ()                    # concat
    v: Sequence[Sym] = ()                 # additive or concat: the output vector


@dataclass(frozen=True)
class Score:
    name: str
    formula: str
    paper: str
    param: Optional[str]        # "W" (general), "additive", "concat", or None
    same_length: bool           # query and keys must have the same length
    several_queries: bool       # several queries at once (as one matrix, or row by row when `matrix` is None)
    needs_nonzero: bool         # undefined for a zero vector (a length in the denominator)
    # once per query: the symbols every key's score reuses (d_k, ‖q‖, qᵀW, W_q·q), `derive`'s `pre`
    prepare: Callable[[Derivation, list[Sym], ScoreParams, str], list[Sym]]
    derive: Callable[[Derivation, Sym, list[Sym], list[Sym], list[Sym], ScoreParams, str, NoteArg], None]
    matrix: Optional[Callable[[Derivation, Sym, Sym, Sym, ScoreParams, str], None]]


def _no_prep(d: Derivation, q: list[Sym], params: ScoreParams, tag: str) -> list[Sym]:
    return []


def _dot(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
         note: NoteArg) -> None:
    d.derive(s, dot(q, k), note=note)


def _dot_matrix(d: Derivation, S: Sym, Q: Sym, K: Sym, params: ScoreParams, t: str) -> None:
    d.derive(S, MatMul(Q, Transpose(K)), note="S_ij = q_i·k_j: row i holds query i's scores")


def _dk(d: Derivation, width: int) -> Sym:
    dk = Sym(f"dk{width}", "d_k", "d_k")
    if dk.key not in d.env:
        d.given(dk, float(width), note="the length of each key (per head)", part=WORKED)
    return dk


def _scaled_prep(d: Derivation, q: list[Sym], params: ScoreParams, tag: str) -> list[Sym]:
    return [_dk(d, len(q))]


def _scaled(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
            note: NoteArg) -> None:
    d.derive(s, Div(dot(q, k), call("sqrt", pre[0])), note=note)


def _scaled_matrix(d: Derivation, S: Sym, Q: Sym, K: Sym, params: ScoreParams, t: str) -> None:
    dk = _dk(d, env_array(d, K).shape[1])
    d.derive(S, Div(MatMul(Q, Transpose(K)), call("sqrt", dk)),
             note="dividing by √d_k keeps the scores' spread independent of the key length")


def _general_prep(d: Derivation, q: list[Sym], params: ScoreParams, tag: str) -> list[Sym]:
    W = params.W
    out = []
    for b in range(len(W[0])):
        u = Sym(f"qW{tag}_{b + 1}", f"(qᵀW){N.subscript(b + 1)}", rf"(\mathbf{{q}}^\top\mathbf{{W}})_{{{b + 1}}}")
        d.derive(u, dot(q, [row[b] for row in W]), note="qᵀ·W first: one number per key entry" if b == 0 else None)
        out.append(u)
    return out


def _general(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
             note: NoteArg) -> None:
    d.derive(s, dot(pre, k), note=note)


def _general_matrix(d: Derivation, S: Sym, Q: Sym, K: Sym, params: ScoreParams, t: str) -> None:
    d.derive(S, MatMul(MatMul(Q, Sym("W", "W", r"\mathbf{W}")), Transpose(K)))


def _additive_prep(d: Derivation, q: list[Sym], params: ScoreParams, tag: str) -> list[Sym]:
    out = []
    for a, row in enumerate(params.Wq, 1):
        p = Sym(f"Wqq{tag}_{a}", f"(W_q·q){N.subscript(a)}", rf"(\mathbf{{W}}_q\mathbf{{q}})_{{{a}}}")
        d.derive(p, dot(row, q), note="W_q·q once, shared by every key" if a == 1 else None)
        out.append(p)
    return out


def _additive(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
              note: NoteArg) -> None:
    hidden = []
    j = tag.rsplit("_", 1)[-1]
    for a, (p, row) in enumerate(zip(pre, params.Wk), 1):
        h = Sym(f"tanh{tag}_{a}", f"h{N.subscript(j)},{N.subscript(a)}", f"h_{{{j},{a}}}")
        d.derive(h, call("tanh", p + dot(row, k)),
                 note="the tanh vector tanh(W_q·q + W_k·k_j), entry by entry" if a == 1 else None)
        hidden.append(h)
    d.derive(s, dot(params.v, hidden), note=note)


def _concat(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
            note: NoteArg) -> None:
    """Luong's concat score v_aᵀ·tanh(W_a·[q; k]): each row of W_a times the query and key stacked."""
    hidden = []
    j = tag.rsplit("_", 1)[-1]
    for a, row in enumerate(params.Wa, 1):
        h = Sym(f"tanh{tag}_{a}", f"h{N.subscript(j)},{N.subscript(a)}", f"h_{{{j},{a}}}")
        d.derive(h, call("tanh", dot(row, list(q) + list(k))),
                 note="the tanh vector tanh(W_a·[q; k_j]), entry by entry: the query q stacked on the key k_j"
                 if a == 1 else None)
        hidden.append(h)
    d.derive(s, dot(params.v, hidden), note=note)


def _cos_prep(d: Derivation, q: list[Sym], params: ScoreParams, tag: str) -> list[Sym]:
    nq = Sym(f"normq{tag}", "‖q‖", r"\lVert\mathbf{q}\rVert")
    norm_step(d, nq, q)
    return [nq]


def _cos(d: Derivation, s: Sym, q: list[Sym], k: list[Sym], pre: list[Sym], params: ScoreParams, tag: str,
         note: NoteArg) -> None:
    j = tag.rsplit("_", 1)[-1]
    nk = Sym(f"normk{tag}", f"‖k{N.subscript(j)}‖", rf"\lVert\mathbf{{k}}_{{{j}}}\rVert")
    norm_step(d, nk, k)
    d.derive(s, Div(dot(q, k), pre[0] * nk), note=note)


def _cos_matrix(d: Derivation, S: Sym, Q: Sym, K: Sym, params: ScoreParams, t: str) -> None:
    width = env_array(d, K).shape[1]
    one = Sym(f"ones{width}", "𝟏", r"\mathbf{1}")
    if one.key not in d.env:
        d.given(one, np.ones(width), note="all ones: (Q⊙Q)·𝟏 sums each row's squares")
    nQ = Sym(f"nQ{t}", f"‖{Q.uni}‖", rf"\lVert {Q.tex}\rVert")
    nK = Sym(f"nK{t}", f"‖{K.uni}‖", rf"\lVert {K.tex}\rVert")
    d.derive(nQ, call("sqrt", MatMul(hadamard(Q, Q), one)), note="the length of each query (row)")
    d.derive(nK, call("sqrt", MatMul(hadamard(K, K), one)), note="the length of each key (row)")
    d.derive(S, Div(MatMul(Q, Transpose(K)), Outer(nQ, nK, rows=False)),
             note="S_ij = q_i·k_j / (‖q_i‖·‖k_j‖)")


# Luong's concat score, named: its weights are the spec's `concat` (a word that is also a function's name).
CONCAT = Score("concat", "score = v_aᵀ·tanh(W_a·[q; k])", "Luong, Pham & Manning 2015 (\"concat\")",
               "concat", False, True, False, _no_prep, _concat, None)

SCORES: dict[str, Score] = {
    "dot": Score("dot", "score = qᵀ·k", "Luong, Pham & Manning 2015 (\"dot\")", None, True, True, False,
                 _no_prep, _dot, _dot_matrix),
    "scaled_dot": Score("scaled dot", "score = qᵀ·k / √d_k",
                        "Vaswani et al. 2017, \"Attention Is All You Need\"", None, True, True, False,
                        _scaled_prep, _scaled, _scaled_matrix),
    "general": Score("general", "score = qᵀ·W·k", "Luong, Pham & Manning 2015 (\"general\", multiplicative)",
                     "W", False, True, False, _general_prep, _general, _general_matrix),
    "additive": Score("additive", "score = vᵀ·tanh(W_q·q + W_k·k)",
                      "Bahdanau, Cho & Bengio 2015 (additive / \"concat\")", "additive", False, True, False,
                      _additive_prep, _additive, None),
    "concat": CONCAT,
    "cosine": Score("cosine", "score = q·k / (‖q‖·‖k‖)",
                    "Graves, Wayne & Danihelka 2014 (content-based addressing of Neural Turing Machines)",
                    None, True, True, True, _cos_prep, _cos, _cos_matrix),
}
