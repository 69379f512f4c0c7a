"""Writes of the desk, one module per noun: requests, thread, attachments,
work, timers, status, merge, saved filters and canned replies."""
