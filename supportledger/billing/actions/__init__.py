"""Writes of billing, one module per noun: invoices (numbering, issuing,
paying, cancelling, crediting), the billing run, orders, and reminders
(holds for overdue invoices, renewal reminders).

Invariants the database enforces, not only this code:
- a piece of work, a contract's fee period, an order and a credited line
  are each on at most one active invoice line (partial unique constraints);
- invoice numbers are unique, and (series, year, sequence) too; numbers are
  taken from an ``InvoiceCounter`` row locked by the issuing transaction, so
  they are consecutive and a rolled-back issue leaves no gap.
"""
