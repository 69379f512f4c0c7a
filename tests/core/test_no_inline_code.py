"""Every page is sent with a Content-Security-Policy that allows no inline
script or style, so no template served to a browser may carry one: it would
be silently ignored (an unstyled page, a dead button)."""

import re
from pathlib import Path

import supportledger

# Rendered to PDF by WeasyPrint, never sent to a browser.
PDF_TEMPLATES = {"billing/templates/billing/invoice.html"}
INLINE = re.compile(r"<style|<script>|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def served_templates():
    root = Path(supportledger.__file__).parent
    for path in sorted(root.glob("*/templates/**/*.html")):
        if str(path.relative_to(root)) not in PDF_TEMPLATES:
            yield path


def test_the_walk_finds_the_templates():
    names = {path.name for path in served_templates()}
    assert {"start.html", "404.html", "base.html"} <= names


def test_no_served_template_has_inline_script_style_or_handlers():
    offenders = [
        f"{path}: {match.group(0).strip()}"
        for path in served_templates()
        for match in [INLINE.search(path.read_text())]
        if match
    ]
    assert offenders == []


def test_start_page_links_its_stylesheet_from_static(client):
    response = client.get("/")
    assert b"<style" not in response.content
    assert b"/static/core/plain.css" in response.content
