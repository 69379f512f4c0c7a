"""The remote help page lists every past session of the customer, newest
first, a page at a time: none is left out however many there are."""

from datetime import timedelta

import pytest

from supportledger.portal.views.remote import SESSIONS_PER_PAGE
from supportledger.service.actions.consent import do_record_consent
from supportledger.service.actions.remote import do_end_remote_session, do_start_remote_session
from supportledger.service.models import RemoteSession
from tests.portal.world import NOW

pytestmark = pytest.mark.django_db

MANY = 2 * SESSIONS_PER_PAGE + 3


def _session(side, agent, started_at):
    consent = do_record_consent(
        acting_user=None,
        contact=side.contact,
        request=side.request,
        terms_version="2026-1",
        price_list_version="2000-01-01",
        ip_address="203.0.113.7",
        now=started_at,
    )
    session, _code = do_start_remote_session(
        acting_user=None, consent=consent, agent=agent, now=started_at
    )
    return do_end_remote_session(
        acting_user=None, session=session, now=started_at + timedelta(minutes=20)
    )


@pytest.fixture
def many_sessions(world):
    # Newest first: session 0 is an hour ago, each earlier one a day before.
    sessions = [
        _session(world.a, world.agent, NOW - timedelta(hours=1, days=index))
        for index in range(MANY)
    ]
    _session(world.b, world.agent, NOW - timedelta(hours=2))
    return sessions


def _listed(client, page=None):
    response = client.get("/portal/remote/", {"page": page} if page else {})
    assert response.status_code == 200
    return [s.pk for s in response.context["sessions"].object_list], response.content.decode()


def test_every_past_session_is_listed_a_page_at_a_time(client_a, world, many_sessions):
    seen = []
    pages = (MANY + SESSIONS_PER_PAGE - 1) // SESSIONS_PER_PAGE
    for number in range(1, pages + 1):
        listed, _html = _listed(client_a, number)
        seen.extend(listed)
    assert seen == [s.pk for s in many_sessions]  # all of them, newest first, once each
    assert len(seen) == MANY > 50  # more than the page used to show


def test_the_pages_link_to_each_other(client_a, many_sessions):
    _listed_first, first = _listed(client_a)
    assert 'id="session-pages"' in first
    assert 'href="?page=2#sessions"' in first
    assert 'rel="prev"' not in first
    _listed_last, last = _listed(client_a, 3)
    assert 'href="?page=2#sessions"' in last
    assert 'rel="next"' not in last


def test_a_page_number_out_of_range_or_not_a_number_shows_a_page(client_a, many_sessions):
    assert len(_listed(client_a, 999)[0]) == MANY - 2 * SESSIONS_PER_PAGE  # the last page
    assert len(_listed(client_a, "x")[0]) == SESSIONS_PER_PAGE  # the first page


def test_another_customers_sessions_never_appear(client_a, world, many_sessions):
    everything = []
    for number in (1, 2, 3):
        everything.extend(_listed(client_a, number)[0])
    other = set(
        RemoteSession.objects.filter(consent__contact=world.b.contact).values_list("pk", flat=True)
    )
    assert other
    assert not other & set(everything)
    assert len(everything) == MANY


def test_a_short_history_has_no_page_links(client_a, world):
    _session(world.a, world.agent, NOW - timedelta(hours=3))
    listed, html = _listed(client_a)
    assert len(listed) == 1
    assert 'id="session-pages"' not in html
