"""Staff-side claims and the automatic confirmation follow the vendor's
policy exactly like the portal: a vendor with claims off gets no claims page,
link, deadline or action (the actions refuse with a clear reason), and work
is not confirmed automatically where ``auto_confirm`` is off."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from supportledger.core.errors import ActionRefused
from supportledger.core.models import VendorPolicy
from supportledger.desk.actions.work import do_record_work
from supportledger.jobs.tasks import auto_confirm_work as auto_confirm_job
from supportledger.service.actions.claims import do_accept_claim, do_file_claim
from supportledger.service.actions.confirmation import auto_confirm_work, do_confirm_work
from supportledger.service.models import Claim, ClaimStatus, WorkConfirmation
from tests.cast import add_staff, at
from tests.service.scene import WEDNESDAY, build_scene

pytestmark = pytest.mark.django_db


def _switch_off(*features):
    policy = VendorPolicy.objects.get(pk=1)
    policy.features = [f for f in policy.features if f not in features]
    policy.save(update_fields=["features"])


def _work(scene, work_id="W1"):
    return do_record_work(
        acting_user=None,
        work_id=work_id,
        request=scene.request,
        agent=scene.cast.maria,
        started_at=at(WEDNESDAY, 7),
        ended_at=at(WEDNESDAY, 8),
        mode="remote",
        category="configuration",
        product=scene.cast.accounting,
        now=at(WEDNESDAY, 8),
    )


def test_with_claims_off_staff_get_no_claims_page_link_deadline_or_decision():
    scene = build_scene()
    work = _work(scene)
    do_confirm_work(acting_user=None, work=work, contact=scene.petya, now=at(WEDNESDAY, 9))
    # Filed while the vendor took claims; then the vendor stops taking them.
    claim = do_file_claim(
        acting_user=None,
        work=work,
        contact=scene.petya,
        description="Wrong",
        now=at(WEDNESDAY, 10),
    )
    manager = add_staff(scene.cast, "nadia", "manager")
    client = Client()
    client.force_login(manager.user)
    link = f'href="{reverse("service:claims")}"'
    assert link in client.get(reverse("console:queue")).content.decode()
    _switch_off("claims")
    assert link not in client.get(reverse("console:queue")).content.decode()
    assert client.get(reverse("service:claims")).status_code == 404
    page = client.get(reverse("service:work", args=[work.pk])).content.decode()
    assert "Complaint deadline" not in page
    assert "Service warranty until" not in page
    accepted = client.post(reverse("service:accept_claim", args=[claim.pk]), follow=True)
    assert "This vendor takes no complaints about work: claims are off in its policy." in (
        accepted.content.decode()
    )
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.FILED
    with pytest.raises(ActionRefused) as refused:
        do_accept_claim(acting_user=None, claim=claim)
    assert refused.value.code == "not_offered"
    with pytest.raises(ActionRefused) as refused:
        do_file_claim(
            acting_user=None,
            work=_work(scene, "W2"),
            contact=scene.petya,
            description="Again",
            now=at(WEDNESDAY, 11),
        )
    assert refused.value.code == "not_offered"


def test_work_is_confirmed_automatically_only_where_the_policy_says_so():
    scene = build_scene()
    work = _work(scene)
    later = at(WEDNESDAY, 8) + timedelta(days=30)
    _switch_off("auto_confirm")
    assert auto_confirm_work(later) == 0
    assert auto_confirm_job.call() == {
        "confirmed": 0,
        "skipped": "the vendor does not confirm work automatically",
    }
    assert not WorkConfirmation.objects.filter(work=work).exists()
    VendorPolicy.objects.filter(pk=1).update(features=["claims", "auto_confirm"])
    assert auto_confirm_work(later) == 1
    assert WorkConfirmation.objects.get(work=work).automatic
