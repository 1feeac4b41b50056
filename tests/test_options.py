"""The solve options have one home: `dlsolve.kinds.SolveOptions` (names, types, defaults, values)
and the registry's declaration of which kinds take which (`KINDS[kind].options`). The command
line and the API build the object from those and refuse an option a kind does not take with
the same message."""

from __future__ import annotations

import dataclasses
import re

import pytest
from click.testing import CliRunner

import dlsolve
from dlsolve import api, cli, kinds
from dlsolve.cli import main
from dlsolve.kinds import SolveOptions
from tests.conftest import ROOT

# A value other than the default for each option (the test below checks it differs).
SET = {"explain": ("W1[1,1]",), "detail": "units", "round": 2, "exact": True}
FLAGS = {"explain": ["--explain", "W1[1,1]"], "detail": ["--detail", "units"], "round": ["--round", "2"],
         "exact": ["--exact"]}


def _problem_of_each_kind() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "problems").glob("*.yaml")):
        m = re.search(r"^kind:\s*(\w+)", path.read_text(encoding="utf-8"), re.M)
        if m and m.group(1) in kinds.KINDS:
            found.setdefault(m.group(1), str(path))
    return found


PROBLEMS = _problem_of_each_kind()


def test_every_option_a_kind_declares_is_a_field_of_the_options_object():
    fields = {f.name for f in dataclasses.fields(SolveOptions)}
    assert set(SET) == fields and set(FLAGS) == fields  # this test covers every option
    for name, kind in kinds.KINDS.items():
        assert kind.options and kind.options <= fields, name
    with pytest.raises(ValueError, match="rounding"):  # a misspelt name in the registry fails at once
        kinds.Kind("dlsolve.kinds.softmax", "x", frozenset({"rounding"}))


def test_a_misspelt_option_is_an_error_not_none():
    with pytest.raises(TypeError):
        SolveOptions(rond=2)  # type: ignore[call-arg]
    with pytest.raises(AttributeError):
        SolveOptions().rond  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(dataclasses.FrozenInstanceError):
        SolveOptions().round = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="rond"):
        kinds.takes("backprop", "rond")
    with pytest.raises(dlsolve.OptionError, match="not an option of solve"):
        dlsolve.solve(ROOT / "problems" / "p7-softmax-temperature.yaml", rond=2)


def test_the_cli_and_the_api_have_no_defaults_of_their_own():
    assert not hasattr(cli, "DEFAULTS") and not hasattr(api, "DEFAULTS")
    default = SolveOptions()
    assert set(cli.SOLVE_OPTIONS) == set(SolveOptions.names())
    commands = [main.commands["solve"]] + [main.commands[k] for k in kinds.KINDS]
    for command in commands:
        params = {p.name: p for p in command.params}
        offered = {n for n in SolveOptions.names() if n in params}
        if command.name != "solve":
            assert offered == kinds.KINDS[command.name].options, command.name
        for name in offered:
            value = params[name].default
            assert (tuple(value) if name == "explain" else value) == getattr(default, name), (command.name, name)
    detail = next(p for p in main.commands["solve"].params if p.name == "detail")
    assert tuple(detail.type.choices) == SolveOptions.DETAILS
    # the API's options with nothing given are the object's defaults
    assert api.options_for("backprop", {}) == default
    # every other flag of a solving command is a field of the CLI's Output (made by name)
    output = {f.name for f in dataclasses.fields(cli.Output)}
    for command in commands:
        rest = {p.name for p in command.params} - set(SolveOptions.names()) - {"file", "files"}
        assert rest <= output and output - rest <= {"combine"}, command.name


# The options some kind does not take (every kind takes --round and --exact).
REFUSED = [o for o in sorted(SET) if not all(kinds.takes(k, o) for k in kinds.KINDS)]


@pytest.mark.parametrize("option", REFUSED)
def test_an_option_a_kind_does_not_take_is_refused_by_cli_and_api_alike(option):
    assert {"explain", "detail"} <= set(REFUSED)
    assert SET[option] != getattr(SolveOptions(), option)
    refused = [k for k in kinds.KINDS if not kinds.takes(k, option) and k in PROBLEMS]
    assert refused
    takers = ", ".join(k for k in kinds.KINDS if kinds.takes(k, option))
    for kind in refused:
        with pytest.raises(dlsolve.OptionError) as info:
            dlsolve.solve(PROBLEMS[kind], **{option: list(SET[option]) if option == "explain" else SET[option]})
        want = f"applies to kind {takers} only, not to a `kind: {kind}` problem"
        assert info.value.message == want and str(info.value) == f"{option}: {want}"
        r = CliRunner().invoke(main, ["solve", PROBLEMS[kind], *FLAGS[option]])
        assert r.exit_code == 2, (kind, r.output)
        assert r.output.strip() == f"--{option}: {want}", kind
        # a kind's own subcommand does not offer it at all
        r = CliRunner().invoke(main, [kind, PROBLEMS[kind], *FLAGS[option]])
        assert r.exit_code == 2 and "No such option" in r.output, kind


def test_an_option_a_kind_takes_is_passed_as_given():
    path = ROOT / "problems" / "p3-delta-rule.yaml"
    assert api.options_for("backprop", {"explain": "W1[1,1]", "round": 3}) == SolveOptions(("W1[1,1]",), round=3)
    rounded = dlsolve.solve(path, round=2)
    assert any("Rounding drift" in str(s.title) for s in rounded.sections)
    r = CliRunner().invoke(main, ["solve", str(path), "--round", "2"])
    assert r.exit_code == 0 and "Rounding drift" in r.output


@pytest.mark.parametrize("given, message", [
    ({"detail": "unit"}, "detail: expected one of auto, units, layers, full, got 'unit'"),
    ({"round": 13}, "round: expected a whole number of decimals from 0 to 12, got 13"),
    ({"round": True}, "round: expected a whole number of decimals from 0 to 12, got True"),
    ({"exact": "yes"}, "exact: expected True or False, got 'yes'"),
    ({"explain": [1]}, "explain: expected parameters like 'W2[1,2]', got [1]"),
])
def test_a_bad_value_is_refused_when_the_object_is_made(given, message):
    with pytest.raises(dlsolve.OptionError) as info:
        dlsolve.solve(ROOT / "problems" / "p3-delta-rule.yaml", **given)
    assert str(info.value) == message
    assert CliRunner().invoke(main, ["solve", str(ROOT / "problems" / "p3-delta-rule.yaml"),
                                     "--round", "13"]).exit_code == 2
