"""Writes of licences, entitlements and the ledger, one module per noun:
sales, the ledger, licence activations."""
