"""The ``supportledger`` command.

``rate``, ``renewal-quote``, ``claim-window`` and ``due`` read one JSON case
and print a JSON result; they need no database and do not start Django.
Every other subcommand is a Django management command (``serve``,
``migrate``, ``demo``, ``createsuperuser``, ...).

Exit codes of the rules commands: 0 with a result, 2 for a rules error (the
JSON ``{"error": {"code", "message"}}`` on stdout), 1 for malformed input
(one line on stderr naming the bad field).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in _rules_commands():
        from supportledger import rules_cli

        return rules_cli.run(args[0], args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportledger.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["supportledger", *args])
    return 0


def _rules_commands() -> frozenset[str]:
    return frozenset({"rate", "renewal-quote", "claim-window", "due"})


if __name__ == "__main__":
    sys.exit(main())
