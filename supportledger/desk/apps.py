from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "supportledger.desk"
    label = "desk"
