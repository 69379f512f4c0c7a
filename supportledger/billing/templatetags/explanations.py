"""Ratings' explanations and the desk's labels in the reader's language, for
templates: ``{% load explanations %}`` then ``{{ rating|explained }}``,
``{{ work.mode|mode_label }}``, ``{{ r.channel|channel_label }}``."""

from __future__ import annotations

from typing import Any

from django import template

from supportledger.billing.explain import explain_rating, kind_label
from supportledger.desk import models as desk

register = template.Library()


@register.filter
def explained(rating: Any) -> list[str]:
    """The rating's explanation lines in the active language."""
    if rating is None or rating == "":
        return []
    return explain_rating(rating)


@register.filter
def mode_label(mode: str) -> str:
    return desk.mode_label(mode)


@register.filter
def category_label(category: str) -> str:
    return desk.category_label(category)


@register.filter
def channel_label(channel: str) -> str:
    return desk.channel_label(channel)


@register.filter(name="kind_label")
def kind_label_filter(kind: str) -> str:
    return kind_label(kind)
