"""The rules of supportledger: pure Python, no Django, no I/O.

Deterministic functions on the plain values of ``supportledger.rules.types``.
Every other layer (actions, pages, API, command line) calls them; a rule is
written here once.
"""
