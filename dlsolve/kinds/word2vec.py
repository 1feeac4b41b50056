"""kind: word2vec — word vectors by hand: subsampling, similarity, embedding lookup, skip-gram.

Each section of the problem is optional and solved in turn: the probability of discarding (or
keeping) a frequent word; cosine similarities and the analogy a − b + c; the embedding row a
one-hot vector picks; and one skip-gram example's loss with its gradients, with negative sampling
or the full softmax over the output vectors.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from dlsolve.derivation import Derivation
from dlsolve.expr import Div, MatMul, Num, Sym, Value, call, total
from dlsolve.kinds import SolveOptions
from dlsolve.kinds.prob import softmax_steps
from dlsolve.kinds.scoring import dot, env_array, norm_step
from dlsolve.kinds.word2vec_spec import (Embedding, FullSoftmax, NegativeSampling, Similarity, SkipGram, Spec,
                                         Subsampling)
from dlsolve.notation import subscript, tex_word as _tex_word
from dlsolve.solution import Phrase, Solution

KIND = "word2vec"


def solve(spec: Spec, options: Optional[SolveOptions] = None) -> Solution:
    d = Derivation(options)
    if spec.subsampling is not None:
        _subsampling(d, spec.subsampling)
    if spec.similarity is not None:
        _similarity(d, spec.similarity)
    if spec.embedding is not None:
        _embedding(d, spec.embedding)
    if spec.skipgram is not None:
        _skipgram(d, spec.skipgram)
    return d.solution(KIND, spec.title)


# -- subsampling ----------------------------------------------------------------------------
def _word_sym(key: str, uni: str, tex: str, w: str) -> Sym:
    return Sym(f"{key}[{w}]", f"{uni}({w})", rf"{tex}({_tex_word(w)})")


def _subsampling(d: Derivation, sub: Subsampling) -> None:
    paper = sub.formula == "paper"
    d.convention("subsampling, formula: paper — discard P(w) = 1 − √(t/f(w)), floored at 0 (Mikolov et al. 2013)"
                 if paper else
                 "subsampling, formula: code — keep P(w) = (√(f(w)/t) + 1)·t/f(w), capped at 1 (the word2vec C "
                 "code and gensim)")
    d.section("Subsampling of frequent words")
    t, N = Sym("t", "t", "t"), Sym("Ntot", "N", "N")
    counts = sub.problem
    d.given(t, counts.t, note="the threshold")
    d.given(N, counts.total, note="the number of words in the corpus")
    freq = {}
    for w, c in counts.counts.items():
        cs = _word_sym("count", "count", r"\operatorname{count}", w)
        d.given(cs, c)
        f = _word_sym("f", "f", "f", w)
        d.derive(f, cs / N, note="the word's frequency")
        freq[w] = f
    d.text("Each word in the text is dropped with the probability below before training: frequent words "
           "(the, a) carry little context and are seen plenty anyway.")
    for w, f in freq.items():
        if paper:
            p = _word_sym("discard", "P_discard", r"P_{\text{discard}}", w)
            raw = 1 - call("sqrt", t / f)
            below = d.env[f.key] < d.env[t.key]
            d.derive(p, call("max", Num(0), raw) if below else raw,
                     note="f < t: the formula goes negative, so the word is always kept (P = 0)" if below else None)
            d.answer(f"discard[{w}]", d.env[p.key], f"probability of discarding '{w}'", keys=(p.key,))
        else:
            p = _word_sym("keep", "P_keep", r"P_{\text{keep}}", w)
            raw = (call("sqrt", f / t) + 1) * t / f
            above = (np.sqrt(d.env[f.key] / d.env[t.key]) + 1) * d.env[t.key] / d.env[f.key] > 1
            d.derive(p, call("min", Num(1), raw) if above else raw,
                     note="the formula exceeds 1 for a rare word: it is always kept (P = 1)" if above else None)
            d.answer(f"keep[{w}]", d.env[p.key], f"probability of keeping '{w}'", keys=(p.key,))
    other = "code" if paper else "paper"
    d.section(f"For comparison: the other convention (formula: {other})", level=2)
    d.text("The paper gives the probability of discarding a word, the released code the probability of keeping "
           "it, and the two formulas are different: they give different numbers for the same t. "
           "An exam that does not say which it means is ambiguous (a problem file chooses with formula: paper "
           "or formula: code).", "note")
    for w, f in freq.items():
        if paper:
            mine = d.env[f"discard[{w}]"]
            k = _word_sym("keep'", "P_keep", r"P_{\text{keep}}", w)
            d.derive(k, call("min", Num(1), (call("sqrt", f / t) + 1) * t / f), note="formula: code")
            dd = _word_sym("discard'", "1 − P_keep", r"1 - P_{\text{keep}}", w)
            d.derive(dd, 1 - k, note=_beside("discarded with probability {x} by the code's formula, {p} by the paper's",
                                             mine))
        else:
            mine = d.env[f"keep[{w}]"]
            dd = _word_sym("discard'", "P_discard", r"P_{\text{discard}}", w)
            d.derive(dd, call("max", Num(0), 1 - call("sqrt", t / f)), note="formula: paper")
            k = _word_sym("keep'", "1 − P_discard", r"1 - P_{\text{discard}}", w)
            d.derive(k, 1 - dd,
                     note=_beside("kept with probability {x} by the paper's formula, {p} by the code's", mine))


def _beside(text: str, mine: Value) -> Callable[[Optional[Value]], Phrase]:
    """A note putting the step's value {x} beside the chosen convention's {p}."""
    return lambda v: Phrase(text, x=v, p=mine)


# -- similarity ------------------------------------------------------------------------------
def _elements(d: Derivation, key: str, uni: str, tex: str, values: np.ndarray) -> list[Sym]:
    out = []
    for i, x in enumerate(values, 1):
        s = Sym(f"{key}_{i}", f"{uni}{subscript(i)}", f"{tex}_{{{i}}}")
        d.bind(s, float(x))
        out.append(s)
    return out


def _similarity(d: Derivation, sim: Similarity) -> None:
    d.section("Cosine similarity")
    d.text("cos θ = a·b / (‖a‖·‖b‖): 1 for the same direction, 0 for orthogonal vectors, −1 for opposite ones.")
    elems: dict[str, list[Sym]] = {}
    norms: dict[str, Sym] = {}
    used = [w for p in sim.pairs for w in p] + list(sim.analogy or [])
    vectors = sim.problem.vectors
    if sim.analogy is not None:
        used += [w for w in vectors if w not in sim.analogy]
    for w in dict.fromkeys(used):
        d.given(_word_sym("vec", "v", r"\mathbf{v}", w), vectors[w])
        elems[w] = _elements(d, f"vec[{w}]", f"{w}", _tex_word(w), vectors[w])

    def norm(w: str, syms: list[Sym]) -> Sym:
        if w not in norms:
            norms[w] = Sym(f"norm[{w}]", f"‖{w}‖", rf"\lVert {_tex_word(w)}\rVert")
            norm_step(d, norms[w], syms)
        return norms[w]

    for a, b in sim.pairs:
        na, nb = norm(a, elems[a]), norm(b, elems[b])
        cos = Sym(f"cos[{a},{b}]", f"cos({a}, {b})", rf"\cos({_tex_word(a)}, {_tex_word(b)})")
        d.derive(cos, Div(dot(elems[a], elems[b]), na * nb))
        d.answer(f"cosine[{a},{b}]", d.env[cos.key], f"cosine similarity of '{a}' and '{b}'", keys=(cos.key,))
    if sim.analogy is None:
        return
    a, b, c = sim.analogy
    d.section(f"Analogy: {a} − {b} + {c} ≈ ?")
    x = Sym("analogy_x", "x", r"\mathbf{x}")
    va, vb, vc = (_word_sym("vec", "v", r"\mathbf{v}", w) for w in (a, b, c))
    d.derive(x, va - vb + vc, note="the target vector")
    xs = _elements(d, "x", "x", "x", env_array(d, x))
    nx = Sym("norm_x", "‖x‖", r"\lVert\mathbf{x}\rVert")
    norm_step(d, nx, xs)
    candidates = [w for w in vectors if w not in sim.analogy]
    d.text(f"Every other word is a candidate ({', '.join(candidates)}); the words of the question are left out, "
           "as word2vec's and gensim's most_similar do.")
    scores = []
    for w in candidates:
        nw = norm(w, elems[w])
        s = Sym(f"cos[x,{w}]", f"cos(x, {w})", rf"\cos(\mathbf{{x}}, {_tex_word(w)})")
        d.derive(s, Div(dot(xs, elems[w]), nx * nw))
        scores.append(s)
    best = Sym("analogy_best", "max cos", r"\max\cos")
    d.derive(best, call("max", *scores) if len(scores) > 1 else scores[0], note="the nearest word has the largest cosine")
    k = int(np.argmax([float(d.env[s.key]) for s in scores]))
    word = candidates[k]
    d.text(f"The answer: {word} (it has the largest cosine to x).")
    # the answer is the word itself (a string: JSON gives "queen", each sheet writes it as text)
    d.answer("analogy", word, f"the word nearest to {a} − {b} + {c}",
             keys=(scores[k].key,))
    d.answer("analogy_scores", [d.env[s.key] for s in scores],
             "cosine of x with each candidate (" + ", ".join(candidates) + ")", keys=tuple(s.key for s in scores))


# -- embedding -------------------------------------------------------------------------------
def _embedding(d: Derivation, emb: Embedding) -> None:
    d.section("Embedding lookup")
    E = Sym("E", "E", r"\mathbf{E}")
    lookup = emb.problem
    d.given(E, lookup.matrix, note="the embedding matrix: one row per word")
    x = Sym("onehot", "x", r"\mathbf{x}")
    d.given(x, np.eye(len(lookup.matrix))[lookup.index],
            note="the one-hot vector of the word's index (indices count from 0, as Keras and PyTorch do)")
    e = Sym("embedding", "e", r"\mathbf{e}")
    d.derive(e, MatMul(x, E), note="the one-hot vector picks one row of E: frameworks look the row up "
                                   "directly instead of multiplying by zeros")
    d.answer("embedding", d.env[e.key], "the looked-up row of E", keys=(e.key,))


# -- skip-gram -------------------------------------------------------------------------------
def _skipgram(d: Derivation, sg: SkipGram) -> None:
    d.section("Skip-gram: given")
    vc = Sym("vc", "v_c", r"\mathbf{v}_c")
    step = sg.problem
    d.given(vc, step.center, note="the centre word's input vector")
    vcs = _elements(d, "vc", "(v_c)", r"(v_c)", step.center)
    if isinstance(step, NegativeSampling):
        _negative_sampling(d, step, vc, vcs)
    else:
        _full_softmax(d, step, vc, vcs)


def _negative_sampling(d: Derivation, sg: NegativeSampling, vc: Sym, vcs: list[Sym]) -> None:
    d.convention("negative sampling: L = −log σ(u_o·v_c) − Σ_k log σ(−u_k·v_c) (Mikolov et al. 2013)")
    uo = Sym("uo", "u_o", r"\mathbf{u}_o")
    d.given(uo, sg.context, note="the context (output) word's vector")
    uos = _elements(d, "uo", "(u_o)", r"(u_o)", sg.context)
    uk, uks = [], []
    for k, row in enumerate(sg.negatives, 1):
        s = Sym(f"uk{k}", f"u{subscript(k)}", rf"\mathbf{{u}}_{{{k}}}")
        d.given(s, row, note="the negative (noise) words' output vectors" if k == 1 else None)
        uk.append(s)
        uks.append(_elements(d, f"uk{k}", f"(u{subscript(k)})", rf"(u_{{{k}}})", row))
    d.section("Skip-gram: loss with negative sampling")
    so = Sym("so", "s_o", "s_o")
    d.derive(so, dot(uos, vcs), note="the context word's score u_o·v_c")
    sig_o = Sym("sig_o", "σ(s_o)", r"\sigma(s_o)")
    d.derive(sig_o, call("sigma", so), note="the probability that the true pair is real")
    sig_n = []
    for k, syms in enumerate(uks, 1):
        sk = Sym(f"sk{k}", f"s{subscript(k)}", f"s_{{{k}}}")
        d.derive(sk, dot(syms, vcs))
        sn = Sym(f"sig_n{k}", f"σ(−s{subscript(k)})", rf"\sigma(-s_{{{k}}})")
        d.derive(sn, call("sigma", -sk), note="the probability that this noise pair is noise" if k == 1 else None)
        sig_n.append(sn)
    L = Sym("L", "L", "L")
    d.derive(L, total([-call("log", sig_o)] + [-call("log", s) for s in sig_n]),
             note="the first term pushes σ(s_o) to 1, the others push σ(s_k) to 0")
    d.answer("loss", d.env[L.key], "the negative-sampling loss", keys=(L.key,))
    d.section("Skip-gram: gradients")
    d.text("With σ′ = σ(1 − σ): ∂(−log σ(s))/∂s = σ(s) − 1 and ∂(−log σ(−s))/∂s = σ(s) = 1 − σ(−s).")
    g_vc = Sym("dL/dvc", "∂L/∂v_c", r"\frac{\partial L}{\partial \mathbf{v}_c}", kind="partial")
    d.derive(g_vc, total([(sig_o - 1) * uo] + [(1 - sn) * u for sn, u in zip(sig_n, uk)]))
    d.answer("grad_center", d.env[g_vc.key], "∂L/∂v_c", keys=(g_vc.key,))
    g_uo = Sym("dL/duo", "∂L/∂u_o", r"\frac{\partial L}{\partial \mathbf{u}_o}", kind="partial")
    d.derive(g_uo, (sig_o - 1) * vc)
    d.answer("grad_context", d.env[g_uo.key], "∂L/∂u_o", keys=(g_uo.key,))
    gks = []
    for k, sn in enumerate(sig_n, 1):
        g = Sym(f"dL/duk{k}", f"∂L/∂u{subscript(k)}", rf"\frac{{\partial L}}{{\partial \mathbf{{u}}_{{{k}}}}}",
                kind="partial")
        d.derive(g, (1 - sn) * vc)
        gks.append(g)
    d.answer("grad_negatives", np.array([d.env[g.key] for g in gks]), "∂L/∂u_k, one row per negative",
             keys=tuple(g.key for g in gks))


def _full_softmax(d: Derivation, sg: FullSoftmax, vc: Sym, vcs: list[Sym]) -> None:
    d.convention("full softmax: p_j = e^(u_j·v_c) / Σ_w e^(u_w·v_c), L = −log p_o")
    U = sg.outputs
    o = sg.target
    us, uss = [], []
    for j, row in enumerate(U):
        s = Sym(f"u{j}", f"u{subscript(j)}", rf"\mathbf{{u}}_{{{j}}}")
        d.given(s, row, note="the output vectors, one per vocabulary word (rows count from 0)" if j == 0 else None)
        us.append(s)
        uss.append(_elements(d, f"u{j}", f"(u{subscript(j)})", rf"(u_{{{j}}})", row))
    d.text(f"The context word is row {o}: u_o = u{subscript(o)}.")
    d.section("Skip-gram: full softmax and loss")
    s_syms = []
    for j, syms in enumerate(uss):
        s = Sym(f"s{j}", f"s{subscript(j)}", f"s_{{{j}}}")
        d.derive(s, dot(syms, vcs))
        s_syms.append(s)
    p_syms = [Sym(f"p{j}", f"p{subscript(j)}", f"p_{{{j}}}") for j in range(len(U))]
    softmax_steps(d, s_syms, None, p_syms, tag="sg")
    d.answer("probabilities", [d.env[p.key] for p in p_syms], "the softmax over the vocabulary",
             keys=tuple(p.key for p in p_syms))
    L = Sym("L", "L", "L")
    d.derive(L, -call("log", p_syms[o]), note="the cross-entropy with the context word")
    d.answer("loss", d.env[L.key], "the full-softmax loss −log p_o", keys=(L.key,))
    d.section("Skip-gram: gradients")
    d.text("∂L/∂s_j = p_j − y_j (y is one-hot at the context word), and s_j = u_j·v_c.")
    g_vc = Sym("dL/dvc", "∂L/∂v_c", r"\frac{\partial L}{\partial \mathbf{v}_c}", kind="partial")
    d.derive(g_vc, total([p * u for p, u in zip(p_syms, us)]) - us[o], note="Σ_j p_j·u_j − u_o")
    d.answer("grad_center", d.env[g_vc.key], "∂L/∂v_c", keys=(g_vc.key,))
    gs = []
    for j, p in enumerate(p_syms):
        g = Sym(f"dL/du{j}", f"∂L/∂u{subscript(j)}", rf"\frac{{\partial L}}{{\partial \mathbf{{u}}_{{{j}}}}}",
                kind="partial")
        d.derive(g, ((p - 1) if j == o else p) * vc)
        gs.append(g)
    d.answer("grad_outputs", np.array([d.env[g.key] for g in gs]), "∂L/∂u_j, one row per output vector",
             keys=tuple(g.key for g in gs))
