"""The rules import no Django: checked by importing them with Django made unimportable."""

import subprocess
import sys

RULES_MODULES = (
    "types",
    "money",
    "calendar",
    "rating",
    "renewal",
    "eligibility",
    "claims",
    "response",
    "presets",
    "jsonio",
)


def test_the_rules_package_imports_and_rates_without_django():
    script = (
        "import sys; sys.modules['django'] = None\n"
        + "".join(f"import supportledger.rules.{name}\n" for name in RULES_MODULES)
        + "import supportledger.rules_cli\n"
        + "loaded = [m for m, module in sys.modules.items() if module is not None]\n"
        + "assert not [m for m in loaded if m == 'django' or m.startswith('django.')]\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
