from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "supportledger.customers"
    label = "customers"
