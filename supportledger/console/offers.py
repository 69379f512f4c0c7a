"""The console's offers pages: what the vendor sells, on which terms, at which
prices. Every staff member reads them; managers and administrators change an
offer (a new version, for new sales only), set its prices and sell it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from supportledger.billing.actions.orders import do_sell_offer_now
from supportledger.catalog.actions import do_change_offer, do_create_offer, do_set_offer_price
from supportledger.catalog.models import Offer, OfferBilling, Product
from supportledger.catalog.queries import (
    get_current_offer,
    get_offer_price_on,
    list_current_offers,
    list_offer_prices,
    list_offer_versions,
)
from supportledger.console.access import staff_required
from supportledger.console.pickers import PickerField, PickerForm
from supportledger.core import clock
from supportledger.core.errors import ActionRefused
from supportledger.core.form_fields import InRangeDateField
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import StaffRole
from supportledger.entitlements.convert import local_date
from supportledger.rules.types import CATEGORIES, KINDS, MODES
from supportledger.service.actions.consent import do_set_consent_terms
from supportledger.service.queries import list_consent_terms

LANGUAGES = ("en", "bg", "hu", "el", "ru", "pl")
_MANAGING = (StaffRole.MANAGER, StaffRole.ADMINISTRATOR)


def _require_manager(request: HttpRequest) -> None:
    if request.staff_member.role not in _MANAGING:  # type: ignore[attr-defined]
        raise PermissionDenied("Only managers change offers and prices.")


def _sizes(text: str) -> list[int]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise forms.ValidationError(_("Whole numbers separated by commas.")) from None


class OfferForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[(k, k) for k in KINDS])
    name_en = forms.CharField(label="English", required=False, max_length=200)
    name_bg = forms.CharField(label="Български", required=False, max_length=200)
    name_hu = forms.CharField(label="Magyar", required=False, max_length=200)
    name_el = forms.CharField(label="Ελληνικά", required=False, max_length=200)
    name_ru = forms.CharField(label="Русский", required=False, max_length=200)
    name_pl = forms.CharField(label="Polski", required=False, max_length=200)
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products (none = all)"),
        queryset=Product.objects.all(),
        required=False,
    )
    sizes = forms.CharField(
        label=gettext_lazy("Sizes (minutes or incidents, comma-separated)"),
        required=False,
        max_length=200,
    )
    term_months = forms.IntegerField(label=gettext_lazy("Term, months"), required=False)
    calendar_year = forms.BooleanField(label=gettext_lazy("Runs to 31 December"), required=False)
    minutes_per_month = forms.IntegerField(
        label=gettext_lazy("Included minutes a month"), required=False, initial=0
    )
    rollover = forms.BooleanField(label=gettext_lazy("Unused minutes roll over"), required=False)
    sla = forms.BooleanField(label=gettext_lazy("SLA"), required=False)
    response_business_minutes = forms.IntegerField(
        label=gettext_lazy("First-response target, business minutes"), required=False
    )
    covers = forms.MultipleChoiceField(
        label=gettext_lazy("Categories covered free (none = the kind's default)"),
        choices=[(c, c) for c in CATEGORIES],
        required=False,
    )
    modes = forms.MultipleChoiceField(
        label=gettext_lazy("Modes (none = the kind's default)"),
        choices=[(m, m) for m in MODES],
        required=False,
    )
    requires = forms.ChoiceField(
        label=gettext_lazy("Requires"),
        choices=[("", "—"), *[(k, k) for k in KINDS]],
        required=False,
    )
    updates = forms.BooleanField(label=gettext_lazy("Grants updates and downloads"), required=False)
    grants_downloads = forms.BooleanField(
        label=gettext_lazy("Lets its holder download new releases"), required=False
    )
    billing = forms.ChoiceField(label=gettext_lazy("Billing"), choices=OfferBilling.choices)
    renewable = forms.BooleanField(label=gettext_lazy("Renewable"), required=False)
    sold = forms.BooleanField(label=gettext_lazy("Sold (not only granted)"), required=False)

    def clean_sizes(self) -> list[int]:
        return _sizes(self.cleaned_data.get("sizes") or "")

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "names": {lang: data[f"name_{lang}"] for lang in LANGUAGES if data[f"name_{lang}"]},
            "products": list(data["products"]),
            "sizes": data["sizes"],
            "term_months": data["term_months"],
            "calendar_year": data["calendar_year"],
            "minutes_per_month": data["minutes_per_month"] or 0,
            "rollover": data["rollover"],
            "sla": data["sla"],
            "response_business_minutes": data["response_business_minutes"],
            "covers": data["covers"] or None,
            "modes": data["modes"] or None,
            "requires": data["requires"],
            "updates": data["updates"],
            "grants_downloads": data["grants_downloads"],
            "billing": data["billing"],
            "renewable": data["renewable"],
            "sold": data["sold"],
        }

    @classmethod
    def initial_of(cls, offer: Offer) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(offer, name)
            for name in (
                "kind",
                "term_months",
                "calendar_year",
                "minutes_per_month",
                "rollover",
                "sla",
                "response_business_minutes",
                "requires",
                "updates",
                "grants_downloads",
                "billing",
                "renewable",
                "sold",
            )
        }
        initial.update({f"name_{lang}": offer.names.get(lang, "") for lang in LANGUAGES})
        initial["products"] = list(offer.products.all())
        initial["sizes"] = ", ".join(map(str, offer.sizes))
        initial["covers"] = offer.covers or []
        initial["modes"] = offer.modes or []
        return initial


class NewOfferForm(OfferForm):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)


class PriceForm(forms.Form):
    size = forms.IntegerField(label=gettext_lazy("Size"), min_value=0, initial=0)
    currency = forms.CharField(label=gettext_lazy("Currency"), min_length=3, max_length=3)
    amount = forms.DecimalField(
        label=gettext_lazy("Price"), min_value=0, max_digits=14, decimal_places=2
    )
    effective_from = InRangeDateField(label=gettext_lazy("From"))


class SaleForm(PickerForm):
    customer = PickerField("customer", label=gettext_lazy("Customer"))
    size = forms.IntegerField(label=gettext_lazy("Size"), required=False, min_value=0)
    starts = InRangeDateField(label=gettext_lazy("Starts"), required=False)


def _refusal_on_form(form: forms.Form, refused: ActionRefused) -> None:
    """An action's refusal shown on the field it names (``field: reason``)."""
    field, _sep, reason = refused.message.partition(": ")
    if reason and field in form.fields:
        form.add_error(field, reason)
    elif reason and field == "names":
        form.add_error("name_en", reason)
    else:
        form.add_error(None, refused.message)


def _today() -> date:
    return local_date(clock.now(), get_vendor_policy().timezone)


def _current_prices(offer: Offer, currency: str, today: date) -> list[tuple[int, Any]]:
    sizes = offer.sizes or [0]
    return [
        (size, get_offer_price_on(offer, size=size, currency=currency, day=today)) for size in sizes
    ]


@require_safe
@staff_required
def offer_list(request: HttpRequest) -> HttpResponse:
    policy = get_vendor_policy()
    today = _today()
    language = get_language() or "en"
    rows = [
        {
            "offer": offer,
            "name": offer.name_in(language),
            "prices": _current_prices(offer, policy.currency, today),
        }
        for offer in list_current_offers()
    ]
    return render(
        request,
        "console/offers.html",
        {
            "rows": rows,
            "currency": policy.currency,
            "manager": request.staff_member.role in _MANAGING,  # type: ignore[attr-defined]
        },
    )


def _offer_or_404(code: str) -> Offer:
    offer = get_current_offer(code)
    if offer is None:
        raise Http404("No such offer.")
    return offer


def _detail(
    request: HttpRequest,
    offer: Offer,
    *,
    form: forms.Form | None = None,
    price_form: forms.Form | None = None,
    sale_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = get_vendor_policy()
    return render(
        request,
        "console/offer.html",
        {
            "offer": offer,
            "name": offer.name_in(get_language() or "en"),
            "form": form or OfferForm(initial=OfferForm.initial_of(offer)),
            "price_form": price_form
            or PriceForm(initial={"currency": policy.currency, "effective_from": _today()}),
            "sale_form": sale_form or SaleForm(),
            "prices": list_offer_prices(offer.code),
            "versions": list_offer_versions(offer.code),
            "manager": request.staff_member.role in _MANAGING,  # type: ignore[attr-defined]
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def offer_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The offer, its versions and prices; POST (managers): new terms."""
    offer = _offer_or_404(code)
    if request.method == "GET":
        return _detail(request, offer)
    _require_manager(request)
    form = OfferForm(request.POST)
    if form.is_valid():
        try:
            new = do_change_offer(
                acting_user=request.user, offer=offer, values=form.values(), now=clock.now()
            )
        except ActionRefused as refused:
            _refusal_on_form(form, refused)
        else:
            if new.pk == offer.pk:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the offer applies to new sales from now on.")
                    % {"version": new.version},
                )
            return redirect(reverse("console:offer", args=[code]))
    return _detail(request, offer, form=form, status=400)


@require_http_methods(["GET", "POST"])
@staff_required
def offer_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = NewOfferForm(request.POST or None, initial={"sold": True})
    if request.method == "POST" and form.is_valid():
        try:
            offer = do_create_offer(
                acting_user=request.user,
                code=form.cleaned_data["code"],
                values=form.values(),
                now=clock.now(),
            )
        except ActionRefused as refused:
            _refusal_on_form(form, refused)
        else:
            messages.success(request, _("Offer created; give it a price."))
            return redirect(reverse("console:offer", args=[offer.code]))
    status = 400 if request.method == "POST" else 200
    return render(request, "console/offer_new.html", {"form": form}, status=status)


@require_POST
@staff_required
def offer_price(request: HttpRequest, code: str) -> HttpResponse:
    _require_manager(request)
    offer = _offer_or_404(code)
    form = PriceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_set_offer_price(
                acting_user=request.user,
                code=offer.code,
                size=data["size"],
                currency=data["currency"].upper(),
                amount=data["amount"],
                effective_from=data["effective_from"],
                now=clock.now(),
            )
        except ActionRefused as refused:
            _refusal_on_form(form, refused)
        else:
            messages.success(request, _("Price saved."))
            return redirect(reverse("console:offer", args=[code]))
    return _detail(request, offer, price_form=form, status=400)


@require_POST
@staff_required
def offer_sell(request: HttpRequest, code: str) -> HttpResponse:
    """Sell the offer to a customer now, at its price (managers)."""
    _require_manager(request)
    offer = _offer_or_404(code)
    form = SaleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sold = do_sell_offer_now(
                acting_user=request.user,
                customer=data["customer"],
                offer=offer.code,
                size=data["size"],
                starts=data["starts"],
                now=clock.now(),
            )
        except ActionRefused as refused:
            _refusal_on_form(form, refused)
        else:
            messages.success(
                request,
                _("Sold: %(reference)s, %(starts)s – %(ends)s.")  # noqa: RUF001
                % {"reference": sold.reference, "starts": sold.starts, "ends": sold.ends},
            )
            return redirect(reverse("console:offer", args=[code]))
    return _detail(request, offer, sale_form=form, status=400)


# --- Consent terms ----------------------------------------------------------


class TermsForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=[(code, code) for code in LANGUAGES]
    )
    text = forms.CharField(label=gettext_lazy("Terms"), widget=forms.Textarea(attrs={"rows": 8}))


@require_http_methods(["GET", "POST"])
@staff_required
def consent_terms(request: HttpRequest) -> HttpResponse:
    """The terms customers consent to before a remote session, per language
    with every version; managers write a new version (consents already
    given keep the version they agreed to)."""
    form = TermsForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request)
        if form.is_valid():
            try:
                terms = do_set_consent_terms(
                    acting_user=request.user,
                    language=form.cleaned_data["language"],
                    text=form.cleaned_data["text"],
                    now=clock.now(),
                )
            except ActionRefused as refused:
                _refusal_on_form(form, refused)
            else:
                messages.success(
                    request,
                    _("Terms %(label)s apply to consents from now on.") % {"label": terms.label},
                )
                return redirect(reverse("console:consent_terms"))
    return render(
        request,
        "console/consent_terms.html",
        {
            "form": form,
            "versions": list_consent_terms(),
            "manager": request.staff_member.role in _MANAGING,  # type: ignore[attr-defined]
        },
        status=400 if request.method == "POST" else 200,
    )
