"""Remote sessions: started by staff or by the customer (with consent and an
agent on duty), joined with a short-lived code, ended.

A wrong session code leaves an audit row even though the attempt is
refused, on purpose: failed attempts must be visible.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from supportledger.catalog.queries import get_service_price_on
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.queries import get_vendor_policy
from supportledger.core.transitions import check_transition
from supportledger.customers.models import Contact, StaffMember
from supportledger.desk.models import Request
from supportledger.entitlements.convert import local_date
from supportledger.service.actions.consent import do_record_consent
from supportledger.service.models import (
    SESSION_TRANSITIONS,
    Consent,
    RemoteSession,
    RemoteTool,
    SessionStatus,
)
from supportledger.service.queries import (
    list_consultants_on_duty,
)

SESSION_CODE_MINUTES = getattr(settings, "SERVICE_SESSION_CODE_MINUTES", 10)
"""How long a remote-session code may be used after it was issued, minutes."""


SESSION_CODE_ATTEMPTS = 5
"""Wrong codes tried before the session's code dies."""


def _new_code() -> str:
    """Nine random digits shown as ``123-456-789``: read out on the phone."""
    digits = f"{secrets.randbelow(10**9):09d}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def _normal_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())


@transaction.atomic
def do_start_customer_remote_session(
    *,
    acting_user: User | None,
    contact: Contact,
    request: Request,
    agent_id: int,
    agreed: bool,
    terms_version: str,
    ip_address: str,
    now: datetime | None = None,
) -> tuple[RemoteSession, str]:
    """A customer's contact starts remote help from the portal (seed S4):
    the consultant ``agent_id`` must be on duty at ``now``
    (``list_consultants_on_duty``), the contact must agree to the terms
    (``terms_version``) and the service price list in force today (policy
    time zone), recorded as their consent from ``ip_address``; then the
    session opens with its single-use code. All or nothing."""
    at = now or clock.now()
    agent = list_consultants_on_duty(at).filter(pk=agent_id).first()
    if agent is None:
        raise ActionRefused("not_on_duty", _("Pick a consultant who is on duty now."))
    if not agreed:
        raise ActionRefused(
            "no_consent", _("A session needs your consent to the terms and the price list.")
        )
    prices = get_service_price_on(local_date(at, get_vendor_policy().timezone))
    if prices is None:
        raise ActionRefused("no_price_list", _("No price list is in force today; call us instead."))
    consent = do_record_consent(
        acting_user=acting_user,
        contact=contact,
        request=request,
        terms_version=terms_version,
        price_list_version=prices.effective_from.isoformat(),
        ip_address=ip_address,
        now=at,
    )
    return do_start_remote_session(acting_user=acting_user, consent=consent, agent=agent, now=at)


@transaction.atomic
def do_start_remote_session(
    *,
    acting_user: User | None,
    consent: Consent,
    agent: StaffMember,
    now: datetime | None = None,
) -> tuple[RemoteSession, str]:
    """Open a remote session under ``consent`` with ``agent`` (the consultant
    the customer picked). Returns the session and its single-use code, which
    is shown once and stored only hashed; it is valid for
    ``SESSION_CODE_MINUTES``. A consent serves one session only."""
    at = now or clock.now()
    consent = Consent.objects.select_for_update().select_related("contact").get(pk=consent.pk)
    if RemoteSession.objects.filter(consent=consent).exists():
        raise ActionRefused(
            "consent_used",
            "consent: "
            # Translators: "it" is the customer's consent to the terms and prices.
            + _("it was given for an earlier session; a new session needs new consent."),
        )
    code = _new_code()
    try:
        with transaction.atomic():
            session = RemoteSession.objects.create(
                consent=consent,
                agent=agent,
                code_hash=make_password(_normal_code(code)),
                code_expires_at=at + timedelta(minutes=SESSION_CODE_MINUTES),
                started_at=at,
            )
    except IntegrityError as exc:
        raise ActionRefused(
            "consent_used",
            "consent: "
            # Translators: "it" is the customer's consent to the terms and prices.
            + _("it was given for an earlier session; a new session needs new consent."),
        ) from exc
    write_audit(
        acting_user=acting_user,
        action=AuditAction.START_REMOTE_SESSION,
        obj=session,
        at=at,
        detail={
            "consent": consent.pk,
            "agent": agent.pk,
            "code_expires_at": session.code_expires_at.isoformat(),
        },
    )
    return session, code


def do_attach_remote_tool(
    *,
    acting_user: User | None,
    session: RemoteSession,
    code: str,
    tool: str,
    tool_session_id: str,
    now: datetime | None = None,
) -> RemoteSession:
    """The consultant connects: checks the customer's code (single use, not
    expired, session not ended) and records the tool and its session id.
    A wrong code is audited and counts as a failed attempt; after
    ``SESSION_CODE_ATTEMPTS`` of them the code is dead."""
    at = now or clock.now()
    if tool not in RemoteTool.values:
        raise ActionRefused(
            "invalid",
            "tool: " + _("use one of %(tools)s.") % {"tools": ", ".join(RemoteTool.labels)},
        )
    tool_session_id = (tool_session_id or "").strip()
    if not tool_session_id:
        raise ActionRefused(
            "invalid", "tool_session_id: " + _("the tool's session id is required.")
        )
    with transaction.atomic():
        session = RemoteSession.objects.select_for_update().get(pk=session.pk)
        refusal = _code_refusal(session, code, at)
        if refusal is None:
            check_transition(
                SESSION_TRANSITIONS,
                session.status,
                SessionStatus.CONNECTED,
                states=SessionStatus,
                sentence=_("The session is %(current)s; it cannot become %(to)s."),
            )
            session.status = SessionStatus.CONNECTED
            session.code_used_at = at
            session.connected_at = at
            session.tool = tool
            session.tool_session_id = tool_session_id
            session.save(
                update_fields=["status", "code_used_at", "connected_at", "tool", "tool_session_id"]
            )
            write_audit(
                acting_user=acting_user,
                action=AuditAction.ATTACH_REMOTE_TOOL,
                obj=session,
                at=at,
                detail={"tool": tool, "tool_session_id": tool_session_id},
            )
            return session
        if refusal[0] == "wrong_code":
            session.failed_attempts += 1
            session.save(update_fields=["failed_attempts"])
        write_audit(
            acting_user=acting_user,
            action=AuditAction.REFUSE_REMOTE_CODE,
            obj=session,
            at=at,
            detail={"reason": refusal[0], "failed_attempts": session.failed_attempts},
        )
    raise ActionRefused(*refusal)


def _code_refusal(session: RemoteSession, code: str, at: datetime) -> tuple[str, str] | None:
    if session.status == SessionStatus.ENDED:
        return "session_ended", _(
            "The session has ended; connecting again needs the customer's new consent."
        )
    # Translators: "it" in the refusals below is the remote session's code.
    if session.code_used_at is not None:
        return "code_used", "code: " + _("it has already been used; each code works once.")
    if at >= session.code_expires_at:
        return "code_expired", "code: " + _(
            "it has expired; the customer must start a new session."
        )
    if session.failed_attempts >= SESSION_CODE_ATTEMPTS:
        return "code_blocked", "code: " + _("too many wrong codes; the customer must start again.")
    if not check_password(_normal_code(code or ""), session.code_hash):
        return "wrong_code", "code: " + _("it is not the code of this session.")
    return None


@transaction.atomic
def do_end_remote_session(
    *,
    acting_user: User | None,
    session: RemoteSession,
    now: datetime | None = None,
) -> RemoteSession:
    """End the session (the consultant or the customer). Its code is dead
    from now on; another session needs new consent."""
    at = now or clock.now()
    session = RemoteSession.objects.select_for_update().get(pk=session.pk)
    check_transition(
        SESSION_TRANSITIONS,
        session.status,
        SessionStatus.ENDED,
        states=SessionStatus,
        sentence=_("The session is %(current)s; it cannot become %(to)s."),
    )
    session.status = SessionStatus.ENDED
    session.ended_at = at
    session.save(update_fields=["status", "ended_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.END_REMOTE_SESSION,
        obj=session,
        at=at,
        detail={"tool": session.tool, "tool_session_id": session.tool_session_id},
    )
    return session
