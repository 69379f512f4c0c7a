"""JSON in, JSON out for the rules commands: ``rate``, ``renewal-quote``,
``claim-window`` and ``due``.

Each reads one JSON case from a file or from standard input (``-``) and
prints one JSON result. Exit codes: 0 with a result; 2 when a rule says no
(``{"error": {"code", "message"}}`` on stdout); 1 for malformed input or
usage (one line on stderr naming the bad field). No database, no Django.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from supportledger.rules import jsonio
from supportledger.rules.claims import claim_window
from supportledger.rules.rating import rate_work
from supportledger.rules.renewal import quote_renewal
from supportledger.rules.response import first_response_due
from supportledger.rules.types import RulesError

USAGE = """\
usage: supportledger {rate|renewal-quote|claim-window|due} [FILE|-]

Read one JSON case from FILE, or from standard input when FILE is '-',
and print the JSON result.

  rate           what a piece of work costs and which entitlement pays
  renewal-quote  what renewing a support period costs and until when it runs
  claim-window   complaint deadline and service warranty of confirmed work
  due            first-response deadline in business time

Exit status: 0 result printed; 2 rules error ({"error": {"code", "message"}}
on stdout); 1 malformed input or usage (message on stderr).
"""


def _rate(case: Any) -> dict[str, Any] | RulesError:
    parsed = jsonio.parse_rate_case(case)
    rating = rate_work(parsed.policy, parsed.entitlements, parsed.work)
    return rating if isinstance(rating, RulesError) else jsonio.rating_to_json(rating)


def _renewal_quote(case: Any) -> dict[str, Any] | RulesError:
    parsed = jsonio.parse_renewal_case(case)
    quote = quote_renewal(
        parsed.renewal, parsed.currency, parsed.price, parsed.support_ends, parsed.on
    )
    return quote if isinstance(quote, RulesError) else jsonio.renewal_quote_to_json(quote)


def _claim_window(case: Any) -> dict[str, Any] | RulesError:
    parsed = jsonio.parse_claim_case(case)
    try:
        window = claim_window(
            parsed.calendar, parsed.claims, parsed.confirmed_at, parsed.next_service_at
        )
    except ValueError as error:  # a calendar that never opens
        return RulesError("no_business_days", str(error))
    return jsonio.claim_window_to_json(window, parsed.calendar)


def _due(case: Any) -> dict[str, Any] | RulesError:
    parsed = jsonio.parse_due_case(case)
    try:
        due = first_response_due(parsed.calendar, parsed.start, parsed.business_minutes)
    except ValueError as error:  # a calendar that never opens
        return RulesError("no_business_days", str(error))
    return jsonio.due_to_json(due, parsed.calendar)


COMMANDS: dict[str, Callable[[Any], dict[str, Any] | RulesError]] = {
    "rate": _rate,
    "renewal-quote": _renewal_quote,
    "claim-window": _claim_window,
    "due": _due,
}


class _UsageError(Exception):
    pass


def _read(source: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise _UsageError(f"cannot read {source}: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _UsageError(f"{source}: not UTF-8 text") from None


def _print(payload: dict[str, Any]) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(text.encode("utf-8") + b"\n")
    sys.stdout.buffer.flush()


def _fail(command: str, message: str) -> int:
    print(f"supportledger {command}: {message}", file=sys.stderr)
    return 1


def run(command: str, args: list[str]) -> int:
    """Run one rules command; returns the exit status (0, 1 or 2)."""
    if command not in COMMANDS:
        return _fail(command, f"unknown command; one of {', '.join(COMMANDS)}")
    if any(arg in ("-h", "--help") for arg in args):
        print(USAGE, end="")
        return 0
    if len(args) != 1:
        return _fail(command, f"expected one argument, FILE or -, got {len(args)}; see --help")
    try:
        text = _read(args[0])
    except _UsageError as error:
        return _fail(command, str(error))
    try:
        case = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        return _fail(
            command,
            f"input: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})",
        )
    except RecursionError:
        return _fail(command, "input: JSON nested too deeply")
    try:
        result = COMMANDS[command](case)
    except jsonio.MalformedInput as error:
        return _fail(command, str(error))
    if isinstance(result, RulesError):
        _print(jsonio.error_to_json(result))
        return 2
    _print(result)
    return 0
