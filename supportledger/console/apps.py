from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "supportledger.console"
    label = "console"
    verbose_name = "Staff console"
