"""A rating's explanation in the reader's language: every step code in all six
languages, stored ratings with and without steps, and the request pages of the
portal (Bulgarian) and the console (Greek)."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import TestCase
from django.utils.html import escape
from django.utils.translation import override

from supportledger.billing.explain import explain_rating, explain_steps
from supportledger.desk.actions.requests import do_open_request
from supportledger.desk.actions.work import do_record_manual_work
from supportledger.desk.models import Category, Mode, WorkRating, channel_label
from supportledger.entitlements.actions.sales import do_sell_contract
from supportledger.rules.explanation import STEP_CODES
from tests.cast import SET_UP_AT, at, build_cast
from tests.portal import fixtures
from tests.portal.world import build_world
from tests.rules.factories import sample_steps

TRANSLATED = ("bg", "hu", "el", "ru", "pl")
MARCH_4 = date(2026, 3, 4)
frozen_now = fixtures.frozen_now
private_media = fixtures.private_media


def _english_words(code: str) -> set[str]:
    """The template's own English words (four letters or more) in the English
    line of the sample step: the step's values (references, the time zone) left out."""
    step, _line = sample_steps()[code]
    [english] = explain_steps([step], "en")
    values = " ".join(str(value) for value in step.args.values())
    return {
        word.lower()
        for word in re.findall(r"[A-Za-z]{4,}", english)
        if word.lower() not in values.lower()
    }


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("code", STEP_CODES)
def test_every_step_code_reads_in_the_language_without_its_english_words(code, language):
    step, _line = sample_steps()[code]
    [english] = explain_steps([step], "en")
    [line] = explain_steps([step], language)
    assert line
    assert line != english
    assert "%(" not in line
    words = {word.lower() for word in re.findall(r"\w+", line)}
    assert words.isdisjoint(_english_words(code)), line


@pytest.mark.parametrize("code", STEP_CODES)
def test_english_readers_get_the_rule_in_english_with_their_number_formats(code):
    step, _line = sample_steps()[code]
    [line] = explain_steps([step], "en")
    assert line[0].isupper() or line[0].isdigit()
    assert "%(" not in line


def test_numbers_money_and_weekdays_are_written_the_languages_way():
    steps = sample_steps()
    [billable] = explain_steps([steps["billable"][0]], "bg")
    nbsp = "\N{NO-BREAK SPACE}"
    assert billable == (
        f"За плащане 1{nbsp}440 мин × 40,00{nbsp}€ на час = 960,00{nbsp}€"  # noqa: RUF001
    )
    [after_hours] = explain_steps([steps["billable_after_hours"][0]], "el")
    assert "Σάββατο 10:00" in after_hours
    assert "1,5" in after_hours
    [amount] = explain_steps([steps["amount"][0]], "en")
    assert amount == "Amount €1,234.50"


def test_the_active_language_is_used_when_none_is_given():
    step = sample_steps()["travel"][0]
    with override("ru"):
        assert explain_steps([step]) == ["Выезд 20,00\N{NO-BREAK SPACE}€"]


def test_a_rating_stored_before_steps_were_kept_shows_its_english_lines():
    old = SimpleNamespace(steps=[], explanation=["Amount 20.00 EUR"])
    assert explain_rating(old, "bg") == ["Amount 20.00 EUR"]


def test_steps_that_no_longer_read_fall_back_to_the_stored_lines():
    broken = SimpleNamespace(
        steps=[{"code": "amount", "args": {"currency": "EUR"}}], explanation=["Amount 1.00 EUR"]
    )
    unknown = SimpleNamespace(steps=[{"code": "gift", "args": {}}], explanation=["Gift"])
    assert explain_rating(broken, "pl") == ["Amount 1.00 EUR"]
    assert explain_rating(unknown, "pl") == ["Gift"]


@pytest.mark.django_db
def test_the_portal_request_page_in_bulgarian_explains_the_charge_in_bulgarian(
    client, frozen_now, private_media
):
    world = build_world()
    assert world.a.contact.language == "bg"
    client.force_login(world.a.user)
    work = world.a.work[0]
    rating = work.ratings.get(current=True)
    assert len(rating.steps) == len(rating.explanation) > 0

    html = client.get(f"/portal/requests/{world.a.request.pk}/").content.decode()

    lines = explain_rating(rating, "bg")
    for line in lines:
        assert escape(line) in html
    # The steps end with the amount; then each entitlement held that did not pay.
    assert lines[len(rating.steps) - 1].startswith("Сума ")
    assert len(lines) == len(rating.steps) + len(rating.passed_over)
    assert all("не плати" in line for line in lines[len(rating.steps) :])
    with override("bg"):
        mode, category = Mode(work.mode).label, Category(work.category).label
        assert f'<span class="mode">{escape(mode)}</span>' in html
        assert f'<span class="category">{escape(category)}</span>' in html
    for english in rating.explanation:
        assert escape(english) not in html
    assert "Amount " not in html


class TheConsoleRequestPageInGreek(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast = build_cast()
        cls.contract = do_sell_contract(
            acting_user=None,
            customer=cls.cast.acme,
            starts=date(2026, 1, 1),
            ends=date(2026, 12, 31),
            sla=True,
            minutes_per_month=30,
            now=SET_UP_AT,
        )
        cls.request = do_open_request(
            acting_user=None,
            customer=cls.cast.acme,
            subject="Printing",
            body="",
            category="defect",
            channel="phone",
            product=cls.cast.accounting,
            now=at(MARCH_4, 7),
        )
        cls.work = do_record_manual_work(
            acting_user=None,
            request=cls.request,
            agent=cls.cast.maria,
            started_at=at(MARCH_4, 8),
            minutes=45,
            mode="remote",
        )

    def setUp(self):
        clock = mock.patch("supportledger.core.clock.now", return_value=at(MARCH_4, 9))
        clock.start()
        self.addCleanup(clock.stop)
        self.client.force_login(self.cast.maria.user)

    def _page(self) -> str:
        response = self.client.get(
            f"/console/requests/{self.request.pk}/",
            {"mode": "onsite", "minutes": 60},
            HTTP_ACCEPT_LANGUAGE="el",
        )
        return response.content.decode()

    def test_work_entries_read_in_greek_with_greek_mode_and_category(self):
        page = self._page()
        rating = WorkRating.objects.get(work=self.work, current=True)
        for line in explain_rating(rating, "el"):
            assert escape(line) in page
        for english in rating.explanation:
            assert escape(english) not in page
        with override("el"):
            assert escape(f"{Mode.REMOTE.label} / {Category.DEFECT.label}") in page
            assert escape(channel_label("phone")) in page
            assert f'<option value="onsite" selected>{escape(Mode.ONSITE.label)}</option>' in page
        # The channel as a phrase: "by phone", not the mode's "Phone support".
        assert 'id="channel">τηλεφωνικά</span>' in page

    def test_the_live_preview_reads_in_greek(self):
        page = self._page()
        preview = page[page.index('id="preview"') :]
        assert "Ποσό " in preview
        assert "Amount " not in preview
        with override("el"):
            assert escape(str(Mode.ONSITE.label)) in preview
