"""Sending national documents to the tax services: one interface, one
connector per service, each configured with the vendor's credentials in the
``EINVOICE_CONNECTORS`` setting (from the environment; see docs/invoices.md).

- **myDATA** (GR): ``POST {url}/SendInvoices`` with the ``aade-user-id`` and
  ``Ocp-Apim-Subscription-Key`` headers; the ``ResponseDoc`` answers
  ``Success`` with the ``invoiceMark`` (MARK) or the errors.
- **NAV Online Számla 3.0** (HU): ``POST {url}/manageInvoice`` with the
  ``ManageInvoiceRequest``: the user block (login, SHA-512 password hash,
  tax number, SHA3-512 request signature over request id, timestamp,
  signature key and the SHA3-512 of the base64 invoice data), the software
  block and the exchange token; the answer's ``transactionId`` is kept.
  The exchange token comes from ``{url}/tokenExchange``; the service
  encrypts it with the vendor's exchange key, so it is configured here as
  the decrypted token of a gateway that does that step (see the docs).

Transport failures raise :class:`ConnectorUnavailable` (retried with
back-off); a service's refusal is a :class:`Receipt` with ``accepted`` false.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from lxml import etree
from lxml.builder import ElementMaker

TIMEOUT_SECONDS = 30


class ConnectorUnavailable(RuntimeError):
    """The service could not be reached or answered with a server error."""


@dataclass(frozen=True, slots=True)
class Receipt:
    accepted: bool
    reference: str = ""
    errors: tuple[str, ...] = ()


class Connector(Protocol):
    def submit(self, xml: bytes, *, now: datetime) -> Receipt: ...


def _post(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    try:
        response = requests.post(url, data=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise ConnectorUnavailable(str(error)) from error
    if response.status_code >= 500:
        raise ConnectorUnavailable(f"HTTP {response.status_code}")
    return response.content


class MyDataConnector:
    """AADE myDATA REST API (ERP channel)."""

    def __init__(self, *, url: str, user_id: str, subscription_key: str) -> None:
        self.url, self.user_id, self.key = url.rstrip("/"), user_id, subscription_key

    def submit(self, xml: bytes, *, now: datetime) -> Receipt:
        answer = _post(
            f"{self.url}/SendInvoices",
            xml,
            {
                "aade-user-id": self.user_id,
                "Ocp-Apim-Subscription-Key": self.key,
                "Content-Type": "application/xml",
            },
        )
        try:
            root = etree.fromstring(answer)
        except etree.XMLSyntaxError as error:
            raise ConnectorUnavailable(f"unreadable answer: {error}") from error
        response = root.find(".//{*}response")
        if response is None:
            raise ConnectorUnavailable("answer without a response element")
        if (response.findtext("{*}statusCode") or "") == "Success":
            return Receipt(True, response.findtext("{*}invoiceMark") or "")
        errors = tuple(
            f"{e.findtext('{*}code') or ''} {e.findtext('{*}message') or ''}".strip()
            for e in response.iterfind(".//{*}error")
        )
        return Receipt(False, errors=errors or ("rejected",))


NAV_API = "http://schemas.nav.gov.hu/OSA/3.0/api"
NAV_COMMON = "http://schemas.nav.gov.hu/NTCA/1.0/common"


class NavConnector:
    """NAV Online Számla 3.0 ``manageInvoice`` (operation CREATE, or MODIFY
    for a credit note that references its invoice)."""

    def __init__(
        self,
        *,
        url: str,
        login: str,
        password: str,
        signature_key: str,
        tax_number: str,
        exchange_token: str,
        software_id: str = "SUPPORTLEDGER-0001",
    ) -> None:
        self.url, self.login, self.password = url.rstrip("/"), login, password
        self.signature_key, self.tax_number = signature_key, tax_number
        self.exchange_token, self.software_id = exchange_token, software_id

    def request_xml(self, xml: bytes, *, now: datetime, request_id: str) -> bytes:
        """The ``ManageInvoiceRequest`` for one invoice, signed as NAV's
        interface specification 3.0 §1.5 says: SHA3-512 over request id +
        UTC timestamp (yyyyMMddHHmmss) + signature key + the SHA3-512 of
        index-1 operation + base64 invoice data, upper-case hex."""
        A = ElementMaker(namespace=NAV_API, nsmap={None: NAV_API, "common": NAV_COMMON})
        C = ElementMaker(namespace=NAV_COMMON)
        encoded = base64.b64encode(xml).decode("ascii")
        modify = b"invoiceReference" in xml
        operation = "MODIFY" if modify else "CREATE"
        stamp = now.astimezone(UTC)
        mask = stamp.strftime("%Y%m%d%H%M%S")
        index_hash = hashlib.sha3_512((operation + encoded).encode()).hexdigest().upper()
        signature = (
            hashlib.sha3_512((request_id + mask + self.signature_key + index_hash).encode())
            .hexdigest()
            .upper()
        )
        password_hash = hashlib.sha512(self.password.encode()).hexdigest().upper()
        request = A.ManageInvoiceRequest(
            C.header(
                C.requestId(request_id),
                C.timestamp(stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
                C.requestVersion("3.0"),
                C.headerVersion("1.0"),
            ),
            C.user(
                C.login(self.login),
                C.passwordHash(password_hash, cryptoType="SHA-512"),
                C.taxNumber(self.tax_number[:8]),
                C.requestSignature(signature, cryptoType="SHA3-512"),
            ),
            A.software(
                A.softwareId(self.software_id),
                A.softwareName("supportledger"),
                A.softwareOperation("ONLINE_SERVICE"),
                A.softwareMainVersion("0.1"),
                A.softwareDevName("supportledger"),
                A.softwareDevContact("support@supportledger.invalid"),
            ),
            A.exchangeToken(self.exchange_token),
            A.invoiceOperations(
                A.compressedContent("false"),
                A.invoiceOperation(
                    A.index("1"),
                    A.invoiceOperation(operation),
                    A.invoiceData(encoded),
                ),
            ),
        )
        return etree.tostring(request, xml_declaration=True, encoding="UTF-8")

    def submit(self, xml: bytes, *, now: datetime) -> Receipt:
        request_id = "SL" + uuid.uuid4().hex[:28].upper()
        answer = _post(
            f"{self.url}/manageInvoice",
            self.request_xml(xml, now=now, request_id=request_id),
            {"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        try:
            root = etree.fromstring(answer)
        except etree.XMLSyntaxError as error:
            raise ConnectorUnavailable(f"unreadable answer: {error}") from error
        status = root.findtext(".//{*}result/{*}funcCode") or ""
        if status == "OK":
            return Receipt(True, root.findtext(".//{*}transactionId") or "")
        message = root.findtext(".//{*}result/{*}message") or status or "rejected"
        code = root.findtext(".//{*}result/{*}errorCode") or ""
        return Receipt(False, errors=(f"{code} {message}".strip(),))


def connector_for(country: str, configured: dict[str, dict[str, Any]]) -> Connector | None:
    """The configured connector of ``country``, or None (documents are kept)."""
    options = configured.get(country)
    if not options:
        return None
    if country == "GR":
        return MyDataConnector(**options)
    if country == "HU":
        return NavConnector(**options)
    return None
