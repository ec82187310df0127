"""Images as cameras and phones make them (with EXIF, a GPS position, an orientation), and listing
photos uploaded through the HTTP API."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from litestar.testing import AsyncTestClient
from PIL import Image, ImageCms

from tests.factories.identity import Account

#: EXIF tags (TIFF numbers) a phone writes.
ORIENTATION, MAKE, GPS_INFO = 0x0112, 0x010F, 0x8825
#: Where the photo was taken: the footbridge between Görlitz and Zgorzelec.
GPS_POSITION = {1: "N", 2: (51.0, 9.0, 30.0), 3: "E", 4: (14.0, 59.0, 40.0)}


def phone_jpeg(width: int = 4000, height: int = 3000, *, orientation: int = 6) -> bytes:
    """A JPEG as a phone held upright saves it: stored sideways (`width` x `height`) with an EXIF
    orientation saying how to turn it (6: a quarter turn clockwise), its GPS position, the maker's
    name, an embedded sRGB profile and a comment. The left half is red, the right half blue, so
    the top of the turned image is red."""
    image = Image.new("RGB", (width, height), (220, 20, 20))
    image.paste((20, 20, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "Phone maker"
    exif[GPS_INFO] = GPS_POSITION
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, icc_profile=profile, comment=b"taken at the bridge", quality=90)
    return buffer.getvalue()


def png(width: int = 640, height: int = 480, *, transparent: bool = False) -> bytes:
    image = Image.new("RGBA" if transparent else "RGB", (width, height), (30, 120, 60, 128 if transparent else 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb's shape): its
    few bytes of data would have to be inflated to all of them."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


async def upload_photo(
    client: AsyncTestClient[Any],
    account: Account,
    listing: dict[str, Any],
    content: bytes | None = None,
    *,
    filename: str = "honey.jpg",
    alt_text: dict[str, str] | None = None,
    expect: int = 201,
) -> dict[str, Any]:
    """Upload `content` (a phone's JPEG by default) as a photo of `listing`; the answer's body."""
    files = {"file": (filename, content if content is not None else phone_jpeg(1200, 900), "image/jpeg")}
    data = {f"alt_text[{language}]": text for language, text in (alt_text or {}).items()}
    response = await client.post(
        f"/api/v1/listings/{listing['id']}/photos", files=files, data=data, headers=account.headers
    )
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result
