from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "supportledger.ops"
    label = "ops"
    verbose_name = "supportledger operations"
