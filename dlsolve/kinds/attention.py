"""kind: attention — scores, softmax weights and the context vector, by hand.

One query (a decoder state): each score written out (dot products term by term; Bahdanau's
additive score with its tanh vector first), the softmax over the keys with its exponentials and
sum, and the weighted sum of the values entry by entry. A matrix of queries (or self-attention
from token vectors X): the score matrix, the masked matrix, the row-wise softmax and the output,
with one row worked in full beside them; several heads split the columns of Q, K and V.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from dlsolve import notation as N
from dlsolve.derivation import Derivation
from dlsolve.expr import Div, Expr, MatMul, Num, Outer, Sym, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.attention_spec import Spec
from dlsolve.kinds.prob import needs_shift, softmax_steps
from dlsolve.kinds.scoring import SCORES, ScoreParams, bind_matrix as _bind_matrix, bind_vector as _bind_vector, \
    env_array
from dlsolve.solution import WORKED, Solution

KIND = "attention"


def _head(name: str, h: int, heads: int) -> tuple[str, str]:
    """Q → Q^(1) for head 1 when there are several heads."""
    return (f"{name}^({h})", f"{name}^{{({h})}}") if heads > 1 else (name, name)


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    score = SCORES[spec.score]
    d.convention(f"{score.name} score: {score.formula} — {score.paper}")
    d.convention("the softmax runs over the keys: each query's weights are one per key and sum to 1")
    if spec.temperature != 1:
        d.convention("the scores are divided by the temperature T before the softmax")
    if not spec.problem.several:
        _one_query(d, spec)
    else:
        _many_queries(d, spec)
    return d.solution(KIND, spec.title)


def _given_temperature(d: Derivation, spec: Spec) -> Optional[Sym]:
    if spec.temperature == 1:
        return None
    T = Sym("T", "T", "T")
    d.given(T, float(spec.temperature), note="the temperature: the scores are divided by T before the softmax")
    return T


def _given_params(d: Derivation, spec: Spec, tag: str = "") -> ScoreParams:
    """W (general), W_q, W_k, v (additive), W_a, v_a (concat) given and their entries bound."""
    problem = spec.problem
    if problem.W is not None:
        d.given(Sym("W", "W", r"\mathbf{W}"), problem.W, note="Luong's general score: score = qᵀ·W·k")
        return ScoreParams(W=_bind_matrix(d, "W", "W", problem.W, tag))
    if problem.additive is not None:
        Wq, Wk, v = problem.additive
        d.given(Sym("Wq", "W_q", r"\mathbf{W}_q"), Wq, note="applied to the query (Bahdanau's W_a)")
        d.given(Sym("Wk", "W_k", r"\mathbf{W}_k"), Wk, note="applied to each key (Bahdanau's U_a)")
        d.given(Sym("va", "v", r"\mathbf{v}"), v, note="the output vector of the score (Bahdanau's v_a)")
        return ScoreParams(Wq=_bind_matrix(d, "Wq", "(W_q)", Wq, tag), Wk=_bind_matrix(d, "Wk", "(W_k)", Wk, tag),
                           v=_bind_vector(d, "va", "v", v, tag))
    if problem.concat is not None:
        Wa, va = problem.concat
        d.given(Sym("Wa", "W_a", r"\mathbf{W}_a"), Wa,
                note="applied to [q; k], the query stacked on the key (Luong's W_a)")
        d.given(Sym("va", "v_a", r"\mathbf{v}_a"), va, note="the output vector of the score (Luong's v_a)")
        return ScoreParams(Wa=_bind_matrix(d, "Wa", "(W_a)", Wa, tag), v=_bind_vector(d, "va", "v", va, tag))
    return ScoreParams()


def _one_query(d: Derivation, spec: Spec) -> None:
    d.section("Given")
    q, K, Vv = spec.problem.queries, spec.problem.keys, spec.problem.values
    d.given(Sym("qv", "q", r"\mathbf{q}"), q, note="the query (the decoder state h_t)")
    for j, row in enumerate(K, 1):
        d.given(Sym(f"kv{j}", f"k{N.subscript(j)}", rf"\mathbf{{k}}_{{{j}}}"), row,
                note="the keys (encoder states h̄_s)" if j == 1 else None)
    if spec.values is None:
        d.text("The values are the keys (v_j = k_j), as in the original encoder–decoder attention.", "note")
    else:
        for j, row in enumerate(Vv, 1):
            d.given(Sym(f"vv{j}", f"v{N.subscript(j)}", rf"\mathbf{{v}}_{{{j}}}"), row,
                    note="the values" if j == 1 else None)
    T = _given_temperature(d, spec)
    params = _given_params(d, spec)
    q_syms = _bind_vector(d, "q", "q", q, "")
    k_syms = _bind_matrix(d, "k", "k", K, "")
    v_syms = _bind_matrix(d, "v", "v", Vv, "")
    s, a, c = worked_row(d, spec, q_syms, k_syms, v_syms, [True] * len(K), T, params, tag="")
    d.answer("scores", [d.env[x.key] for x in s], "the scores, one per key", keys=tuple(x.key for x in s))
    d.answer("weights", [d.env[x.key] for x in a], "the attention weights α (softmax over the keys)",
             keys=tuple(x.key for x in a))
    d.answer("context", [d.env[x.key] for x in c], "the context vector Σ α_j·v_j", keys=tuple(x.key for x in c))


def worked_row(d: Derivation, spec: Spec, q: list[Sym], k: list[list[Sym]], v: list[list[Sym]],
               visible: list[bool], T: Optional[Sym], params: ScoreParams, tag: str,
               row: Optional[int] = None, all_rows: bool = False) -> tuple[list[Sym], list[Sym], list[Sym]]:
    """Scores, weights and context of one query, every number written out; returns their symbols."""
    score = SCORES[spec.score]
    sub = "" if row is None else str(row)
    sep = "" if row is None else ","

    def idx(j: int) -> tuple[str, str]:
        return (N.subscript(sub) + (sep if sub else "") + N.subscript(j), f"{{{sub}{sep}{j}}}")

    d.section(("Scores" if row is None else f"Row {row}: scores") + f" ({score.name}: {score.formula})")
    if row is not None and not all_rows:
        d.text(f"Row {row} worked in full (the row that sees the most keys): q is row {row} of the queries, "
               "k_j and v_j are rows j of the keys and values; masked keys are left out of the softmax.")
    s_syms = [Sym(f"s{tag}_{j}", f"s{idx(j)[0]}", f"s_{idx(j)[1]}") for j in range(1, len(k) + 1)]
    pre = score.prepare(d, q, params, tag)
    for j, (sj, kj) in enumerate(zip(s_syms, k)):
        score.derive(d, sj, q, kj, pre, params, f"{tag}_{j + 1}", None if visible[j] else
                     "masked: this key is hidden from this query (score −∞, weight 0)")
    d.section(("Weights" if row is None else f"Row {row}: weights") + " — softmax over the keys")
    a_syms = [Sym(f"alpha{tag}_{j}", f"α{idx(j)[0]}", rf"\alpha_{idx(j)[1]}") for j in range(1, len(k) + 1)]
    shown_s = [x for x, vis in zip(s_syms, visible) if vis]
    shown_a = [x for x, vis in zip(a_syms, visible) if vis]
    softmax_steps(d, shown_s, T, shown_a, tag=f"att{tag}")
    for x, vis in zip(a_syms, visible):
        if not vis:
            d.derive(x, Num(0), note="masked key: e^(−∞) = 0")
    d.section(("Context" if row is None else f"Row {row}: output") + " — the weighted sum of the values")
    c_syms = []
    for i in range(len(v[0])):
        name = "c" if row is None else "o"
        ci = Sym(f"ctx{tag}_{i + 1}", f"{name}{idx(i + 1)[0]}", f"{name}_{idx(i + 1)[1]}")
        d.derive(ci, total([aj * vj[i] for aj, vj in zip(a_syms, v)]))
        c_syms.append(ci)
    return s_syms, a_syms, c_syms


def _many_queries(d: Derivation, spec: Spec) -> None:
    d.section("Given")
    H = spec.heads
    problem = spec.problem
    if problem.projection is not None:
        X, WQ, WK, WV = problem.projection
        Xs = Sym("X", "X", r"\mathbf{X}")
        d.given(Xs, X, note="token vectors, one per row")
        mats = {}
        for name, W in (("W_Q", WQ), ("W_K", WK), ("W_V", WV)):
            mats[name] = Sym(name.replace("_", ""), name, rf"\mathbf{{W}}_{{{name[-1]}}}")
            d.given(mats[name], W)
        T = _given_temperature(d, spec)
        d.section("Queries, keys and values")
        Q, K, Vm = (Sym(n, n, rf"\mathbf{{{n}}}") for n in ("Q", "K", "V"))
        for sym, w in ((Q, "W_Q"), (K, "W_K"), (Vm, "W_V")):
            d.derive(sym, MatMul(Xs, mats[w]), note="one row per token" if sym is Q else None)
        d.answer("Q", d.env["Q"], "the queries Q = X·W_Q", keys=("Q",))
        d.answer("K", d.env["K"], "the keys K = X·W_K", keys=("K",))
        d.answer("V", d.env["V"], "the values V = X·W_V", keys=("V",))
    else:
        Q, K, Vm = (Sym(n, n, rf"\mathbf{{{n}}}") for n in ("Q", "K", "V"))
        d.given(Q, problem.queries, note="the queries, one per row")
        d.given(K, problem.keys, note="the keys, one per row")
        d.given(Vm, problem.values,
                note="the values, one per row" if spec.values is not None else "the values are the keys")
        T = _given_temperature(d, spec)
    params = _given_params(d, spec, tag="")
    m, n = len(problem.queries), len(problem.keys)
    visible = problem.mask if problem.mask is not None else np.ones((m, n), dtype=bool)
    heads = []
    dk, dv = problem.keys.shape[1] // H, problem.values.shape[1] // H
    if SCORES[spec.score].matrix is None:   # additive, concat: no matrix form, one query after another
        _row_by_row(d, spec, Q, K, Vm, visible, T, params)
        return
    for h in range(1, H + 1):
        if H > 1:
            d.section(f"Head {h}: columns {(h - 1) * dk + 1}–{h * dk} of Q and K, "
                      f"{(h - 1) * dv + 1}–{h * dv} of V")
            parts = []
            for base, width, src in (("Q", dk, Q), ("K", dk, K), ("V", dv, Vm)):
                uni, tex = _head(base, h, H)
                sym = Sym(f"{base}{h}", uni, rf"\mathbf{{{base}}}^{{({h})}}")
                full = env_array(d, src)
                d.given(sym, full[:, (h - 1) * width:h * width],
                        note=f"columns {(h - 1) * width + 1}–{h * width} of {base}", part=WORKED)
                parts.append(sym)
            Qh, Kh, Vh = parts
        else:
            Qh, Kh, Vh = Q, K, Vm
        heads.append(_one_head(d, spec, Qh, Kh, Vh, visible, T, params, h, worked=(h == 1)))
    S, A, C = zip(*heads)

    def key(syms: tuple[Sym, ...]) -> tuple[str, ...]:
        return tuple(s.key for s in syms)

    lead = "; one matrix per head" if H > 1 else ""
    d.answer("scores", np.array([d.env[s.key] for s in S]) if H > 1 else d.env[S[0].key],
             "the score matrix (queries × keys)" + lead, keys=key(S))
    d.answer("weights", np.array([d.env[s.key] for s in A]) if H > 1 else d.env[A[0].key],
             "the attention weights, row-wise softmax" + lead, keys=key(A))
    d.answer("context", np.array([d.env[s.key] for s in C]) if H > 1 else d.env[C[0].key],
             "the outputs A·V, one row per query" + lead, keys=key(C))
    if problem.W_O is not None:
        d.section("Output projection")
        WO = Sym("WO", "W_O", r"\mathbf{W}_{O}")
        d.given(WO, problem.W_O)
        O = Sym("O", "O", r"\mathbf{O}")
        if H == 1:
            d.derive(O, MatMul(C[0], WO))
        else:
            blocks = []
            for h in range(1, H + 1):
                b = Sym(f"WO{h}", f"W_O^({h})", rf"\mathbf{{W}}_{{O}}^{{({h})}}")
                d.given(b, problem.W_O[(h - 1) * dv:h * dv], note=f"rows {(h - 1) * dv + 1}–{h * dv} of W_O",
                        part=WORKED)
                blocks.append(b)
            d.derive(O, total([MatMul(c, b) for c, b in zip(C, blocks)]),
                     note="the heads side by side times W_O: row block h of W_O multiplies head h's columns")
        d.answer("output", d.env["O"], "the output after W_O", keys=("O",))


def _row_by_row(d: Derivation, spec: Spec, Q: Sym, K: Sym, Vm: Sym, visible: np.ndarray, T: Optional[Sym],
                params: ScoreParams) -> None:
    """A score with no matrix form for several queries (Bahdanau's alignment over a whole output
    sequence): every query worked in full, then the score, weight and output matrices."""
    d.text("This score has no matrix form: each query (row) is worked in full, and row i of the "
           "alignment matrix holds query i's weights over the keys.")
    Qv, Kv, Vv = env_array(d, Q), env_array(d, K), env_array(d, Vm)
    S, A, C = [], [], []
    for r in range(len(Qv)):
        q_syms = _bind_vector(d, "q", "q", Qv[r], f"r{r + 1}")
        k_syms = _bind_matrix(d, "k", "k", Kv, f"r{r + 1}")
        v_syms = _bind_matrix(d, "v", "v", Vv, f"r{r + 1}")
        s, a, c = worked_row(d, spec, q_syms, k_syms, v_syms, list(visible[r]), T, params, tag=f"r{r + 1}",
                             row=r + 1, all_rows=True)
        S.append(s)
        A.append(a)
        C.append(c)

    def matrix(rows: list[list[Sym]]) -> np.ndarray:
        return np.array([[float(d.env[x.key]) for x in row] for row in rows])

    def keys(rows: list[list[Sym]]) -> tuple[str, ...]:
        return tuple(x.key for row in rows for x in row)

    d.section("The alignment matrix")
    weights = matrix(A)
    d.table(["query"] + [f"key {j}" for j in range(1, weights.shape[1] + 1)],
            [[i] + [float(x) for x in row] for i, row in enumerate(weights, 1)],
            title="row i: query i's weights over the keys (each row sums to 1)")
    d.answer("scores", matrix(S), "the score matrix (queries × keys)", keys=keys(S))
    d.answer("weights", weights, "the attention weights (the alignment matrix), row-wise softmax", keys=keys(A))
    d.answer("context", matrix(C), "the context vectors, one row per query", keys=keys(C))


def _one_head(d: Derivation, spec: Spec, Q: Sym, K: Sym, Vm: Sym, visible: np.ndarray, T: Optional[Sym],
              params: ScoreParams, h: int, worked: bool) -> tuple[Sym, Sym, Sym]:
    score = SCORES[spec.score]
    H = spec.heads
    t = str(h) if H > 1 else ""
    d.section((f"Head {h}: a" if H > 1 else "A") + "ll queries at once (one row per query)")

    def msym(base: str, uni: str, tex: str) -> Sym:
        u, _ = _head(uni, h, H)
        return Sym(f"{base}{t}", u, tex + (f"^{{({h})}}" if H > 1 else ""))

    S = msym("S", "S", r"\mathbf{S}")
    if score.matrix is None:
        raise TypeError(f"{spec.score} has no matrix form: its queries are worked row by row")
    score.matrix(d, S, Q, K, params, t)
    A_in: Expr = S
    if spec.problem.mask is not None:
        M = msym("M", "M", r"\mathbf{M}")
        d.given(M, np.where(visible, 0.0, -np.inf),
                note="the mask: 0 where the key is visible, −∞ where it is hidden"
                     + (" (causal: key j > query i)" if spec.mask == "causal" else ""))
        Sm = msym("Sm", "S̃", r"\tilde{\mathbf{S}}")
        d.derive(Sm, S + M, note="masked scores: e^(−∞) = 0, so hidden keys get weight 0")
        A_in = Sm
    E = msym("E", "E", r"\mathbf{E}")
    n = len(env_array(d, K))
    arg: Expr = A_in if T is None else A_in / T
    z = np.where(visible, env_array(d, S) / (1.0 if T is None else d.env[T.key]), -np.inf)
    if any(needs_shift(row[np.isfinite(row)]) for row in z):
        mx = msym("rowmax", "m", r"\mathbf{m}")
        d.given(mx, np.max(z, axis=1), note="the largest exponent of each row, read off: subtracted before "
                                            "exponentiating so that e^x cannot overflow (the ratio is unchanged)",
                part=WORKED)
        ones = Sym(f"ones{n}", "𝟏", r"\mathbf{1}")
        if ones.key not in d.env:
            d.given(ones, np.ones(n), part=WORKED)
        arg = arg - Outer(mx, ones, rows=False)
    d.derive(E, call("exp", arg))
    J = Sym("J", "J", r"\mathbf{J}")
    if J.key not in d.env:
        d.given(J, np.ones((n, n)), note="all ones: E·J holds each row's sum of exponentials in every column",
                part=WORKED)
    A = msym("A", "A", r"\mathbf{A}")
    d.derive(A, Div(E, MatMul(E, J)), note="the softmax along each row (over the keys): every row sums to 1")
    C = msym("C", "C", r"\mathbf{C}")
    d.derive(C, MatMul(A, Vm), note="row i is query i's weighted sum of the values")
    if worked:
        r = int(np.argmax(visible.sum(axis=1)))  # the row that sees the most keys (causal: the last)
        Qv, Kv, Vv = env_array(d, Q), env_array(d, K), env_array(d, Vm)
        q_syms = _bind_vector(d, "q", "q", Qv[r], f"r{t}")
        k_syms = _bind_matrix(d, "k", "k", Kv, f"r{t}")
        v_syms = _bind_matrix(d, "v", "v", Vv, f"r{t}")
        worked_row(d, spec, q_syms, k_syms, v_syms, list(visible[r]), T, params, tag=f"r{t}", row=r + 1)
    return S, A, C

