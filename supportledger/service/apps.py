from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "supportledger.service"
    label = "service"
    verbose_name = "service delivery"
