"""Sender authentication: real DKIM signatures made here with dkimpy (a key
generated for the test, its public half served through dkimpy's dnsfunc
hook), and the Authentication-Results our own receiving server adds. A reply
into a thread that is forged, or whose envelope sender is of another domain
and unproven, is quarantined with the reason."""

from __future__ import annotations

import base64
import subprocess

import dkim
import pytest

from supportledger.desk.models import Message, Request
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import InboundStatus
from tests.intake.conftest import eml

pytestmark = pytest.mark.django_db

SELECTOR = b"s2026"
PUBLISHED: dict[bytes, bytes] = {}


def published_key(name: bytes, timeout: int = 5) -> bytes | None:
    """dkimpy's dnsfunc: the TXT record of ``name`` from this test's zone."""
    return PUBLISHED.get(name)


def _key_pair() -> tuple[bytes, bytes]:
    private = subprocess.run(["openssl", "genrsa", "2048"], check=True, capture_output=True).stdout
    public_der = subprocess.run(
        ["openssl", "rsa", "-pubout", "-outform", "DER"],
        input=private,
        check=True,
        capture_output=True,
    ).stdout
    return private, public_der


@pytest.fixture(scope="module")
def acme_key() -> bytes:
    private, public_der = _key_pair()
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)
    PUBLISHED[SELECTOR + b"._domainkey.acme.example."] = record
    return private


@pytest.fixture(autouse=True)
def _dkim_dns(settings):
    settings.INTAKE_DKIM_DNSFUNC = "tests.intake.test_mail_authentication.published_key"
    settings.INTAKE_AUTHSERV_ID = "mx.support.example"


@pytest.fixture
def request_of_anna(mail_cast) -> Request:
    do_receive_mail(
        raw=eml("plain.eml"), received_via="smtp", envelope_from="anna.petrova@acme.example"
    )
    return Request.objects.get()


def reply(
    request: Request, number: int, *, extra: bytes = b"", body: bytes = b"Still broken."
) -> bytes:
    return (
        extra + b"From: Anna Petrova <anna.petrova@acme.example>\r\n"
        b"To: support@support.example\r\n"
        b"Subject: Re: [" + request.reference.encode() + b"] Invoice printing\r\n"
        b"Message-ID: <reply." + str(number).encode() + b"@mail.acme.example>\r\n"
        b"Date: Tue, 3 Mar 2026 09:00:00 +0200\r\n"
        b"\r\n" + body + b"\r\n"
    )


def signed(raw: bytes, key: bytes, domain: bytes = b"acme.example") -> bytes:
    signature = dkim.sign(
        raw,
        SELECTOR,
        domain,
        key,
        include_headers=[b"from", b"to", b"subject", b"message-id", b"date"],
    )
    return signature + raw


def test_a_spoofed_reply_with_a_foreign_envelope_and_no_signature_is_quarantined(request_of_anna):
    receipt = do_receive_mail(
        raw=reply(request_of_anna, 1, body=b"Please send the invoices to my new account."),
        received_via="smtp",
        envelope_from="attacker@evil.example",
    )
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_not_authenticated"
    assert "attacker@evil.example" in receipt.message.reason_detail
    assert receipt.message.authentication == "none"
    assert not Message.objects.filter(body_text__contains="new account").exists()


def test_a_reply_signed_by_the_from_domain_is_routed_whatever_the_envelope(
    request_of_anna, acme_key
):
    raw = signed(reply(request_of_anna, 2), acme_key)
    receipt = do_receive_mail(
        raw=raw, received_via="smtp", envelope_from="bounce-42@mailer.example"
    )
    assert receipt.outcome == InboundStatus.ROUTED
    assert receipt.message.request == request_of_anna
    assert receipt.message.authentication == "dkim=pass"


def test_a_signed_reply_altered_on_the_way_fails_dkim_and_is_quarantined(request_of_anna, acme_key):
    raw = signed(reply(request_of_anna, 3), acme_key).replace(b"Still broken.", b"Pay to IBAN X.")
    receipt = do_receive_mail(
        raw=raw, received_via="smtp", envelope_from="anna.petrova@acme.example"
    )
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_failed_authentication"
    assert "dkim=fail" in receipt.message.reason_detail


def test_a_signature_of_another_domain_proves_nothing_about_the_from_address(
    request_of_anna, acme_key
):
    PUBLISHED[SELECTOR + b"._domainkey.evil.example."] = PUBLISHED[
        SELECTOR + b"._domainkey.acme.example."
    ]
    raw = signed(reply(request_of_anna, 4), acme_key, domain=b"evil.example")
    receipt = do_receive_mail(raw=raw, received_via="smtp", envelope_from="x@evil.example")
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_not_authenticated"


def test_an_unsigned_reply_whose_envelope_matches_the_from_domain_is_routed(request_of_anna):
    receipt = do_receive_mail(
        raw=reply(request_of_anna, 5),
        received_via="smtp",
        envelope_from="bounces@mail.acme.example",
    )
    assert receipt.outcome == InboundStatus.ROUTED
    assert receipt.message.request == request_of_anna


def test_only_our_servers_authentication_results_are_trusted(request_of_anna):
    forged = b"Authentication-Results: mx.evil.example; dmarc=pass header.from=acme.example\r\n"
    receipt = do_receive_mail(
        raw=reply(request_of_anna, 6, extra=forged),
        received_via="smtp",
        envelope_from="attacker@evil.example",
    )
    assert receipt.reason == "sender_not_authenticated"
    ours = (
        b"Authentication-Results: mx.support.example; spf=fail smtp.mailfrom=evil.example;\r\n"
        b" dkim=pass (good signature) header.d=acme.example;\r\n"
        b" dmarc=pass header.from=acme.example\r\n"
    )
    receipt = do_receive_mail(
        raw=reply(request_of_anna, 7, extra=ours),
        received_via="smtp",
        envelope_from="list-bounces@lists.example",
    )
    assert receipt.outcome == InboundStatus.ROUTED
    assert "ar:dmarc=pass" in receipt.message.authentication


def test_our_servers_dmarc_failure_quarantines_even_a_new_request(mail_cast):
    failing = b"Authentication-Results: mx.support.example; dmarc=fail header.from=acme.example\r\n"
    raw = failing + eml("plain.eml").replace(b"\n", b"\r\n")
    receipt = do_receive_mail(raw=raw, received_via="smtp", envelope_from="x@acme.example")
    assert receipt.outcome == InboundStatus.QUARANTINED
    assert receipt.reason == "sender_failed_authentication"
    assert Request.objects.count() == 0


def test_staff_routing_a_message_whose_sender_failed_authentication_must_confirm_and_is_audited(
    request_of_anna, mail_cast, client
):
    from django.urls import reverse

    from supportledger.core.models import AuditEntry
    from supportledger.mail.models import InboundMessage

    receipt = do_receive_mail(
        raw=reply(request_of_anna, 9, body=b"Please send the invoices to my new account."),
        received_via="smtp",
        envelope_from="attacker@evil.example",
    )
    assert receipt.reason == "sender_not_authenticated"
    message = receipt.message
    client.force_login(mail_cast.cast.maria.user)
    url = reverse("intake:mail_route", args=[message.pk])
    # The page says why, and asks for the confirmation.
    page = client.get(reverse("intake:mail_detail", args=[message.pk])).content.decode()
    assert "The sender failed authentication: this message may be forged." in page
    assert "sender_not_authenticated" in page
    assert 'name="confirm_unauthenticated"' in page
    # Routed without confirming: refused with the reason, nothing routed.
    response = client.post(url, {"request": request_of_anna.reference})
    assert response.status_code == 400
    text = response.content.decode()
    assert "the sender failed authentication (sender_not_authenticated" in text
    assert "attacker@evil.example" in text
    message.refresh_from_db()
    assert message.status == InboundStatus.QUARANTINED
    assert not Message.objects.filter(body_text__contains="new account").exists()
    # Confirmed: routed, and the audit row keeps the reason.
    response = client.post(
        url, {"request": request_of_anna.reference, "confirm_unauthenticated": "on"}
    )
    assert response.status_code == 302
    message = InboundMessage.objects.get(pk=message.pk)
    assert message.status == InboundStatus.ROUTED
    entry = AuditEntry.objects.get(action="route_inbound_message", object_id=str(message.pk))
    assert entry.actor == mail_cast.cast.maria.user
    assert entry.detail["unauthenticated_sender"]["reason"] == "sender_not_authenticated"
    assert "attacker@evil.example" in entry.detail["unauthenticated_sender"]["detail"]


def test_the_confirmation_is_not_asked_for_a_message_held_for_another_reason(mail_cast, client):
    from django.urls import reverse

    message = do_receive_mail(raw=eml("unknown_sender.eml"), received_via="file").message
    client.force_login(mail_cast.cast.maria.user)
    page = client.get(reverse("intake:mail_detail", args=[message.pk])).content.decode()
    assert "confirm_unauthenticated" not in page
    assert "may be forged" not in page
