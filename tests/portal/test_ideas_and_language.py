import pytest

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.customers.models import Contact
from supportledger.portal.actions import do_change_idea_status, do_propose_idea
from supportledger.portal.models import Idea, IdeaVote
from tests.outbox import delivering
from tests.portal.world import NOW

pytestmark = pytest.mark.django_db


def test_a_contact_proposes_an_idea_and_it_starts_under_review_with_their_vote(client_a, world):
    response = client_a.post(
        "/portal/ideas/propose/",
        {"title": "Export to SAF-T", "body": "For the tax office.", "product": world.product.pk},
    )
    assert response.status_code == 302
    idea = Idea.objects.get(title="Export to SAF-T")
    assert idea.status == "under_review"
    assert idea.customer == world.a.customer
    assert IdeaVote.objects.filter(idea=idea, contact=world.a.contact).count() == 1
    assert AuditEntry.objects.filter(action="propose_idea", object_id=str(idea.pk)).exists()


def test_an_idea_without_a_title_is_refused_and_nothing_is_written(client_a, world):
    count = Idea.objects.count()
    client_a.post("/portal/ideas/propose/", {"title": " ", "body": "x"})
    assert Idea.objects.count() == count


def test_one_vote_per_contact(client_a, world):
    do_change_idea_status(acting_user=None, idea=world.b.idea, to="planned", now=NOW)
    client_a.post(f"/portal/ideas/{world.b.idea.pk}/vote/")
    client_a.post(f"/portal/ideas/{world.b.idea.pk}/vote/")
    assert IdeaVote.objects.filter(idea=world.b.idea, contact=world.a.contact).count() == 1
    assert world.b.idea.votes.count() == 2


def test_another_customers_idea_under_review_is_hidden_until_staff_plan_it(client_a, world):
    assert world.b.idea.title not in client_a.get("/portal/ideas/").content.decode()
    assert client_a.post(f"/portal/ideas/{world.b.idea.pk}/vote/").status_code == 404
    do_change_idea_status(acting_user=None, idea=world.b.idea, to="planned", now=NOW)
    assert world.b.idea.title in client_a.get("/portal/ideas/").content.decode()


def test_shipping_an_idea_tells_voters_with_active_support_in_their_language(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    from supportledger.entitlements.actions.sales import do_sell_contract

    # Beta's support period ended in July; a maintenance contract with updates
    # keeps Beta covered. Alfa has no support in force: Alfa hears nothing.
    do_sell_contract(
        acting_user=None,
        customer=world.b.customer,
        starts=NOW.date().replace(month=1, day=1),
        ends=NOW.date().replace(month=12, day=31),
        updates=True,
        now=NOW,
    )
    idea = world.b.idea
    do_change_idea_status(acting_user=None, idea=idea, to="planned", now=NOW)
    from supportledger.portal.actions import do_vote_for_idea

    do_vote_for_idea(acting_user=None, contact=world.a.contact, idea=idea, now=NOW)
    with delivering():
        do_change_idea_status(
            acting_user=None, idea=idea, to="shipped", shipped_in=world.b.new_release, now=NOW
        )
    assert [m.to for m in mailoutbox] == [["boris@beta.example"]]
    assert "2.0" in mailoutbox[0].subject
    assert "Γεια σας" in mailoutbox[0].body  # Boris reads Greek
    idea.refresh_from_db()
    assert idea.status == "shipped"
    assert idea.shipped_in == world.b.new_release


def test_idea_statuses_follow_the_transition_table(world):
    with pytest.raises(ActionRefused) as refused:
        do_change_idea_status(acting_user=None, idea=world.a.idea, to="shipped", now=NOW)
    assert refused.value.code == "invalid_transition"
    do_change_idea_status(acting_user=None, idea=world.a.idea, to="planned", now=NOW)
    with pytest.raises(ActionRefused):
        do_change_idea_status(acting_user=None, idea=world.a.idea, to="shipped", now=NOW)


def test_staff_change_an_idea_status_in_the_admin_through_the_action(client, world):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("boss", "boss@vendor.example", "x")
    client.force_login(admin)
    response = client.post(
        f"/admin/portal/idea/{world.a.idea.pk}/change/", {"status": "planned", "shipped_in": ""}
    )
    assert response.status_code == 302
    world.a.idea.refresh_from_db()
    assert world.a.idea.status == "planned"
    assert AuditEntry.objects.filter(action="change_idea_status", actor=admin).exists()


def test_the_language_switcher_remembers_the_choice_on_the_contact(client_a, world):
    response = client_a.post("/portal/language/", {"language": "pl", "next": "/portal/ideas/"})
    assert response["Location"] == "/portal/ideas/"
    assert Contact.objects.get(pk=world.a.contact.pk).language == "pl"
    html = client_a.get("/portal/ideas/").content.decode()
    assert 'lang="pl"' in html
    assert AuditEntry.objects.filter(action="set_contact_language").exists()


def test_the_language_switcher_ignores_unknown_languages_and_foreign_targets(client_a, world):
    response = client_a.post(
        "/portal/language/", {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/portal/"
    assert Contact.objects.get(pk=world.a.contact.pk).language == "bg"


def test_an_idea_propose_names_only_products_the_customer_holds(world):
    idea = do_propose_idea(acting_user=None, contact=world.a.contact, title="t", body="b", now=NOW)
    assert idea.product is None


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("bg", "Изтегляния"),
        ("hu", "Letöltések"),
        ("el", "Λήψεις"),
        ("ru", "Загрузки"),
        ("pl", "Pliki do pobrania"),
    ],
)
def test_every_portal_page_speaks_the_contacts_language(client, world, language, word):
    from supportledger.portal.actions import do_set_contact_language

    do_set_contact_language(acting_user=None, contact=world.a.contact, language=language)
    client.force_login(world.a.user)
    assert word in client.get("/portal/downloads/").content.decode()
