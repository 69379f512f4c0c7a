"""RFC 6238 appendix B test vectors (SHA-1, 8 digits, key "12345678901234567890")."""

import base64

import pytest

from supportledger.customers import totp

KEY = b"12345678901234567890"


@pytest.mark.parametrize(
    ("unix", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_codes_match_the_rfc_test_vectors(unix, code):
    assert totp.code_at_step(KEY, totp.step_of(unix), digits=8) == code


def test_a_code_matches_its_step_and_one_either_side_once():
    secret = base64.b32encode(KEY).decode()
    now = 1234567890
    code = totp.code_at_step(KEY, totp.step_of(now))
    assert totp.matching_step(secret, code, now, after_step=0) == totp.step_of(now)
    assert totp.matching_step(secret, code, now + 30, after_step=0) == totp.step_of(now)
    assert totp.matching_step(secret, code, now + 90, after_step=0) is None
    assert totp.matching_step(secret, code, now, after_step=totp.step_of(now)) is None
    assert totp.matching_step(secret, "12345", now, after_step=0) is None


def test_the_provisioning_uri_names_issuer_and_account():
    uri = totp.provisioning_uri("ABC", "anna@alfa.example", "supportledger")
    assert uri.startswith("otpauth://totp/supportledger%3Aanna%40alfa.example?")
    assert "secret=ABC" in uri
