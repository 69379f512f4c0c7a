"""The portal's URLs, read from the URL resolver, and a snapshot of every row
in the database, so tests can walk every page and prove what was written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED_TABLES = {"sessions.session"}  # the session row changes on every request


@dataclass(frozen=True)
class PortalUrl:
    name: str
    route: str
    kwargs: tuple[str, ...]
    form_ids: tuple[str, ...]

    def path(self, values: dict[str, Any]) -> str:
        path = "/portal/" + self.route
        for name in self.kwargs:
            path = path.replace(f"<{self._converter(name)}{name}>", str(values[name]))
        return path

    def _converter(self, name: str) -> str:
        for prefix in ("int:", "str:", "slug:", "uuid:", "path:", ""):
            if f"<{prefix}{name}>" in self.route:
                return prefix
        raise AssertionError(f"{name} not in {self.route}")


def portal_urls() -> Iterator[PortalUrl]:
    portal = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "portal"
    )
    for pattern in portal.url_patterns:
        assert isinstance(pattern, URLPattern), "the portal has no nested includes"
        route = str(pattern.pattern)
        yield PortalUrl(
            name=pattern.name,
            route=route,
            kwargs=tuple(pattern.pattern.regex.groupindex),
            form_ids=tuple(getattr(pattern.callback, "portal_form_ids", ())),
        )


def snapshot() -> dict[str, dict[Any, tuple]]:
    """Every row of every model (tables are small in tests)."""
    rows: dict[str, dict[Any, tuple]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in SKIPPED_TABLES or not model._meta.managed:
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[label] = {
            values[0]: values for values in model._base_manager.values_list("pk", *fields)
        }
    return rows


def changes(before: dict, after: dict) -> dict[str, list]:
    """Rows added, changed or removed, per model."""
    diff = {}
    for label in after:
        old, new = before.get(label, {}), after[label]
        changed = [new[pk] for pk in new if old.get(pk) != new[pk]] + [
            ("removed", pk) for pk in old if pk not in new
        ]
        if changed:
            diff[label] = changed
    return diff
