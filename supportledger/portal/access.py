"""Who is asking: every portal view runs as one customer contact.

``contact_required`` puts ``request.contact`` and ``request.customer`` on the
request and speaks the contact's language. Views then read only through
``own_or_404``-style lookups that filter by ``request.customer``, so another
customer's id, in the path or smuggled into a form, is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Contact

M = TypeVar("M", bound=Model)
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def contact_of(user: Any) -> Contact | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Contact.objects.select_related("customer").filter(user=user).first()


def speak(language: str) -> None:
    if language in LANGUAGE_CODES:
        translation.activate(language)


def contact_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        contact = contact_of(request.user)
        if contact is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        request.contact = contact  # type: ignore[attr-defined]
        request.customer = contact.customer  # type: ignore[attr-defined]
        # What this vendor offers its customers (policy features): pages and
        # links of a feature switched off are not shown.
        request.features = frozenset(get_vendor_policy().features or ())  # type: ignore[attr-defined]
        speak(contact.language)
        request.LANGUAGE_CODE = translation.get_language()
        return view(request, *args, **kwargs)

    return wrapper


def own_or_404(queryset: QuerySet[M], value: Any) -> M:
    """The row with primary key ``value`` among ``queryset`` (already limited
    to the asking customer); 404 for anything else, malformed ids included."""
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        raise Http404 from None
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def client_ip(request: HttpRequest) -> str:
    """The peer address. A proxy in front must set REMOTE_ADDR (e.g. gunicorn
    ``--forwarded-allow-ips``); a client-supplied X-Forwarded-For is not trusted."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def form_ids(*names: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Mark a view that reads object ids from its form (``licence``, ...);
    the isolation test posts another customer's ids in those fields to every
    view so marked and expects 404."""

    def mark(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view.portal_form_ids = names  # type: ignore[attr-defined]
        return view

    return mark


def owned(
    kwarg: str, queryset_of: Callable[[HttpRequest], QuerySet[Any]]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Swap the path id ``kwarg`` for the asking customer's object, 404
    otherwise. Goes under ``contact_required`` and above the method check,
    so another customer's id is 404 whatever the method."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            kwargs[kwarg] = own_or_404(queryset_of(request), kwargs[kwarg])
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
