"""The patterns every kind follows: prose with values formatted by the renderers, answer
dependencies derived from the recorded bindings, one rule for what a step shows, options that
each kind declares, and one error boundary for every command."""

from __future__ import annotations

import html
import re

import ast

import numpy as np
import pytest
from click.testing import CliRunner

from dlsolve import kinds
from dlsolve.cli import main
from dlsolve.derivation import Derivation
from dlsolve.expr import Sym
from dlsolve.render import FORMATS, renderer
from dlsolve.solution import Phrase
from tests.conftest import PROBLEMS, ROOT, solve_file, solved

A, B, C, D = (Sym(k, k, k) for k in "abcd")


def _tiny(note):
    d = Derivation()
    d.section("Given")
    d.given(A, 1.0)
    d.section("Work")
    d.derive(B, A / 3.0, note=note)
    d.answer("b", d.env["b"], note, keys=("b",))
    return d.solution("test", "tiny")


@pytest.mark.parametrize("fmt", FORMATS)
def test_phrase_values_are_formatted_by_each_renderer_at_its_precision(fmt):
    sol = _tiny(Phrase("a third is {x}; T = {t:given}; {n:int} parameters", x=1 / 3, t=0.5, n=138357544))
    out = renderer(fmt)(precision=3).render(sol)
    if fmt in ("json", "csv"):  # for programs: full precision
        assert "a third is 0.3333333333333333" in out
    else:
        assert "a third is 0.333;" in out and "0.3333" not in out.split("a third is")[1][:8]
    if fmt in ("html", "markdown", "latex"):  # T = 0.5 is notation: set as math, so compare the text
        out = html.unescape(re.sub(r"<[^>]+>|\$`?|`?\$", "", out)).replace(" ", "")
        assert "T=0.5" in out and "138,357,544parameters" in out
    else:
        assert "T = 0.5" in out and "138,357,544 parameters" in out


def test_phrase_refuses_a_missing_value():
    with pytest.raises(KeyError):
        Phrase("{x} and {y}", x=1)


def test_answer_dependencies_come_from_the_bindings():
    d = Derivation()
    d.given(A, 2.0)
    d.derive(B, A * 3.0)        # b from a (a given, not an answer)
    d.derive(C, B + 1.0)        # c from b
    d.derive(D, C * A)          # d from c and a
    d.answer("b", 6.0, "b", keys=("b",))
    d.answer("c", 7.0, "c", keys=("c",))
    d.answer("d", 14.0, "d", keys=("d",))
    sol = d.solution("test", None)
    assert sol.answer("b").depends == ()
    assert sol.answer("c").depends == ("b",)
    assert sol.answer("d").depends == ("c",)  # the walk stops at the first answers it meets


def test_dependencies_follow_the_value_current_when_a_key_is_rederived():
    d = Derivation()
    d.given(A, 1.0)
    d.derive(B, A + 1.0)
    d.answer("b_first", 2.0, "b", keys=("b",))
    d.derive(C, B * 2.0)
    d.derive(B, C + 1.0)        # b again, now from c
    d.answer("b_last", 5.0, "b", keys=("b",))
    d.answer("c", 4.0, "c", keys=("c",))
    sol = d.solution("test", None)
    assert sol.answer("b_last").depends == ("c",)
    assert sol.answer("c").depends == ("b_first",)


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_exact_writes_approx_not_a_bell_byte(fmt):
    r = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p3-delta-rule.yaml"), "--exact",
                                  "--format", fmt])
    assert r.exit_code == 0, r.output
    assert "\x07" not in r.output
    assert any(mark in r.output for mark in ("\\approx", "≈", "&#x02248;"))


def test_check_on_convolve_shows_the_step_of_the_wrong_answer(tmp_path):
    sol = solve_file(ROOT / "problems" / "conv-by-hand.yaml")
    out = np.array(sol.answer("output").value, dtype=float)
    out[0, 0] += 1
    answers = tmp_path / "a.yaml"
    answers.write_text("output: " + str(out.tolist()) + "\n")
    r = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "conv-by-hand.yaml"), str(answers)])
    assert r.exit_code == 1, r.output
    tail = r.output.split("Where it went wrong")[1]
    assert "y₁₁ =" in tail  # the step that produces the entry


@pytest.mark.parametrize("path", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_every_answer_names_the_steps_that_produce_it(path):
    sol = solved(path)
    made = {b.quantity.key for s in sol.sections for b in s.blocks if hasattr(b, "quantity")}
    for a in sol.answers:
        assert a.keys and set(a.keys) <= made, (a.name, sorted(set(a.keys) - made)[:3])


def test_kind_options_are_solve_options():
    fields = set(kinds.SolveOptions.__dataclass_fields__)
    for name, kind in kinds.KINDS.items():
        assert kind.options <= fields, name


def test_a_kind_subcommand_offers_only_the_options_its_kind_takes():
    r = CliRunner().invoke(main, ["loss", str(ROOT / "problems" / "p12-regression-losses.yaml"), "--explain", "W1[1,1]"])
    assert r.exit_code == 2 and "No such option" in r.output
    r = CliRunner().invoke(main, ["backprop", "--help"])
    assert "--explain" in r.output and "--combine" not in r.output


def test_solve_refuses_an_option_the_files_kind_does_not_take():
    r = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p12-regression-losses.yaml"), "--detail", "units"])
    assert r.exit_code == 2
    assert "--detail" in r.output and "backprop" in r.output and "loss" in r.output


def test_fragment_is_refused_for_a_format_without_fragments():
    r = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p12-regression-losses.yaml"), "--fragment"])
    assert r.exit_code == 2 and "--fragment" in r.output and "latex" in r.output


def test_cli_has_no_format_names_in_its_logic():
    modules = sorted((ROOT / "dlsolve" / "cli").glob("*.py"))
    assert len(modules) > 1  # the command line's package
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not names & set(FORMATS), path.name


def test_an_unexpected_exception_in_check_is_an_internal_error_not_a_traceback(monkeypatch, tmp_path):
    import dlsolve.marking as check_module

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(check_module, "check", boom)
    answers = tmp_path / "a.yaml"
    answers.write_text("loss: 1\n")
    r = CliRunner().invoke(main, ["check", str(ROOT / "problems" / "p12-regression-losses.yaml"), str(answers)])
    assert r.exit_code == 3
    assert "internal error: RuntimeError: boom" in r.output and "Traceback" not in r.output


def test_a_typed_error_raised_while_solving_exits_2_with_the_place(monkeypatch):
    from dlsolve.errors import SpecInvalid
    import dlsolve.kinds.softmax as softmax

    def bad(spec, options=None):
        raise SpecInvalid("cannot do this", ("scores", 1))

    monkeypatch.setattr(softmax, "solve", bad)
    r = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p7-softmax-temperature.yaml")])
    assert r.exit_code == 2, r.output
    assert "p7-softmax-temperature.yaml:" in r.output and "scores[1]: cannot do this" in r.output


def test_every_kind_explains_an_infinity_it_shows(tmp_path):
    """Adam with gradients of 1e200: g² overflows; every ∞ step says why (not only backprop's)."""
    problem = tmp_path / "p.yaml"
    problem.write_text("kind: optimizer\noptimizer: adam\nlearning_rate: 0.1\ngradients: [1e200, 1e200]\n"
                       "initial_weight: 0\n")
    r = CliRunner().invoke(main, ["solve", str(problem)])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    infinite = [k for k, line in enumerate(lines) if line.strip() == "= ∞"]
    assert infinite and all("↳ ∞:" in lines[k + 1] for k in infinite)
    assert "g₁² = (1×10²⁰⁰)²" in r.output        # a number in scientific notation keeps its brackets


def test_timeout_stops_a_long_solve_with_a_clear_error():
    """The budget is wall-clock: a 784-wide problem cannot finish in a millisecond."""
    r = CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p1-image-mlp.yaml"), "--timeout", "0.001"])
    assert r.exit_code == 2
    assert "solving took longer than 0.001 s; --timeout N to allow more" in r.output
    assert CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p1-image-mlp.yaml"), "--timeout", "0"]).exit_code == 0


def test_sizes_that_only_a_slip_would_ask_for_are_located_errors(tmp_path):
    """A symbolic layer of a million units and a transposed convolution with a huge stride ran for
    minutes or ran out of memory (exit 3); both are refused at their place."""
    symbolic = tmp_path / "s.yaml"
    symbolic.write_text("kind: backprop\ninput_units: 2\nlayers: [{units: 2, activation: linear}, "
                        "{units: 1000000, activation: linear}]\nloss: sse\n")
    r = CliRunner().invoke(main, ["solve", str(symbolic)])
    assert r.exit_code == 2 and f"{symbolic}:3:" in r.output and "at most 12 units" in r.output
    conv = tmp_path / "c.yaml"
    conv.write_text("kind: convolve\ninput: [[1, 2], [3, 4]]\nkernel: [[1, 0], [0, 1]]\ntranspose: true\n"
                    "stride: 2000000\n")
    r = CliRunner().invoke(main, ["solve", str(conv)])
    assert r.exit_code == 2 and f"{conv}:5:" in r.output and "at most 10,000 entries" in r.output


def test_a_normalize_input_of_a_hundred_thousand_values_is_refused_at_its_place(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("kind: normalize\nmethod: standardize\ninput: " + str(list(range(100_000))) + "\n")
    r = CliRunner().invoke(main, ["solve", str(path)])
    assert r.exit_code == 2 and f"{path}:3:8: input: expected at most 10,000 values" in r.output
