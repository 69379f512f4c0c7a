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


def test_the_burn_down_has_a_visible_legend_in_the_contacts_language(client_a, world):
    html = client_a.get("/portal/").content.decode()
    legend = html[html.index('id="burn-down-legend"') :]
    legend = legend[: legend.index("</p>")]
    assert world.a.customer.language == "bg"
    assert "използвани часове за месеца" in legend
    assert "оставащи предплатени часове в края на месеца" in legend
    assert "hours used" not in legend
