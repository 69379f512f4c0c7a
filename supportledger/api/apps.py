from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "supportledger.api"
    label = "api"
    verbose_name = "REST API"
