"""Builds the data of the crash test in a fresh database: ``python -m
tests.billing.crash_data CUSTOMERS``, with the database chosen by the
environment like any ``supportledger`` command."""

from __future__ import annotations

import os
import sys
from datetime import date


def main(customers: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    import django

    django.setup()
    from supportledger.customers.actions import do_create_customer
    from tests.billing.scenario import build_billing_story, record
    from tests.cast import SET_UP_AT, at, open_request

    cast, _contract, request = build_billing_story()
    record(cast, request, "acme-1", at(date(2026, 3, 4), 8), at(date(2026, 3, 4), 9, 5))
    for index in range(customers):
        customer = do_create_customer(
            acting_user=None,
            organisation=f"Customer {index:03d}",
            street="1 Vitosha Blvd",
            postcode="1000",
            city="Sofia",
            country="BG",
            language=["bg", "en", "pl"][index % 3],
            currency="EUR",
            now=SET_UP_AT,
        )
        req = open_request(customer)
        for piece in range(1 + index % 3):
            day = date(2026, 3, 2 + piece)
            record(cast, req, f"c{index}-{piece}", at(day, 8), at(day, 9, 10 + piece))


if __name__ == "__main__":
    main(int(sys.argv[1]))
