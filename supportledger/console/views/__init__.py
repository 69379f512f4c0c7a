"""The staff console's views, one module per area: ``desk`` (the queue and
requests), ``billing``, ``service`` (visits, remote sessions, claims) and
``mail`` (inbound mail), with the log-in pages in ``auth``."""
