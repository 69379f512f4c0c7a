"""ORM queries compiled to SQL once and reused.

Building a query through the ORM (cloning querysets, resolving lookups,
compiling the SQL) costs more CPU than running it for the small reads a page
makes on every request. ``Prepared`` builds a ``values_list`` queryset once
per database connection alias, with a stand-in value for each argument,
keeps its SQL and the positions of the stand-ins among its parameters, and
then only executes that SQL with the real arguments, converting the values
exactly as the ORM would (the same converters: aware datetimes, decimals,
JSON). Called, it gives the list of tuples a ``values_list`` queryset would
have given; ``objects()`` the model instances (with the related objects
``select_related`` names, and annotations) a model queryset would have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

_STAND_IN_BASE = -7_340_000_000
"""Stand-in integer arguments are around this, a value no real id or count has."""


def _stand_in(kind: type, n: int) -> Any:
    return _STAND_IN_BASE - n if kind is int else f"\x1fprepared-{n}\x1f"


class Prepared:
    """``Prepared(build, *kinds)``: ``build(*args)`` returns a queryset
    whose SQL does not depend on the arguments' values, only on where they
    go (each compared with ``=``); ``kinds`` are their types, ``int`` or
    ``str``. Calling the ``Prepared`` (or its ``objects``) with such
    arguments runs it."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *kinds: type) -> None:
        self._build = build
        self._kinds = kinds
        self._compiled: dict[str, tuple[Any, str, list[Any], list[int], Any]] = {}

    def _compile(self, alias: str) -> tuple[Any, str, list[Any], list[int], Any]:
        stand_ins = [_stand_in(kind, n) for n, kind in enumerate(self._kinds)]
        queryset = self._build(*stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for stand_in in stand_ins:
            found = [i for i, value in enumerate(params) if value == stand_in]
            if len(found) != 1:
                raise ValueError("Each argument must appear once among the query's parameters.")
            positions.append(found[0])
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        compiled = (compiler, sql, params, positions, converters)
        self._compiled[alias] = compiled
        return compiled

    def __call__(self, *args: Any, using: str = "default") -> list[tuple[Any, ...]]:
        return self._rows(args, using)[1]

    def _rows(self, args: tuple[Any, ...], using: str) -> tuple[Any, list[tuple[Any, ...]]]:
        compiled = self._compiled.get(using) or self._compile(using)
        compiler, sql, template, positions, converters = compiled
        params = list(template)
        for position, kind, value in zip(positions, self._kinds, args, strict=True):
            params[position] = kind(value)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return compiler, rows

    def objects(self, *args: Any, using: str = "default") -> list[Any]:
        """The model instances of a model queryset, as its iteration gives
        them (Django's ``ModelIterable``, on the SQL compiled once)."""
        compiler, rows = self._rows(args, using)
        select, klass_info = compiler.select, compiler.klass_info
        annotations = compiler.annotation_col_map
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        found = []
        for row in rows:
            obj = model.from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found
