from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "supportledger.jobs"
    label = "jobs"
    verbose_name = "supportledger jobs"

    def ready(self) -> None:
        from supportledger.billing.einvoice.signals import national_document_pending
        from supportledger.jobs.tasks import queue_national_document

        national_document_pending.connect(
            queue_national_document, dispatch_uid="jobs_queue_national_document"
        )
