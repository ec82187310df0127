"""Listing photos as they are kept: upright, in sRGB, without any metadata, in two sizes.

What a producer uploads is read as every uploaded image is (`kernel.images`: the same check as a
credential's document), only as JPEG, PNG or WebP, whatever its name or its claimed type says;
anything else, a damaged or truncated file, or one with more pixels than Pillow's
`Image.MAX_IMAGE_PIXELS` (a decompression bomb: a small file that would fill the memory) is
refused, naming the form field. The image is turned as its EXIF orientation says, converted to
sRGB by its ICC profile, and re-encoded from its pixels alone: no EXIF (so no GPS position, no
camera serial number), no ICC profile, no XMP, no comments reach a buyer. It is kept as WebP at
most 1600 px on its longer side (`large`) and 400 px (`thumbnail`); smaller images are not enlarged.
"""

from __future__ import annotations

import enum
import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps

from kernel.errors import InvalidInput
from kernel.images import DAMAGED, decoded_image

MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: The formats read (Pillow's names), whatever the file's name or its claimed type.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED_MEDIA_TYPES = ("image/jpeg", "image/png", "image/webp")
STORED_MEDIA_TYPE = "image/webp"


class PhotoVariant(enum.StrEnum):
    """The sizes a photo is kept in: `large` (at most 1600 px) for the listing page, `thumbnail`
    (at most 400 px) for lists and search results."""

    large = "large"
    thumbnail = "thumbnail"


LONGER_SIDE = {PhotoVariant.large: 1600, PhotoVariant.thumbnail: 400}
_QUALITY = {PhotoVariant.large: 82, PhotoVariant.thumbnail: 80}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
#: Colour modes an embedded ICC profile is applied from (others are converted as they are).
_PROFILED_MODES = ("RGB", "RGBA", "CMYK", "L")


@dataclass(frozen=True)
class EncodedImage:
    content: bytes
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedPhoto:
    variants: dict[PhotoVariant, EncodedImage]
    media_type: str = STORED_MEDIA_TYPE


def process_photo(content: bytes, field: str = "file") -> ProcessedPhoto:
    """`content` as it is kept (see the module). CPU-bound: run it in a worker thread.

    Raises `InvalidInput` naming `field` for an empty or too large file, one that is no JPEG, PNG or
    WebP image, a damaged one, and one with more pixels than `Image.MAX_IMAGE_PIXELS`.
    """
    if not content:
        raise InvalidInput.field(field, "is required")
    if len(content) > MAX_PHOTO_BYTES:
        raise InvalidInput.field(field, f"is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    opened = decoded_image(
        content,
        ACCEPTED_FORMATS,
        field,
        not_an_image="is not a JPEG, PNG or WebP image",
        too_many_pixels=_too_many_pixels,
        # A JPEG is decoded at a reduced scale when it is much larger than kept: less memory and time.
        box=_box(PhotoVariant.large),
    )
    try:
        large = _in_srgb(ImageOps.exif_transpose(opened))
    except Exception:  # noqa: BLE001 - a malformed EXIF block raises many kinds of error
        raise InvalidInput.field(field, DAMAGED) from None
    large.thumbnail(_box(PhotoVariant.large), Image.Resampling.LANCZOS, reducing_gap=3.0)
    thumbnail = large.copy()
    thumbnail.thumbnail(_box(PhotoVariant.thumbnail), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        variants={
            PhotoVariant.large: _encode(large, PhotoVariant.large),
            PhotoVariant.thumbnail: _encode(thumbnail, PhotoVariant.thumbnail),
        }
    )


def _too_many_pixels(millions: int) -> str:
    return f"has more than {millions} million pixels: make it smaller (at most 1600 px is kept)"


def _box(variant: PhotoVariant) -> tuple[int, int]:
    return LONGER_SIDE[variant], LONGER_SIDE[variant]


def _in_srgb(image: Image.Image) -> Image.Image:
    """The image in sRGB (RGB, or RGBA when it has transparency), by its ICC profile if it has a
    usable one; the pixels as they are otherwise."""
    mode = "RGBA" if image.has_transparency_data else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in _PROFILED_MODES:
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), _SRGB, outputMode=mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a broken or mismatched profile: the pixels are taken as sRGB
        if converted is not None:
            return converted
    return image.convert(mode)


def _encode(image: Image.Image, variant: PhotoVariant) -> EncodedImage:
    """The pixels alone, as WebP: a fresh image carries no `info` (EXIF, ICC, XMP, comments) to write."""
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    buffer = io.BytesIO()
    bare.save(buffer, format="WEBP", quality=_QUALITY[variant], method=4)
    return EncodedImage(content=buffer.getvalue(), width=bare.width, height=bare.height)
