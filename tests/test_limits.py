"""The limits of dlsolve/limits.py: each a typed error (exit 2) that names the limit and the place,
never a crash, a hang or a memory blow-up; and the wall-clock budget of solving."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from dlsolve import limits
from dlsolve.cli import main
from dlsolve.errors import InputErrors, LimitExceeded, SpecError, TimeLimitExceeded, YamlSyntaxError
from dlsolve.load import load_text, parse_data
from tests.conftest import ROOT

HEAD = "kind: loss\nloss: mse\ny_true: [1, 2]\ny_pred: [1.5, 2.5]\n"


def run_file(tmp_path, text: str, *args: str):
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    return path, CliRunner().invoke(main, ["solve", str(path), *args])


def located(r, path, limit: str | None = None) -> str:
    """The one-line message, checked to start with file:line:col and to name the limit."""
    assert r.exit_code == 2, r.output
    message = r.stderr.strip()
    assert re.match(re.escape(str(path)) + r":\d+:\d+: ", message), message
    if limit:
        assert limit in message
    return message


@pytest.mark.parametrize("text, line", [
    ("[" * 100_000 + "1" + "]" * 100_000, 1),                    # flow lists, 200 KB
    ("{a: " * 50_000 + "1" + "}" * 50_000, 1),                   # flow mappings
    ("- " * 100_000 + "1\n", 1),                                 # block lists on one line
    ("".join(" " * i + "a:\n" for i in range(2000)) + " " * 2000 + "1\n", 65),   # block mappings
])
def test_deep_nesting_is_refused_before_the_parser_recurses(tmp_path, text, line):
    # In a subprocess: before the limit, such files overflowed the YAML parser's C stack (segfault).
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "dlsolve", "solve", str(path)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 2, out.stderr[-2000:]
    assert out.stderr.startswith(f"{path}:{line}:") and "MAX_DEPTH" in out.stderr, out.stderr[:300]
    assert "Traceback" not in out.stderr
    assert time.perf_counter() - start < 60


def test_deep_json_is_refused_with_its_place():
    with pytest.raises(LimitExceeded) as e:
        parse_data("[" * 5000 + "]" * 5000, "deep.json")
    assert (e.value.limit, e.value.line, e.value.column) == ("MAX_DEPTH", 1, limits.MAX_DEPTH + 1)


def test_nesting_up_to_the_limit_reads_and_converts_without_recursion():
    depth = limits.MAX_DEPTH
    assert parse_data("x: " + "[" * (depth - 1) + "1" + "]" * (depth - 1), "ok.yaml")["x"] is not None
    with pytest.raises(LimitExceeded):
        parse_data("x: " + "[" * depth + "1" + "]" * depth, "deep.yaml")


def bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [0.5, 0.5]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [7, 9, 30])
def test_alias_bombs_are_refused_before_anything_is_built(tmp_path, levels):
    path, r = run_file(tmp_path, HEAD + bomb(levels))
    message = located(r, path, "MAX_NODES")
    assert "alias" in message


def test_a_few_aliases_and_merge_keys_read_as_copies(tmp_path):
    data = parse_data("a: &r [1, 2]\nb: *r\nm: &m {x: 1}\nn: {<<: *m, y: 2}\n", "ok.yaml")
    assert data == {"a": [1, 2], "b": [1, 2], "m": {"x": 1}, "n": {"x": 1, "y": 2}}


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path):
    path, r = run_file(tmp_path, HEAD + "extra: &r [1, *r]\n")
    located(r, path, "repeat forever")


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    path, r = run_file(tmp_path, HEAD + "# " + "x" * 2000 + "\n")
    assert r.exit_code == 2 and r.stderr.startswith(f"{path}: ") and "MAX_FILE_BYTES" in r.stderr


def test_too_many_values_are_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_NODES", 100)
    with pytest.raises(LimitExceeded) as e:
        parse_data("x: [" + ", ".join(["1"] * 200) + "]\n", "big.yaml")
    assert e.value.limit == "MAX_NODES" and e.value.line == 1
    with pytest.raises(LimitExceeded):  # JSON takes the same checks (through the YAML path for the place)
        parse_data('{"x": [' + ", ".join(["1"] * 200) + "]}", "big.json")


@pytest.mark.parametrize("literal, what", [
    (".nan", "NaN"), (".inf", "infinite"), ("-.inf", "infinite"), ("1e999", "beyond float64"),
    ("1" + "0" * 320, "beyond float64"),
])
def test_non_finite_numbers_are_refused_where_they_are_written(tmp_path, literal, what):
    path, r = run_file(tmp_path, f"kind: loss\nloss: mse\ny_true: [1, {literal}]\ny_pred: [1.5, 2.5]\n")
    message = located(r, path)
    assert message.startswith(f"{path}:3:13: y_true[1]: ") and what in message


def test_integers_with_too_many_digits_are_refused_before_conversion(tmp_path):
    # Python refuses int() of more than 4300 digits with a ValueError; that escaped as a crash.
    path, r = run_file(tmp_path, HEAD + "extra: " + "9" * 1001 + "\n")
    located(r, path, "MAX_INT_DIGITS")
    path, r = run_file(tmp_path, '{"kind": "loss", "x": ' + "9" * 5000 + "}")
    located(r, path, "MAX_INT_DIGITS")


def test_values_number_refuses_ints_beyond_float64():
    from dlsolve.errors import SpecInvalid
    from dlsolve.kinds.values import matrix, number, vector

    with pytest.raises(SpecInvalid, match="beyond float64"):
        number(10**400, ("x",))
    with pytest.raises(SpecInvalid, match="finite"):
        number(float("nan"), ("x",))
    assert number(3, ("x",)) == 3.0 and isinstance(number(3, ("x",)), float)
    with pytest.raises(SpecInvalid, match="MAX_ENTRIES"):
        vector([0.0] * (limits.MAX_ENTRIES + 1), ("x",))
    with pytest.raises(SpecInvalid, match="MAX_ENTRIES"):
        matrix([[0.0] * 1001] * 1000, ("x",))


@pytest.mark.parametrize("text", [
    "? [a, b]\n: 1\n",                         # a mapping key that is a list
    "{[1, 2]: 3}\n",
    "!!set {a, b}\n",
    "kind: loss\ny_true: !!binary aGVsbG8=\n",
    "kind: loss\ny_true: 2001-12-14\n",
    "kind: loss\ny_true: !unknown 3\n",
    "kind: loss\ny_true: [1, *nowhere]\n",
    "kind: loss\ny_true: !!python/object:os.system [true]\n",
    "kind: loss\ny_true: [1, 2]\ny_true: [3]\n",   # a duplicate key
    "kind: loss\n\x07y_true: 1\n",
    "%YAML 1.1\n---\nkind: loss\n",
    "kind: loss\n---\nkind: loss\n",
    "true: 1\nnull: 2\n1: 3\n",
])
def test_odd_yaml_is_a_one_line_located_error(tmp_path, text):
    path, r = run_file(tmp_path, text)
    assert r.exit_code == 2, r.output
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{path}:") for line in lines), r.stderr
    assert "Traceback" not in r.output


def test_error_text_is_one_line_even_for_odd_values(tmp_path):
    path, r = run_file(tmp_path, 'kind: loss\nloss: "mse\\nsecond line"\ny_true: [1]\ny_pred: [1]\n')
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    path, r = run_file(tmp_path, f'kind: loss\nloss: "{"x" * 5000}"\ny_true: [1]\ny_pred: [1]\n')
    assert r.exit_code == 2 and len(r.stderr) < 600 and "5,000 characters" in r.stderr, r.stderr


def test_located_errors_keep_their_position_on_large_files(tmp_path):
    # The places of a large file come from the event stream (fast), not a second, slow parse.
    # (40,000 values under `vary:`, which the loader sets aside: 40,000 samples are past WORKED)
    text = "kind: loss\nloss: mse\nvary: [" + ", ".join(["0.5"] * 40_000) + "]\ny_true: [1]\ny_pred: oops\n"
    start = time.perf_counter()
    with pytest.raises((SpecError, InputErrors)) as e:
        load_text(text, "big.yaml")
    assert time.perf_counter() - start < 20
    assert "big.yaml:5:9: y_pred" in str(e.value)


# ------------------------------------------------------------------ the wall-clock budget

def test_time_limit_stops_a_long_computation_with_a_typed_error():
    start = time.perf_counter()
    with pytest.raises(TimeLimitExceeded) as e:
        with limits.time_limit(0.3):
            while True:
                sum(range(1000))
    assert 0.25 < time.perf_counter() - start < 5
    assert str(e.value) == "solving took longer than 0.3 s; --timeout N to allow more (N seconds, 0 for no limit)"
    assert e.value.exit_status == 2


def test_time_limit_cannot_be_swallowed_by_a_broad_except():
    swallowed = 0
    with pytest.raises(TimeLimitExceeded):
        with limits.time_limit(0.2):
            while True:
                try:
                    while True:
                        sum(range(1000))
                except Exception:  # a library that catches everything keeps being interrupted
                    swallowed += 1
                    if swallowed > 3:
                        raise
    assert swallowed >= 1


def test_time_limit_off_and_fast_blocks_leave_no_timer_behind():
    import signal

    with limits.time_limit(None):
        pass
    with limits.time_limit(0):
        pass
    with limits.time_limit(5):
        x = 1 + 1
    assert x == 2 and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


def test_time_limit_outside_the_main_thread_runs_unbounded():
    import threading

    done = []

    def work():
        with limits.time_limit(0.05):
            time.sleep(0.2)
        done.append(True)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert done == [True]


# ------------------------------------------------------------------ the fast reader agrees with ruamel

from hypothesis import example, given, strategies as st  # noqa: E402

SCALAR = st.one_of(
    st.text(alphabet="0123456789+-._eExXoObB:TtZ ~aAnNiIfFlLsSuUrR", max_size=12),
    st.sampled_from(["1e-5", "1_000", "012", "0o17", "0x1F", ".5", "5.", "-.inf", ".NaN", "True", "NULL",
                     "yes", "no", "2001-12-14", "1:20", "σ(z)", "<<", "-", "+1", "-0", "1e", ".e5"]),
)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return type(a) is type(b) and a == b


@given(SCALAR, st.booleans())
@example("012", False).via("an octal-looking int goes to the loader")
@example("2001-12-14", False).via("a date goes to the loader")
@example(".5E1", False).via("YAML 1.2's expression: text (a leading-dot float needs a signed exponent)")
@example("1_000.5_0", False).via("underscores in numbers")
@example("-0o17", False).via("octal")
def test_the_event_reader_reads_plain_scalars_as_the_safe_loader_does(scalar, as_key):
    from ruamel.yaml import YAML

    from dlsolve.yaml_events import _DEFER, _scan_events, _string_keys

    text = f"{scalar}: 1\n" if as_key else f"a: [{scalar}]\n"
    try:
        expected = _string_keys(YAML(typ="safe").load(text))
    except Exception:  # noqa: BLE001 - whatever the loader refuses, the reader must not accept
        try:
            assert _scan_events(text, "t.yaml") is _DEFER
        except YamlSyntaxError:
            pass  # refused as well, with its place (a syntax error is not read twice)
        return
    got = _scan_events(text, "t.yaml")
    if got is _DEFER:
        return
    if as_key:
        assert list(got) == list(expected)
    else:
        assert len(got["a"]) == len(expected["a"]) and all(map(_same, got["a"], expected["a"])), (got, expected)


def test_a_repeated_key_is_an_error_in_json_as_in_yaml(tmp_path):
    path, r = run_file(tmp_path, '{"kind": "loss", "loss": "mse", "loss": "mae", "y_true": [1], "y_pred": [1]}')
    assert r.exit_code == 2 and r.stderr.startswith(f"{path}:1:") and "duplicate key" in r.stderr, r.stderr


def test_answers_may_be_infinite_where_a_reference_is(tmp_path):
    from dlsolve.answers_file import load_answers

    (tmp_path / "a.yaml").write_text("kl_pq: .inf\nh: 0.50\n")
    given, decimals, _ = load_answers(str(tmp_path / "a.yaml"))
    assert given == {"kl_pq": float("inf"), "h": 0.5} and decimals["h"] == 2


@pytest.mark.parametrize("text, col, what", [
    # JSON flow syntax in YAML: -Infinity is text to YAML, ∞ to a lax validator (an Adagrad schedule)
    ('kind: optimizer\noptimizer: adagrad\nlearning_rate: 0.02\niterations: 3\n'
     'squared_gradients: {"first": 6, "growth": -Infinity}\n', 43, "infinite"),
    ("kind: loss\nloss: huber\ndelta: inf\ny_true: [1]\ny_pred: [2]\n", 8, "infinite"),
    ('kind: loss\nloss: huber\ndelta: "1e999"\ny_true: [1]\ny_pred: [2]\n', 8, "beyond float64"),
    ("kind: loss\nloss: huber\ndelta: NaN\ny_true: [1]\ny_pred: [2]\n", 8, "NaN"),
    ("kind: loss\nloss: huber\ndelta: -.Inf\ny_true: [1]\ny_pred: [2]\n", 8, "infinite"),
    ("kind: loss\nloss: huber\ndelta: 1\ny_true: [1, -infinity]\ny_pred: [2, 3]\n", 13, "infinite"),
])
def test_every_spelling_of_a_non_finite_number_is_refused_where_it_is_written(tmp_path, text, col, what):
    path, r = run_file(tmp_path, text)
    message = located(r, path)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if any(w in ln.lower() for w in ("inf", "nan", "1e999")))
    assert message.startswith(f"{path}:{line}:{col}: ") and what in message and "finite" in message, message


def test_json_1e999_is_refused_like_yaml(tmp_path):
    path, r = run_file(tmp_path, '{"kind": "loss", "loss": "mse", "y_true": [1e999], "y_pred": [1]}')
    assert "y_true[0]" in located(r, path)


def test_a_title_keeps_its_words(tmp_path):
    path, r = run_file(tmp_path, "kind: loss\ntitle: NaN\nloss: mse\ny_true: [1]\ny_pred: [2]\n")
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("text, line, col, what", [
    ("kind: loss\nloss: *nope\ny_true: [1]\ny_pred: [1]\n", 2, 7, "undefined alias 'nope'"),
    ("kind: loss\ny_true: [" + ", ".join(["0.5"] * 5000) + "]\nloss: @mse\n", 3, 7, "cannot start any token"),
])
def test_a_syntax_error_is_located_by_the_first_read(tmp_path, text, line, col, what):
    """The event reader raises it at once (a second, slow read of a 1 MB file took seconds)."""
    path, r = run_file(tmp_path, text)
    assert located(r, path).startswith(f"{path}:{line}:{col}: YAML syntax error: ") and what in r.stderr, r.stderr
