"""The monthly billing run: every customer's unbilled work, contract fees,
orders and travel charges of a period, on drafts or issued invoices."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, connections, router, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Exists, OuterRef, Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from supportledger.billing import mail
from supportledger.billing.actions.invoices import (
    customer_record,
    invoice_language,
    number_text,
    seller_record,
    series_key,
    vat_note,
)
from supportledger.billing.convert import (
    RATING_VALUES,
    WORK_LINE_FIELDS,
    JsonText,
    LineRow,
    LineTexts,
    LineValues,
    Period,
    fee_line,
    fee_periods,
    line_row,
    line_texts,
    mark_if_earlier,
    order_line,
    travel_line,
    work_line_row,
)
from supportledger.billing.einvoice.actions import keep_national_document
from supportledger.billing.models import (
    BillingSettings,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Order,
    OrderStatus,
)
from supportledger.billing.queries import (
    get_billing_settings,
    missing_customer_billing_fields,
    refuse_unless_seller_complete,
)
from supportledger.core import clock
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.locale_format import format_date
from supportledger.core.models import AuditEntry
from supportledger.core.queries import get_vendor_policy
from supportledger.customers.models import Customer, CustomerType
from supportledger.desk.models import WorkRating
from supportledger.entitlements.convert import local_date
from supportledger.entitlements.models import BillingPeriod, Entitlement
from supportledger.rules.money import round_money
from supportledger.rules.vat import VatDecision, decide_vat
from supportledger.service.actions.claims import do_mark_travel_charge_billed
from supportledger.service.models import TravelCharge
from supportledger.service.queries import list_unbilled_travel_charges


@dataclass
class BillingRunResult:
    """``refused``: customers not invoiced because their billing data is
    insufficient, with the missing field names; billed by a later run once
    the data is filled in."""

    period: Period
    invoices: list[Invoice] = field(default_factory=list)
    skipped_customers: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)


# A rating's JSON read as the database keeps it, to be copied into the line's
# ``detail`` as it is (``convert.work_line_row``): not decoded and encoded
# again a million times a run.
_RATING_JSON = {
    f"{name}_json": Cast(name, TextField())
    for name in ("allocations", "explanation", "passed_over")
}


def _unbilled_ratings(customer_ids: Iterable[int], until: datetime) -> Any:
    """Current ratings with something billable, of work started before
    ``until`` (UTC), not on an active invoice line; oldest work first; each
    a tuple of ``convert.RATING_VALUES``, its JSON fields as text."""
    billed = InvoiceLine.objects.filter(work_id=OuterRef("work_id"), active=True)
    return (
        WorkRating.objects.filter(
            Q(billable_minutes__gt=0) | Q(amount__gt=0),
            current=True,
            work__request__customer_id__in=list(customer_ids),
            work__started_at__lt=until,
        )
        .filter(~Exists(billed))
        .annotate(**_RATING_JSON)
        .order_by("work__started_at", "work_id")
        .values_list(*RATING_VALUES)
    )


def _fee_contracts(customer_ids: Iterable[int], period: Period) -> Any:
    """Entitlements that carry a fee of their own. One sold by an order
    carries a fee only when it recurs, billed from its ``fees_from`` (the
    order billed the first period); an order's one-off sale has none."""
    return Entitlement.objects.filter(
        customer_id__in=list(customer_ids),
        fee__isnull=False,
        billing_period__in=[
            BillingPeriod.MONTH,
            BillingPeriod.QUARTER,
            BillingPeriod.YEAR,
            BillingPeriod.ONCE,
        ],
        starts__lte=period.end,
    ).order_by("starts", "id")


def _unbilled_orders(customer_ids: Iterable[int], period: Period) -> Any:
    billed = InvoiceLine.objects.filter(order_id=OuterRef("pk"), active=True)
    return (
        Order.objects.filter(
            customer_id__in=list(customer_ids),
            status=OrderStatus.PLACED,
            ordered_on__lte=period.end,
        )
        .filter(~Exists(billed))
        .select_related("product")
        .order_by("ordered_on", "id")
    )


def _unbilled_travel(customer_ids: Iterable[int], period: Period) -> Any:
    """Travel charges of rejected claims up to the period's end, not yet
    billed and not on an active line (the line's constraint is the guard)."""
    billed = InvoiceLine.objects.filter(travel_charge_id=OuterRef("pk"), active=True)
    return (
        list_unbilled_travel_charges()
        .filter(customer_id__in=list(customer_ids), charged_on__lte=period.end)
        .filter(~Exists(billed))
        .order_by("charged_on", "id")
    )


@dataclass
class _Run:
    """What a billing run reads once and every batch uses: the settings, the
    seller as frozen on its invoices, the policy's time zone, the issue day,
    the VAT rates, and the line texts of each language met so far."""

    settings: BillingSettings
    period: Period
    at: datetime
    timezone: str
    today: date
    issue: bool
    acting_user: User | None
    vendor: dict[str, str]
    rates: Any
    zone: ZoneInfo
    texts: dict[str, LineTexts] = field(default_factory=dict)
    notes: dict[tuple[VatDecision, str], str] = field(default_factory=dict)
    decisions: dict[tuple[str, bool, bool, date], VatDecision] = field(default_factory=dict)

    def texts_of(self, language: str) -> LineTexts:
        texts = self.texts.get(language)
        if texts is None:
            texts = self.texts[language] = line_texts(language)
        return texts

    def vat_decision(self, customer: Customer, day: date) -> VatDecision:
        """``decide_customer_vat``, once per run for each kind of customer
        (country, business or not, VAT id given or not: all a decision
        depends on, ``decide_vat``) and day."""
        is_business = customer.customer_type == CustomerType.BUSINESS
        key = (customer.country, is_business, bool(customer.vat_id.strip()), day)
        decision = self.decisions.get(key)
        if decision is None:
            decision = self.decisions[key] = decide_vat(
                seller_country=self.settings.country,
                customer_country=customer.country,
                customer_is_business=is_business,
                customer_vat_id=customer.vat_id,
                on=day,
                rates=self.rates,
            )
        return decision

    def vat_note(self, decision: VatDecision, language: str) -> str:
        key = (decision, language)
        note = self.notes.get(key)
        if note is None:
            note = self.notes[key] = vat_note(decision, language, self.settings.country)
        return note


def _line_rows_for_customers(
    customers: Sequence[Customer], run: _Run
) -> dict[int, list[tuple[str, LineRow]]]:
    """Every line due in the run's period for ``customers``, as (currency,
    row of ``WORK_LINE_FIELDS``), in a fixed order: fees, orders, travel of
    rejected claims, then work by start time. A few queries for the whole
    batch; the texts come from the run's per-language tables."""
    period = run.period
    ids = [c.pk for c in customers]
    texts = {c.pk: run.texts_of(invoice_language(c, run.settings)) for c in customers}
    currency = {c.pk: c.currency for c in customers}
    lines: dict[int, list[tuple[str, LineRow]]] = defaultdict(list)

    def add(customer_id: int, line: LineValues) -> None:
        mark_if_earlier(line, period, texts[customer_id])
        lines[customer_id].append((line.currency, line_row(line)))

    contracts = list(_fee_contracts(ids, period))
    billed_fees = set(
        InvoiceLine.objects.filter(
            entitlement_id__in=[c.pk for c in contracts], active=True
        ).values_list("entitlement_id", "fee_period_start")
    )
    once_billed = {entitlement for entitlement, _start in billed_fees}
    for contract in contracts:
        due = fee_periods(
            starts=contract.starts,
            ends=contract.ends,
            billing_period=contract.billing_period,
            period=period,
        )
        for first, last in due:
            if contract.billing_period == BillingPeriod.ONCE and contract.pk in once_billed:
                continue
            if (contract.pk, first) in billed_fees:
                continue
            if contract.fees_from is not None and first < contract.fees_from:
                continue
            add(
                contract.customer_id,
                fee_line(
                    contract,
                    first,
                    last,
                    language=texts[contract.customer_id].language,
                    currency=contract.currency or currency[contract.customer_id],
                ),
            )
    for order in _unbilled_orders(ids, period):
        add(order.customer_id, order_line(order, language=texts[order.customer_id].language))
    for charge in _unbilled_travel(ids, period):
        add(charge.customer_id, travel_line(charge, language=texts[charge.customer_id].language))
    ratings = _unbilled_ratings(ids, period.end_instant(run.timezone))
    zone, start = run.zone, period.start
    customer_at = RATING_VALUES.index("work__request__customer_id")
    currency_at = RATING_VALUES.index("currency")
    for rating in ratings.iterator(chunk_size=2000):
        customer_id = rating[customer_at]
        lines[customer_id].append(
            (rating[currency_at], work_line_row(rating, texts[customer_id], zone, start))
        )
    return lines


# Column order of ``_insert_lines``: the invoice, the position, the line row
# (``WORK_LINE_FIELDS``), its VAT, and ``active``.
_LINE_COLUMNS = ("invoice_id", "position", *WORK_LINE_FIELDS, "vat_category", "vat_rate", "active")


def _encoded_json(connection: Any, text: JsonText) -> Any:
    """JSON already encoded, as the database takes it: the text itself on
    SQLite, wrapped as ``jsonb`` (not encoded again) on PostgreSQL."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(text, dumps=str)
    return str(text)


def _insert_lines(rows: list[list[Any]]) -> None:
    """Write invoice lines given as lists of ``_LINE_COLUMNS`` values with
    one ``executemany`` (SQLite) or one ``COPY`` (PostgreSQL): the values
    adapted for the database (in place) as the ORM would (dates, decimals,
    JSON), without a model instance per line."""
    if not rows:
        return
    connection = connections[router.db_for_write(InvoiceLine)]
    ops = connection.ops
    fields = {f.attname: f for f in InvoiceLine._meta.concrete_fields}
    columns = [fields[name] for name in _LINE_COLUMNS]
    assert set(fields) - set(_LINE_COLUMNS) == {"id"}, "a line column is not written"

    def adapter(model_field: Any) -> Callable[[Any], Any] | None:
        kind = model_field.get_internal_type()
        if kind == "DateField":
            return ops.adapt_datefield_value
        if kind == "DecimalField":
            if (
                type(ops).adapt_decimalfield_value
                is BaseDatabaseOperations.adapt_decimalfield_value
            ):
                return None  # the driver takes a Decimal as it is
            digits, places = model_field.max_digits, model_field.decimal_places
            return lambda value: ops.adapt_decimalfield_value(value, digits, places)
        if kind == "JSONField":
            encoder = model_field.encoder
            return lambda value: (
                _encoded_json(connection, value)
                if isinstance(value, JsonText)
                else ops.adapt_json_value(value, encoder)
            )
        return None

    adapters = [(i, a) for i, f in enumerate(columns) if (a := adapter(f)) is not None]
    for row in rows:
        for i, adapt in adapters:
            value = row[i]
            if value is not None:
                row[i] = adapt(value)
    table = ops.quote_name(InvoiceLine._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream of rows instead of a statement per line, each
            # value in the text form of the driver's own adapters; the
            # driver's errors raised as Django's (IntegrityError), as a
            # statement's are.
            copy_sql = f"COPY {table} ({names}) FROM STDIN"
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Names from the model, values as parameters: nothing typed reaches the SQL.
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, rows)


@dataclass
class _Draft:
    """One invoice of a batch, computed before anything is written."""

    invoice: Invoice
    lines: list[list[Any]]  # ``_LINE_COLUMNS``, the invoice id set once written


def _draft(
    customer: Customer,
    currency: str,
    rows: list[LineRow],
    run: _Run,
    decided_on: dict[date, VatDecision],
) -> _Draft:
    """The invoice of ``customer``'s ``rows`` in ``currency``: each line's VAT
    decided on its date of supply, net = sum of the lines (each rounded
    once), VAT = for each (category, rate) the net at that rate × rate,
    rounded once, total = net + VAT (as ``new_invoice``). ``decided_on``
    caches the customer's VAT decision of each day."""  # noqa: RUF002
    settings = run.settings
    language = invoice_language(customer, settings)
    amount_at = WORK_LINE_FIELDS.index("amount")
    from_at = WORK_LINE_FIELDS.index("supplied_from")
    supplied_on_at = WORK_LINE_FIELDS.index("supplied_on")
    decisions: dict[str, VatDecision] = {}
    checked: set[tuple[str, ...]] = set()
    groups: dict[tuple[str, Decimal], Decimal] = defaultdict(Decimal)
    lines = []
    net = Decimal(0)
    vat_rate = None
    first: date | None = None
    last: date | None = None
    for position, row in enumerate(rows, start=1):
        day = row[supplied_on_at] or run.today
        decision = decided_on.get(day)
        if decision is None:
            decision = run.vat_decision(customer, day)
            if decision.missing not in checked:
                missing = missing_customer_billing_fields(customer, decision.missing)
                if missing:
                    raise ActionRefused(
                        "customer_incomplete",
                        _("%(customer)s cannot be invoiced until these are filled in: %(fields)s.")
                        % {"customer": customer.organisation, "fields": ", ".join(missing)},
                    )
                checked.add(decision.missing)
            decided_on[day] = decision
        decisions.setdefault(decision.note, decision)
        amount = row[amount_at]
        groups[(decision.category, decision.rate)] += amount
        net += amount
        if vat_rate is None or decision.rate > vat_rate:
            vat_rate = decision.rate
        for supplied in (row[from_at], row[supplied_on_at]):
            if supplied:
                first = supplied if first is None or supplied < first else first
                last = supplied if last is None or supplied > last else last
        lines.append([None, position, *row, decision.category, decision.rate, True])
    breakdown = [
        {
            "category": category,
            "rate": str(rate),
            "net": str(round_money(group_net, currency)),
            "vat": str(round_money(group_net * rate / 100, currency)),
        }
        for (category, rate), group_net in sorted(groups.items())
    ]
    vat = sum((Decimal(group["vat"]) for group in breakdown), Decimal(0))
    notes = [
        run.vat_note(decision, language)
        for _code, decision in sorted(decisions.items())
        if decision.note
    ]
    invoice = Invoice(
        customer=customer,
        kind=InvoiceKind.INVOICE,
        status=InvoiceStatus.DRAFT,
        period_start=first,
        period_end=last,
        billing_period=run.period.label,
        language=language,
        currency=currency,
        net_amount=round_money(net, currency),
        vat_rate=vat_rate if vat_rate is not None else Decimal(0),
        vat_amount=round_money(vat, currency),
        total_amount=round_money(net + vat, currency),
        vat_note=" ".join(notes),
        vat_legal_basis="; ".join(
            sorted({d.legal_basis for d in decisions.values() if d.legal_basis})
        ),
        vat_breakdown=breakdown,
        bill_to=customer_record(customer),
        credits=None,
        reason="",
        created_at=run.at,
    )
    return _Draft(invoice, lines)


def _drafts_of(customer: Customer, rows: list[tuple[str, LineRow]], run: _Run) -> list[_Draft]:
    """The customer's invoices, one per currency in currency order."""
    by_currency: dict[str, list[LineRow]] = defaultdict(list)
    for currency, row in rows:
        by_currency[currency].append(row)
    decided_on: dict[date, VatDecision] = {}
    return [
        _draft(customer, currency, by_currency[currency], run, decided_on)
        for currency in sorted(by_currency)
    ]


def _write_batch(drafts: list[_Draft], run: _Run) -> None:
    """Write ``drafts`` in the caller's transaction: numbers taken in one
    step (the counter row locked until the transaction commits, so they are
    consecutive, in the drafts' order, and a rollback returns them), the
    invoices, their lines in one statement (``_insert_lines``), then for
    each issued invoice what issuing it does (travel charges billed, the
    national document, the mail with its PDF), and an audit row each."""
    if not drafts:
        return
    invoices = [draft.invoice for draft in drafts]
    if run.issue:
        settings = run.settings
        series, year = series_key(settings, kind=InvoiceKind.INVOICE, issued_on=run.today)
        InvoiceCounter.objects.get_or_create(series=series, year=year)
        counter = InvoiceCounter.objects.select_for_update().get(series=series, year=year)
        first = counter.last_number + 1
        counter.last_number += len(invoices)
        counter.save(update_fields=["last_number"])
        due_on = run.today + timedelta(days=settings.payment_terms_days)
        for sequence, invoice in enumerate(invoices, start=first):
            invoice.series, invoice.year, invoice.sequence = series, year, sequence
            invoice.number = number_text(settings, series, run.today.year, sequence)
            invoice.status = InvoiceStatus.ISSUED
            invoice.issued_on = run.today
            invoice.due_on = due_on
            invoice.vendor = run.vendor
    Invoice.objects.bulk_create(invoices)
    for draft in drafts:
        pk = draft.invoice.pk
        for line in draft.lines:
            line[0] = pk
    _insert_lines([line for draft in drafts for line in draft.lines])
    if run.issue:
        travel_at = _LINE_COLUMNS.index("travel_charge_id")
        recipients = mail.billing_recipients([draft.invoice.customer for draft in drafts])
        # The batch's travel charges read in one query (most invoices have none).
        billed_travel = [line[travel_at] for draft in drafts for line in draft.lines]
        charges = TravelCharge.objects.in_bulk([pk for pk in billed_travel if pk])
        for draft in drafts:
            invoice = draft.invoice
            mine = sorted(line[travel_at] for line in draft.lines if line[travel_at])
            for pk in mine:
                do_mark_travel_charge_billed(
                    acting_user=run.acting_user, charge=charges[pk], now=run.at
                )
            keep_national_document(invoice, at=run.at)
            # Mailed to the billing contact with its PDF, in this transaction.
            mail.queue_invoice_mail(invoice, at=run.at, recipients=recipients)
    _audit_billed(invoices, run)


def _audit_billed(invoices: list[Invoice], run: _Run) -> None:
    """A ``bill_period`` audit row per invoice, written together (what
    ``write_audit`` writes one by one)."""
    actor = run.acting_user if getattr(run.acting_user, "pk", None) else None
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=run.at,
            actor=actor,
            action=AuditAction.BILL_PERIOD,
            object_type=Invoice._meta.label_lower,
            object_id=str(invoice.pk),
            detail={"period": run.period.label, "number": invoice.number, "issued": run.issue},
        )
        for invoice in invoices
    )


def refuse_unless_period_ended(period: Period, at: datetime, timezone: str) -> None:
    """Only a month that has ended (in the vendor's time zone) is billed:
    until then, work of its last days may still be recorded."""
    if not period.has_ended(at, timezone):
        raise ActionRefused(
            "period_not_ended",
            _(
                "The period %(period)s ends on %(last_day)s; it can be billed from the next "
                "day on, once everything supplied in it is known."
            )
            % {
                "period": period.label,
                "last_day": format_date(period.end, get_language() or "en"),
            },
        )


def do_run_billing(
    *,
    acting_user: User | None,
    period: Period,
    customer: Customer | None = None,
    now: datetime | None = None,
    batch_size: int = 200,
    on_invoice: Callable[[Invoice], None] | None = None,
    issue: bool = True,
    customer_ids: Sequence[int] | None = None,
) -> BillingRunResult:
    """Invoice everything due in ``period`` for every customer (or one).

    With ``issue=False`` the invoices stay drafts, without numbers, for staff
    to check: their lines already count as billed (a rerun adds nothing),
    issuing one later numbers it, cancelling one frees what it billed.

    Set-based: customers are taken ``batch_size`` at a time, in id order.
    The settings, the seller and the policy are read once per run and the
    line texts translated once per language; a batch's lines are read with
    a few queries, computed as plain rows and written with one
    ``executemany`` (``COPY`` on PostgreSQL), its invoices with one insert,
    its numbers taken in one step and its audit rows written together, all
    in one transaction. So a
    run killed at any point leaves whole batches and an unbroken sequence
    (the killed batch's numbers roll back with it), and the rerun continues
    where it stopped. Numbers follow customer id, then currency: the order
    of billing customer after customer.

    Idempotent: what is billed is on an active line, and the database
    refuses a second one, so a rerun (after a crash, or a second worker)
    bills only what is left; a batch that meets a line another run wrote
    meanwhile is billed again customer by customer from fresh lines.
    Customers on hold are billed too (holding stops work, not invoicing).
    """
    at = now or clock.now()
    timezone = get_vendor_policy().timezone
    refuse_unless_period_ended(period, at, timezone)
    settings = get_billing_settings()
    refuse_unless_seller_complete(settings)
    run = _Run(
        settings=settings,
        period=period,
        at=at,
        timezone=timezone,
        today=local_date(at, timezone),
        issue=issue,
        acting_user=acting_user,
        vendor=seller_record(settings),
        rates=settings.vat_rate_list(),
        zone=ZoneInfo(timezone),
    )
    result = BillingRunResult(period)
    customers = Customer.objects.order_by("pk")
    if customer is not None:
        customers = customers.filter(pk=customer.pk)
    if customer_ids is not None:  # one chunk of a divided run (billing.chunks)
        customers = customers.filter(pk__in=list(customer_ids))
    ids = list(customers.values_list("pk", flat=True))
    with _run_cache():
        for offset in range(0, len(ids), batch_size):
            batch = list(
                Customer.objects.filter(pk__in=ids[offset : offset + batch_size]).order_by("pk")
            )
            with _without_cycle_collection():
                billed = _bill_batch(batch, run, result)
            for invoice in billed:
                result.invoices.append(invoice)
                if on_invoice is not None:
                    on_invoice(invoice)
    return result


# SQLite's page cache while a run bills (KiB): enough for a batch's lines,
# the "billed once" index on work and the rows of work and ratings the batch
# reads and its lines point at (each foreign key is looked up as the line is
# written), instead of SQLite's 2 MiB default.
RUN_CACHE_KIB = 64 * 1024


@contextmanager
def _run_cache() -> Iterator[None]:
    """On SQLite, the connection's page cache at ``RUN_CACHE_KIB`` while the
    run bills, then back to what it was. A batch touches tens of megabytes
    of pages: with the default cache they are read back from the file,
    one ``pread`` at a time, as the batch's lines are written."""
    connection = connections[router.db_for_write(InvoiceLine)]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-RUN_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before):d}")


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a batch is billed, and the
    batch's own objects collected once at its end. A batch holds some
    hundred thousand rows, lists and tuples at once; each few hundred new
    ones set the collector off, and it walks the ones still held again and
    again (14 % of a profiled run's samples). Nothing a batch builds
    needs it: its rows are freed by their reference counts; what forms a
    cycle is collected at the end of the batch."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


def _bill_batch(batch: list[Customer], run: _Run, result: BillingRunResult) -> list[Invoice]:
    """Bill ``batch`` in one transaction; customers whose billing data is
    incomplete are listed in ``result.refused`` and left unbilled."""
    rows = _line_rows_for_customers(batch, run)
    drafts: list[_Draft] = []
    for row in batch:
        if not rows.get(row.pk):
            continue
        gaps = missing_customer_billing_fields(row, run.vat_decision(row, run.today).missing)
        if gaps:
            # Checked before anything is written: the customer's lines
            # stay unbilled until its data is complete.
            result.refused[row.pk] = gaps
            continue
        drafts.extend(_drafts_of(row, rows[row.pk], run))
    try:
        with transaction.atomic():
            _write_batch(drafts, run)
    except IntegrityError:
        # Another run billed some of these meanwhile: bill what is left,
        # customer by customer, each from fresh lines.
        drafts = []
        for row in batch:
            if row.pk in result.refused:
                continue
            fresh = _line_rows_for_customers([row], run).get(row.pk, [])
            if not fresh:
                continue
            mine = _drafts_of(row, fresh, run)
            with transaction.atomic():
                _write_batch(mine, run)
            drafts.extend(mine)
    return [draft.invoice for draft in drafts]
