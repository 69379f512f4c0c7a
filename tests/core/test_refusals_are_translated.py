"""Every refusal a person reads through the portal or the console is
translated where it is raised: the message given to ``ActionRefused`` in
these modules is built from a gettext call, never a bare English string.
(The admin- and API-facing entitlements, catalogue and customer actions
answer in English.)"""

import ast
from pathlib import Path

import pytest

import supportledger

ROOT = Path(supportledger.__file__).parent
# A package of actions is named by a pattern: every module in it.
PATTERNS = [
    "desk/actions/*.py",
    "intake/actions/*.py",
    "portal/actions.py",
    "service/actions/*.py",
    "billing/actions/*.py",
    "billing/queries.py",
    "console/views/desk.py",
    "console/views/billing.py",
    "console/views/service.py",
    "console/views/mail.py",
    "console/forms/mail.py",
    "console/run.py",
]
MODULES = [
    str(path.relative_to(ROOT)) for pattern in PATTERNS for path in sorted(ROOT.glob(pattern))
]
GETTEXT = {"_", "gettext", "pgettext", "ngettext", "npgettext"}


def _is_gettext_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT
    )


def _translated(node: ast.AST) -> bool:
    """A gettext call, or a call of a helper that builds the message; one
    formatted with ``%``; a concatenation with an untranslated field prefix
    (``"licence: " + _("...")``); or a message built above and passed by name.
    A string literal, or an f-string of literals and plain values, is not."""
    if isinstance(node, ast.Call | ast.Name | ast.Attribute):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _translated(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _translated(node.left) or _translated(node.right)
    if isinstance(node, ast.JoinedStr):
        # Translated pieces put together (f"{field}: {reason}"): no words of its own.
        words = [
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and any(c.isalpha() for c in str(part.value))
        ]
        calls = [
            part
            for part in node.values
            if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Call)
        ]
        return bool(calls) or not words
    return False


def _refusals(path: Path) -> list[tuple[int, ast.AST]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "ActionRefused"
        ):
            message = node.args[1] if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "message":
                    message = keyword.value
            if message is not None:
                found.append((node.lineno, message))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_every_refusal_message_is_translated_where_it_is_raised(module):
    path = ROOT / module
    refusals = _refusals(path)
    untranslated = [line for line, message in refusals if not _translated(message)]
    assert untranslated == [], f"{module}: English-only refusal messages at lines {untranslated}"


def test_the_check_finds_refusals_and_tells_a_bare_string_from_a_translated_one():
    assert sum(len(_refusals(path)) for path in ROOT.glob("desk/actions/*.py")) > 10
    bare = ast.parse('ActionRefused("invalid", f"unknown mode {mode}")').body[0].value
    good = ast.parse('ActionRefused("invalid", "mode: " + _("unknown %(m)s") % {"m": m})')
    assert not _translated(bare.args[1])
    assert _translated(good.body[0].value.args[1])
