from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "supportledger.catalog"
    label = "catalog"
