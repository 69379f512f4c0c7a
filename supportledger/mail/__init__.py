"""Mail records and the outbox, below the apps that send mail.

``models`` (inbound messages and the outbox, tables of the ``intake`` app),
``outbox`` (queueing in the causing transaction, delivery by the worker,
retries), ``compose`` (subject and body in the recipient's language from
``templates/mail/``, the threading headers) and ``conf`` (the outbound
settings). Each app's own notifications are in its ``mail.py`` (desk,
customers, entitlements, intake, billing, service); receiving mail is the
intake's.
"""
