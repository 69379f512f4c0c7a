"""The one place the apps read the wall clock.

Actions take ``now=None`` and call :func:`now` only when no instant was
passed, so tests and bulk loaders can fix the time.
"""

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)
