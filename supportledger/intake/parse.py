"""Reading one raw message into plain values. No database, no Django models.

``parse_message`` is lenient where mail is commonly sloppy (unknown
charsets, odd encoded words) and strict where routing needs certainty: a
message without headers or without a readable sender address cannot be
parsed and is quarantined by the caller.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

from supportledger.core.html import sanitise_html
from supportledger.core.input import strip_control_characters

__all__ = [
    "Attachment",
    "MailParseError",
    "ParsedMail",
    "body_digest",
    "html_to_text",
    "message_key",
    "parse_message",
    "reused_id_key",
    "sanitise_html",
]

MESSAGE_ID_MAX = 250
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


class MailParseError(Exception):
    """The message cannot be read well enough to route it. ``code`` is a
    stable snake_case string stored as the quarantine reason."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes

    def as_tuple(self) -> tuple[str, str, bytes]:
        return (self.filename, self.content_type, self.content)


@dataclass(frozen=True)
class ParsedMail:
    """What routing needs of a message. ``text`` is the plain body (derived
    from the HTML when the message has no plain part); ``html`` is already
    sanitised for display; ids are without angle brackets."""

    message_id: str | None
    from_address: str
    from_name: str
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    headers: dict[str, str] = field(default_factory=dict)
    content_language: str = ""

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def message_key(raw: bytes, message_id: str | None) -> str:
    """The de-duplication key: the Message-ID, or the hash of the raw bytes
    for a message without one (or with an absurdly long one)."""
    if message_id and len(message_id) <= MESSAGE_ID_MAX:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def body_digest(raw: bytes) -> str:
    """SHA-256 of the body of ``raw`` (everything after the header section),
    line endings and trailing white space ignored: the same message relayed
    twice (new Received headers, CRLF turned into LF) has the same digest."""
    header_end = re.search(rb"\r?\n\r?\n", raw)
    body = raw[header_end.end() :] if header_end else b""
    lines = [line.rstrip() for line in body.replace(b"\r\n", b"\n").split(b"\n")]
    return hashlib.sha256(b"\n".join(lines).strip()).hexdigest()


def reused_id_key(message_id: str, raw: bytes) -> str:
    """The key of a message that carries an already stored Message-ID but a
    different body: the hash of the id and the body, so a second delivery of
    this same variant is still recognised as a duplicate."""
    return "sha256:" + hashlib.sha256(f"{message_id}\n{body_digest(raw)}".encode()).hexdigest()


def read_message_id(raw: bytes) -> str | None:
    """The Message-ID of ``raw``, read from its headers alone; None when it
    has none. Used before full parsing, also for unparseable messages."""
    header_end = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: header_end.start()] if header_end else raw[:65536]
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(head, headersonly=True)
        value = message.get("Message-ID")
    except Exception:  # a broken header is simply no id
        return None
    return _first_id(str(value)) if value else None


def parse_message(raw: bytes) -> ParsedMail:
    """Parse ``raw`` (RFC 5322 bytes). Raises ``MailParseError`` when it has
    no header section or no readable From address."""
    if not raw.strip():
        raise MailParseError("empty", "The message has no content.")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        if not isinstance(message, EmailMessage) or not list(message.keys()):
            raise MailParseError("no_headers", "The message has no header section.")
        from_name, from_address = _sender(message)
        subject = _header(message, "Subject")
        text, html_body = _bodies(message)
        attachments = tuple(_attachments(message))
        headers = {
            name.lower(): _header(message, name)
            for name in (
                "Auto-Submitted",
                "Precedence",
                "Return-Path",
                "Content-Type",
                "X-Autoreply",
                "X-Autorespond",
                "X-Auto-Response-Suppress",
                "List-Id",
                "List-Unsubscribe",
                "X-Loop",
                "X-MS-Exchange-Inbox-Rules-Loop",
                "Reply-To",
            )
        }
    except MailParseError:
        raise
    except Exception as exc:  # any parser failure means quarantine
        raise MailParseError("unreadable", f"{type(exc).__name__}: {exc}"[:300]) from exc
    return ParsedMail(
        message_id=read_message_id(raw),
        from_address=from_address,
        from_name=from_name,
        subject=strip_control_characters(subject).strip(),
        in_reply_to=tuple(_ANGLE_ID.findall(_header(message, "In-Reply-To"))),
        references=tuple(_ANGLE_ID.findall(_header(message, "References"))),
        text=text,
        html=sanitise_html(html_body) if html_body else "",
        attachments=attachments,
        headers=headers,
        content_language=_header(message, "Content-Language").split(",")[0].strip().lower(),
    )


def html_to_text(value: str) -> str:
    """The text of an HTML body, for a message that has no plain part."""
    blocky = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\b[^>]*>", "\n", value)
    stripped = nh3.clean(blocky, tags=set(), clean_content_tags={"script", "style"})
    lines = [" ".join(line.split()) for line in html.unescape(stripped).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _first_id(value: str) -> str | None:
    found = _ANGLE_ID.search(value)
    if found:
        return found.group(1)
    bare = value.strip()
    return bare or None


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # malformed header: fall back to its raw text
        value = message.get_all(name, failobj=[""])[0] if hasattr(message, "get_all") else ""
    return str(value or "").replace("\r", " ").replace("\n", " ").strip()


def _sender(message: EmailMessage) -> tuple[str, str]:
    value = _header(message, "From")
    if not value:
        raise MailParseError("no_sender", "The message has no From header.")
    addresses = [(name, addr) for name, addr in getaddresses([value]) if "@" in addr]
    if not addresses:
        name, addr = parseaddr(value)
        if "@" not in addr:
            raise MailParseError("no_sender", f"No readable address in From: {value[:100]!r}.")
        addresses = [(name, addr)]
    name, addr = addresses[0]
    try:
        Address(addr_spec=addr)
    except Exception as exc:
        raise MailParseError("no_sender", f"Invalid From address {addr[:100]!r}.") from exc
    return name.strip(), addr.strip().lower()


def _text_of(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError, KeyError):
        # Unknown or lying charset: keep what can be read.
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        content = raw.decode("utf-8", errors="replace")
    return str(content).replace("\r\n", "\n")


def _bodies(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    html_body = _text_of(rich) if rich is not None else ""  # type: ignore[arg-type]
    if plain is not None:
        text = _text_of(plain)  # type: ignore[arg-type]
    elif html_body:
        text = html_to_text(html_body)
    elif not message.is_multipart() and message.get_content_maintype() == "text":
        text = _text_of(message)
    else:
        text = ""
    return text.strip(), html_body


def _attachments(message: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    for index, part in enumerate(message.iter_attachments(), start=1):
        content_type = part.get_content_type()
        if part.is_multipart():
            continue
        if content_type == "message/rfc822":
            inner = part.get_content()
            content = inner.as_bytes() if hasattr(inner, "as_bytes") else bytes(inner)
        else:
            content = part.get_payload(decode=True) or b""
        filename = _safe_filename(part.get_filename(), content_type, index)
        found.append(Attachment(filename, content_type, content))
    return found


def _safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name without directories or control characters, at most 150
    characters; one is made up when the sender gave none."""
    cleaned = ""
    if name:
        base = re.split(r"[\\/]", name)[-1]
        cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if not cleaned:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        cleaned = f"attachment-{index}{extension}"
    if len(cleaned) > 150:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = (stem[:140] + dot + extension[:9]) if dot else cleaned[:150]
    return cleaned
