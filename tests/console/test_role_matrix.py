"""The console's role matrix, walked: every console URL the resolver knows, as
agent, manager and administrator, answers as supportledger.customers.permissions says."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from supportledger.console.matrix import VIEW_CAPABILITIES, ConsoleRoleMiddleware
from supportledger.core.models import AuditEntry
from supportledger.customers.permissions import PUBLIC, STAFF_ROLES, role_can
from tests.cast import add_staff, build_cast, switch_on_features

pytestmark = pytest.mark.django_db


def console_urls() -> dict[str, str]:
    """Every URL under /console/ as {view name: a URL to it} (ids filled with 999999)."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, space)
            elif isinstance(entry, URLPattern) and entry.name and route.startswith("console/"):
                name = namespace + entry.name
                kwargs = {key: 999999 for key in entry.pattern.converters}
                found[name] = reverse(name, kwargs=kwargs)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_console_url_is_in_the_role_matrix_and_the_matrix_names_no_other():
    names = set(console_urls())
    assert names - set(VIEW_CAPABILITIES) == set(), "console pages missing from the matrix"
    assert set(VIEW_CAPABILITIES) - names == set(), "matrix entries naming no console page"


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_reaches_exactly_the_console_pages_the_matrix_gives_it(role):
    cast = build_cast()
    client = Client()
    client.force_login(add_staff(cast, f"walker-{role}", role).user)
    for name, url in sorted(console_urls().items()):
        if name == "console:logout":
            continue  # would end the walk's session
        refusals = AuditEntry.objects.filter(action="refuse_access").count()
        response = client.get(url)
        refused = AuditEntry.objects.filter(action="refuse_access").count() > refusals
        if role_can(role, VIEW_CAPABILITIES[name]):
            assert not refused, f"{role} refused {name}"
            assert response.status_code != 403, f"{role} refused {name}"
        else:
            assert refused, f"{role} let into {name}"
            assert response.status_code == 403, f"{role} let into {name}"
            assert f"Your role ({role})" in response.content.decode()


def test_an_agent_can_neither_mark_paid_nor_credit_nor_run_billing_nor_decide_claims():
    cast = build_cast()
    client = Client()
    client.force_login(cast.maria.user)
    for name in (
        "billing:mark_invoice_paid",
        "billing:credit_invoice",
        "billing:issue_invoice",
        "service:accept_claim",
        "service:reject_claim",
    ):
        assert client.post(reverse(name, args=[1])).status_code == 403, name
    assert client.post(reverse("billing:run_billing"), {"period": "2026-03"}).status_code == 403
    entry = AuditEntry.objects.filter(action="refuse_access").latest("pk")
    assert entry.actor == cast.maria.user
    assert entry.detail["view"] == "billing:run_billing"
    assert entry.detail["needs"] == "bill"


def test_a_console_page_missing_from_the_matrix_is_refused_even_to_an_administrator():
    cast = build_cast()
    boss = add_staff(cast, "boss", "administrator").user
    request = RequestFactory().get("/console/new-page/")
    request.user = boss
    request.session = {}
    request.resolver_match = type("Match", (), {"view_name": "console:new_page"})()
    middleware = ConsoleRoleMiddleware(lambda r: None)
    response = middleware.process_view(request, None, (), {})
    assert response is not None
    assert response.status_code == 403
    assert AuditEntry.objects.get(action="refuse_access").detail["needs"] == "unclassified"


def test_anyone_may_open_the_login_page_and_an_anonymous_visitor_is_sent_there():
    client = Client()
    assert VIEW_CAPABILITIES["console:login"] == PUBLIC
    assert client.get(reverse("console:login")).status_code == 200
    response = client.get(reverse("billing:invoices"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("console:login"))


def test_a_signed_in_customer_contact_is_refused_the_console():
    user = get_user_model().objects.create_user("contact")
    client = Client()
    client.force_login(user)
    response = client.get(reverse("console:queue"))
    assert response.status_code == 403
    assert "Only staff may use the console." in response.content.decode()


def test_the_navigation_shows_an_agent_no_billing_or_claims_links_and_a_manager_all():
    cast = build_cast()
    switch_on_features("claims")
    client = Client()
    client.force_login(cast.maria.user)
    page = client.get(reverse("console:queue")).content.decode()
    assert reverse("console:response_targets") in page
    for name in ("billing:invoices", "billing:orders", "billing:run_billing", "service:claims"):
        assert f'href="{reverse(name)}"' not in page, name
    client.force_login(add_staff(cast, "nadia", "manager").user)
    page = client.get(reverse("console:queue")).content.decode()
    for name in ("billing:invoices", "billing:orders", "billing:run_billing", "service:claims"):
        assert f'href="{reverse(name)}"' in page, name
