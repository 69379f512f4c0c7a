"""Writes of service delivery, one module per noun: visits, consent, remote
sessions, confirmation of work and claims (DESIGN 3.6, seeds S0 and S4).

Every action runs in one transaction, leaves an audit row and sends mail
only after commit. Refusals raise ``ActionRefused`` with a stable code and a
message in the active language; nothing is written then.
"""
