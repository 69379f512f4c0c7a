"""``make bench``: supportledger's performance figures, printed.

Each benchmark module exposes ``run() -> None`` and prints its own lines.
"""

import importlib
import sys

BENCHMARKS: list[str] = ["rating", "records", "desk", "serve", "billing", "imports", "pickers"]


def main() -> int:
    names = sys.argv[1:] or BENCHMARKS
    for name in names:
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
