"""A credential's uploaded document as it is kept: a PDF, JPEG or PNG of at most 10 MB, byte for byte.

What is uploaded is judged by its bytes alone, never by its name or its claimed type: a PDF by its
magic (`%PDF-` at the start), an image by Pillow decoding it whole as JPEG or PNG, the one way
every uploaded image is read (`kernel.images`, as listing photos are), with its pixels counted
(`Image.MAX_IMAGE_PIXELS`: a decompression bomb is refused) and every pixel decoded. Anything else,
an empty file, a larger one, a damaged or truncated or a too large image, is refused naming the
form field.

Unlike a listing photo, the document is not re-encoded: it is what a coordinator checks, so it is
kept exactly as uploaded (metadata included) and shown only to the organisation's members and its
hubs' coordinators. Its file name is kept only as far as it is safe to send back in a
`Content-Disposition` header (`safe_name`), with the extension of its real type.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from kernel.errors import InvalidInput
from kernel.images import decoded_image

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
#: Pillow's name of each image format taken -> (media type, file name extension).
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
PDF = ("application/pdf", "pdf")
#: A JPEG document is decoded to its end at a reduced scale (its pixels are only checked, not kept).
CHECKED_BOX = (400, 400)
DOCUMENT_MEDIA_TYPES = (PDF[0], *(media_type for media_type, _ in IMAGE_FORMATS.values()))
#: What a file input offers to pick (`accept`): the types above.
ACCEPT = ".pdf,image/jpeg,image/png"
#: The longest name kept (its stem; the extension is added).
MAX_NAME_STEM = 100
#: Characters no kept name holds: path and quoting characters, and those Windows refuses in names.
_UNSAFE_IN_NAMES = frozenset('"\\/<>:|?*;%')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    media_type: str
    name: str
    """The file's name made safe (`safe_name`), with the extension of its real type."""


def document_key(organization_id: uuid.UUID, credential_id: uuid.UUID) -> str:
    """The file storage key of a credential's document (never reused: a credential's id is new, and
    its document never changes)."""
    return f"credential-documents/{organization_id}/{credential_id}"


def check_document(content: bytes, filename: str, field: str = "file") -> CheckedDocument:
    """`content` if it is a PDF, JPEG or PNG of at most `MAX_DOCUMENT_BYTES`; CPU-bound for an
    image (run it in a worker thread).

    Raises `InvalidInput` naming `field` for an empty or too large file, one that is neither a PDF
    nor a JPEG or PNG image, a damaged image, and one with more pixels than `Image.MAX_IMAGE_PIXELS`.
    """
    if not content:
        raise InvalidInput.field(field, "is an empty file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput.field(field, f"is a file larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    if content.startswith(PDF_MAGIC):
        media_type, extension = PDF
    else:
        media_type, extension = _image_type(content, field)
    return CheckedDocument(content=content, media_type=media_type, name=safe_name(filename, extension))


def _image_type(content: bytes, field: str) -> tuple[str, str]:
    image = decoded_image(
        content,
        tuple(IMAGE_FORMATS),
        field,
        not_an_image="is not a PDF, JPEG or PNG file",
        too_many_pixels=lambda millions: f"is an image of more than {millions} million pixels",
        box=CHECKED_BOX,
    )
    return IMAGE_FORMATS[str(image.format)]


def safe_name(filename: str, extension: str) -> str:
    """The last part of an uploaded file's name, without control, invisible, path or quoting
    characters, at most `MAX_NAME_STEM` characters before `.extension` (the real type's, whatever
    the name said); `document.<extension>` when nothing is left."""
    base = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        ch for ch in base if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " "
    )  # no control, format or separator characters but the plain space
    kept = "".join(ch for ch in kept if ch not in _UNSAFE_IN_NAMES)
    stem = kept.rsplit(".", 1)[0] if "." in kept else kept
    stem = " ".join(stem.split())[:MAX_NAME_STEM].strip(" .")
    return f"{stem or 'document'}.{extension}"


def ascii_name(name: str) -> str:
    """`name` in ASCII letters, digits, dots, dashes, underscores and spaces (for clients that read
    only `filename=`; `filename*=` carries the name itself)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem, _, extension = plain.rpartition(".")
    stem = _NOT_ASCII_SAFE.sub("_", stem).strip(" ._") or "document"
    return f"{stem}.{_NOT_ASCII_SAFE.sub('', extension) or 'bin'}"
