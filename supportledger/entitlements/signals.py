"""Signals of the entitlements app.

``entitlements_granted`` is sent inside the granting transaction, once per
sale or extension, with ``customer_id`` and ``since`` (the earliest day the
new entitlements are valid, policy time zone), ``acting_user``, ``at`` and
``request_id`` (set when the grant covers only the work of that request: a
service warranty; ``None`` otherwise).
Work already recorded from ``since`` on may now be charged differently: the
desk re-rates it (``supportledger.desk.receivers``), so a backdated voucher,
contract or support period applies to the work it covers.
"""

from django.dispatch import Signal

entitlements_granted = Signal()
