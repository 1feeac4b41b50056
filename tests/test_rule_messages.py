"""A TA's broken files against the rules between keys (`RULES`) of each kind: one of two missing,
both given, a key without the key it needs, a key set to null. Each is refused by `dlsolve solve`
with exit 2 and one located line, `file:line:col: key: message`, at the key to change (the top of
the file or of the nested mapping when the key to add is absent), and the message names what to
write. The expected place and words are written here from each rule's sentence, not read from
the RULES records. (rnn and backprop: tests/test_prepared_rules.py.)
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dlsolve.cli import main

ATT = "kind: attention\nscore: dot\n"
I2 = "[[1, 0], [0, 1]]"
XW = f"X: {I2}\nW_Q: {I2}\nW_K: {I2}\nW_V: {I2}\n"
SG = "kind: word2vec\nskipgram:\n  center: [0.5, -0.2]\n"
OPT = "kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\n"
CLIP = OPT + "gradients: [[3, 4]]\ninitial_weight: [1, -1]\n"
CONV = "kind: convolve\ninput: [[1, 2], [3, 4]]\n"
NORM = "input: [[1, 5], [9, 13]]\n"
DIST = "student_logits: [1, 2]\nalpha: 0.5\n"

# (name, file, line:col, key, words the message holds)
CASES = [
    # attention: exactly one of query and X; query needs keys; keys/values go with a query; X needs W_Q, W_K, W_V
    ("attention-neither", ATT + f"keys: {I2}\n", "1:1", "query", ("exactly one of query", "X")),
    ("attention-both", ATT + f"query: [1, 0]\nkeys: {I2}\n" + XW, "5:4", "X", ("exactly one of query", "X")),
    ("attention-query-null", ATT + f"query: null\nkeys: {I2}\n", "3:8", "query", ("exactly one of query",)),
    ("attention-query-no-keys", ATT + "query: [1, 0]\n", "3:8", "query", ("needs keys", "add keys:")),
    ("attention-keys-with-x", ATT + XW + f"keys: {I2}\n", "7:7", "keys", ("with a query", "remove 'keys'")),
    ("attention-values-with-x", ATT + XW + f"values: {I2}\n", "7:9", "values", ("with a query", "remove 'values'")),
    ("attention-x-no-w-k", ATT + f"X: {I2}\nW_Q: {I2}\nW_V: {I2}\n", "3:4", "X", ("X needs W_Q, W_K and W_V",)),
    ("attention-w-q-with-query", ATT + f"query: [1, 0]\nkeys: {I2}\nW_Q: {I2}\n", "5:6", "W_Q",
     ("give X instead of query", "remove W_Q")),
    # word2vec: some part asked; exactly one of negatives and outputs; negatives need context, outputs target
    ("word2vec-nothing", "kind: word2vec\ntitle: nothing asked\n", "1:1", "subsampling",
     ("nothing to compute", "subsampling, similarity, embedding or skipgram")),
    ("word2vec-both", SG + "  context: [0.4, 0.1]\n  negatives: [[-0.2, 0.3]]\n  outputs: [[0.4, 0.1]]\n  target: 0\n",
     "6:12", "skipgram.outputs", ("exactly one of negatives", "outputs")),
    ("word2vec-neither", SG + "  context: [0.4, 0.1]\n", "3:3", "skipgram.negatives",
     ("exactly one of negatives", "outputs")),
    ("word2vec-both-null", SG + "  negatives: null\n  outputs: null\n", "4:14", "skipgram.negatives",
     ("exactly one of negatives",)),
    ("word2vec-negatives-no-context", SG + "  negatives: [[-0.2, 0.3]]\n", "4:14", "skipgram.negatives",
     ("needs context",)),
    ("word2vec-outputs-no-target", SG + "  outputs: [[0.4, 0.1], [0.1, 0.2]]\n", "4:12", "skipgram.outputs",
     ("needs target",)),
    # style: content or style; each style layer exactly one of S and A
    ("style-nothing", "kind: style\nalpha: 1\nbeta: 1000\n", "1:1", "content", ("nothing to compute", "content, style")),
    ("style-null", "kind: style\ncontent: null\nstyle: null\n", "2:10", "content", ("nothing to compute",)),
    ("style-empty-list", "kind: style\nstyle: []\n", "1:1", "content", ("nothing to compute",)),
    ("style-both", f"kind: style\nstyle:\n  - F: {I2}\n    S: {I2}\n    A: {I2}\n", "5:8", "style[0].A",
     ("exactly one of S", "A")),
    ("style-neither", f"kind: style\nstyle:\n  - F: {I2}\n    weight: 1.0\n", "3:5", "style[0].S",
     ("exactly one of S", "A")),
    # loss and distillation: a class by name needs classes
    ("loss-name-no-classes", "kind: loss\nloss: cce\ny_true: [cat, dog]\ny_pred: [[0.7, 0.3], [0.4, 0.6]]\n",
     "3:9", "y_true", ("'cat' is a class name", "add classes:")),
    ("distillation-name-no-classes", "kind: distillation\nteacher_logits: [1, 2]\nlabel: cat\n" + DIST,
     "3:8", "label", ("'cat' is a class name", "add classes:")),
    # distillation: exactly one of teacher_logits and teacher_probs
    ("distillation-both", "kind: distillation\nteacher_logits: [1, 2]\nteacher_probs: [0.5, 0.5]\nlabel: 0\n" + DIST,
     "3:16", "teacher_probs", ("exactly one of teacher_logits and teacher_probs",)),
    ("distillation-neither", "kind: distillation\nlabel: 0\n" + DIST, "1:1", "teacher_logits",
     ("exactly one of teacher_logits and teacher_probs",)),
    ("distillation-null", "kind: distillation\nteacher_logits: null\nlabel: 0\n" + DIST, "2:17", "teacher_logits",
     ("exactly one of teacher_logits and teacher_probs",)),
    # optimizer: exactly one gradient source; squared_gradients and objective need iterations; an objective
    # needs initial_weight; weight_decay needs initial_weight
    ("optimizer-no-source", OPT + "initial_weight: 1\n", "1:1", "gradients",
     ("exactly one of gradients, squared_gradients and objective",)),
    ("optimizer-two-sources", OPT + "gradients: [1, 2]\nobjective: 'w**2'\niterations: 2\ninitial_weight: 1\n",
     "5:12", "objective", ("exactly one of gradients, squared_gradients and objective",)),
    ("optimizer-gradients-null", OPT + "gradients: null\ninitial_weight: 1\n", "4:12", "gradients",
     ("exactly one of gradients",)),
    ("optimizer-squared-no-iterations", OPT.replace("sgd", "adagrad") + "squared_gradients: {first: 6}\n", "4:20",
     "squared_gradients", ("how many iterations",)),
    ("optimizer-objective-no-iterations", OPT + "objective: 'w**2'\ninitial_weight: 1\n", "4:12", "objective",
     ("how many iterations",)),
    ("optimizer-objective-no-weight", OPT + "objective: 'w**2'\niterations: 2\n", "4:12", "objective",
     ("needs initial_weight",)),
    ("optimizer-decay-no-weight", OPT.replace("sgd", "adamw") + "gradients: [1, 2]\nweight_decay: 0.01\n", "5:15",
     "weight_decay", ("give initial_weight",)),
    # clipping: exactly one of norm and value
    ("clip-both", CLIP + "clip: {norm: 1.0, value: 0.5}\n", "6:26", "clip.value", ("exactly one of norm", "value")),
    ("clip-neither", CLIP + "clip: {eps: 1.0e-6}\n", "6:7", "clip.norm", ("exactly one of norm", "value")),
    ("clip-null", CLIP + "clip: {norm: null}\n", "6:14", "clip.norm", ("exactly one of norm", "value")),
    # convolve: something to compute; the convolution's keys need a kernel; unpool needs a max pool; operation
    # is not for a transposed convolution, output_padding only for one; an avg pool's own keys
    ("convolve-nothing", CONV, "1:1", "kernel", ("nothing to compute", "kernel", "pool", "upsample")),
    ("convolve-kernel-null", CONV + "kernel: null\n", "3:9", "kernel", ("nothing to compute",)),
    ("convolve-stride-no-kernel", CONV + "pool: {type: max, size: 2}\nstride: 2\n", "4:9", "stride",
     ("give a kernel", "pool: {stride")),
    ("convolve-padding-no-kernel", CONV + "pool: {type: max, size: 2}\npadding: 1\n", "4:10", "padding",
     ("give a kernel",)),
    ("convolve-unpool-avg", CONV + "pool: {type: avg, size: 2}\nunpool: {indices_from: max}\n", "4:9", "unpool",
     ("max pooling", "pool: {type: max")),
    ("convolve-unpool-no-pool", CONV + "kernel: [[1]]\nunpool: {indices_from: max}\n", "4:9", "unpool",
     ("pool: {type: max",)),
    ("convolve-operation-transpose", CONV + "kernel: [[1, 0], [0, 1]]\ntranspose: true\noperation: convolution\n",
     "5:12", "operation", ("does not apply to a transposed convolution", "remove operation")),
    ("convolve-output-padding", CONV + "kernel: [[1, 0], [0, 1]]\noutput_padding: 1\n", "4:17", "output_padding",
     ("transpose: true",)),
    ("convolve-divisor-max", CONV + "pool: {type: max, size: 2, divisor_override: 3}\n", "3:46",
     "pool.divisor_override", ("average pooling", "type: avg")),
    ("convolve-include-pad-max", CONV + "pool: {type: max, size: 2, count_include_pad: false}\n", "3:47",
     "pool.count_include_pad", ("average pooling", "type: avg")),
    # normalize: gamma, beta, epsilon, grad_output for batchnorm/layernorm; running for batchnorm; ddof standardize
    ("normalize-gamma-minmax", "kind: normalize\nmethod: minmax\n" + NORM + "gamma: [1, 1]\n", "4:8", "gamma",
     ("batchnorm and layernorm", "not to minmax")),
    ("normalize-grad-standardize", "kind: normalize\nmethod: standardize\n" + NORM + "grad_output: [[0.1, 0.2]]\n",
     "4:14", "grad_output", ("batchnorm and layernorm", "not to standardize")),
    ("normalize-running-layernorm", "kind: normalize\nmethod: layernorm\n" + NORM + "running: {momentum: 0.1}\n",
     "4:10", "running", ("batchnorm", "not to layernorm")),
    ("normalize-ddof-batchnorm", "kind: normalize\nmethod: batchnorm\n" + NORM + "ddof: 1\n", "4:7", "ddof",
     ("belongs to standardize",)),
    # init: the fans or a layer; negative_slope with leaky_relu
    ("init-no-fans", "kind: init\nscheme: he_normal\n", "1:1", "fan_in", ("give fan_in", "layer:")),
    ("init-fan-null", "kind: init\nscheme: he_normal\nfan_in: null\n", "3:9", "fan_in", ("give fan_in",)),
    ("init-slope-relu", "kind: init\nscheme: he_normal\nfan_in: 10\nnonlinearity: relu\nnegative_slope: 0.2\n",
     "5:17", "negative_slope", ("nonlinearity: leaky_relu",)),
    ("init-slope-alone", "kind: init\nscheme: he_normal\nfan_in: 10\nnegative_slope: 0.2\n", "4:17",
     "negative_slope", ("nonlinearity: leaky_relu",)),
    # metrics: labels or confusion, not both; y_true with y_pred or scores, not both; roc needs scores
    ("metrics-nothing", "kind: metrics\ntitle: nothing\n", "1:1", "y_true", ("y_true with y_pred or scores",
                                                                           "confusion")),
    ("metrics-pred-alone", "kind: metrics\ny_pred: [1, 0, 1]\n", "1:1", "y_true", ("give y_true",)),
    ("metrics-scores-alone", "kind: metrics\nscores: [0.9, 0.2]\n", "1:1", "y_true", ("give y_true",)),
    ("metrics-true-null", "kind: metrics\ny_true: null\ny_pred: [1, 0]\n", "2:9", "y_true", ("give y_true",)),
    ("metrics-both", "kind: metrics\nconfusion: [[3, 1], [2, 4]]\ny_true: [1, 0]\ny_pred: [1, 1]\n", "3:9",
     "y_true", ("confusion", "not both")),
    ("metrics-true-alone", "kind: metrics\ny_true: [1, 0, 1]\n", "1:1", "y_pred", ("needs y_pred", "scores")),
    ("metrics-pred-and-scores", "kind: metrics\ny_true: [1, 0]\ny_pred: [1, 0]\nscores: [0.9, 0.2]\n", "4:9",
     "scores", ("y_pred or scores, not both",)),
    ("metrics-roc-no-scores", "kind: metrics\ny_true: [1, 0]\ny_pred: [1, 0]\nroc: true\n", "4:6", "roc",
     ("needs scores",)),
    # perceptron: learn needs targets
    ("perceptron-learn-no-targets", "kind: perceptron\ninputs: [[4, 5]]\nweights: [3, 4]\nbias: -10\n"
     "learn:\n  learning_rate: 0.1\n  epochs: 20\n", "6:3", "learn", ("needs targets",)),
]


@pytest.mark.parametrize("text, place, key, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_broken_rule_is_one_located_line_that_says_what_to_write(tmp_path, text, place, key, words):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    prefix = f"{path}:{place}: {key}: "
    assert lines[0].startswith(prefix), lines[0]
    message = lines[0][len(prefix):]
    for word in words:
        assert word in message, (word, message)
