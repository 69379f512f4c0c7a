from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "supportledger.billing"
    label = "billing"
