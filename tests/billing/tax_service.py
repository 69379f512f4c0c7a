"""A stand-in for the tax services on loopback: it answers as myDATA's
``SendInvoices`` and NAV's ``manageInvoice`` do, after checking what it
receives (headers, the NAV request signature, and the document's structure),
and keeps every document it accepted."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID
from lxml import etree

from supportledger.billing.einvoice.national import structure_problems

API = "{http://schemas.nav.gov.hu/OSA/3.0/api}"
COMMON = "{http://schemas.nav.gov.hu/NTCA/1.0/common}"


@dataclass
class TaxService:
    user_id: str = "vendor-user"
    key: str = "subscription-key"
    nav_signature_key: str = "nav-signature-key"
    nav_exchange_key: str = "0123456789abcdef"
    ksef_nip: str = "5260250274"
    ksef_token: str = "ksef-token-secret"
    ksef_undecided_polls: int = 0  # how many status questions answer "processing"
    down: bool = False
    nav_tokens: set[str] = field(default_factory=set)
    ksef: dict[str, Any] = field(default_factory=dict)
    accepted: list[bytes] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> TaxService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._route(b"")

            def do_POST(self) -> None:
                self._route(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def _route(self, body: bytes) -> None:
                if service.down:
                    self._answer(503, b"down")
                elif self.path.endswith("/SendInvoices"):
                    self._answer(200, service.mydata(self.headers, body))
                elif self.path.endswith("/tokenExchange"):
                    self._answer(200, service.nav_token(body))
                elif self.path.endswith("/manageInvoice"):
                    self._answer(200, service.nav(body))
                elif self.path.startswith("/ksef/"):
                    status, answer = service.ksef_call(
                        self.command, self.path.removeprefix("/ksef"), self.headers, body
                    )
                    self._answer(status, json.dumps(answer).encode(), "application/json")
                else:
                    self._answer(404, b"")

            def _answer(self, status: int, body: bytes, kind: str = "application/xml") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    def mydata(self, headers: object, body: bytes) -> bytes:
        problems = []
        if headers.get("aade-user-id") != self.user_id:  # type: ignore[attr-defined]
            problems.append("101 wrong user")
        if headers.get("Ocp-Apim-Subscription-Key") != self.key:  # type: ignore[attr-defined]
            problems.append("102 wrong subscription key")
        problems += [f"202 {p}" for p in structure_problems("GR", body)]
        if problems:
            self.refusals += problems
            errors = "".join(
                f"<error><message>{p[4:]}</message><code>{p[:3]}</code></error>" for p in problems
            )
            return (
                "<ResponseDoc><response><index>1</index><statusCode>ValidationError</statusCode>"
                f"<errors>{errors}</errors></response></ResponseDoc>"
            ).encode()
        self.accepted.append(body)
        mark = 400001000000 + len(self.accepted)
        return (
            "<ResponseDoc><response><index>1</index><invoiceUid>X</invoiceUid>"
            f"<invoiceMark>{mark}</invoiceMark><statusCode>Success</statusCode>"
            "</response></ResponseDoc>"
        ).encode()

    def nav_token(self, body: bytes) -> bytes:
        token = "exchange-" + os.urandom(6).hex()
        self.nav_tokens.add(token)
        padder = sym_padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(self.nav_exchange_key.encode()), modes.ECB()).encryptor()  # noqa: S305
        encrypted = encryptor.update(padder.update(token.encode()) + padder.finalize())
        encoded = base64.b64encode(encrypted + encryptor.finalize()).decode()
        return (
            "<TokenExchangeResponse><result><funcCode>OK</funcCode></result>"
            f"<encodedExchangeToken>{encoded}</encodedExchangeToken></TokenExchangeResponse>"
        ).encode()

    def nav(self, body: bytes) -> bytes:
        request = etree.fromstring(body)
        request_id = request.findtext(f"{COMMON}header/{COMMON}requestId")
        stamp = request.findtext(f"{COMMON}header/{COMMON}timestamp")
        operation = request.find(f"{API}invoiceOperations/{API}invoiceOperation")
        encoded = operation.findtext(f"{API}invoiceData")
        kind = operation.findtext(f"{API}invoiceOperation")
        mask = stamp[:19].replace("-", "").replace("T", "").replace(":", "")
        index_hash = hashlib.sha3_512((kind + encoded).encode()).hexdigest().upper()
        expected = (
            hashlib.sha3_512((request_id + mask + self.nav_signature_key + index_hash).encode())
            .hexdigest()
            .upper()
        )
        signature = request.findtext(f"{COMMON}user/{COMMON}requestSignature")
        problems = [] if signature == expected else ["INVALID_REQUEST_SIGNATURE"]
        token = request.findtext(f"{API}exchangeToken")
        if token not in self.nav_tokens:
            problems.append("INVALID_EXCHANGE_TOKEN")
        self.nav_tokens.discard(token)
        problems += structure_problems("HU", base64.b64decode(encoded))
        if problems:
            self.refusals += problems
            return (
                "<GeneralErrorResponse><result><funcCode>ERROR</funcCode>"
                f"<errorCode>{problems[0]}</errorCode><message>{'; '.join(problems)}</message>"
                "</result></GeneralErrorResponse>"
            ).encode()
        self.accepted.append(base64.b64decode(encoded))
        return (
            "<ManageInvoiceResponse><result><funcCode>OK</funcCode></result>"
            f"<transactionId>TX{len(self.accepted):06d}</transactionId></ManageInvoiceResponse>"
        ).encode()

    # --- KSeF API 2.0 ---------------------------------------------------------

    def _ksef_key(self) -> tuple[Any, bytes]:
        if "key" not in self.ksef:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "KSeF stand-in")])
            now = datetime.datetime.now(datetime.UTC)
            certificate = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(1)
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .sign(key, hashes.SHA256())
            )
            self.ksef["key"] = key
            self.ksef["certificate"] = certificate.public_bytes(serialization.Encoding.DER)
        return self.ksef["key"], self.ksef["certificate"]

    def _oaep_decrypt(self, data: str) -> bytes:
        key, _ = self._ksef_key()
        return key.decrypt(
            base64.b64decode(data),
            padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
        )

    def ksef_call(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        data = json.loads(body) if body else {}
        bearer = (headers.get("Authorization") or "").removeprefix("Bearer ")
        if path == "/security/public-key-certificates":
            _, certificate = self._ksef_key()
            encoded = base64.b64encode(certificate).decode()
            return 200, [
                {"certificate": encoded, "usage": ["KsefTokenEncryption"]},
                {"certificate": encoded, "usage": ["SymmetricKeyEncryption"]},
            ]
        if path == "/auth/challenge":
            self.ksef["challenge"] = "challenge-" + os.urandom(4).hex()
            self.ksef["timestampMs"] = int(time.time() * 1000)
            return 200, {
                "challenge": self.ksef["challenge"],
                "timestampMs": self.ksef["timestampMs"],
            }
        if path == "/auth/ksef-token":
            secret = self._oaep_decrypt(data["encryptedToken"]).decode()
            valid = (
                data["challenge"] == self.ksef.get("challenge")
                and secret == f"{self.ksef_token}|{self.ksef.get('timestampMs')}"
                and data["contextIdentifier"] == {"type": "Nip", "value": self.ksef_nip}
            )
            self.ksef["auth_ok"] = valid
            return 202, {
                "referenceNumber": "AUTH-1",
                "authenticationToken": {"token": "auth-token"},
            }
        if path == "/auth/AUTH-1":
            if bearer != "auth-token":
                return 401, {}
            code = 200 if self.ksef.get("auth_ok") else 450
            return 200, {"status": {"code": code, "description": "auth"}}
        if path == "/auth/token/redeem":
            if bearer != "auth-token" or not self.ksef.get("auth_ok"):
                return 401, {}
            return 200, {"accessToken": {"token": "access-token"}, "refreshToken": {"token": "r"}}
        if bearer != "access-token":
            return 401, {}
        if path == "/sessions/online" and method == "POST":
            assert data["formCode"] == {
                "systemCode": "FA (3)",
                "schemaVersion": "1-0E",
                "value": "FA",
            }
            self.ksef["session_key"] = self._oaep_decrypt(
                data["encryption"]["encryptedSymmetricKey"]
            )
            self.ksef["session_iv"] = base64.b64decode(data["encryption"]["initializationVector"])
            return 201, {"referenceNumber": "SES-1"}
        if path == "/sessions/online/SES-1/invoices":
            encrypted = base64.b64decode(data["encryptedInvoiceContent"])
            decryptor = Cipher(
                algorithms.AES(self.ksef["session_key"]), modes.CBC(self.ksef["session_iv"])
            ).decryptor()
            unpadder = sym_padding.PKCS7(128).unpadder()
            padded = decryptor.update(encrypted) + decryptor.finalize()
            plain = unpadder.update(padded) + unpadder.finalize()
            problems = structure_problems("PL", plain)
            if base64.b64decode(data["invoiceHash"]) != hashlib.sha256(plain).digest():
                problems.append("invoiceHash does not match")
            number = len(self.ksef.setdefault("invoices", [])) + 1
            self.ksef["invoices"].append((plain, problems))
            if not problems:
                self.accepted.append(plain)
            else:
                self.refusals += problems
            return 202, {"referenceNumber": f"INV-{number}"}
        if path == "/sessions/online/SES-1/close":
            return 204, {}
        if path.startswith("/sessions/SES-1/invoices/INV-"):
            if self.ksef_undecided_polls > 0:
                self.ksef_undecided_polls -= 1
                return 200, {"status": {"code": 150, "description": "processing"}}
            number = int(path.rsplit("-", 1)[-1])
            _plain, problems = self.ksef["invoices"][number - 1]
            if problems:
                return 200, {"status": {"code": 450, "description": "invalid", "details": problems}}
            return 200, {
                "status": {"code": 200, "description": "ok"},
                "ksefNumber": f"{self.ksef_nip}-20260401-{number:012d}-AB",
            }
        return 404, {}
