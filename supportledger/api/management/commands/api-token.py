"""``supportledger api-token create --user U [--write] [--name N]``, ``list``, ``revoke PREFIX``.

The token is printed once, at creation; only its hash is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportledger.api.actions import do_create_api_token, do_revoke_api_token
from supportledger.api.auth import is_staff_user
from supportledger.api.models import ApiToken
from supportledger.customers.models import Contact


class Command(BaseCommand):
    help = "Create, list or revoke REST API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument(
            "--user",
            required=True,
            help="Username of a staff user (vendor-wide) or of a customer contact's login.",
        )
        create.add_argument("--write", action="store_true", help="Read and write (default: read).")
        create.add_argument("--name", default="", help="What the token is for.")
        create.add_argument(
            "--expires-in-days",
            type=int,
            default=None,
            help="Refuse the token after this many days (default: valid until revoked).",
        )
        sub.add_parser("list", help="List tokens (never their secrets).")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        subcommand = options["subcommand"]
        if subcommand == "create":
            days = options["expires_in_days"]
            if days is not None and days < 1:
                raise CommandError("--expires-in-days: give a whole number of days, 1 or more.")
            expires_at = timezone.now() + timedelta(days=days) if days else None
            self._create(options["user"], options["write"], options["name"], expires_at)
        elif subcommand == "list":
            self._list()
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, write: bool, name: str, expires_at: datetime | None) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: no user named {username!r}.")
        contact = Contact.objects.filter(user=user).first()
        if is_staff_user(user):
            issued = do_create_api_token(
                acting_user=None,
                name=name or f"{username} (staff)",
                user=user,
                write=write,
                expires_at=expires_at,
            )
        elif contact is not None:
            issued = do_create_api_token(
                acting_user=None,
                name=name or f"{username} ({contact.customer})",
                contact=contact,
                write=write,
                expires_at=expires_at,
            )
        else:
            raise CommandError(
                f"--user: {username!r} is neither staff nor a customer contact's login."
            )
        self.stdout.write(issued.plaintext)
        self.stderr.write(
            f"Token {issued.token.prefix} ({issued.token.access}) created; "
            "it is shown only this once."
        )

    def _list(self) -> None:
        for token in ApiToken.objects.select_related("user", "contact").order_by("id"):
            owner = token.user or token.contact
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            if not token.revoked_at and token.expires_at:
                ended = token.expires_at <= timezone.now()
                state = f"{'expired' if ended else 'expires'} {token.expires_at:%Y-%m-%d}"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.prefix}\t{token.access}\t{state}\tlast used {used}\t{owner}\t{token.name}"
            )

    def _revoke(self, prefix: str) -> None:
        token = ApiToken.objects.filter(prefix=prefix).first()
        if token is None:
            raise CommandError(f"prefix: no token {prefix!r}.")
        do_revoke_api_token(token, acting_user=None)
        self.stdout.write(f"Token {prefix} revoked.")
