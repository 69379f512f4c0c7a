from django.apps import AppConfig


class MailConfig(AppConfig):
    """The mail code shared by the apps: it has no tables of its own (its
    models are the intake app's), and is an app for its templates and translations."""

    name = "supportledger.mail"
    label = "mail"
    verbose_name = "Mail records and the outbox"
