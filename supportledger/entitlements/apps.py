from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "supportledger.entitlements"
    label = "entitlements"
