import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportledger.api.actions import do_create_api_token, do_revoke_api_token
from supportledger.api.models import ApiToken
from supportledger.core.models import AuditEntry
from tests.api.conftest import Api


def test_a_token_is_stored_only_as_its_hash_and_prefix(staff_token):
    row = ApiToken.objects.get(pk=staff_token.token.pk)
    assert staff_token.plaintext not in (row.prefix, row.secret_sha256, row.name)
    assert row.secret_sha256 == hashlib.sha256(staff_token.plaintext.encode()).hexdigest()
    assert staff_token.plaintext.startswith(f"slt_{row.prefix}_")


def test_the_token_answers_who_it_is(api, staff_token):
    response = api.get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "name": "shop",
        "prefix": staff_token.token.prefix,
        "access": "read_write",
        "scope": "vendor",
        "customer": None,
    }


def test_a_contact_token_has_its_customers_scope(customer_api_a, customer_a):
    assert customer_api_a.get("/me").json()["scope"] == "customer"
    assert customer_api_a.get("/me").json()["customer"] == customer_a.pk


def test_using_a_token_stamps_its_last_use(api, staff_token):
    assert ApiToken.objects.get(pk=staff_token.token.pk).last_used_at is None
    api.get("/me")
    assert ApiToken.objects.get(pk=staff_token.token.pk).last_used_at is not None


def test_a_token_used_again_within_a_minute_is_not_written_again(api, staff_token):
    api.get("/me")
    stamped = ApiToken.objects.get(pk=staff_token.token.pk).last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/me").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get(pk=staff_token.token.pk).last_used_at == stamped
    # A minute later the use is stamped again.
    ApiToken.objects.filter(pk=staff_token.token.pk).update(
        last_used_at=stamped - timedelta(minutes=2)
    )
    api.get("/me")
    assert ApiToken.objects.get(pk=staff_token.token.pk).last_used_at > stamped


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Token slt_abc_def", "Bearer slt_000000000000_wrong"],
)
def test_a_missing_or_bad_token_is_refused_with_401(db, header):
    api = Api(None)
    headers = {"Authorization": header} if header else {}
    response = api.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_right_prefix_with_a_wrong_secret_is_refused(staff_token):
    forged = f"slt_{staff_token.token.prefix}_{'x' * 43}"
    assert Api(forged).get("/me").status_code == 401


def test_a_revoked_token_is_refused(api, staff_token):
    do_revoke_api_token(staff_token.token, acting_user=None)
    assert api.get("/me").status_code == 401


def test_a_token_of_a_deactivated_staff_user_is_refused(api, staff_user):
    staff_user.is_active = False
    staff_user.save()
    assert api.get("/me").status_code == 401


def test_a_token_of_a_deactivated_contact_login_is_refused(customer_api_a, contact_a):
    contact_a.user.is_active = False
    contact_a.user.save()
    assert customer_api_a.get("/me").status_code == 401


def test_creating_and_revoking_a_token_is_audited(staff_user):
    issued = do_create_api_token(acting_user=staff_user, name="t", user=staff_user)
    do_revoke_api_token(issued.token, acting_user=staff_user)
    actions = list(
        AuditEntry.objects.filter(object_type="api.apitoken", object_id=str(issued.token.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create_api_token", "revoke_api_token"]
    assert not AuditEntry.objects.filter(detail__icontains=issued.plaintext).exists()


def test_the_command_creates_a_token_printed_once_that_works(staff_user):
    out, err = StringIO(), StringIO()
    call_command("api-token", "create", "--user", "maria", "--write", stdout=out, stderr=err)
    plaintext = out.getvalue().strip()
    assert Api(plaintext).get("/me").json()["access"] == "read_write"
    assert "shown only this once" in err.getvalue()


def test_the_command_creates_a_read_token_for_a_contact(contact_a):
    out = StringIO()
    call_command("api-token", "create", "--user", "contact-a", stdout=out, stderr=StringIO())
    me = Api(out.getvalue().strip()).get("/me").json()
    assert (me["access"], me["customer"]) == ("read", contact_a.customer_id)


def test_the_command_refuses_a_user_who_is_neither_staff_nor_contact(world):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("nobody")
    with pytest.raises(CommandError, match="neither staff nor"):
        call_command("api-token", "create", "--user", "nobody", stdout=StringIO())


def test_the_command_lists_and_revokes_without_showing_secrets(api, staff_token):
    out = StringIO()
    call_command("api-token", "list", stdout=out)
    assert staff_token.token.prefix in out.getvalue()
    assert staff_token.plaintext not in out.getvalue()
    call_command("api-token", "revoke", staff_token.token.prefix, stdout=StringIO())
    assert api.get("/me").status_code == 401


def test_a_secret_containing_underscores_still_authenticates(staff_user, monkeypatch):
    monkeypatch.setattr("secrets.token_urlsafe", lambda n: "a_b_" + "c" * 40)
    issued = do_create_api_token(acting_user=None, name="t", user=staff_user)
    assert Api(issued.plaintext).get("/me").status_code == 200
