"""A stand-in for the tax services on loopback: it answers as myDATA's
``SendInvoices`` and NAV's ``manageInvoice`` do, after checking what it
receives (headers, the NAV request signature, and the document's structure),
and keeps every document it accepted."""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

from supportledger.billing.einvoice.national import structure_problems

API = "{http://schemas.nav.gov.hu/OSA/3.0/api}"
COMMON = "{http://schemas.nav.gov.hu/NTCA/1.0/common}"


@dataclass
class TaxService:
    user_id: str = "vendor-user"
    key: str = "subscription-key"
    nav_signature_key: str = "nav-signature-key"
    down: bool = False
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

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if service.down:
                    self._answer(503, b"down")
                elif self.path.endswith("/SendInvoices"):
                    self._answer(200, service.mydata(self.headers, body))
                elif self.path.endswith("/manageInvoice"):
                    self._answer(200, service.nav(body))
                else:
                    self._answer(404, b"")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
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
