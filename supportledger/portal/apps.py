from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "supportledger.portal"
    label = "portal"
    verbose_name = "Customer portal"
