"""The portal's writes: logins for contacts, language, second factor, ideas.

Each is one transaction with an audit row; mail is queued in the outbox in
that transaction (``supportledger.mail.outbox``), in the reader's
language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from supportledger.catalog.models import Product, Release
from supportledger.core import clock
from supportledger.core.actions import write_audit
from supportledger.core.audit import AuditAction
from supportledger.core.errors import ActionRefused
from supportledger.core.transitions import check_transition
from supportledger.customers.models import Contact
from supportledger.mail.outbox import queue_message
from supportledger.portal.access import LANGUAGE_CODES
from supportledger.portal.models import IDEA_TRANSITIONS, Idea, IdeaStatus, IdeaVote


@transaction.atomic
def do_give_contact_portal_login(
    *,
    acting_user: User | None,
    contact: Contact,
    password: str | None = None,
    now: datetime | None = None,
) -> Any:
    """A portal user for ``contact``, username = the e-mail in lower case.
    Without ``password`` the account has none until the contact sets one
    through the password-reset mail."""
    at = now or clock.now()
    if contact.user_id is not None:
        raise ActionRefused("has_login", _("The contact already has a portal login."))
    users = get_user_model()
    username = contact.email.strip().lower()
    if users.objects.filter(username=username).exists():
        raise ActionRefused(
            "email_taken",
            _("A login named %(username)s exists already.") % {"username": username},
        )
    user = users(username=username, email=username)
    if password is None:
        user.set_unusable_password()
    else:
        _refuse_weak_password(password, user)
        user.set_password(password)
    user.save()
    Contact.objects.filter(pk=contact.pk).update(user=user)
    contact.user = user
    write_audit(acting_user=acting_user, action=AuditAction.GIVE_PORTAL_LOGIN, obj=contact, at=at)
    return user


def _refuse_weak_password(password: str, user: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ActionRefused("weak_password", " ".join(exc.messages)) from exc


@transaction.atomic
def do_set_portal_password(
    *, acting_user: User | None, user: Any, password: str, now: datetime | None = None
) -> None:
    """Set a portal user's password (after a valid reset link); every other
    session of the user ends, since the session hash changes."""
    _refuse_weak_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_PORTAL_PASSWORD,
        obj=user,
        at=now or clock.now(),
    )


@transaction.atomic
def do_set_contact_language(
    *, acting_user: User | None, contact: Contact, language: str, now: datetime | None = None
) -> Contact:
    """The language the portal and every mail to the contact speak."""
    if language not in LANGUAGE_CODES:
        raise ActionRefused(
            "invalid", _("Unknown language %(language)s.") % {"language": repr(language)}
        )
    before = contact.language
    Contact.objects.filter(pk=contact.pk).update(language=language)
    contact.language = language
    write_audit(
        acting_user=acting_user,
        action=AuditAction.SET_CONTACT_LANGUAGE,
        obj=contact,
        at=now or clock.now(),
        detail={"from": before, "to": language},
    )
    return contact


@transaction.atomic
def do_propose_idea(
    *,
    acting_user: User | None,
    contact: Contact,
    title: str,
    body: str,
    product: Product | None = None,
    now: datetime | None = None,
) -> Idea:
    """A new idea, under review, with its author's vote."""
    at = now or clock.now()
    title, body = title.strip(), body.strip()
    if not title:
        raise ActionRefused("invalid", "title: " + _("give the idea a title."))
    if not body:
        raise ActionRefused("invalid", "body: " + _("describe the idea."))
    if len(title) > 200:
        raise ActionRefused("invalid", "title: " + _("at most 200 characters."))
    idea = Idea.objects.create(
        customer_id=contact.customer_id,
        author=contact,
        product=product,
        title=title,
        body=body[:5000],
        created_at=at,
    )
    IdeaVote.objects.create(idea=idea, contact=contact, created_at=at)
    write_audit(acting_user=acting_user, action=AuditAction.PROPOSE_IDEA, obj=idea, at=at)
    return idea


def do_vote_for_idea(
    *, acting_user: User | None, contact: Contact, idea: Idea, now: datetime | None = None
) -> bool:
    """One vote per contact; voting again changes nothing. True when counted."""
    at = now or clock.now()
    try:
        with transaction.atomic():
            vote = IdeaVote.objects.create(idea=idea, contact=contact, created_at=at)
            write_audit(acting_user=acting_user, action=AuditAction.VOTE_FOR_IDEA, obj=vote, at=at)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def do_change_idea_status(
    *,
    acting_user: User | None,
    idea: Idea,
    to: str,
    shipped_in: Release | None = None,
    now: datetime | None = None,
) -> Idea:
    """Move an idea along ``IDEA_TRANSITIONS``. Shipping names the release;
    then every voter whose customer has active support for the product hears
    of it by mail, in the voter's language, once the change commits."""
    at = now or clock.now()
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    check_transition(
        IDEA_TRANSITIONS,
        idea.status,
        to,
        sentence=_("An idea cannot go from %(current)s to %(to)s."),
    )
    if to == IdeaStatus.SHIPPED:
        if shipped_in is None:
            raise ActionRefused("invalid", "shipped_in: " + _("name the release it shipped in."))
        if idea.product_id is not None and shipped_in.product_id != idea.product_id:
            raise ActionRefused("invalid", "shipped_in: " + _("a release of the idea's product."))
    else:
        shipped_in = None
    before = idea.status
    idea.status = to
    idea.shipped_in = shipped_in
    idea.status_changed_at = at
    idea.save(update_fields=["status", "shipped_in", "status_changed_at"])
    write_audit(
        acting_user=acting_user,
        action=AuditAction.CHANGE_IDEA_STATUS,
        obj=idea,
        at=at,
        detail={"from": before, "to": to, "release": shipped_in.pk if shipped_in else None},
    )
    if to == IdeaStatus.SHIPPED:
        from supportledger.portal.queries import list_voters_with_active_support

        voters = list(list_voters_with_active_support(idea, at=at))
        _queue_idea_shipped(idea, voters, at=at)
    return idea


def _queue_idea_shipped(idea: Idea, voters: list[Contact], *, at: datetime) -> None:
    release = idea.shipped_in
    for contact in voters:
        with translation.override(contact.language if contact.language in LANGUAGE_CODES else "en"):
            context = {"idea": idea, "release": release, "contact": contact}
            subject = render_to_string("portal/mail/idea_shipped_subject.txt", context).strip()
            body = render_to_string("portal/mail/idea_shipped.txt", context)
        queue_message(
            kind="idea_shipped",
            to=contact.email,
            subject=subject,
            body=body,
            language=contact.language,
            at=at,
            contact=contact,
        )


@transaction.atomic
def do_queue_password_reset_mail(
    *, acting_user: Any, contact: Contact, subject: str, body: str, now: datetime | None = None
) -> None:
    """Queue the password-reset mail (already rendered, with its link) for
    ``contact``. Only a database write: the page answering the request takes
    the same time and says the same whether the address is known or not,
    and does not depend on the mail server."""

    at = now or clock.now()
    row = queue_message(
        kind="password_reset",
        to=contact.email,
        subject=subject,
        body=body,
        language=contact.language,
        at=at,
        contact=contact,
    )
    write_audit(
        acting_user=acting_user, action=AuditAction.QUEUE_PASSWORD_RESET_MAIL, obj=row, at=at
    )
