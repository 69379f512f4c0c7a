"""The parsing and classifying functions on real .eml files; no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportledger.intake.classify import automatic_mail_reason
from supportledger.intake.parse import (
    MailParseError,
    html_to_text,
    message_key,
    parse_message,
    read_message_id,
    sanitise_html,
)
from supportledger.intake.thread import request_number_in_subject

EML = Path(__file__).parent / "eml"


def eml(name: str) -> bytes:
    return (EML / name).read_bytes()


def test_plain_message_gives_sender_subject_body_and_id():
    parsed = parse_message(eml("plain.eml"))
    assert parsed.from_address == "anna.petrova@acme.example"
    assert parsed.from_name == "Anna Petrova"
    assert parsed.subject == "Invoice printing stopped after the update"
    assert parsed.message_id == "20260302101500.4242@mail.acme.example"
    assert "no longer prints" in parsed.text
    assert parsed.html == ""
    assert parsed.attachments == ()


def test_html_body_loses_scripts_handlers_and_remote_images_but_keeps_text_and_links():
    parsed = parse_message(eml("html_alternative.eml"))
    assert "E-1042" in parsed.text
    html = parsed.html
    assert "<b>payroll</b>" in html
    for forbidden in (
        "<script",
        "onclick",
        "onload",
        "<img",
        "tracker.example",
        "javascript:",
        "<style",
        "document.cookie",
    ):
        assert forbidden not in html
    assert 'href="https://acme.example/log.txt"' in html
    assert "noopener" in html


def test_html_only_message_gets_a_text_body_derived_from_the_html():
    parsed = parse_message(eml("html_only.eml"))
    assert parsed.text == "First line\nSecond line & more"
    assert "<script" not in parsed.html
    assert "<img" not in parsed.html


def test_attachments_are_kept_with_safe_file_names_and_exact_bytes():
    parsed = parse_message(eml("attachments.eml"))
    names = [a.filename for a in parsed.attachments]
    assert names == ["invoice-0042.pdf", "screen.png", "фактура.txt"]
    pdf, png, text = parsed.attachments
    assert pdf.content_type == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    assert png.content.startswith(b"\x89PNG")
    assert text.content == "фактура 42\n".encode()
    assert parsed.text.startswith("The screenshot")


def test_windows_1251_body_and_cyrillic_encoded_word_subject_are_decoded():
    parsed = parse_message(eml("windows1251.eml"))
    assert parsed.subject == "Не запускается программа после обновления"  # noqa: RUF001
    assert parsed.from_name == "Иван Смирнов"
    assert "программа «Склад» не запускается" in parsed.text
    assert parsed.content_language == "ru"


def test_greek_encoded_word_subject_and_iso_8859_7_body_are_decoded():
    parsed = parse_message(eml("greek_iso8859_7.eml"))
    assert parsed.subject == "Πρόβλημα με την ενημέρωση της μισθοδοσίας"
    assert "η ενημέρωση της μισθοδοσίας δεν ολοκληρώνεται" in parsed.text
    assert parsed.from_name == "Níkos Papadopoulos"


def test_reply_carries_in_reply_to_and_references_without_brackets():
    parsed = parse_message(eml("reply_in_reply_to.eml"))
    assert parsed.in_reply_to == ("20260302101500.4242@mail.acme.example",)
    assert parsed.references == ("20260302101500.4242@mail.acme.example",)


def test_request_number_is_found_in_a_subject_in_any_case_and_bracketing():
    assert request_number_in_subject("RE: [REQ-7] Invoice printing") == 7
    assert request_number_in_subject("Fwd: req-1234 again") == 1234
    assert request_number_in_subject("PREQ-7 is not ours") is None
    assert request_number_in_subject("Invoice printing") is None


def test_garbage_cannot_be_parsed():
    with pytest.raises(MailParseError) as error:
        parse_message(eml("garbage.eml"))
    assert error.value.code in {"no_headers", "no_sender"}


def test_message_without_from_cannot_be_parsed():
    with pytest.raises(MailParseError) as error:
        parse_message(eml("no_from.eml"))
    assert error.value.code == "no_sender"


def test_empty_message_cannot_be_parsed():
    with pytest.raises(MailParseError) as error:
        parse_message(b"\r\n")
    assert error.value.code == "empty"


def test_message_without_message_id_is_keyed_by_the_hash_of_its_bytes():
    raw = eml("no_message_id.eml")
    assert read_message_id(raw) is None
    key = message_key(raw, None)
    assert key.startswith("sha256:")
    assert key == message_key(raw, None)
    assert key != message_key(raw + b"\n", None)
    assert message_key(eml("plain.eml"), read_message_id(eml("plain.eml"))) == (
        "20260302101500.4242@mail.acme.example"
    )


def test_message_id_is_read_even_from_a_message_that_cannot_be_parsed():
    assert read_message_id(eml("no_from.eml")) == "no.from.0001@broken.example"
    assert read_message_id(eml("garbage.eml")) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "auto_submitted"),
        ("precedence_bulk.eml", "precedence_bulk"),
        ("bounce_mailer_daemon.eml", "delivery_report"),
        ("bounce_plain_daemon.eml", "mailer_daemon"),
    ],
)
def test_automatic_mail_is_recognised(name, reason):
    assert automatic_mail_reason(parse_message(eml(name))) == reason


@pytest.mark.parametrize(
    "name",
    [
        "plain.eml",
        "html_alternative.eml",
        "attachments.eml",
        "windows1251.eml",
        "reply_in_reply_to.eml",
        "unknown_sender.eml",
    ],
)
def test_mail_written_by_people_is_not_automatic(name):
    assert automatic_mail_reason(parse_message(eml(name))) is None


def test_null_envelope_sender_marks_a_message_automatic():
    parsed = parse_message(eml("plain.eml"))
    assert automatic_mail_reason(parsed, envelope_from="") == "mailer_daemon"
    assert automatic_mail_reason(parsed, envelope_from="anna@acme.example") is None


def test_sanitiser_and_text_extraction_on_hostile_snippets():
    assert sanitise_html('<a href="x" onmouseover="e()">x</a>') == (
        '<a href="x" rel="noopener noreferrer nofollow">x</a>'
    )
    assert "<iframe" not in sanitise_html('<iframe src="https://evil.example"></iframe>')
    assert html_to_text("<p>a</p><style>p{}</style><p>b &lt;c&gt;</p>") == "a\nb <c>"
