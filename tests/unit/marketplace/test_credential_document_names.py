"""A credential document's file name, as kept and as sent back in `Content-Disposition`: nothing in
it can break the header, pass for another file or reach outside the download."""

from __future__ import annotations

import pytest

from marketplace.compliance.documents import MAX_NAME_STEM, ascii_name, safe_name


@pytest.mark.parametrize(
    ("uploaded", "extension", "kept"),
    [
        ("Zertifikat Öko 2026.pdf", "pdf", "Zertifikat Öko 2026.pdf"),
        ("C:\\Users\\ewa\\Skany\\świadectwo.JPG", "jpg", "świadectwo.jpg"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ('cert"; filename="evil.html', "pdf", "cert filename=evil.pdf"),
        ("invoice\u202egpj.exe", "png", "invoicegpj.png"),  # the right-to-left override that hides ".exe"
        ("line\r\nbreak.pdf", "pdf", "linebreak.pdf"),
        ("scan.txt", "png", "scan.png"),  # the real type's extension, whatever the name said
        ("", "pdf", "document.pdf"),
        (" . ", "pdf", "document.pdf"),
    ],
)
def test_an_uploaded_name_is_kept_only_as_far_as_it_is_safe(uploaded: str, extension: str, kept: str) -> None:
    assert safe_name(uploaded, extension) == kept


def test_a_long_name_is_cut_before_its_extension() -> None:
    assert safe_name("a" * 500 + ".pdf", "pdf") == "a" * MAX_NAME_STEM + ".pdf"


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("Zertifikat Öko 2026.pdf", "Zertifikat Oko 2026.pdf"),
        ("Świadectwo jakości.png", "Swiadectwo jakosci.png"),
        ("证书.pdf", "document.pdf"),
    ],
)
def test_the_ascii_name_for_old_clients_keeps_what_ascii_can_say(name: str, plain: str) -> None:
    assert ascii_name(name) == plain
