"""Every case of tests/examples run through the installed ``supportledger`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
COMMAND = str(Path(sys.executable).parent / "supportledger")
CASES = sorted(
    path for path in EXAMPLES.glob("*/*.json") if not path.name.endswith(".expected.json")
)


def run_command(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def assert_contains(actual: Any, expected: Any, where: str = "result") -> None:
    """Every expected field is present with the expected value; lists match item by item."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_contains(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), where
        assert len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for index, (got, wanted) in enumerate(zip(actual, expected, strict=True)):
            assert_contains(got, wanted, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_every_example_has_an_expected_result_and_all_four_commands_are_covered():
    assert len(CASES) == 25
    assert {path.parent.name for path in CASES} == {"rate", "renewal-quote", "claim-window", "due"}
    for path in CASES:
        assert path.with_name(path.name.replace(".json", ".expected.json")).exists()


@pytest.mark.parametrize("case", CASES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_command_gives_the_expected_result_for_the_example(case: Path):
    expected = json.loads(case.with_name(case.name.replace(".json", ".expected.json")).read_text())
    completed = run_command(case.parent.name, str(case))
    output = json.loads(completed.stdout)
    if set(expected) == {"error"}:
        assert completed.returncode == 2, completed.stderr
        assert output["error"]["code"] == expected["error"]
        assert output["error"]["message"]
    else:
        assert completed.returncode == 0, completed.stderr
        assert_contains(output, expected)
    assert completed.stderr == ""


def test_a_rating_explains_itself_and_names_the_kind_of_each_allocation():
    completed = run_command("rate", str(EXAMPLES / "rate/06-bg-subscription-then-packages.json"))
    output = json.loads(completed.stdout)
    assert [a["kind"] for a in output["allocations"]] == [
        "contract",
        "prepaid_hours",
        "prepaid_hours",
    ]
    assert "30 min from SUB-1 (monthly allowance, 30 min left → 0)" in output["explanation"]


def test_the_case_can_be_read_from_standard_input():
    case = (EXAMPLES / "due/01-over-weekend.json").read_text()
    completed = run_command("due", "-", stdin=case)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["due"] == "2026-03-09T11:00:00+01:00"


def _rate_case(**work_changes: Any) -> dict[str, Any]:
    case = json.loads((EXAMPLES / "rate/06-bg-subscription-then-packages.json").read_text())
    case["work"].update(work_changes)
    return case


@pytest.mark.parametrize(
    ("case_text", "field"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "input: must be a JSON object"),
        (json.dumps(_rate_case(mode="fax")), "work.mode: unknown mode 'fax'"),
        (json.dumps(_rate_case(category="gardening")), "work.category: unknown category"),
        (json.dumps(_rate_case(started_at="4 March 2026")), "work.started_at: not an ISO 8601"),
        (json.dumps(_rate_case(ended_at="2026-03-04T10:41:00")), "work.ended_at: not an ISO 8601"),
    ],
)
def test_malformed_input_exits_1_with_one_line_naming_the_field(case_text: str, field: str):
    completed = run_command("rate", "-", stdin=case_text)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert field in completed.stderr
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "Traceback" not in completed.stderr


def test_a_negative_balance_is_malformed_and_named_by_its_path():
    case = _rate_case()
    case["entitlements"][1]["balance_minutes"] = -5
    completed = run_command("rate", "-", stdin=json.dumps(case))
    assert completed.returncode == 1
    assert "entitlements[1].balance_minutes: must not be negative" in completed.stderr


def test_a_missing_field_is_malformed_and_named_by_its_path():
    case = _rate_case()
    del case["work"]["request"]
    completed = run_command("rate", "-", stdin=json.dumps(case))
    assert completed.returncode == 1
    assert "work.request: missing" in completed.stderr


def test_a_missing_file_exits_1_naming_the_file(tmp_path: Path):
    missing = tmp_path / "nowhere.json"
    completed = run_command("renewal-quote", str(missing))
    assert completed.returncode == 1
    assert str(missing) in completed.stderr
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize("args", [(), ("a.json", "b.json")])
def test_a_wrong_number_of_arguments_exits_1(args: tuple[str, ...]):
    completed = run_command("claim-window", *args)
    assert completed.returncode == 1
    assert "expected one argument" in completed.stderr


def test_help_prints_the_usage_of_the_four_commands():
    completed = run_command("rate", "--help")
    assert completed.returncode == 0
    for command in ("rate", "renewal-quote", "claim-window", "due"):
        assert command in completed.stdout


def test_work_ending_before_it_starts_is_a_rules_error_with_exit_2():
    case = _rate_case(ended_at="2026-03-04T08:00:00+02:00")
    completed = run_command("rate", "-", stdin=json.dumps(case))
    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "invalid_work"
