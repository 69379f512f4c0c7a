from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "supportledger.demo"
    label = "demo"
