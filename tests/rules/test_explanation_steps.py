"""A rating's explanation as steps: every code renders, and the English is
the text the command line has always printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportledger.rules.explanation import (
    STEP_CODES,
    Step,
    english_line,
    explain_in_english,
    steps_from_json,
    steps_to_json,
)
from supportledger.rules.jsonio import parse_rate_case
from supportledger.rules.rating import rate_work
from supportledger.rules.types import Rating, RulesError
from tests.rules.factories import sample_steps

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "rate"
OLD_LINES = json.loads((Path(__file__).with_name("rate_example_explanations.json")).read_text())
"""The explanation lines of every rated example, as printed before steps existed."""
RATE_CASES = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".expected.json"))


def _rate(path: Path) -> Rating | RulesError:
    case = parse_rate_case(json.loads(path.read_text()))
    return rate_work(case.policy, case.entitlements, case.work)


def test_the_sample_steps_cover_every_code_once():
    assert tuple(sample_steps()) == STEP_CODES


@pytest.mark.parametrize("code", STEP_CODES)
def test_every_step_code_renders_its_english_line(code: str):
    step, line = sample_steps()[code]
    assert english_line(step) == line
    assert explain_in_english([step]) == (line,)


@pytest.mark.parametrize("case", RATE_CASES, ids=lambda path: path.stem)
def test_the_english_of_the_steps_is_the_old_explanation_of_every_rate_example(case: Path):
    rating = _rate(case)
    if isinstance(rating, RulesError):
        assert case.stem not in OLD_LINES
        return
    assert list(rating.explanation) == OLD_LINES[case.stem]
    assert len(rating.steps) == len(rating.explanation)
    assert all(step.code in STEP_CODES for step in rating.steps)


def test_every_rated_example_has_its_old_lines_recorded():
    rated = {case.stem for case in RATE_CASES if isinstance(_rate(case), Rating)}
    assert rated == set(OLD_LINES)


def test_steps_survive_a_trip_through_json():
    steps = tuple(step for step, _line in sample_steps().values())
    assert steps_from_json(json.loads(json.dumps(steps_to_json(steps)))) == steps


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ("work", "steps: must be a list"),
        ([{"code": "gift", "args": {}}], "steps[0]: not a step of a known code"),
        ([{"code": "amount", "args": {"amount": 1.5}}], "steps[0].args"),
        ([{"code": "amount", "args": {"amount": True}}], "steps[0].args"),
        ([{"code": "amount"}], "steps[0].args"),
    ],
)
def test_malformed_steps_are_refused_naming_the_position(data: object, where: str):
    with pytest.raises(ValueError, match=where.replace("[", r"\[").replace("]", r"\]")):
        steps_from_json(data)


def test_a_step_holds_only_strings_and_whole_numbers():
    for step, _line in sample_steps().values():
        assert isinstance(step, Step)
        assert all(isinstance(value, str | int) for value in step.args.values())
