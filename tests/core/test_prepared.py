"""A query compiled once (``core.prepared``) gives exactly what the same
queryset gives through the ORM, for each set of arguments, in one query."""

from datetime import date, timedelta

import pytest

from supportledger.core.prepared import Prepared
from supportledger.desk.actions.thread import do_post_message
from supportledger.desk.models import Message, Request
from supportledger.entitlements.actions.sales import do_sell_voucher
from tests.cast import build_cast, open_request


def _messages(request_id):
    return (
        Message.objects.filter(request_id=request_id)
        .order_by("created_at", "id")
        .values_list("id", "internal", "body_text", "created_at", "author_user__username")
    )


def _requests(pk):
    return Request.objects.select_related("customer", "product").filter(pk=pk)


MESSAGES = Prepared(_messages, int)
REQUESTS = Prepared(_requests, int)


@pytest.mark.django_db
def test_a_prepared_query_reads_what_the_orm_reads_for_every_argument(
    django_assert_num_queries,
):
    cast = build_cast()
    first, second = open_request(cast.acme, "One"), open_request(cast.zeta, "Two")
    for n in range(3):
        do_post_message(acting_user=cast.maria.user, request=first, body_text=f"reply {n}")
    do_post_message(acting_user=None, request=second, body_text="other", internal=True)
    for request in (first, second):
        with django_assert_num_queries(1):
            rows = MESSAGES(request.pk)
        assert rows == list(_messages(request.pk))
        assert all(row[3].tzinfo is not None for row in rows)  # aware, as the ORM gives
        with django_assert_num_queries(1):
            (found,) = REQUESTS.objects(request.pk)
        expected = _requests(request.pk).get()
        assert (found.pk, found.subject, found.created_at) == (
            expected.pk,
            expected.subject,
            expected.created_at,
        )
        with django_assert_num_queries(0):  # the related rows came with it
            assert found.customer.organisation == expected.customer.organisation
    assert REQUESTS.objects(10**9) == []


def test_an_argument_the_sql_does_not_hold_once_is_refused():
    twice = Prepared(lambda pk: Request.objects.filter(pk=pk, customer_id=pk), int)
    with pytest.raises(ValueError, match="once"):
        twice(1)


@pytest.mark.django_db
def test_a_text_argument_is_passed_as_text():
    cast = build_cast()
    voucher = do_sell_voucher(
        acting_user=None,
        customer=cast.acme,
        minutes=60,
        starts=date(2026, 1, 1),
        ends=date(2026, 1, 1) + timedelta(days=30),
    )
    by_kind = Prepared(
        lambda kind: voucher.__class__.objects.filter(kind=kind).values_list("pk"), str
    )
    assert by_kind("prepaid_hours") == [(voucher.pk,)]
    assert by_kind("contract") == []
