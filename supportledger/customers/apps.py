from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "supportledger.customers"
    label = "customers"

    def ready(self) -> None:
        # Registers each capability as a ``supportledger.<capability>`` permission.
        from supportledger.customers import permissions

        assert permissions.MATRIX
