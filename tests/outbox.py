"""Delivering the outbox in tests: the worker's job, run by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from supportledger.mail.outbox import DeliveryReport, deliver_due_mail

# Later than any test's clock, so every queued mail is due.
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def deliver_mail() -> DeliveryReport:
    """Send every pending mail now, as the worker's next poll would."""
    return deliver_due_mail(now=FAR_FUTURE)


@contextmanager
def delivering() -> Iterator[None]:
    """Run the block, then deliver what it queued, as the worker would."""
    yield
    deliver_mail()
