"""Signals of the electronic invoices.

``national_document_pending`` is sent after the transaction that made a
national document to send has committed, with ``document_id``: the worker's
jobs (``supportledger.jobs``) queue its sending at once. The daily retry of
due documents sends it anyway if nobody listens.
"""

from django.dispatch import Signal

national_document_pending = Signal()
