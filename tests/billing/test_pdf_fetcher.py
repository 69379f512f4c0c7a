"""The PDF renderer never reads a local file nor an address on the network."""

import io
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pypdf import PdfReader

from supportledger.billing.pdf import OfflineURLFetcher, URLRefused, render_pdf


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_file_url_in_customer_text_is_not_read_into_the_pdf(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "TOPSECRET-FROM-DISK"; }')
    leaked = tmp_path / "secret.html"
    leaked.write_text("<p>TOPSECRET-FROM-DISK</p>")
    html = (
        f'<html><head><link rel="stylesheet" href="file://{secret}"></head>'
        f'<body><p>Invoice for ACME</p><img src="file://{tmp_path}/x.png">'
        f'<object data="file://{leaked}"></object>'
        f'<iframe src="file://{leaked}"></iframe></body></html>'
    )
    text = _text(render_pdf(html))
    assert "Invoice for ACME" in text
    assert "TOPSECRET" not in text


def test_an_internal_http_address_is_never_contacted():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b'body::after { content: "FETCHED-FROM-NETWORK"; }')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        html = (
            f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">'
            f"<style>@import url('http://127.0.0.1:{port}/imported.css');</style></head>"
            f'<body><p>Hello</p><img src="http://127.0.0.1:{port}/logo.png"></body></html>'
        )
        text = _text(render_pdf(html))
    finally:
        server.shutdown()
        server.server_close()
    assert "Hello" in text
    assert "FETCHED-FROM-NETWORK" not in text
    assert hits == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "http://169.254.169.254/latest", "https://example.com/x", "ftp://h/x"],
)
def test_the_fetcher_refuses_every_scheme_but_data(url):
    fetcher = OfflineURLFetcher()
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_still_serves_inline_data_urls():
    response = OfflineURLFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_text_in_cyrillic_and_greek_survives_into_the_pdf():
    html = (
        "<html><body style=\"font-family: 'DejaVu Sans'\">"
        "<p>Фактура Τιμολόγιο Számla Faktura</p></body></html>"
    )
    text = _text(render_pdf(html))
    assert "Фактура" in text
    assert "Τιμολόγιο" in text
    assert "Számla" in text


def test_no_socket_is_opened_while_rendering(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    render_pdf('<html><body><img src="http://10.0.0.1/x.png"><p>ok</p></body></html>')
