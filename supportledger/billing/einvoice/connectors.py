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
  block and a fresh exchange token from ``{url}/tokenExchange`` (sent
  encrypted with the vendor's exchange key, AES-128-ECB); the answer's
  ``transactionId`` is kept.
- **KSeF API 2.0** (PL): authentication with the vendor's KSeF token
  (``POST /auth/challenge``, the token and the challenge's timestamp
  encrypted RSA-OAEP-SHA-256 with the Ministry's public key, ``POST
  /auth/ksef-token``, ``GET /auth/{ref}``, ``POST /auth/token/redeem``), then
  an interactive session (``POST /sessions/online`` with an AES-256 key
  encrypted with the Ministry's key, the invoice AES-256-CBC encrypted to
  ``/sessions/online/{ref}/invoices``, ``/close``). Verification is
  asynchronous: the receipt carries the invoice's reference and a later
  attempt asks ``GET /sessions/{ref}/invoices/{invoice ref}`` for the KSeF
  number instead of sending again.

Transport failures raise :class:`ConnectorUnavailable` (retried with
back-off); a service's refusal is a :class:`Receipt` with ``accepted`` false.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from lxml import etree
from lxml.builder import ElementMaker

TIMEOUT_SECONDS = 30


class ConnectorUnavailable(RuntimeError):
    """The service could not be reached or answered with a server error."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """``accepted`` True or False is the service's verdict; None means it
    took the document and has not decided yet (ask again with ``reference``)."""

    accepted: bool | None
    reference: str = ""
    errors: tuple[str, ...] = ()


class Connector(Protocol):
    def submit(self, xml: bytes, *, now: datetime, reference: str = "") -> Receipt:
        """Send ``xml``; or, with the ``reference`` of an earlier undecided
        receipt, ask for the verdict without sending again."""
        ...


def _xml(answer: bytes) -> Any:
    try:
        return etree.fromstring(answer)
    except etree.XMLSyntaxError as error:
        raise ConnectorUnavailable(f"unreadable answer: {error}") from error


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

    def submit(self, xml: bytes, *, now: datetime, reference: str = "") -> Receipt:
        answer = _post(
            f"{self.url}/SendInvoices",
            xml,
            {
                "aade-user-id": self.user_id,
                "Ocp-Apim-Subscription-Key": self.key,
                "Content-Type": "application/xml",
            },
        )
        root = _xml(answer)
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
        exchange_key: str,
        software_id: str = "SUPPORTLEDGER-0001",
    ) -> None:
        self.url, self.login, self.password = url.rstrip("/"), login, password
        self.signature_key, self.tax_number = signature_key, tax_number
        self.exchange_key, self.software_id = exchange_key, software_id

    def _user(self, C: ElementMaker, request_id: str, mask: str, tail: str = "") -> Any:
        password_hash = hashlib.sha512(self.password.encode()).hexdigest().upper()
        signature = (
            hashlib.sha3_512((request_id + mask + self.signature_key + tail).encode())
            .hexdigest()
            .upper()
        )
        return C.user(
            C.login(self.login),
            C.passwordHash(password_hash, cryptoType="SHA-512"),
            C.taxNumber(self.tax_number[:8]),
            C.requestSignature(signature, cryptoType="SHA3-512"),
        )

    def _header(self, C: ElementMaker, request_id: str, stamp: datetime) -> Any:
        return C.header(
            C.requestId(request_id),
            C.timestamp(stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
            C.requestVersion("3.0"),
            C.headerVersion("1.0"),
        )

    def _software(self, A: ElementMaker) -> Any:
        return A.software(
            A.softwareId(self.software_id),
            A.softwareName("supportledger"),
            A.softwareOperation("ONLINE_SERVICE"),
            A.softwareMainVersion("0.1"),
            A.softwareDevName("supportledger"),
            A.softwareDevContact("support@supportledger.invalid"),
        )

    def exchange_token(self, *, now: datetime) -> str:
        """A one-time exchange token: ``tokenExchange`` answers it encrypted
        with the vendor's exchange key (AES-128-ECB, PKCS#7), decrypted here."""
        A = ElementMaker(namespace=NAV_API, nsmap={None: NAV_API, "common": NAV_COMMON})
        C = ElementMaker(namespace=NAV_COMMON)
        request_id = "SL" + uuid.uuid4().hex[:28].upper()
        stamp = now.astimezone(UTC)
        request = A.TokenExchangeRequest(
            self._header(C, request_id, stamp),
            self._user(C, request_id, stamp.strftime("%Y%m%d%H%M%S")),
            self._software(A),
        )
        answer = _post(
            f"{self.url}/tokenExchange",
            etree.tostring(request, xml_declaration=True, encoding="UTF-8"),
            {"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        root = _xml(answer)
        if (root.findtext(".//{*}result/{*}funcCode") or "") != "OK":
            raise ConnectorUnavailable(
                "token exchange refused: " + (root.findtext(".//{*}result/{*}message") or "")
            )
        encrypted = base64.b64decode(root.findtext(".//{*}encodedExchangeToken") or "")
        decryptor = Cipher(algorithms.AES(self.exchange_key.encode()), modes.ECB()).decryptor()  # noqa: S305 (NAV's specification)
        unpadder = sym_padding.PKCS7(128).unpadder()
        padded = decryptor.update(encrypted) + decryptor.finalize()
        return (unpadder.update(padded) + unpadder.finalize()).decode()

    def request_xml(
        self, xml: bytes, *, now: datetime, request_id: str, exchange_token: str
    ) -> bytes:
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
            A.exchangeToken(exchange_token),
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

    def submit(self, xml: bytes, *, now: datetime, reference: str = "") -> Receipt:
        token = self.exchange_token(now=now)
        request_id = "SL" + uuid.uuid4().hex[:28].upper()
        answer = _post(
            f"{self.url}/manageInvoice",
            self.request_xml(xml, now=now, request_id=request_id, exchange_token=token),
            {"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        root = _xml(answer)
        status = root.findtext(".//{*}result/{*}funcCode") or ""
        if status == "OK":
            return Receipt(True, root.findtext(".//{*}transactionId") or "")
        message = root.findtext(".//{*}result/{*}message") or status or "rejected"
        code = root.findtext(".//{*}result/{*}errorCode") or ""
        return Receipt(False, errors=(f"{code} {message}".strip(),))


def _json(method: str, url: str, *, token: str = "", body: Any = None) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = requests.request(
            method, url, json=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        raise ConnectorUnavailable(str(error)) from error
    if response.status_code >= 500 or response.status_code in (401, 403, 429):
        raise ConnectorUnavailable(f"HTTP {response.status_code} from {url}")
    try:
        return response.json() if response.content else {}
    except ValueError as error:
        raise ConnectorUnavailable(f"unreadable answer from {url}") from error


OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)


class KsefConnector:
    """KSeF API 2.0: KSeF-token authentication and an interactive session
    per document (FA (3), schema 1-0E)."""

    def __init__(self, *, url: str, nip: str, token: str, polls: int = 5) -> None:
        self.url, self.nip, self.token, self.polls = url.rstrip("/"), nip, token, polls

    def _public_key(self, usage: str) -> Any:
        for entry in _json("GET", f"{self.url}/security/public-key-certificates"):
            if usage in entry.get("usage", []):
                certificate = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"]))
                return certificate.public_key()
        raise ConnectorUnavailable(f"no public key for {usage}")

    def _access_token(self) -> str:
        challenge = _json("POST", f"{self.url}/auth/challenge")
        secret = f"{self.token}|{challenge['timestampMs']}".encode()
        encrypted = self._public_key("KsefTokenEncryption").encrypt(secret, OAEP)
        started = _json(
            "POST",
            f"{self.url}/auth/ksef-token",
            body={
                "challenge": challenge["challenge"],
                "contextIdentifier": {"type": "Nip", "value": self.nip},
                "encryptedToken": base64.b64encode(encrypted).decode(),
            },
        )
        auth_token = started["authenticationToken"]["token"]
        for _ in range(self.polls):
            status = _json("GET", f"{self.url}/auth/{started['referenceNumber']}", token=auth_token)
            code = status.get("status", {}).get("code")
            if code == 200:
                break
            if code not in (100, None):
                raise ConnectorUnavailable(f"authentication refused: {status['status']}")
        else:
            raise ConnectorUnavailable("authentication still in progress")
        redeemed = _json("POST", f"{self.url}/auth/token/redeem", token=auth_token)
        return str(redeemed["accessToken"]["token"])

    def _verdict(self, access: str, session: str, invoice: str) -> Receipt:
        status = _json("GET", f"{self.url}/sessions/{session}/invoices/{invoice}", token=access)
        code = status.get("status", {}).get("code")
        if code == 200:
            return Receipt(True, str(status.get("ksefNumber", "")))
        if code in (100, 150, None):
            return Receipt(None, f"{session}/{invoice}")
        details = status["status"].get("details") or [status["status"].get("description", "")]
        return Receipt(False, errors=tuple(f"{code} {d}" for d in details))

    def submit(self, xml: bytes, *, now: datetime, reference: str = "") -> Receipt:
        access = self._access_token()
        if reference:
            session, _, invoice = reference.partition("/")
            return self._verdict(access, session, invoice)
        key, iv = os.urandom(32), os.urandom(16)
        opened = _json(
            "POST",
            f"{self.url}/sessions/online",
            token=access,
            body={
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "encryption": {
                    "encryptedSymmetricKey": base64.b64encode(
                        self._public_key("SymmetricKeyEncryption").encrypt(key, OAEP)
                    ).decode(),
                    "initializationVector": base64.b64encode(iv).decode(),
                },
            },
        )
        session = opened["referenceNumber"]
        padder = sym_padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        encrypted = encryptor.update(padder.update(xml) + padder.finalize()) + encryptor.finalize()
        sent = _json(
            "POST",
            f"{self.url}/sessions/online/{session}/invoices",
            token=access,
            body={
                "invoiceHash": base64.b64encode(hashlib.sha256(xml).digest()).decode(),
                "invoiceSize": len(xml),
                "encryptedInvoiceHash": base64.b64encode(
                    hashlib.sha256(encrypted).digest()
                ).decode(),
                "encryptedInvoiceSize": len(encrypted),
                "encryptedInvoiceContent": base64.b64encode(encrypted).decode(),
            },
        )
        if "referenceNumber" not in sent:
            return Receipt(False, errors=(str(sent.get("exception") or sent),))
        _json("POST", f"{self.url}/sessions/online/{session}/close", token=access)
        return self._verdict(access, session, sent["referenceNumber"])


def connector_for(country: str, configured: dict[str, dict[str, Any]]) -> Connector | None:
    """The configured connector of ``country``, or None (documents are kept)."""
    options = configured.get(country)
    if not options:
        return None
    if country == "GR":
        return MyDataConnector(**options)
    if country == "HU":
        return NavConnector(**options)
    if country == "PL":
        return KsefConnector(**options)
    return None
