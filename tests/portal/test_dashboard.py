import pytest

pytestmark = pytest.mark.django_db


def test_dashboard_shows_licences_balances_and_the_burn_down_in_the_contacts_language(
    client_a, world
):
    response = client_a.get("/portal/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "LIC-" in html
    assert "Accounting" in html
    assert world.a.voucher.reference in html
    assert world.b.voucher.reference not in html
    assert "<svg" in html
    assert 'id="burn-down"' in html
