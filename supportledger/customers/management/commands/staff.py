"""``supportledger staff USERNAME [--role ROLE] [--email E] [--password-stdin]``.

Makes a user a staff member with a role (agent, manager, administrator),
creating the user when it does not exist yet; run again to change the role.
The first administrator of a new installation is made with it:

    supportledger staff admin --role administrator --email admin@example.com --password-stdin
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from supportledger.core.errors import ActionRefused
from supportledger.customers.actions import do_add_staff_member, do_set_staff_role
from supportledger.customers.models import StaffMember, StaffRole


class Command(BaseCommand):
    help = "Make a user a staff member with a role (creating the user if needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", default=StaffRole.AGENT, choices=StaffRole.values, help="Default: agent."
        )
        parser.add_argument("--email", default="", help="For a new user.")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the new user's password from standard input (one line).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username:
            raise CommandError("username: give the login name.")
        users = get_user_model().objects
        user = users.filter(username=username).first()
        with transaction.atomic():
            if user is None:
                password = None
                if options["password_stdin"]:
                    password = sys.stdin.readline().rstrip("\n")
                    try:
                        validate_password(password)
                    except ValidationError as error:
                        raise CommandError("password: " + " ".join(error.messages)) from error
                user = users.create_user(username, email=options["email"], password=password)
                self.stdout.write(f"Created user {username}.")
            member = StaffMember.objects.filter(user=user).first()
            try:
                if member is None:
                    member = do_add_staff_member(acting_user=None, user=user, role=options["role"])
                elif member.role != options["role"]:
                    member = do_set_staff_role(
                        acting_user=None, member=member, role=options["role"]
                    )
            except ActionRefused as refused:
                raise CommandError(str(refused)) from refused
        note = (
            "" if user.has_usable_password() else " (no password yet: set one with changepassword)"
        )
        self.stdout.write(f"{username} is staff: {member.role}{note}.")
