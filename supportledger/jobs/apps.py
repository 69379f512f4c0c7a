from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "supportledger.jobs"
    label = "jobs"
    verbose_name = "supportledger jobs"
