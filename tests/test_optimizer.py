"""kind: optimizer — catalogue P6, every optimiser against an independent NumPy loop on random
gradients under each convention, the objective's gradients against a hand derivative, and errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

from dlsolve.errors import DlsolveError
from dlsolve.load import load_text
from dlsolve.verify import verify_solution
from tests.conftest import ROOT, solve_data, solve_file


def close(got, want, tol=1e-9):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=tol, atol=1e-15)


def test_p6_adagrad_after_ten_iterations():
    s = solve_file(ROOT / "problems" / "p6-adagrad-learning-rate.yaml")
    close(s.answer("accumulators").value, [6, 12.3, 18.915, 25.86075, 33.153788, 40.811477, 48.852051,
                                           57.294653, 66.159386, 75.467355], tol=2e-8)
    close(s.answer("learning_rates").value, [0.00816496, 0.00570266, 0.00459861, 0.00393287, 0.00347347,
                                             0.00313068, 0.00286147, 0.00264224, 0.00245886, 0.00230224], tol=2e-6)
    close(s.answer("learning_rate").value, 0.00230224, tol=2e-6)


def test_p6_the_notes_exclusive_reading():
    s = solve_data({"kind": "optimizer", "optimizer": "adagrad", "learning_rate": 0.02, "iterations": 10,
                    "squared_gradients": {"first": 6, "growth": 0.05}, "epsilon": 1e-5, "accumulate": "exclusive",
                    "initial_accumulator": 6})
    # up to i − 1 with the accumulator starting at g₁² = 6 reproduces the table shifted by one
    close(s.answer("learning_rates").value[0], 0.02 / np.sqrt(1e-5 + 6))


def reference(opt, grads, w0, lr, eps, placement, accumulate, G0, beta, b1, b2, form, bias, wd):
    """The textbook loops, written independently of dlsolve."""
    w = np.array(w0, dtype=float)
    G = np.full_like(w, G0)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    lrs, ws = [], []
    for i, g in enumerate(grads, 1):
        g = np.array(g, dtype=float)
        if wd and opt != "adamw":
            g = g + wd * w
        if opt == "sgd":
            a = lr
            step = lr * g
        elif opt in ("momentum", "nesterov"):
            m = beta * m + ((1 - beta) * g if form == "ema" else g)
            a = lr
            step = lr * (g + beta * m) if opt == "nesterov" else lr * m
        elif opt in ("adagrad", "rmsprop"):
            G_prev = G.copy()
            G = G + g ** 2 if opt == "adagrad" else beta * G + (1 - beta) * g ** 2
            acc = G if accumulate == "inclusive" else G_prev
            a = lr / np.sqrt(eps + acc) if placement == "inside" else lr / (np.sqrt(acc) + eps)
            step = a * g
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g ** 2
            mh, vh = (m / (1 - b1 ** i), v / (1 - b2 ** i)) if bias else (m, v)
            a = lr / np.sqrt(eps + vh) if placement == "inside" else lr / (np.sqrt(vh) + eps)
            step = a * mh
        w = w - step - (lr * wd * w if opt == "adamw" else 0)
        lrs.append(np.broadcast_to(a, w.shape).copy())
        ws.append(w.copy())
    return lrs, ws


@given(st.sampled_from(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]),
       st.integers(1, 4), st.integers(1, 6), st.data())
def test_every_optimizer_matches_an_independent_loop(opt, size, n, data):
    grads = [data.draw(st.lists(st.floats(-3, 3), min_size=size, max_size=size)) for _ in range(n)]
    w0 = data.draw(st.lists(st.floats(-2, 2), min_size=size, max_size=size))
    conv = dict(lr=data.draw(st.sampled_from([0.001, 0.01, 0.1])), eps=data.draw(st.sampled_from([1e-8, 1e-5, 0.1])),
                placement=data.draw(st.sampled_from(["inside", "outside"])),
                accumulate=data.draw(st.sampled_from(["inclusive", "exclusive"])),
                G0=data.draw(st.sampled_from([0.0, 0.1])), beta=data.draw(st.sampled_from([0.5, 0.9])),
                b1=0.9, b2=data.draw(st.sampled_from([0.99, 0.999])),
                form=data.draw(st.sampled_from(["ema", "sum"])), bias=data.draw(st.booleans()),
                wd=data.draw(st.sampled_from([0.0, 0.01])))
    if opt in ("adagrad", "rmsprop") and conv["accumulate"] == "exclusive" and conv["G0"] == 0 and conv["eps"] < 1e-4:
        conv["G0"] = 0.1  # α/√ε would be astronomically large: a legitimate but uninformative case
    spec = {"kind": "optimizer", "optimizer": opt, "learning_rate": conv["lr"],
            "gradients": grads if size > 1 else [g[0] for g in grads],
            "initial_weight": w0 if size > 1 else w0[0], "epsilon": conv["eps"],
            "epsilon_placement": conv["placement"], "accumulate": conv["accumulate"],
            "initial_accumulator": conv["G0"], "beta": conv["beta"], "beta1": conv["b1"], "beta2": conv["b2"],
            "momentum_form": conv["form"], "bias_correction": conv["bias"], "weight_decay": conv["wd"]}
    s = solve_data(spec)
    lrs, ws = reference(opt, grads, w0, **conv)
    got_lr = np.broadcast_to(np.array(s.answer("learning_rates").value, dtype=float).reshape(n, -1), (n, size))
    got_w = np.array(s.answer("weights").value, dtype=float).reshape(n, -1)
    close(got_lr, np.array(lrs).reshape(n, -1))
    close(got_w, np.array(ws).reshape(n, -1))
    assert verify_solution(s) == []


def test_objective_gradients_are_the_derivative():
    s = solve_file(ROOT / "problems" / "opt-sgd-objective.yaml")
    w = 0.5
    for got in s.answer("weights").value:
        w = w - 0.1 * (2 * (w - 3) + 0.5)
        close(got, w, tol=1e-12)


def test_alternative_conventions_are_reported():
    s = solve_file(ROOT / "problems" / "p6-adagrad-learning-rate.yaml")
    notes = [b.text for sec in s.sections for b in sec.blocks if type(b).__name__ == "Text"]
    assert any("The last learning rate would be 0.00245886" in n and "(accumulate: exclusive)" in n for n in notes)


def err(text: str) -> str:
    with pytest.raises(DlsolveError) as info:
        load_text(text, "p.yaml")
    return str(info.value)


BASE = "kind: optimizer\noptimizer: adagrad\nlearning_rate: 0.1\n"


def test_bad_inputs():
    assert err(BASE + "iterations: 3\n") == \
        "p.yaml:1:1: gradients: give exactly one of gradients, squared_gradients and objective"
    assert err(BASE + "gradients: [1]\nobjective: 'w**2'\n").startswith(
        "p.yaml:5:12: objective: give exactly one of gradients, squared_gradients and objective")
    assert err(BASE + "iterations: 3\nobjective: 'w**2'\n") == \
        "p.yaml:5:12: objective: an objective needs initial_weight (where the descent starts)"
    assert err(BASE + "gradients: [[1, 2], [3]]\n") == \
        "p.yaml:4:21: gradients[1]: expected 2 values like the first gradient, got 1"
    assert err("kind: optimizer\noptimizer: sgd\nlearning_rate: 0\ngradients: [1]\n") == \
        "p.yaml:3:16: learning_rate: expected a positive learning rate, got 0"
    assert err(BASE + "iterations: 0\ngradients: [1]\n") == \
        "p.yaml:4:13: iterations: expected 1 to 1000 iterations, got 0"
    assert err(BASE + "iterations: 2\ninitial_weight: 1\nobjective: 'x**2'\n") == \
        "p.yaml:6:12: objective: unknown name 'x' (known: w) (column 1 of \"x**2\")"
    assert err(BASE + "iterations: 2\ninitial_weight: 1\nobjective: \"__import__('os').system('id')\"\n").startswith(
        "p.yaml:6:12: objective: ")
    assert err("kind: optimizer\noptimizer: adamm\nlearning_rate: 1\ngradients: [1]\n").endswith(
        "did you mean 'adam'?")


@pytest.mark.parametrize("hostile", ["__import__('os').system('id')", "().__class__", "lambda: 0",
                                     "[x for x in y]", "w.real", "open('f')", "w if w else w", "'a'",
                                     "-" * 100 + "w", "exp(" * 60 + "w" + ")" * 60, "w+" * 400 + "w"])
def test_hostile_objectives_are_refused_without_running(hostile):
    from dlsolve.parse import ParseError, parse_formula
    from dlsolve.expr import Sym

    with pytest.raises(ParseError):
        parse_formula(hostile, {"w": Sym("w", "w", "w")})


def test_adagrad_alias_command():
    from click.testing import CliRunner
    from dlsolve.cli import main

    r = CliRunner().invoke(main, ["adagrad", str(ROOT / "problems" / "p6-adagrad-learning-rate.yaml")])
    assert r.exit_code == 0 and "0.002302" in r.output


def test_too_many_gradients_is_a_located_error(tmp_path):
    """A one-line file could ask for tens of thousands of worked iterations (minutes): refused."""
    from click.testing import CliRunner

    from dlsolve.cli import main
    from dlsolve.kinds.optimizer import MAX_ITERATIONS

    path = tmp_path / "p.yaml"
    path.write_text("kind: optimizer\noptimizer: sgd\nlearning_rate: 0.1\ngradients: "
                    + str([0.5] * (MAX_ITERATIONS + 1)) + "\n")
    r = CliRunner().invoke(main, ["solve", str(path)])
    assert r.exit_code == 2 and r.output.startswith(f"{path}:4:") and "at most" in r.output


# -- each optimizer is one record (dlsolve/kinds/optimizer_rules.py) ---------------------------

def test_no_module_decides_by_an_optimizer_name():
    """Only the records' module names an optimizer; everything else asks the record (the name scan
    of tests/test_layering.py, with the optimizers' names)."""
    from dlsolve.kinds.optimizer_rules import OPTIMIZERS
    from tests.test_layering import name_decisions

    names = set(OPTIMIZERS)
    assert name_decisions('if opt in ("adagrad", "rmsprop"): pass\n', names) == [(1, "adagrad"), (1, "rmsprop")]
    offenders = []
    for path in sorted((ROOT / "dlsolve").rglob("*.py")):
        rel = path.relative_to(ROOT / "dlsolve").as_posix()
        if rel != "kinds/optimizer_rules.py":
            offenders += [f"{rel}:{line}: {name!r}"
                          for line, name in name_decisions(path.read_text(encoding="utf-8"), names, lookups=True)]
    assert not offenders, "ask the optimizer's record instead:\n" + "\n".join(offenders)


def test_the_records_are_what_the_spec_and_schema_offer():
    from typing import get_args

    from dlsolve.kinds.optimizer import CONVENTIONS, Spec
    from dlsolve.kinds.optimizer_rules import MOMENTUM_FORMS, OPTIMIZERS

    assert all(name == o.name for name, o in OPTIMIZERS.items())
    assert set(get_args(Spec.model_fields["momentum_form"].annotation)) == set(MOMENTUM_FORMS)
    assert [c for c in CONVENTIONS if c.key == "momentum_form"][0].choices == tuple(MOMENTUM_FORMS)
    # which optimizers may run on squared gradients alone, and which take lr_decay
    assert {n for n, o in OPTIMIZERS.items() if o.squares_suffice} == {"adagrad", "rmsprop"}
    assert {n for n, o in OPTIMIZERS.items() if o.takes_lr_decay} == {"adagrad"}
    assert {n for n, o in OPTIMIZERS.items() if o.decoupled_decay} == {"adamw"}


def test_the_prepared_problem_is_frozen():
    spec = load_text(BASE + "gradients: [[1, 2], [3, 4]]\ninitial_weight: [0.5, 1]\n", "p.yaml").spec
    problem = spec.problem
    assert problem.optimizer.title == "Adagrad" and problem.iterations == 2 and problem.size == 2
    close(problem.gradients[1], [3, 4])
    with pytest.raises(ValueError):
        problem.gradients[0][0] = 5.0
    with pytest.raises(ValueError):
        problem.w0[0] = 5.0


@pytest.mark.parametrize("body, message", [
    ("iterations: 2\nsquared_gradients: {first: 1}\n", "p.yaml:5:20: squared_gradients: adam needs the gradients "
                                                       "themselves"),
    ("squared_gradients: {first: 1}\n", "p.yaml:4:20: squared_gradients: with squared_gradients, say how many "
                                        "iterations"),
    ("initial_weight: 1\nobjective: 'w**2'\n", "p.yaml:5:12: objective: with objective, say how many iterations"),
    ("gradients: [1]\nlr_decay: 0.1\n", "p.yaml:5:11: lr_decay: lr_decay is Adagrad's (PyTorch), not adam's"),
])
def test_what_the_records_refuse(body, message):
    assert err("kind: optimizer\noptimizer: adam\nlearning_rate: 0.1\n" + body).startswith(message)
