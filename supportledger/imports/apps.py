from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "supportledger.imports"
    label = "imports"
    verbose_name = "supportledger import of a vendor's existing data"
