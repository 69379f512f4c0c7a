from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase

from supportledger.core.errors import ActionRefused
from supportledger.core.models import AuditEntry
from supportledger.customers.actions import do_add_staff_member
from supportledger.service.actions.consent import do_record_consent
from supportledger.service.actions.remote import (
    SESSION_CODE_ATTEMPTS,
    SESSION_CODE_MINUTES,
    do_attach_remote_tool,
    do_end_remote_session,
    do_start_remote_session,
)
from supportledger.service.models import Consent, RemoteSession, SessionStatus
from supportledger.service.queries import (
    list_consultants_on_duty,
    list_remote_sessions_for_customer,
)
from tests.cast import SET_UP_AT, at
from tests.service.scene import PRICE_LIST, WEDNESDAY, build_scene, consent

NOON = at(WEDNESDAY, 10)  # 12:00 in Sofia


class RecordingConsent(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.petya_login = get_user_model().objects.create_user("petya")

    def record(self, **overrides):
        fields = {
            "acting_user": self.petya_login,
            "contact": self.scene.petya,
            "request": self.scene.request,
            "terms_version": "2026-01",
            "price_list_version": PRICE_LIST,
            "ip_address": "198.51.100.7",
            "now": NOON,
        }
        fields.update(overrides)
        return do_record_consent(**fields)

    def test_records_terms_price_list_time_who_and_address_with_an_audit_row(self):
        given = self.record()
        assert (given.terms_version, given.price_list_version) == ("2026-01", PRICE_LIST)
        assert given.price_list.effective_from.isoformat() == PRICE_LIST
        assert given.given_at == NOON
        assert given.recorded_by == self.petya_login
        assert given.ip_address == "198.51.100.7"
        entry = AuditEntry.objects.get(action="record_consent", object_id=str(given.pk))
        assert entry.actor == self.petya_login
        assert entry.detail["ip_address"] == "198.51.100.7"
        assert entry.detail["price_list_version"] == PRICE_LIST

    def test_an_unknown_price_list_version_is_refused_naming_the_field(self):
        with pytest.raises(ActionRefused) as refused:
            self.record(price_list_version="2019-05-01")
        assert refused.value.code == "unknown_price_list"
        assert "price_list_version" in refused.value.message
        assert Consent.objects.count() == 0

    def test_terms_version_and_ip_address_are_required(self):
        for field in ("terms_version", "ip_address"):
            with pytest.raises(ActionRefused) as refused:
                self.record(**{field: ""})
            assert field in refused.value.message

    def test_a_contact_cannot_consent_for_another_customers_request(self):
        with pytest.raises(ActionRefused) as refused:
            self.record(request=self.scene.zeta_request)
        assert refused.value.code == "wrong_customer"


class ARemoteSession(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.maria = cls.scene.cast.maria

    def setUp(self):
        self.consent = consent(self.scene.petya, self.scene.request, now=NOON)
        self.session, self.code = do_start_remote_session(
            acting_user=None, consent=self.consent, agent=self.maria, now=NOON
        )

    def attach(self, code=None, now=None, **overrides):
        fields = {
            "acting_user": self.maria.user,
            "session": self.session,
            "code": self.code if code is None else code,
            "tool": "teamviewer",
            "tool_session_id": "1 234 567 890",
            "now": now or NOON + timedelta(minutes=2),
        }
        fields.update(overrides)
        return do_attach_remote_tool(**fields)

    def test_the_code_is_shown_once_and_stored_only_hashed(self):
        digits = self.code.replace("-", "")
        assert len(digits) == 9
        assert digits.isdigit()
        stored = RemoteSession.objects.get(pk=self.session.pk)
        assert digits not in stored.code_hash
        assert self.code not in stored.code_hash
        assert stored.code_expires_at == NOON + timedelta(minutes=SESSION_CODE_MINUTES)

    def test_the_consultant_connects_with_the_code_and_records_the_tool(self):
        session = self.attach()
        assert session.status == SessionStatus.CONNECTED
        assert (session.tool, session.tool_session_id) == ("teamviewer", "1 234 567 890")
        assert session.code_used_at == NOON + timedelta(minutes=2)

    def test_the_code_works_only_once(self):
        self.attach()
        with pytest.raises(ActionRefused) as refused:
            self.attach(tool="anydesk", tool_session_id="987654321")
        assert refused.value.code == "code_used"
        self.session.refresh_from_db()
        assert self.session.tool == "teamviewer"

    def test_the_code_expires_after_the_window(self):
        late = NOON + timedelta(minutes=SESSION_CODE_MINUTES)
        with pytest.raises(ActionRefused) as refused:
            self.attach(now=late)
        assert refused.value.code == "code_expired"
        self.session.refresh_from_db()
        assert self.session.status == SessionStatus.WAITING

    def test_a_wrong_code_is_refused_audited_and_the_code_dies_after_a_few(self):
        for _ in range(SESSION_CODE_ATTEMPTS):
            with pytest.raises(ActionRefused) as refused:
                self.attach(code="000-000-000")
            assert refused.value.code == "wrong_code"
        with pytest.raises(ActionRefused) as refused:
            self.attach()
        assert refused.value.code == "code_blocked"
        refusals = AuditEntry.objects.filter(action="refuse_remote_code")
        assert refusals.count() == SESSION_CODE_ATTEMPTS + 1

    def test_after_the_end_the_code_is_dead(self):
        self.attach()
        do_end_remote_session(
            acting_user=self.maria.user, session=self.session, now=NOON + timedelta(minutes=40)
        )
        with pytest.raises(ActionRefused) as refused:
            self.attach(now=NOON + timedelta(minutes=41))
        assert refused.value.code == "session_ended"

    def test_a_session_ended_before_connecting_kills_the_unused_code(self):
        do_end_remote_session(acting_user=None, session=self.session, now=NOON)
        with pytest.raises(ActionRefused) as refused:
            self.attach()
        assert refused.value.code == "session_ended"

    def test_a_new_session_needs_new_consent(self):
        self.attach()
        do_end_remote_session(acting_user=None, session=self.session, now=NOON)
        with pytest.raises(ActionRefused) as refused:
            do_start_remote_session(
                acting_user=None, consent=self.consent, agent=self.maria, now=NOON
            )
        assert refused.value.code == "consent_used"
        fresh = consent(self.scene.petya, self.scene.request, now=NOON + timedelta(hours=1))
        session, code = do_start_remote_session(
            acting_user=None, consent=fresh, agent=self.maria, now=NOON + timedelta(hours=1)
        )
        assert session.pk != self.session.pk
        assert code != self.code or session.code_hash != self.session.code_hash

    def test_every_step_leaves_an_audit_row(self):
        self.attach()
        do_end_remote_session(acting_user=self.maria.user, session=self.session, now=NOON)
        actions = set(
            AuditEntry.objects.filter(object_type="service.remotesession").values_list(
                "action", flat=True
            )
        )
        assert actions == {"start_remote_session", "attach_remote_tool", "end_remote_session"}
        assert AuditEntry.objects.filter(
            action="record_consent", object_id=str(self.consent.pk)
        ).exists()
        attach = AuditEntry.objects.get(action="attach_remote_tool")
        assert attach.actor == self.maria.user
        assert attach.detail == {"tool": "teamviewer", "tool_session_id": "1 234 567 890"}

    def test_an_ended_session_cannot_end_again(self):
        do_end_remote_session(acting_user=None, session=self.session, now=NOON)
        with pytest.raises(ActionRefused) as refused:
            do_end_remote_session(acting_user=None, session=self.session, now=NOON)
        assert refused.value.code == "invalid_transition"

    def test_an_unknown_tool_is_refused(self):
        with pytest.raises(ActionRefused) as refused:
            self.attach(tool="vnc")
        assert "tool" in refused.value.message


class WhatTheCustomerSees(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.scene = build_scene()
        cls.boss = do_add_staff_member(
            acting_user=None,
            user=get_user_model().objects.create_user("boss"),
            role="manager",
            now=SET_UP_AT,
        )
        for hour in (7, 9):
            do_start_remote_session(
                acting_user=None,
                consent=consent(cls.scene.petya, cls.scene.request),
                agent=cls.scene.cast.maria,
                now=at(WEDNESDAY, hour),
            )
        do_start_remote_session(
            acting_user=None,
            consent=consent(cls.scene.zoltan, cls.scene.zeta_request),
            agent=cls.scene.cast.ivan,
            now=at(WEDNESDAY, 8),
        )

    def test_a_customer_sees_all_its_own_sessions_newest_first_and_no_others(self):
        sessions = list(list_remote_sessions_for_customer(self.scene.cast.acme))
        assert [s.started_at for s in sessions] == [at(WEDNESDAY, 9), at(WEDNESDAY, 7)]
        assert {s.consent.contact for s in sessions} == {self.scene.petya}

    def test_the_session_list_takes_one_query_however_many_sessions(self):
        with self.assertNumQueries(1):
            rows = list(list_remote_sessions_for_customer(self.scene.cast.acme))
            [(s.agent.user.username, s.consent.contact.name) for s in rows]

    def test_agents_are_on_duty_in_business_hours(self):
        on_duty = set(list_consultants_on_duty(at(WEDNESDAY, 10)))
        assert on_duty == {self.scene.cast.maria, self.scene.cast.ivan}

    def test_nobody_is_on_duty_at_night_or_on_sunday(self):
        assert list(list_consultants_on_duty(at(WEDNESDAY, 20))) == []
        assert list(list_consultants_on_duty(at(WEDNESDAY + timedelta(days=4), 10))) == []
