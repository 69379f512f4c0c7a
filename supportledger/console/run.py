"""One way for every console view to run an action and show the outcome.

A view parses its form, then hands the action to :func:`run_action` as a
callable: a refusal (``ActionRefused``) is shown to the member in the
reader's language — as a message on the next page, or as an error on the
form when the page is rendered again — and never escapes as a 500; on
success the ``done`` message is shown. Form errors go through
:func:`show_form_errors`, one message per field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from supportledger.core.errors import ActionRefused

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What running an action gave: its value, or the refusal."""

    value: T | None = None
    refusal: ActionRefused | None = None

    @property
    def done(self) -> bool:
        return self.refusal is None


def run_action(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None = None,
    form: forms.Form | None = None,
) -> Outcome[T]:
    """Run ``call``; show its refusal (on ``form`` when given, else as an
    error message) or the ``done`` message (a text, or built from the
    action's result)."""
    try:
        value = call()
    except ActionRefused as refused:
        if form is not None:
            form.add_error(None, refused.message)
        else:
            messages.error(request, refused.message)
        return Outcome(refusal=refused)
    if done is not None:
        messages.success(request, done if isinstance(done, str) else done(value))
    return Outcome(value=value)


def show_form_errors(request: HttpRequest, form: Any) -> None:
    """Each field's errors as one message, ``field: reason``."""
    for field, errors in form.errors.items():
        messages.error(request, f"{field}: {' '.join(errors)}")
