from django.apps import AppConfig
from django.db.models.signals import post_save


class IntakeConfig(AppConfig):
    name = "supportledger.intake"
    label = "intake"
    verbose_name = "E-mail in and out"

    def ready(self) -> None:
        from supportledger.intake.receivers import announce_release, mail_public_reply

        # A staff reply posted in the desk is mailed to the customer.
        post_save.connect(
            mail_public_reply, sender="desk.Message", dispatch_uid="intake_mail_public_reply"
        )
        # A newly published release is announced to the customers it is for.
        post_save.connect(
            announce_release, sender="catalog.Release", dispatch_uid="intake_announce_release"
        )
