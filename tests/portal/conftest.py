import pytest

from tests.portal import fixtures
from tests.portal.world import build_world

frozen_now = fixtures.frozen_now
private_media = fixtures.private_media


@pytest.fixture(autouse=True)
def _private_media(private_media):
    pass


@pytest.fixture
def world(db, frozen_now):
    return build_world()


@pytest.fixture
def client_a(client, world):
    client.force_login(world.a.user)
    return client
