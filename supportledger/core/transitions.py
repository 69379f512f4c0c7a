"""The one check of a lifecycle move (STYLE 7): every state machine keeps its
own allowed-transitions table next to its states, and every action that moves
one asks ``check_transition`` before it writes.

A refused move is ``ActionRefused("invalid_transition")`` whatever the
object: one stable code for clients to branch on.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models

from supportledger.core.errors import ActionRefused

INVALID_TRANSITION = "invalid_transition"

TransitionTable = Mapping[str, frozenset[str]]


def is_allowed(table: TransitionTable, current: str, to: str) -> bool:
    """True when ``table`` allows moving from ``current`` to ``to``."""
    return to in table.get(current, frozenset())


def check_transition(
    table: TransitionTable,
    current: str,
    to: str,
    *,
    sentence: str,
    states: type[models.TextChoices] | None = None,
) -> None:
    """Refuse a move ``table`` does not allow, with ``sentence``: the whole
    translated refusal (one sentence per object, so translators can inflect).
    Its placeholders: ``current`` and ``to`` (also spelled ``new``) are the
    states' labels when ``states`` is given, else their values; ``allowed``
    lists the moves the table allows from ``current``."""
    if is_allowed(table, current, to):
        return

    def name(state: str) -> str:
        if states is not None and state in states.values:
            return str(states(state).label)
        return state

    allowed = ", ".join(sorted(name(state) for state in table.get(current, frozenset())))
    raise ActionRefused(
        INVALID_TRANSITION,
        sentence
        % {
            "current": name(current),
            "to": name(to),
            "new": name(to),
            "allowed": allowed or _none(),
        },
    )


def _none() -> str:
    from django.utils.translation import gettext as _

    return _("none")
