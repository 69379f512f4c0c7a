from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "supportledger.intake"
    label = "intake"
    verbose_name = "E-mail in and out"
