"""References people read and type, written in one place so every app that
shows one (the desk, the ledger's explanations, invoices) writes the same."""


def request_reference(pk: int) -> str:
    """A request's human reference, e.g. ``REQ-12``."""
    return f"REQ-{pk}"
