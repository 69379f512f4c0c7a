"""Is the sender of a message who its From: header says?

Two sources are read, and only these:

- the ``Authentication-Results`` header (RFC 8601) that the vendor's own
  receiving server added, recognised by its authserv-id
  (``INTAKE_AUTHSERV_ID``); any other Authentication-Results header may
  have been written by the sender and is ignored;
- the message's DKIM signatures, verified here with dkimpy (the public key
  from DNS, or from ``INTAKE_DKIM_DNSFUNC``, a dotted path to a function
  ``name -> TXT record bytes`` used instead of DNS).

A result counts only when it is *aligned* with the From: domain (the
signing domain, or the SPF-checked envelope domain, is the From: domain or
a parent of it), as DMARC counts them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from typing import Any

import dkim
from django.utils.module_loading import import_string

from supportledger.intake import conf
from supportledger.mail.conf import setting

__all__ = ["SenderCheck", "check_sender", "domains_align"]

logger = logging.getLogger(__name__)

_RESULT = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([a-z]+)(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = re.compile(r"([a-z0-9_-]+\.[a-z0-9_-]+)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)


@dataclass(frozen=True)
class SenderCheck:
    """``authenticated``: an aligned pass (DKIM here, or DKIM, SPF or DMARC
    in our server's Authentication-Results). ``failed``: an aligned failure
    (a broken signature of the From: domain, or dmarc=fail) and no aligned
    pass. ``summary``: what was found, short, for the stored message."""

    authenticated: bool
    failed: bool
    summary: str


def _domain(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].lower().rstrip(".")


def _aligned(domain: str, from_domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def _trusted_results(raw: bytes) -> list[tuple[str, str, dict[str, str]]]:
    """(method, result, properties) of the topmost Authentication-Results
    header whose authserv-id is ours. The receiving server adds its header
    on top, and must remove any with its own id that arrived with the
    message (RFC 8601 5), so the topmost is the one it wrote."""
    ours = conf.authserv_id()
    if not ours:
        return []
    head = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
    for value in head.get_all("Authentication-Results") or []:
        text = " ".join(str(value).split())
        text = re.sub(r"\([^()]*\)", " ", text)  # comments
        serv_id, _, rest = text.partition(";")
        if serv_id.strip().split(" ")[0].lower() != ours:
            continue
        found = []
        for part in rest.split(";"):
            match = _RESULT.match(part)
            if match:
                props = {k.lower(): v.lower() for k, v in _PROPERTY.findall(match.group(3))}
                found.append((match.group(1).lower(), match.group(2).lower(), props))
        return found
    return []


def _dnsfunc() -> Callable[..., Any] | None:
    path = setting("INTAKE_DKIM_DNSFUNC", "")
    return import_string(str(path)) if path else None


def _dkim_results(raw: bytes) -> list[tuple[str, bool]]:
    """(signing domain, verified) of each DKIM signature of ``raw``."""
    message = raw if b"\r\n" in raw else raw.replace(b"\n", b"\r\n")
    try:
        checker = dkim.DKIM(message, timeout=5)
    except Exception as exc:  # headers dkimpy cannot read: no signature to trust
        logger.info("DKIM: message not readable: %s", exc)
        return []
    count = len([name for name, _value in checker.headers if name.lower() == b"dkim-signature"])
    dnsfunc = _dnsfunc()
    results = []
    for index in range(count):
        domain = ""
        try:
            if dnsfunc is not None:
                verified = checker.verify(idx=index, dnsfunc=dnsfunc)
            else:
                verified = checker.verify(idx=index)
            domain = (checker.domain or b"").decode("ascii", "replace")
        except Exception as exc:  # a malformed signature or no key: not verified
            logger.info("DKIM signature %d not verified: %s", index, exc)
            verified = False
            domain = (getattr(checker, "domain", None) or b"").decode("ascii", "replace")
        results.append((domain.lower(), bool(verified)))
    return results


def check_sender(raw: bytes, from_address: str) -> SenderCheck:
    """What ``raw`` proves about its From: address ``from_address``."""
    from_domain = _domain(from_address)
    passes: list[str] = []
    failures: list[str] = []
    for domain, verified in _dkim_results(raw):
        if _aligned(domain, from_domain):
            (passes if verified else failures).append(f"dkim={'pass' if verified else 'fail'}")
    for method, result, props in _trusted_results(raw):
        if method == "dmarc":
            if result == "pass":
                passes.append("ar:dmarc=pass")
            elif result == "fail":
                failures.append("ar:dmarc=fail")
        elif method == "dkim" and _aligned(props.get("header.d", ""), from_domain):
            if result == "pass":
                passes.append("ar:dkim=pass")
            elif result in {"fail", "permerror"}:
                failures.append(f"ar:dkim={result}")
        elif method == "spf" and result == "pass":
            mailfrom = props.get("smtp.mailfrom", "")
            if _aligned(_domain(mailfrom) if "@" in mailfrom else mailfrom, from_domain):
                passes.append("ar:spf=pass")
    summary = " ".join(passes + failures) or "none"
    return SenderCheck(
        authenticated=bool(passes), failed=bool(failures) and not passes, summary=summary
    )


def domains_align(envelope_from: str, from_address: str) -> bool:
    """The envelope sender's domain and the From: domain are the same, or
    one is a subdomain of the other (bounces.acme.example for acme.example)."""
    one, other = _domain(envelope_from), _domain(from_address)
    return _aligned(one, other) or _aligned(other, one)
