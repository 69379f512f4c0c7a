"""A customer's answer by mail to a request waiting for them opens it again,
as a portal reply does (tests/desk/test_status_moves.py)."""

from __future__ import annotations

import pytest

from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import MoveReason, Request, Status, StatusChange
from supportledger.intake.actions.receive import do_receive_mail
from supportledger.mail.models import OutboundKind, OutboundMail
from tests.intake.conftest import eml
from tests.outbox import delivering


def moves(request: Request) -> list[tuple[str, str, str]]:
    return list(
        StatusChange.objects.filter(request=request)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "reason")
    )


@pytest.mark.django_db
def test_a_mailed_answer_to_our_reply_opens_the_waiting_request(
    mail_cast, django_capture_on_commit_callbacks
):
    with delivering():
        do_receive_mail(raw=eml("plain.eml"), received_via="file")
    request = Request.objects.get()
    with delivering():
        do_post_message(
            acting_user=mail_cast.cast.maria.user, request=request, body_text="Try again."
        )
    request.refresh_from_db()
    assert request.status == Status.WAITING
    sent = OutboundMail.objects.get(kind=OutboundKind.REPLY)
    answer = (
        b"From: Anna Petrova <anna.petrova@acme.example>\n"
        b"To: support@support.example\n"
        b"Subject: Re: the printer\n"
        b"Message-ID: <answer.2@mail.acme.example>\n"
        b"In-Reply-To: <" + sent.message_id.encode() + b">\n"
        b"\nStill broken.\n"
    )
    do_receive_mail(raw=answer, received_via="file")
    request.refresh_from_db()
    assert request.status == Status.OPEN
    assert moves(request)[-1] == ("waiting", "open", MoveReason.CUSTOMER_REPLY)
