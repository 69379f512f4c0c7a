from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "supportledger.console"
    label = "console"
    verbose_name = "Staff console"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from supportledger.console.second_factor import note_login

        user_logged_in.connect(note_login, dispatch_uid="staff_second_factor_login")
