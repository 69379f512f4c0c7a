import pytest

from tests.outbox import deliver_mail
from tests.portal import fixtures
from tests.portal.world import build_world

frozen_now = fixtures.frozen_now
private_media = fixtures.private_media


@pytest.fixture(autouse=True)
def _private_media(private_media):
    pass


@pytest.fixture
def world(db, frozen_now, mailoutbox):
    built = build_world()
    # The world's own mail (the invoices of its sales) goes out before the
    # test starts, so a test's mailbox holds what the test caused.
    deliver_mail()
    mailoutbox.clear()
    return built


@pytest.fixture
def client_a(client, world):
    client.force_login(world.a.user)
    return client
