"""The first staff member: ``supportledger staff`` makes (or promotes) a user
with a role, and a superuser reaching the console becomes its administrator."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from supportledger.core.models import AuditEntry
from supportledger.customers.models import StaffMember


def _run(*args, stdin=""):
    out = io.StringIO()
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command("staff", *args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_creates_the_first_administrator_with_a_password_from_stdin():
    output = _run(
        "boss",
        "--role",
        "administrator",
        "--email",
        "boss@example.com",
        "--password-stdin",
        stdin="a-long-enough-password-2026\n",
    )
    assert "boss is staff: administrator" in output
    user = get_user_model().objects.get(username="boss")
    assert user.check_password("a-long-enough-password-2026")
    assert user.is_staff
    assert StaffMember.objects.get(user=user).role == "administrator"


@pytest.mark.django_db
def test_running_it_again_changes_the_role_and_is_audited():
    _run("ana")
    assert StaffMember.objects.get(user__username="ana").role == "agent"
    _run("ana", "--role", "manager")
    assert StaffMember.objects.get(user__username="ana").role == "manager"
    entry = AuditEntry.objects.filter(action="set_staff_role").get()
    assert entry.detail == {"from": "agent", "to": "manager"}


@pytest.mark.django_db
def test_a_weak_password_is_refused_and_nothing_is_created():
    with pytest.raises(CommandError, match="password"):
        _run("weak", "--password-stdin", stdin="123\n")
    assert not get_user_model().objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_a_superuser_without_a_staff_row_becomes_the_administrator_in_the_console(client):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    response = client.get("/console/")
    assert response.status_code == 200
    assert StaffMember.objects.get(user=root).role == "administrator"
    assert AuditEntry.objects.filter(action="add_staff_member", actor=root).exists()
