from datetime import UTC, date, datetime
from unittest import mock

from django.test import TestCase
from django_tasks_db.models import DBTaskResult

from supportledger.core.models import VendorPolicy
from supportledger.jobs import tasks
from supportledger.jobs.models import ScheduledRun
from supportledger.jobs.schedule import enqueue_due_jobs
from supportledger.service.models import WorkConfirmation
from tests.billing.scenario import MARCH_4, build_billing_story, record
from tests.cast import at

SECOND_OF_APRIL = datetime(2026, 4, 2, 5, 0, tzinfo=UTC)  # 08:00 in Sofia
DAILY = {
    "daily": "run_daily_jobs",
    "appointment_reminders": "send_appointment_reminders",
    "auto_confirm_work": "auto_confirm_work",
    "close_requests": "close_requests_past_complaint_window",
    "balance_alerts": "send_balance_alerts",
    "national_documents": "submit_due_national_documents",
}


def queued_task_names() -> list[str]:
    return sorted(row.task_path.rsplit(".", 1)[-1] for row in DBTaskResult.objects.all())


class TheDailyJobs(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cast, _contract, cls.request = build_billing_story()

    def test_each_daily_job_is_queued_once_a_day_however_many_workers_look(self):
        for _worker in range(3):
            enqueue_due_jobs(SECOND_OF_APRIL)
        assert sorted(ScheduledRun.objects.values_list("job", flat=True)) == sorted(DAILY)
        assert queued_task_names() == sorted(DAILY.values())
        assert all(ScheduledRun.objects.values_list("task_id", flat=True))

    def test_a_worker_that_looked_before_another_committed_queues_nothing(self):
        assert enqueue_due_jobs(SECOND_OF_APRIL) == list(DAILY)
        # The second worker's cheap look missed the rows; the unique slot refuses it.
        with mock.patch("supportledger.jobs.schedule._claimed", return_value=False):
            assert enqueue_due_jobs(SECOND_OF_APRIL) == []
        assert ScheduledRun.objects.count() == len(DAILY)
        assert len(queued_task_names()) == len(DAILY)

    def test_the_next_day_queues_them_again(self):
        enqueue_due_jobs(SECOND_OF_APRIL)
        enqueue_due_jobs(SECOND_OF_APRIL.replace(day=3))
        days = ScheduledRun.objects.filter(job="auto_confirm_work").values_list("slot", flat=True)
        assert sorted(days) == [date(2026, 4, 2), date(2026, 4, 3)]

    def test_the_automatic_confirmation_job_does_nothing_where_the_vendor_has_it_off(self):
        record(self.cast, self.request, "W-OFF", at(MARCH_4, 9), at(MARCH_4, 10))
        with mock.patch("supportledger.core.clock.now", return_value=SECOND_OF_APRIL):
            outcome = tasks.auto_confirm_work.call()
        assert outcome["confirmed"] == 0

    def test_the_automatic_confirmation_job_confirms_work_left_unconfirmed(self):
        # The Sofia vendor switches automatic confirmation on (the preset
        # leaves it to the Polish one).
        VendorPolicy.objects.filter(pk=1).update(features=["auto_confirm"])
        work = record(self.cast, self.request, "W1", at(MARCH_4, 7), at(MARCH_4, 8))
        with mock.patch("supportledger.core.clock.now", return_value=SECOND_OF_APRIL):
            outcome = tasks.auto_confirm_work.call()
        assert outcome == {"confirmed": 1}
        assert WorkConfirmation.objects.get(work=work).automatic

    def test_the_reminder_and_alert_jobs_run_with_nothing_due(self):
        with mock.patch("supportledger.core.clock.now", return_value=SECOND_OF_APRIL):
            assert tasks.send_appointment_reminders.call() == {"reminders": 0}
            assert tasks.send_balance_alerts.call() == {"alerts": 0}
