"""Bad attention and word2vec problems: exit 2 and `file:line:col: path: message`, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dlsolve.cli import main

ATT = "kind: attention\n"
W2V = "kind: word2vec\n"

# (problem text, the line:col the error must point at, the YAML path it names, words of the message)
CASES = [
    (ATT + "query: [1, 0]\nkeys: [[1, 0], [0, 1]]\nvalues: [[1, 2], [3, 4], [5, 6]]\n", "4:9", "values",
     "expected 2 values (one per key), got 3"),
    (ATT + "query: [1, 0, 2]\nkeys: [[1, 0], [0, 1]]\n", "2:8", "query", "expected a query of length 2"),
    (ATT + "score: scaled_dot\nX: [[1, 0], [0, 1]]\nW_Q: [[1, 0, 1], [0, 1, 1]]\nW_K: [[1, 0], [0, 1]]\n"
     "W_V: [[1, 0], [0, 1]]\n", "5:6", "W_K", "expected a query of length 2"),
    (ATT + "score: general\nquery: [1, 0, 2]\nkeys: [[1, 0], [0, 1]]\nW: [[1, 0], [0, 1]]\n", "5:4", "W",
     "expected W of shape 3×2"),
    (ATT + "score: additive\nquery: [1, 0]\nkeys: [[1, 0, 1]]\nadditive: {W_q: [[1, 0]], W_k: [[1, 0]], v: [1]}\n",
     "5:32", "additive.W_k", "expected 3 columns"),
    (ATT + "query: [[1, 0], [0, 1]]\nkeys: [[1, 0], [0, 1], [1, 1]]\nmask: [[1, 0], [1, 1]]\n", "4:7", "mask",
     "expected a 2×3 mask"),
    (ATT + "query: [[1, 0], [0, 1]]\nkeys: [[1, 0], [0, 1]]\nmask: [[1, 0], [1, 2]]\n", "4:20", "mask[1][1]",
     "expected 0 (masked) or 1 (visible)"),
    (ATT + "query: [[1, 0], [0, 1]]\nkeys: [[1, 0], [0, 1]]\nmask: [[0, 0], [1, 1]]\n", "4:8", "mask[0]",
     "hides every key"),
    (ATT + "query: [1, 0]\nkeys: [[1, 0], [0, 1]]\nmask: causal\n", "4:7", "mask", "needs a matrix of queries"),
    (ATT + "X: [[1, 0, 1], [0, 1, 1]]\nW_Q: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\nW_K: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n"
     "W_V: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\nheads: 2\n", "6:8", "heads", "2 heads do not divide the width"),
    (ATT + "score: cosine\nquery: [1, 0]\nkeys: [[1, 0], [0, 0]]\n", "4:16", "keys[1]", "zero vector"),
    (ATT + "score: cosine\nquery: [0, 0]\nkeys: [[1, 0]]\n", "3:8", "query", "zero vector"),
    (ATT + "query: [1, 0]\nkeys: [[1, 0]]\ntemperature: 0\n", "4:14", "temperature", "greater than 0"),
    (ATT + "score: general\nquery: [1, 0]\nkeys: [[1, 0]]\n", "2:8", "score", "needs W"),
    (W2V + "similarity:\n  vectors: {king: [1, 0], man: [0, 1]}\n  analogy: [king, man, woman]\n", "4:24",
     "similarity.analogy[2]", "no vector for 'woman'"),
    (W2V + "similarity:\n  vectors: {a: [1, 0], b: [0, 0]}\n  pairs: [[a, b]]\n", "3:27", "similarity.vectors.b",
     "zero: its cosine similarity is undefined"),
    (W2V + "subsampling:\n  counts: {the: 0}\n  total: 100\n  t: 1.0e-4\n", "3:17", "subsampling.counts.the",
     "must be positive"),
    (W2V + "subsampling:\n  counts: {the: 5}\n  total: 100\n  t: 0\n", "5:6", "subsampling.t",
     "the threshold t must be positive"),
    (W2V + "subsampling:\n  counts: {the: 5}\n  total: 100\n  t: -1.0e-4\n", "5:6", "subsampling.t",
     "the threshold t must be positive"),
    (W2V + "embedding:\n  matrix: [[1, 2], [3, 4]]\n  index: 2\n", "4:10", "embedding.index",
     "expected an index from 0 to 1"),
    (W2V + "skipgram:\n  center: [1, 2]\n  outputs: [[1, 0], [0, 1]]\n  target: 5\n", "5:11", "skipgram.target",
     "expected a row from 0 to 1"),
    (W2V + "skipgram:\n  center: [1, 2]\n  context: [1, 2, 3]\n  negatives: [[1, 0]]\n", "4:12", "skipgram.context",
     "expected 2 numbers"),
    (W2V + "title: nothing\n", "1:1", "", "nothing to compute: give subsampling"),
    # issue 24: word vectors of different lengths name both words and both lengths
    (W2V + "similarity:\n  vectors: {king: [1, 0], queen: [0, 1, 2]}\n  pairs: [[king, queen]]\n", "3:34",
     "similarity.vectors.queen", "word vectors must all have the same length: 'king' has 2 numbers, 'queen' has 3"),
    (W2V + "skipgram:\n  center: [1, 2]\n  outputs: [[1, 0], [0]]\n  target: 0\n", "4:21", "skipgram.outputs[1]",
     "ragged matrix"),
]


@pytest.mark.parametrize("text,where,path,words", CASES, ids=[c[2] or "empty" for c in CASES])
def test_bad_input_is_located(tmp_path, text, where, path, words):
    f = tmp_path / "problem.yaml"
    f.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["solve", str(f)])
    assert r.exit_code == 2, r.output
    first = r.output.strip().splitlines()[0]
    assert first.startswith(f"{f}:{where}: " + (f"{path}: " if path else "")), first
    assert words in first, first
    assert "Traceback" not in r.output
