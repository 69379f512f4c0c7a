"""Pickers: a field that finds a customer, contact, product, licence, agent,
request or consent by what staff type, instead of asking for its id.

A picker is a search field (``<name>_text``) and a hidden id (``<name>``).
With JavaScript, htmx asks :func:`pick` for the rows matching what is typed
(``hx-get``, one query whatever the data) and a click on one fills the
field in; without it, the form resolves the typed text on submit: the row
whose label or key it is, else the only row it matches; several or none is
a form error naming them. A row chosen earlier stays chosen while its label
is left as it was. Rows that belong to a customer (contacts, licences) or a
request (consents) are looked for in the one chosen in the same form only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe
from django_htmx.http import trigger_client_event

from supportledger.catalog.models import Product
from supportledger.catalog.queries import pick_products
from supportledger.console.access import staff_required
from supportledger.customers.models import Contact, Customer, StaffMember
from supportledger.customers.queries import pick_contacts, pick_customers, pick_staff
from supportledger.desk.models import Request
from supportledger.desk.queries import pick_requests
from supportledger.entitlements.models import Licence
from supportledger.entitlements.queries import pick_licences
from supportledger.service.models import Consent
from supportledger.service.queries import pick_consents

SHOWN = 10  # rows a picker lists; the queries read one more to know there are more
_KEY = re.compile(r"\[([^\[\]]+)\]\s*$")
_FIELD_NAME = re.compile(r"^[a-z_]{1,40}$")


@dataclass(frozen=True)
class Picker:
    """How one kind of row is found and named.

    ``find(text, scope)``: the rows matching ``text`` (at most ``SHOWN`` + 1,
    one query); ``rows(scope)``: every row the picker may choose, to read one
    by id; ``key``: what identifies a row when typed (``#12``, ``ACC``,
    ``REQ-7``), shown in brackets at the end of its label; ``needs``: the
    field of the same form whose row scopes this one (its id is ``scope``).
    """

    kind: str
    find: Callable[[str, int | None], list[Any]]
    rows: Callable[[int | None], QuerySet[Any]]
    describe: Callable[[Any], str]
    key: Callable[[Any], str]
    needs: str = ""
    noun: Any = ""

    def label(self, row: Any) -> str:
        return f"{self.describe(row)} [{self.key(row)}]"


def _day(value: Any) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


PICKERS: dict[str, Picker] = {
    picker.kind: picker
    for picker in (
        Picker(
            "customer",
            find=lambda text, _scope: pick_customers(text),
            rows=lambda _scope: Customer.objects.all(),
            describe=lambda c: f"{c.organisation}, {c.city}",
            key=lambda c: f"#{c.pk}",
            noun=gettext_lazy("customer"),
        ),
        Picker(
            "contact",
            find=lambda text, scope: pick_contacts(scope or 0, text),
            rows=lambda scope: Contact.objects.filter(customer_id=scope),
            describe=lambda c: f"{c.name} <{c.email}>",
            key=lambda c: f"#{c.pk}",
            needs="customer",
            noun=gettext_lazy("contact"),
        ),
        Picker(
            "product",
            find=lambda text, _scope: pick_products(text, SHOWN),
            rows=lambda _scope: Product.objects.all(),
            describe=lambda p: p.name,
            key=lambda p: p.code,
            noun=gettext_lazy("product"),
        ),
        Picker(
            "licence",
            find=lambda text, scope: pick_licences(scope or 0, text, SHOWN),
            rows=lambda scope: Licence.objects.filter(customer_id=scope).select_related("product"),
            describe=lambda lic: f"{lic.product.code} {lic.product.name}, {_day(lic.sold_on)}",
            key=lambda lic: lic.reference,
            needs="customer",
            noun=gettext_lazy("licence"),
        ),
        Picker(
            "agent",
            find=lambda text, _scope: pick_staff(text),
            rows=lambda _scope: StaffMember.objects.select_related("user"),
            describe=lambda m: m.user.get_full_name() or m.user.username,
            key=lambda m: m.user.username,
            noun=gettext_lazy("agent"),
        ),
        Picker(
            "request",
            find=lambda text, _scope: pick_requests(text, SHOWN),
            rows=lambda _scope: Request.objects.select_related("customer"),
            describe=lambda r: f"{r.subject} ({r.customer.organisation})",
            key=lambda r: r.reference,
            noun=gettext_lazy("request"),
        ),
        Picker(
            "consent",
            find=lambda text, scope: pick_consents(scope, text, SHOWN),
            rows=lambda scope: (
                Consent.objects.filter(request_id=scope) if scope else Consent.objects.all()
            ).select_related("contact", "request"),
            describe=lambda c: f"{c.contact.name}, {_day(c.given_at)}, REQ-{c.request_id}",
            key=lambda c: f"#{c.pk}",
            needs="request",
            noun=gettext_lazy("consent"),
        ),
    )
}


def _scope_id(value: Any) -> int | None:
    if isinstance(value, Model):
        return int(value.pk)
    return None


def resolve(picker: Picker, pk: str, text: str, scope: int | None) -> Any:
    """The row ``pk`` / ``text`` name (see the module's docstring), or a
    ``ValidationError`` that says what matched."""
    if pk.isdigit():
        row = picker.rows(scope).filter(pk=int(pk)).first()
        if row is not None and (not text or text.casefold() == picker.label(row).casefold()):
            return row
    if not text:
        raise forms.ValidationError(
            _("No such %(noun)s here: type part of its name.") % {"noun": picker.noun}
        )
    keyed = _KEY.search(text)
    rows = picker.find(keyed.group(1) if keyed else text, scope)
    wanted = text.casefold()
    key = keyed.group(1).casefold() if keyed else wanted
    exact = [
        r for r in rows if picker.label(r).casefold() == wanted or picker.key(r).casefold() == key
    ]
    if len(exact) == 1:
        return exact[0]
    if len(rows) == 1 and not keyed:
        return rows[0]
    if not rows or keyed:
        raise forms.ValidationError(
            _("No %(noun)s matches “%(text)s”.") % {"noun": picker.noun, "text": text}
        )
    shown = "; ".join(picker.label(r) for r in rows[:SHOWN])
    raise forms.ValidationError(
        _("Several match “%(text)s”: %(rows)s. Type more, or the part in brackets.")
        % {"text": text, "rows": shown + ("; …" if len(rows) > SHOWN else "")}
    )


class PickerWidget(forms.Widget):
    """The search field, the hidden id and the list htmx fills in."""

    template_name = "console/picker/widget.html"

    def __init__(self, kind: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.picker = PICKERS[kind]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str]:
        return (str(data.get(name, "")).strip(), str(data.get(f"{name}_text", "")).strip())

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_text" not in data

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, Model):
            pk, text = str(value.pk), self.picker.label(value)
        elif isinstance(value, tuple | list) and len(value) == 2:
            pk, text = str(value[0] or ""), str(value[1] or "")
        else:
            pk, text = "", ""
        widget = context["widget"]
        widget.update(
            pk=pk,
            text=text,
            kind=self.picker.kind,
            needs=self.picker.needs,
            url=reverse("console:pick", args=[self.picker.kind]),
            field_id=widget["attrs"].get("id") or f"id_{name}",
        )
        return context


class PickerField(forms.Field):
    """A row chosen with a picker; resolved by :class:`PickerForm`'s ``clean``
    (a contact needs its customer first), so its cleaned value is the row."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.picker = PICKERS[kind]
        kwargs.setdefault("widget", PickerWidget(kind))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, tuple | list):
            return (str(value[0]), str(value[1]))
        return ("", "")

    def validate(self, value: Any) -> None:
        if self.required and not any(value):
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial: Any, data: Any) -> bool:
        return bool(data and any(data))


class PickerForm(forms.Form):
    """A form whose picker fields are resolved to rows, in field order (a
    field another one ``needs`` comes first)."""

    def scope_of(self, name: str, data: dict[str, Any]) -> int | None:
        """The id of the row the picker ``name`` looks in: by default the
        one chosen in the field it ``needs``."""
        field = self.fields[name]
        assert isinstance(field, PickerField)
        return _scope_id(data.get(field.picker.needs)) if field.picker.needs else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, field in self.fields.items():
            if not isinstance(field, PickerField) or name not in data:
                continue
            pk, text = data[name]
            if not pk and not text:
                data[name] = None
                continue
            scope = self.scope_of(name, data)
            if field.picker.needs and scope is None and field.picker.kind != "consent":
                self.add_error(
                    name,
                    _("Choose the %(noun)s first.") % {"noun": PICKERS[field.picker.needs].noun},
                )
                continue
            try:
                data[name] = resolve(field.picker, pk, text, scope)
            except forms.ValidationError as error:
                self.add_error(name, error)
        return data


@require_safe
@staff_required
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    """The rows matching what is typed in the field ``field`` (htmx swaps
    them under it); with ``choose``, the field with that row chosen; with
    ``reset``, the field empty."""
    picker = PICKERS.get(kind)
    field = request.GET.get("field", kind)
    if picker is None or not _FIELD_NAME.match(field):
        raise Http404("No such picker.")
    if request.GET.get("reset"):
        # The row this one depends on was chosen anew: start again empty. When
        # nothing is chosen here yet there is nothing to empty, and what the
        # user may be typing meanwhile stays (htmx swaps nothing on a 204).
        if not request.GET.get(field):
            return HttpResponse(status=204)
        return HttpResponse(PickerWidget(kind).render(field, None, attrs={"id": f"id_{field}"}))
    scope = None
    if picker.needs:
        needed = request.GET.get(picker.needs, "")
        scope = int(needed) if needed.isdigit() and len(needed) < 12 else None
        via = request.GET.get("request", "")
        if scope is None and picker.needs == "customer" and via.isdigit() and len(via) < 12:
            # A contact picked in a form that names the request, not the customer.
            scope = (
                Request.objects.filter(pk=int(via)).values_list("customer_id", flat=True).first()
            )
    if picker.needs and scope is None and picker.kind != "consent":
        return render(
            request,
            "console/picker/results.html",
            {"message": _("Choose the %(noun)s first.") % {"noun": PICKERS[picker.needs].noun}},
        )
    chosen = request.GET.get("choose", "")
    if chosen.isdigit() and len(chosen) < 12:
        row = picker.rows(scope).filter(pk=int(chosen)).first()
        if row is None:
            raise Http404("No such row.")
        chosen_field = HttpResponse(
            PickerWidget(kind).render(field, row, attrs={"id": f"id_{field}"})
        )
        # Pickers that look within this row (a contact within its customer)
        # hear it and empty themselves (django-htmx sets HX-Trigger).
        return trigger_client_event(chosen_field, f"{kind}-chosen")
    text = request.GET.get(f"{field}_text", request.GET.get("q", ""))[:100]
    rows = picker.find(text, scope)
    return render(
        request,
        "console/picker/results.html",
        {
            "rows": [(row.pk, picker.label(row)) for row in rows[:SHOWN]],
            "more": len(rows) > SHOWN,
            "field": field,
            "field_id": f"id_{field}",
            "url": reverse("console:pick", args=[kind]),
            "message": "" if rows else _("Nothing matches."),
        },
    )
