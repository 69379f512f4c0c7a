"""Selling from the customer's page (managers and administrators): a
licence, a voucher, a contract, an incident pack, a renewal or an extension
of a support period, each through the action the API uses.

Two steps: the form is previewed first (the price and why, nothing
written), then confirmed. The confirmation carries the previewed price; if
the price has changed in between (a new price list, another sale that moved
a contract's start), the new preview is shown instead of selling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from supportledger.billing.actions.orders import do_place_order, do_sell_offer_now
from supportledger.billing.models import OrderKind
from supportledger.billing.queries import (
    get_offer_sale_quote,
    get_order_quote,
    get_support_period_to_renew,
)
from supportledger.catalog.queries import get_product_price_on, list_current_offers
from supportledger.console.access import staff_required
from supportledger.console.pickers import PickerField, PickerForm
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer
from supportledger.customers.queries import get_customer_for_staff
from supportledger.entitlements.actions.sales import do_extend_support_period, do_sell_licence
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import Kind, Licence
from supportledger.rules.calendar import add_months

# What can be sold here: URL slug -> (page title, entitlement kind of the offers).
SALES: dict[str, tuple[Any, str]] = {
    "licence": (gettext_lazy("Licence"), ""),
    "voucher": (gettext_lazy("Voucher (prepaid hours)"), Kind.PREPAID_HOURS),
    "contract": (gettext_lazy("Contract"), Kind.CONTRACT),
    "incident-pack": (gettext_lazy("Incident pack"), Kind.INCIDENT_PACK),
    "renewal": (gettext_lazy("Support renewal"), ""),
    "extension": (gettext_lazy("Support extension"), ""),
}


@dataclass
class Preview:
    """What confirming would do: ``amount`` in ``currency`` (None: no price
    is charged by this sale), why, and the action that does it."""

    amount: Decimal | None
    currency: str
    explanation: list[str]
    run: Callable[[], str] = field(repr=False)


class _CustomerForm(PickerForm):
    """A sale's form: its pickers look within the customer of the page."""

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        self.customer = customer
        super().__init__(*args, **kwargs)

    def scope_of(self, name: str, data: dict[str, Any]) -> int | None:
        return int(self.customer.pk)


class LicenceSaleForm(_CustomerForm):
    product = PickerField("product", label=gettext_lazy("Product"))
    sold_on = forms.DateField(
        label=gettext_lazy("Sold on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    seats = forms.IntegerField(
        label=gettext_lazy("Seats"), min_value=1, max_value=100_000, initial=1
    )


class OfferSaleForm(_CustomerForm):
    offer = forms.ChoiceField(label=gettext_lazy("Offer and size"))
    starts = forms.DateField(
        label=gettext_lazy("Starts"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = get_language() or "en"
        choices = []
        for offer in list_current_offers(sold_only=True).filter(kind=kind):
            name = offer.name_in(language)
            if not offer.sizes:
                choices.append((f"{offer.code}:0", name))
            for size in offer.sizes:
                unit = _("%(n)s min") if kind == Kind.PREPAID_HOURS else _("%(n)s incidents")
                choices.append((f"{offer.code}:{size}", f"{name}, {unit % {'n': size}}"))
        self.fields["offer"].choices = choices  # type: ignore[attr-defined]


class LicencePeriodForm(_CustomerForm):
    licence = PickerField("licence", label=gettext_lazy("Licence"))


class ExtensionForm(LicencePeriodForm):
    new_ends = forms.DateField(
        label=gettext_lazy("Support until"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _form(kind: str, customer: Customer, data: Any, today: date) -> _CustomerForm:
    if kind == "licence":
        return LicenceSaleForm(data, customer=customer, initial={"sold_on": today})
    if kind in ("voucher", "contract", "incident-pack"):
        return OfferSaleForm(
            data, customer=customer, kind=SALES[kind][1], initial={"starts": today}
        )
    if kind == "renewal":
        return LicencePeriodForm(data, customer=customer)
    return ExtensionForm(data, customer=customer)


def _period_of(licence: Licence) -> Any:
    period = get_support_period_to_renew(licence)
    if period is None:
        raise ActionRefused(
            "no_support_period", "licence: " + _("the licence has no support period to renew.")
        )
    return period


def _preview(
    request: HttpRequest, kind: str, customer: Customer, data: dict[str, Any], today: date
) -> Preview:
    """The price and explanation of the sale ``data`` describes, and the
    action confirming it runs; ``ActionRefused`` when it cannot be sold."""
    user = request.user
    language = get_language() or "en"
    if kind == "licence":
        product, sold_on, seats = data["product"], data["sold_on"], data["seats"]
        price = get_product_price_on(product, sold_on)
        lines = [
            _("%(seats)s seat(s) of %(product)s, %(model)s, sold on %(day)s.")
            % {
                "seats": seats,
                "product": product.name,
                "model": product.get_licence_model_display(),
                "day": format_date(sold_on, language),
            }
        ]
        for months, what in (
            (product.warranty_months, _("Warranty")),
            (product.support_period_months, _("Support period")),
        ):
            if months:
                lines.append(
                    _("%(what)s granted with it: %(months)s months, until %(day)s.")
                    % {
                        "what": what,
                        "months": months,
                        "day": format_date(
                            add_months(sold_on, months) - timedelta(days=1), language
                        ),
                    }
                )
        lines.append(
            _(
                "This sale records the licence and grants what comes with it; it makes no "
                "invoice line (the list price is shown for reference)."
            )
        )

        def sell_licence() -> str:
            licence = do_sell_licence(
                acting_user=user, customer=customer, product=product, sold_on=sold_on, seats=seats
            )
            return _("Sold: licence %(ref)s.") % {"ref": licence.reference}

        return Preview(
            None if price is None else Decimal(price.amount),
            price.currency if price is not None else "",
            lines,
            sell_licence,
        )
    if kind in ("voucher", "contract", "incident-pack"):
        code, _sep, size_text = data["offer"].partition(":")
        size = int(size_text) if size_text.isdigit() else 0
        quote = get_offer_sale_quote(
            customer=customer, offer_code=code, size=size, starts=data["starts"], on=today
        )

        def sell_offer() -> str:
            sold = do_sell_offer_now(
                acting_user=user, customer=customer, offer=code, size=size, starts=data["starts"]
            )
            return _("Sold: %(ref)s, %(starts)s – %(ends)s.") % {  # noqa: RUF001
                "ref": sold.reference,
                "starts": format_date(sold.starts, language),
                "ends": format_date(sold.ends, language),
            }

        return Preview(quote.amount, quote.currency, list(quote.explanation), sell_offer)
    licence = data["licence"]
    period = _period_of(licence)
    if kind == "renewal":
        quote = get_order_quote(
            customer=customer,
            kind=OrderKind.RENEWAL,
            product=licence.product,
            entitlement=period,
            quantity=1,
            on=today,
        )
        lines = [
            *quote.explanation,
            _("Billed by the next billing run; support is extended once it is paid."),
        ]

        def renew() -> str:
            order = do_place_order(
                acting_user=user,
                customer=customer,
                kind=OrderKind.RENEWAL,
                licence=licence,
                entitlement=period,
            )
            return _("Renewal ordered: %(ref)s.") % {"ref": order.reference}

        return Preview(quote.amount, quote.currency, lines, renew)
    new_ends = data["new_ends"]
    if new_ends <= period.ends:
        raise ActionRefused(
            "invalid",
            "new_ends: "
            + _("%(day)s does not extend beyond %(ends)s.")
            % {"day": format_date(new_ends, language), "ends": format_date(period.ends, language)},
        )
    lines = [
        _(
            "%(period)s of %(licence)s ends on %(ends)s; support is extended to %(day)s, "
            "free of charge."
        )
        % {
            "period": period.reference,
            "licence": licence.reference,
            "ends": format_date(period.ends, language),
            "day": format_date(new_ends, language),
        }
    ]

    def extend() -> str:
        extension = do_extend_support_period(
            acting_user=user, entitlement=period, new_ends=new_ends
        )
        return _("Support extended: %(ref)s until %(day)s.") % {
            "ref": extension.reference,
            "day": format_date(extension.ends, language),
        }

    return Preview(Decimal("0"), customer.currency or get_vendor_policy().currency, lines, extend)


def _refusal_on_form(form: forms.Form, refused: ActionRefused) -> None:
    """The refusal under the field it names (``field: reason``), else above the form."""
    name, sep, reason = refused.message.partition(": ")
    if sep and name in form.fields:
        form.add_error(name, reason)
    else:
        form.add_error(None, refused.message)


@require_http_methods(["GET", "POST"])
@staff_required
def sell(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """GET: the form. POST ``step=preview``: the price and why, with a
    confirm button; ``step=confirm`` with the previewed ``amount``: sell
    (or preview again when the price has changed)."""
    if kind not in SALES:
        raise Http404("Nothing of that kind is sold here.")
    customer = get_customer_for_staff(pk)
    today = local_date(clock.now(), get_vendor_policy().timezone)
    form = _form(kind, customer, request.POST or None, today)
    preview = None
    status = 200
    if request.method == "POST" and request.POST.get("step") == "edit":
        form.is_valid()  # back to the form, as it was filled in
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                preview = _preview(request, kind, customer, form.cleaned_data, today)
            except ActionRefused as refused:
                _refusal_on_form(form, refused)
            else:
                status = 200
        if preview is not None and request.POST.get("step") == "confirm":
            previewed = request.POST.get("amount", "")
            shown = "" if preview.amount is None else str(preview.amount)
            if previewed != shown:
                messages.warning(
                    request,
                    _("The price has changed since the preview: check it and confirm again."),
                )
            else:
                try:
                    done = preview.run()
                except ActionRefused as refused:
                    _refusal_on_form(form, refused)
                    preview, status = None, 400
                else:
                    messages.success(request, done)
                    page = reverse("customers:detail", args=[customer.pk])
                    return redirect(page + "#entitlements")
    posted = [
        (name, value)
        for name, value in request.POST.items()
        if name not in ("csrfmiddlewaretoken", "step", "amount")
    ]
    return render(
        request,
        "console/customers/sell.html",
        {
            "customer": customer,
            "kind": kind,
            "title": SALES[kind][0],
            "sales": [(slug, title) for slug, (title, _k) in SALES.items()],
            "form": form,
            "preview": preview,
            "amount": "" if preview is None or preview.amount is None else str(preview.amount),
            "posted": posted,
        },
        status=status,
    )
