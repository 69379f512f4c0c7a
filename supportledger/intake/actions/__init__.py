"""Writes of the intake, one module per step of an inbound message:
receiving it, routing it. What the intake mails is in ``intake.mail``."""
