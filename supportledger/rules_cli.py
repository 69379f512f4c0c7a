"""JSON in, JSON out for the rules commands (filled by the rules package)."""

from __future__ import annotations

import sys


def run(command: str, args: list[str]) -> int:
    print(f"supportledger {command}: not available yet", file=sys.stderr)
    return 1
