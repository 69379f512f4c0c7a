"""Customer A's contact, holding customer B's ids, reaches nothing of B's.

The URLs come from the resolver, so a new portal URL is walked without
editing this file; a URL whose path takes an id this file cannot fill fails
the test until B's value for it is added to ``b_values``.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from supportledger.customers.verification import make_verification_token
from supportledger.desk.models import Attachment
from supportledger.portal.views.downloads import signed_download_path
from tests.portal.walk import changes, portal_urls, snapshot

pytestmark = pytest.mark.django_db


def b_values(world) -> dict:
    """Customer B's object for every id a portal URL path or form can carry."""
    b = world.b
    b_attachment = Attachment.objects.get(request=b.request)
    signed = signed_download_path(b.contact.pk, b.old_release.pk).rstrip("/").rsplit("/", 1)[-1]
    return {
        # path ids
        "idea_id": b.idea.pk,
        "invoice_id": world.b_invoice.pk,
        "request_id": b.request.pk,
        "work_id": b.work[0].pk,
        "attachment_id": b_attachment.pk,
        "signed": signed,
        "uidb64": urlsafe_base64_encode(force_bytes(b.user.pk)),
        "token": default_token_generator.make_token(b.user),
        "verification": make_verification_token(b.contact.pk, b.contact.email),
        "kind": "en16931",  # not an id: which electronic document of the invoice
        # form ids
        "licence": b.licence.pk,
        "product": world.b_only_product.pk,
        "request": b.request.pk,
        "idea": b.idea.pk,
        "entitlement": b.voucher.pk,
    }


def b_form_body(world) -> dict:
    values = b_values(world)
    return {
        name: values[name] for name in ("licence", "product", "request", "idea", "entitlement")
    } | {"subject": "smuggled", "body": "smuggled", "title": "smuggled", "code": "000000"}


def b_object_keys(world) -> set[tuple[str, int]]:
    b = world.b
    return {
        ("customer_id", b.customer.pk),
        ("contact_id", b.contact.pk),
        ("author_id", b.contact.pk),
        ("licence_id", b.licence.pk),
        ("licence_id", world.b_licence_of_b_only_product.pk),
        ("entitlement_id", b.voucher.pk),
        ("request_id", b.request.pk),
        ("idea_id", b.idea.pk),
        ("invoice_id", world.b_invoice.pk),
        ("user_id", b.user.pk),
        ("product_id", world.b_only_product.pk),
    }


def test_the_walk_covers_the_portal_urls_that_carry_ids():
    urls = list(portal_urls())
    with_ids = [u.name for u in urls if u.kwargs or u.form_ids]
    assert {
        "idea_vote",
        "invoice_pdf",
        "download_file",
        "renew",
        "idea_propose",
        "request",
        "confirm_work",
        "file_claim",
        "remote_start",
        "open_request",
        "reply",
        "attachment",
    } <= set(with_ids)


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_portal_url_answers_404_for_another_customers_ids_and_writes_nothing(
    client, world, method
):
    values = b_values(world)
    walked = []
    for url in portal_urls():
        if not (url.kwargs or url.form_ids):
            continue
        missing = [k for k in url.kwargs if k not in values]
        assert not missing, f"{url.name}: give B's value for {missing} in b_values()"
        client.force_login(world.a.user)
        before = snapshot()
        path = url.path(values)
        if method == "get":
            response = client.get(path, {n: values[n] for n in url.form_ids})
        else:
            response = client.post(path, b_form_body(world))
        if not url.kwargs and method == "get":
            # Form-only views take their ids by POST; GET must refuse or ignore them.
            assert response.status_code in (404, 405), url.name
        else:
            assert response.status_code == 404, (
                f"{method.upper()} {url.name}: {response.status_code}"
            )
        assert changes(before, snapshot()) == {}, url.name
        walked.append(url.name)
    assert walked


def test_posting_another_customers_ids_to_any_other_portal_url_lands_nothing_on_them(client, world):
    """URLs that carry no ids may write (a logout, a language), but never a
    row that points at B, and B's own rows stay as they were."""
    keys = {(name, repr(value)) for name, value in b_object_keys(world)}
    for url in portal_urls():
        if url.kwargs or url.form_ids:
            continue
        client.force_login(world.a.user)
        before = snapshot()
        response = client.post(url.path({}), b_form_body(world))
        assert response.status_code < 500, url.name
        for label, rows in changes(before, snapshot()).items():
            model = apps.get_model(label)
            names = ["pk", *(f.attname for f in model._meta.concrete_fields)]
            for row in rows:
                assert row[0] != "removed", (url.name, label, row)
                touched = [(n, v) for n, v in zip(names, row, strict=True) if (n, repr(v)) in keys]
                assert touched == [], (url.name, label, touched)
                assert label != "customers.customer" or row[0] != world.b.customer.pk


def test_a_reply_or_an_order_naming_another_customers_object_is_404(client_a, world):
    response = client_a.post("/portal/downloads/renew/", {"licence": world.b.licence.pk})
    assert response.status_code == 404
    response = client_a.post(
        "/portal/ideas/propose/",
        {"title": "x", "body": "y", "product": world.b_only_product.pk},
    )
    assert response.status_code == 404


def test_a_malformed_id_is_404_not_an_error(client_a):
    assert client_a.post("/portal/downloads/renew/", {"licence": "1 OR 1=1"}).status_code == 404
    assert client_a.get("/portal/downloads/file/not-a-signature/").status_code == 404
