"""A work line's texts and prices, kept per run for what recurs, read the
same whether written fresh or taken from what the run kept: the parts
saying what an allocation list drew from (also once the kept lists were
let go), and a line's amount and unit price."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from supportledger.billing import convert
from supportledger.billing.convert import line_texts


def _allocations(*drawn: tuple[str, int]) -> str:
    return json.dumps(
        [
            {"entitlement": reference, "kind": "x", "minutes": minutes}
            for reference, minutes in drawn
        ]
    )


def test_what_an_allocation_list_drew_from_reads_the_same_when_kept(monkeypatch):
    monkeypatch.setattr(convert, "_DRAWN_KEPT", 2)
    texts = line_texts("en")
    lists = [
        _allocations(("PKG-1", 60)),
        _allocations(("CON-2", 30), ("PKG-1", 15)),
        _allocations(("WAR-3", 0), ("INC-4", 45)),
        _allocations(("XYZ-5", 10)),
        "[]",
    ]
    first = [texts.drawn_from(text) for text in lists]
    assert first[0] == ["60 min from the prepaid hours package"]
    assert first[1] == ["30 min from the support contract", "15 min from the prepaid hours package"]
    assert first[2] == ["45 min from the incident pack"]  # nothing drawn, nothing said
    assert first[3] == ["10 min from the support contract"]  # unknown prefix
    assert first[4] == []
    assert len(texts.drawn) <= 2
    # Again, partly from what was kept and partly written afresh after the
    # kept lists were let go: the same parts.
    again = [texts.drawn_from(text) for text in reversed(lists)][::-1]
    assert again == first
    assert [line_texts("en").drawn_from(text) for text in lists] == first


@pytest.mark.parametrize(
    ("rated", "minutes", "currency", "amount", "unit_price"),
    [
        (Decimal("40.00"), 60, "EUR", Decimal("40.00"), Decimal("0.6667")),
        (Decimal("40"), 60, "EUR", Decimal("40.00"), Decimal("0.6667")),
        (Decimal("1234"), 45, "HUF", Decimal("1234.00"), Decimal("27.4222")),
        (Decimal("1234"), 45, "JPY", Decimal("1234"), Decimal("27.4222")),
        (Decimal("15.00"), 0, "PLN", Decimal("15.00"), Decimal("15.00")),
    ],
)
def test_a_work_lines_amount_and_unit_price(rated, minutes, currency, amount, unit_price):
    got = convert._work_prices(rated, minutes, currency)
    assert got == (amount, unit_price)
    assert [str(value) for value in got] == [str(amount), str(unit_price)]
