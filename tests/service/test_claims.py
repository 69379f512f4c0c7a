from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.utils import translation

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.desk.actions.work import do_record_work
from supportledger.entitlements.actions.sales import do_sell_voucher
from supportledger.entitlements.models import Kind
from supportledger.service.actions.claims import do_accept_claim, do_file_claim, do_reject_claim
from supportledger.service.actions.confirmation import auto_confirm_work, do_confirm_work
from supportledger.service.actions.visits import do_book_appointment
from supportledger.service.models import ClaimStatus, TravelCharge, WorkConfirmation
from supportledger.service.queries import get_claim_window, list_unbilled_travel_charges
from tests.cast import at, open_request
from tests.service.scene import WEDNESDAY, build_scene, consent

WORK_START = at(WEDNESDAY, 7)  # 09:00 in Sofia
WORK_END = at(WEDNESDAY, 8)
CONFIRMED = at(WEDNESDAY, 10)
# Three business days after Wednesday 4 March: Thu 5, Fri 6, Mon 9.
DEADLINE = datetime(2026, 3, 9, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Sofia


class ClaimsOnConfirmedWork(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.cast = cls.scene.cast
        cls.work = cls.record("W1", WORK_START, WORK_END)

    @classmethod
    def record(cls, work_id, start, end, mode="remote", **extra):
        return do_record_work(
            acting_user=None,
            work_id=work_id,
            request=cls.scene.request,
            agent=cls.cast.maria,
            started_at=start,
            ended_at=end,
            mode=mode,
            category="configuration",
            product=cls.cast.accounting,
            now=end,
            **extra,
        )

    def confirm(self, now=CONFIRMED):
        return do_confirm_work(acting_user=None, work=self.work, contact=self.scene.petya, now=now)

    def file(self, now=CONFIRMED + timedelta(hours=3)):
        return do_file_claim(
            acting_user=None,
            work=self.work,
            contact=self.scene.petya,
            description="The report still prints the old VAT rate.",
            now=now,
        )

    # --- confirmation ------------------------------------------------------

    def test_the_customer_confirms_work_and_the_windows_are_computed(self):
        confirmation = self.confirm()
        assert confirmation.contact == self.scene.petya
        assert not confirmation.automatic
        window = get_claim_window(self.work)
        assert window.complaint_deadline == DEADLINE
        assert window.deadline_reason == "business_days"
        assert window.service_warranty_ends == date(2026, 3, 18)
        assert AuditEntry.objects.filter(action="confirm_work").count() == 1

    def test_unconfirmed_work_has_no_claim_window(self):
        assert get_claim_window(self.work) is None

    def test_work_is_confirmed_once(self):
        self.confirm()
        with pytest.raises(ActionRefused) as refused:
            self.confirm()
        assert refused.value.code == "already_confirmed"

    def test_a_contact_of_another_customer_cannot_confirm(self):
        with pytest.raises(ActionRefused) as refused:
            do_confirm_work(acting_user=None, work=self.work, contact=self.scene.zoltan)
        assert refused.value.code == "wrong_customer"

    def test_work_left_unconfirmed_confirms_itself_after_seven_days(self):
        assert auto_confirm_work(WORK_END + timedelta(days=7) - timedelta(minutes=1)) == 0
        assert auto_confirm_work(WORK_END + timedelta(days=8)) == 1
        assert auto_confirm_work(WORK_END + timedelta(days=9)) == 0
        confirmation = WorkConfirmation.objects.get(work=self.work)
        assert confirmation.automatic
        assert confirmation.confirmed_at == WORK_END + timedelta(days=7)
        assert AuditEntry.objects.filter(action="auto_confirm_work").count() == 1

    def test_work_the_customer_confirmed_is_not_confirmed_again_automatically(self):
        self.confirm()
        assert auto_confirm_work(WORK_END + timedelta(days=30)) == 0

    def test_the_next_ordered_service_ends_the_complaint_window_early(self):
        self.confirm()
        visit = do_book_appointment(
            acting_user=None,
            request=self.scene.request,
            agent=self.cast.ivan,
            consent=consent(self.scene.petya, self.scene.request, now=CONFIRMED),
            starts_at=at(WEDNESDAY + timedelta(days=1), 7),
            ends_at=at(WEDNESDAY + timedelta(days=1), 9),
            city="Sofia",
            now=CONFIRMED,
        )
        window = get_claim_window(self.work)
        assert window.complaint_deadline == visit.starts_at
        assert window.deadline_reason == "next_service"

    # --- filing -------------------------------------------------------------

    def test_a_claim_on_unconfirmed_work_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            self.file()
        assert refused.value.code == "not_confirmed"

    def test_a_claim_at_the_deadline_is_in_time(self):
        self.confirm()
        claim = self.file(now=DEADLINE)
        assert claim.status == ClaimStatus.FILED
        assert claim.deadline == DEADLINE
        assert AuditEntry.objects.filter(action="file_claim").count() == 1

    def test_a_late_claim_is_refused_with_the_deadline_in_the_readers_language(self):
        self.confirm()
        with translation.override("pl"), pytest.raises(ActionRefused) as refused:
            self.file(now=DEADLINE + timedelta(seconds=1))
        assert refused.value.code == "claim_too_late"
        assert "09-03-2026 23:59 (Europe/Sofia)" in refused.value.message
        assert "Termin" in refused.value.message

    def test_a_claim_needs_a_description(self):
        self.confirm()
        with pytest.raises(ActionRefused) as refused:
            do_file_claim(
                acting_user=None, work=self.work, contact=self.scene.petya, description=" "
            )
        assert "description" in refused.value.message

    # --- deciding -----------------------------------------------------------

    def test_an_accepted_claim_makes_the_rework_free(self):
        self.confirm()
        claim = do_accept_claim(acting_user=None, claim=self.file(), now=at(WEDNESDAY, 13))
        assert claim.status == ClaimStatus.ACCEPTED
        grant = claim.service_warranty
        assert grant.kind == Kind.SERVICE_WARRANTY
        # From the day after the work complained about to 14 days after the
        # confirmation; the rework of that work only.
        assert (grant.starts, grant.ends) == (date(2026, 3, 5), date(2026, 3, 18))
        assert grant.request == self.scene.request
        assert grant.covers == ["configuration"]
        assert list(grant.products.all()) == [self.cast.accounting]
        rework_day = date(2026, 3, 10)
        rework = self.record("W2", at(rework_day, 7), at(rework_day, 9))
        rating = rework.ratings.get(current=True)
        assert rating.amount == Decimal("0.00")
        assert rating.billable_minutes == 0
        assert AuditEntry.objects.filter(action="accept_claim").count() == 1

    def test_an_accepted_claim_leaves_every_other_piece_of_the_customers_work_unchanged(self):
        voucher = do_sell_voucher(
            acting_user=None,
            customer=self.cast.acme,
            minutes=300,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            now=CONFIRMED,
        )
        other = open_request(self.cast.acme, "Training for the new bookkeeper")
        day = date(2026, 3, 5)
        others = [
            self.record_on(other, "W3", at(day, 7), at(day, 9), "training"),
            self.record_on(other, "W4", at(day, 9), at(day, 10), "configuration"),
            self.record_on(self.scene.request, "W5", at(day, 10), at(day, 11), "training"),
        ]
        self.confirm()
        claim = self.file()

        def snapshot():
            state = []
            for work in [self.work, *others]:
                rating = work.ratings.get(current=True)
                allocations = sorted(
                    (entry.entitlement_id, entry.minutes_delta)
                    for entry in rating.ledger_entries.all()
                )
                state.append((rating.amount, rating.billable_minutes, allocations))
            voucher.refresh_from_db()
            return state, voucher.balance_minutes

        before = snapshot()
        assert before[1] < 300  # the other work drew on the voucher
        last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        do_accept_claim(acting_user=None, claim=claim, now=at(WEDNESDAY, 13))
        assert snapshot() == before
        # Only the work of the request complained about was looked at again.
        rerated = set(
            AuditEntry.objects.filter(action="rerate_work", pk__gt=last_audit).values_list(
                "object_id", flat=True
            )
        )
        assert rerated == {str(others[2].pk)}
        # The rework of the work complained about is free; other work of its
        # request, another category, is not.
        rework_day = date(2026, 3, 10)
        rework = self.record("W6", at(rework_day, 7), at(rework_day, 8))
        assert rework.ratings.get(current=True).amount == Decimal("0.00")
        training = self.record_on(
            self.scene.request, "W7", at(rework_day, 8), at(rework_day, 9), "training"
        )
        assert training.ratings.get(current=True).amount == Decimal("40.00")

    @classmethod
    def record_on(cls, request, work_id, start, end, category):
        return do_record_work(
            acting_user=None,
            work_id=work_id,
            request=request,
            agent=cls.cast.maria,
            started_at=start,
            ended_at=end,
            mode="remote",
            category=category,
            product=cls.cast.accounting,
            now=end,
        )

    def test_without_an_accepted_claim_the_same_rework_is_billed(self):
        rework_day = date(2026, 3, 10)
        rework = self.record("W2", at(rework_day, 7), at(rework_day, 9))
        assert rework.ratings.get(current=True).amount > 0

    def test_a_claim_rejected_after_an_on_site_visit_bills_the_travel_once(self):
        self.confirm()
        claim = do_reject_claim(
            acting_user=None,
            claim=self.file(),
            note="The fault is in the printer driver, not in our work.",
            visited_on_site=True,
            now=at(WEDNESDAY, 13),
        )
        assert claim.status == ClaimStatus.REJECTED
        charge = TravelCharge.objects.get()
        assert (charge.amount, charge.currency) == (Decimal("20.00"), "EUR")
        assert charge.customer == self.cast.acme
        assert list(list_unbilled_travel_charges()) == [charge]
        with pytest.raises(ActionRefused) as refused:
            do_reject_claim(acting_user=None, claim=claim, note="again", visited_on_site=True)
        assert refused.value.code == "invalid_transition"
        assert TravelCharge.objects.count() == 1
        with pytest.raises(IntegrityError), transaction.atomic():
            TravelCharge.objects.create(
                claim=claim,
                customer=charge.customer,
                amount=charge.amount,
                currency=charge.currency,
                price_list=charge.price_list,
                charged_on=charge.charged_on,
                created_at=charge.created_at,
            )

    def test_a_claim_rejected_without_a_visit_bills_nothing(self):
        self.confirm()
        do_reject_claim(acting_user=None, claim=self.file(), note="Works as designed.")
        assert TravelCharge.objects.count() == 0
        assert AuditEntry.objects.filter(action="reject_claim").count() == 1

    def test_a_rejection_needs_a_reason(self):
        self.confirm()
        with pytest.raises(ActionRefused) as refused:
            do_reject_claim(acting_user=None, claim=self.file(), note="")
        assert "note" in refused.value.message
