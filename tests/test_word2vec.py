"""kind: word2vec against closed forms, independent NumPy and central finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dlsolve.verify import verify_solution
from tests.conftest import solve_data


def answers(sol):
    return {a.name: a.value for a in sol.answers}


def test_notes_subsampling_example():
    sol = solve_data({"kind": "word2vec", "subsampling": {"counts": {"learn": 700}, "total": 1000000, "t": 1e-4}})
    assert abs(answers(sol)["discard[learn]"] - 0.622036) < 5e-7
    assert verify_solution(sol) == []


def test_subsampling_both_formulas_with_floor_and_cap():
    counts, total, t = {"the": 50000, "cat": 700, "sat": 20}, 10 ** 6, 1e-4
    paper = answers(solve_data({"kind": "word2vec", "subsampling": {"counts": counts, "total": total, "t": t}}))
    code = answers(solve_data({"kind": "word2vec", "subsampling": {"counts": counts, "total": total, "t": t,
                                                                   "formula": "code"}}))
    for w, c in counts.items():
        f = c / total
        assert math.isclose(paper[f"discard[{w}]"], max(0.0, 1 - math.sqrt(t / f)), abs_tol=1e-15)
        assert math.isclose(code[f"keep[{w}]"], min(1.0, (math.sqrt(f / t) + 1) * t / f), abs_tol=1e-15)
    assert paper["discard[sat]"] == 0 and code["keep[sat]"] == 1
    assert "keep[the]" not in paper and "discard[the]" not in code


def test_similarity_pairs_and_analogy():
    vecs = {"king": [0.8, 0.3], "queen": [0.7, 0.9], "man": [0.9, 0.1], "woman": [0.6, 0.8], "apple": [-0.2, 0.5]}
    sol = solve_data({"kind": "word2vec", "similarity": {"vectors": vecs, "pairs": [["king", "queen"]],
                                                         "analogy": ["king", "man", "woman"]}})
    a = answers(sol)
    k, q = np.array(vecs["king"]), np.array(vecs["queen"])
    assert math.isclose(a["cosine[king,queen]"], float(k @ q) / (np.linalg.norm(k) * np.linalg.norm(q)))
    x = k - np.array(vecs["man"]) + np.array(vecs["woman"])
    want = [float(x @ np.array(vecs[w])) / (np.linalg.norm(x) * np.linalg.norm(vecs[w])) for w in ("queen", "apple")]
    assert np.allclose(a["analogy_scores"], want)
    assert a["analogy"] == "queen"
    assert verify_solution(sol) == []


def test_analogy_answer_is_the_word_in_json_and_escaped_in_latex(tmp_path):
    """Issue 24: the JSON answer was "\\text{queen}" (TeX, not the word)."""
    import json

    from click.testing import CliRunner

    from dlsolve.cli import main

    f = tmp_path / "w.yaml"
    f.write_text("kind: word2vec\nsimilarity:\n  vectors: {king: [0.8, 0.3], new_queen: [0.7, 0.9], man: [0.9, 0.1],"
                 " woman: [0.6, 0.8]}\n  analogy: [king, man, woman]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["solve", str(f), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["answers"]["analogy"] == "new_queen"
    r = CliRunner().invoke(main, ["solve", str(f), "--format", "latex"])
    assert r.exit_code == 0, r.output
    assert r"\text{new\_queen}" in r.output and r"\text{new_queen}" not in r.output


def test_catalogue_p24_cosine():
    sol = solve_data({"kind": "word2vec", "similarity": {"vectors": {"a": [1, 2, 3], "b": [2, 0, 1]},
                                                         "pairs": [["a", "b"]]}})
    assert abs(answers(sol)["cosine[a,b]"] - 0.597614) < 5e-7


def test_embedding_lookup_picks_the_row():
    E = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    for i in range(3):
        sol = solve_data({"kind": "word2vec", "embedding": {"matrix": E, "index": i}})
        assert list(answers(sol)["embedding"]) == E[i]


def ns_loss(vc, uo, neg):
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    return -math.log(sig(float(np.dot(uo, vc)))) - sum(math.log(sig(-float(np.dot(u, vc)))) for u in neg)


def softmax_loss(vc, U, o):
    s = [float(np.dot(u, vc)) for u in U]
    return -(s[o] - math.log(sum(math.exp(x) for x in s)))


def central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_catalogue_p24_negative_sampling():
    sol = solve_data({"kind": "word2vec", "skipgram": {"center": [0.5, -0.2, 0.1], "context": [0.4, 0.1, -0.3],
                                                       "negatives": [[-0.2, 0.3, 0.5], [0.1, 0.1, 0.1]]}})
    a = answers(sol)
    assert abs(a["loss"] - 1.973963) < 5e-7
    assert np.allclose(a["grad_center"], [-0.228534, 0.146501, 0.426035], atol=5e-7)
    assert verify_solution(sol) == []


rng = np.random.default_rng(18)


@pytest.mark.parametrize("seed", range(4))
def test_negative_sampling_gradients_by_finite_differences(seed):
    r = np.random.default_rng(seed)
    vc, uo, neg = r.normal(size=4), r.normal(size=4), r.normal(size=(3, 4))
    a = answers(solve_data({"kind": "word2vec", "skipgram": {"center": vc.tolist(), "context": uo.tolist(),
                                                             "negatives": neg.tolist()}}))
    assert math.isclose(a["loss"], ns_loss(vc, uo, neg), rel_tol=1e-12)
    assert np.allclose(a["grad_center"], central(lambda x: ns_loss(x, uo, neg), vc), atol=1e-7)
    assert np.allclose(a["grad_context"], central(lambda x: ns_loss(vc, x, neg), uo), atol=1e-7)
    assert np.allclose(a["grad_negatives"], central(lambda x: ns_loss(vc, uo, x), neg), atol=1e-7)


@pytest.mark.parametrize("target", [0, 2])
def test_full_softmax_gradients_by_finite_differences(target):
    vc, U = rng.normal(size=3), rng.normal(size=(4, 3))
    sol = solve_data({"kind": "word2vec", "skipgram": {"center": vc.tolist(), "outputs": U.tolist(),
                                                       "target": target}})
    a = answers(sol)
    s = U @ vc
    assert np.allclose(a["probabilities"], np.exp(s) / np.exp(s).sum())
    assert math.isclose(a["loss"], softmax_loss(vc, U, target), rel_tol=1e-12)
    assert np.allclose(a["grad_center"], central(lambda x: softmax_loss(x, U, target), vc), atol=1e-7)
    assert np.allclose(a["grad_outputs"], central(lambda x: softmax_loss(vc, x, target), U), atol=1e-7)
    assert verify_solution(sol) == []


def test_every_answer_names_real_steps():
    sol = solve_data({"kind": "word2vec",
                      "subsampling": {"counts": {"a": 5}, "total": 100, "t": 0.01},
                      "similarity": {"vectors": {"a": [1, 0], "b": [0, 1], "c": [1, 1], "d": [2, 1]},
                                     "pairs": [["a", "b"]], "analogy": ["a", "b", "c"]},
                      "embedding": {"matrix": [[1, 2]], "index": 0},
                      "skipgram": {"center": [1, 2], "outputs": [[1, 0], [0, 1]], "target": 1}})
    keys = {s.quantity.key for s in sol.steps()}
    for ans in sol.answers:
        assert ans.keys and set(ans.keys) <= keys, ans.name


vec = st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=6)


@given(vec)
def test_cosine_of_a_vector_with_itself_is_one(v):
    assume(math.sqrt(sum(x * x for x in v)) > 1e-6)
    sol = solve_data({"kind": "word2vec", "similarity": {"vectors": {"a": v, "b": v}, "pairs": [["a", "b"]]}})
    assert abs(answers(sol)["cosine[a,b]"] - 1) < 1e-12


@given(st.integers(1, 5), st.integers(1, 3), st.integers(0, 3), st.booleans(), st.integers(0, 2 ** 31))
def test_any_word2vec_spec_solves_and_verifies_or_is_a_located_error(words, dim, k, softmax, seed):
    from dlsolve.errors import DlsolveError

    r = np.random.default_rng(seed)
    names = ["a", "b", "c", "d", "e"][:words]
    vecs = {w: r.integers(-1, 2, size=dim).tolist() for w in names}
    sg = {"center": r.integers(-2, 3, size=dim).tolist()}
    if softmax:
        sg.update(outputs=r.integers(-2, 3, size=(k + 1, dim)).tolist(), target=int(r.integers(0, k + 2)))
    else:
        sg.update(context=r.integers(-2, 3, size=dim).tolist(), negatives=r.integers(-2, 3, size=(k, dim)).tolist())
    data = {"kind": "word2vec",
            "similarity": {"vectors": vecs, "pairs": [[names[0], names[-1]]],
                           **({"analogy": names[:3]} if words > 3 else {})},
            "subsampling": {"counts": {w: int(r.integers(0, 50)) for w in names}, "total": 100, "t": 0.05},
            "skipgram": sg}
    try:
        sol = solve_data(data)
    except DlsolveError:
        return
    assert verify_solution(sol) == []
