import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportledger.rules import jsonio
from supportledger.rules.jsonio import MalformedInput, parse_rate_case

CASE = json.loads(
    (Path(__file__).resolve().parents[1] / "examples/rate/08-gr-premium-incident.json").read_text(),
    parse_float=Decimal,
)


def malformed(case: dict[str, Any]) -> str:
    with pytest.raises(MalformedInput) as raised:
        parse_rate_case(case)
    return str(raised.value)


def edited(path: str, value: Any) -> dict[str, Any]:
    case = copy.deepcopy(CASE)
    *parents, last = path.split(".")
    target: Any = case
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return case


def test_entitlements_without_covers_or_modes_take_the_kinds_defaults():
    case = parse_rate_case(CASE)
    pack = case.entitlements[1]
    assert pack.modes == frozenset({"phone"})
    assert case.entitlements[0].modes == frozenset({"email", "portal", "chat"})


def test_a_policy_can_start_from_a_preset_and_override_settings():
    case = edited("policy", {"preset": "annual_maintenance_gr", "rates": {"phone": "55.00"}})
    policy = parse_rate_case(case).policy
    assert policy.uncovered_work == "refuse"
    assert policy.rates["phone"] == Decimal("55.00")
    assert policy.rates["email"] == Decimal("50.00")
    # The preset's kind defaults: a maintenance contract covers work by e-mail.
    assert parse_rate_case(case).entitlements[0].covers >= {"consultation", "legal"}


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("work.mode", "fax", "work.mode: unknown mode 'fax'"),
        ("work.category", 7, "work.category: must be a category name"),
        ("work.started_at", "2026-03-04 10:00", "work.started_at: not an ISO 8601 timestamp"),
        ("work.ended_at", "2026-03-04T10:12:00", "work.ended_at: not an ISO 8601 timestamp"),
        ("work.request", KeyError, "work.request: missing"),
        (
            "entitlements.1.balance_incidents",
            -1,
            "entitlements[1].balance_incidents: must not be negative",
        ),
        (
            "entitlements.1.balance_incidents",
            True,
            "entitlements[1].balance_incidents: must be a whole number",
        ),
        ("entitlements.0.kind", "voucher", "entitlements[0].kind: unknown kind 'voucher'"),
        ("entitlements.0.starts", "2026-02-30", "entitlements[0].starts: not a valid date"),
        ("entitlements.0.ends", "2025-12-31", "entitlements[0].ends: must not be before starts"),
        (
            "entitlements.0.balance_minutes",
            5,
            "entitlements[0].balance_minutes: not a field of a contract",
        ),
        ("entitlements.0.id", "INC-1", "entitlements[1].id: duplicate id 'INC-1'"),
        ("policy.increment.contract", 0, "policy.increment.contract: must be at least 1"),
        ("policy.currency", "EURO", "policy.currency: unknown currency 'EURO'"),
        ("policy.timezone", "Mars/Olympus", "policy.timezone: unknown time zone"),
        ("policy.holidays", "XX", "policy.holidays: no public holidays known"),
        (
            "policy.business_hours.mon",
            ["16:00", "08:00"],
            "policy.business_hours.mon: must open before",
        ),
        (
            "policy.business_hours.mon",
            ["8", "16:00"],
            "policy.business_hours.mon[0]: not a time HH:MM",
        ),
        ("policy.rates.phone", "fifty", "policy.rates.phone: not a decimal number"),
        ("policy.rates.phone", -1, "policy.rates.phone: must not be negative"),
        ("policy.rates.fax", "1.00", "policy.rates.fax: unknown mode 'fax'"),
        ("policy.uncovered_work", "maybe", "policy.uncovered_work: unknown"),
        ("policy.after_hours_multiplier", "0", "policy.after_hours_multiplier: must be positive"),
        ("policy.currency", KeyError, "policy.currency: missing"),
        ("policy.colour", "blue", "policy.colour: not a field of a policy"),
    ],
)
def test_malformed_fields_are_named_by_their_path(path: str, value: Any, message: str):
    assert message in malformed(edited(path, value))


def test_a_case_that_is_not_an_object_is_malformed():
    assert malformed([]) == "input: must be a JSON object"  # type: ignore[arg-type]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.sampled_from(["policy", "work", "entitlements", "work.request", "policy.rates"]), json_values
)
def test_any_garbage_in_any_field_is_reported_as_malformed_input_never_a_crash(
    path: str, value: Any
):
    try:
        parse_rate_case(edited(path, value))
    except MalformedInput as error:
        field: str | None = error.field
    else:
        field = None
    assert field is None or field.startswith(("policy", "work", "entitlements"))


def test_a_rating_renders_amounts_with_the_minor_unit_and_allocations_with_their_kind():
    from supportledger.rules.rating import rate_work

    case = parse_rate_case(CASE)
    rating = rate_work(case.policy, case.entitlements, case.work)
    rendered = jsonio.rating_to_json(rating)  # type: ignore[arg-type]
    assert rendered["amount"] == "0.00"
    assert rendered["allocations"] == [
        {"entitlement": "INC-1", "kind": "incident_pack", "minutes": 60}
    ]
    assert json.loads(json.dumps(rendered)) == rendered


def test_a_policy_reads_working_day_exceptions_and_business_hours_only_modes():
    case = copy.deepcopy(CASE)
    case["policy"]["extra_working_days"] = ["2026-03-07"]
    case["policy"]["business_hours_only_modes"] = ["phone"]
    case["policy"]["outside_business_hours"] = "bill"
    policy = parse_rate_case(case).policy
    assert [d.isoformat() for d in policy.extra_working_days] == ["2026-03-07"]
    assert policy.business_hours_only_modes == {"phone"}
    assert policy.outside_business_hours == "bill"
    case["policy"]["outside_business_hours"] = "sometimes"
    assert "policy.outside_business_hours" in malformed(case)
    assert "policy.business_hours_only_modes[0]" in malformed(
        edited("policy.business_hours_only_modes", ["fax"])
    )


def test_a_service_warranty_reads_its_request_and_an_entitlement_its_download_terms():
    case = copy.deepcopy(CASE)
    case["entitlements"].append(
        {
            "id": "SWA-1",
            "kind": "service_warranty",
            "starts": "2026-03-01",
            "ends": "2026-03-15",
            "request": "R-7",
            "grants_downloads": False,
        }
    )
    case["policy"]["kind_defaults"] = {"contract": {"downloads": True}}
    held = {e.id: e for e in parse_rate_case(case).entitlements}
    assert held["SWA-1"].request == "R-7"
    assert held["SWA-1"].grants_downloads is False
    assert held["MNT-2026"].grants_downloads is True
    assert held["INC-1"].grants_downloads is None
