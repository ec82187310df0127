"""An uploaded image read one way, whatever it is uploaded for (a listing photo, a credential's document).

The bytes alone decide: Pillow opens them only as one of the formats the caller takes, counts the
pixels before decoding any (more than `Image.MAX_IMAGE_PIXELS` is a decompression bomb: a small
file that would fill the memory), then decodes every pixel (`load()`), so that a truncated or
otherwise damaged file is refused here. (`Image.verify()` is not used: for a JPEG it checks
nothing past the header, and a truncated one passed it.)
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, UnidentifiedImageError

from kernel.errors import InvalidInput

DAMAGED = "is damaged or incomplete: it cannot be read as an image"


def decoded_image(
    content: bytes,
    formats: tuple[str, ...],
    field: str,
    *,
    not_an_image: str,
    too_many_pixels: Callable[[int], str],
    box: tuple[int, int] | None = None,
) -> Image.Image:
    """`content` decoded whole, as one of `formats` (Pillow's names). CPU-bound: run it in a
    worker thread. `box`: a JPEG much larger than it may be decoded at a reduced scale (less
    memory and time; every byte of it is still read, so a truncated file is still found).

    Raises `InvalidInput` naming `field`: `not_an_image` for bytes that are none of `formats`,
    `too_many_pixels(limit in millions)` for more than `Image.MAX_IMAGE_PIXELS`, `DAMAGED` for a
    file that cannot be decoded to its end.
    """
    try:
        # From bytes in memory: nothing to close, and the decoded image outlives this function.
        image = Image.open(io.BytesIO(content), formats=formats)
        limit = Image.MAX_IMAGE_PIXELS
        # Pillow raises only above twice its limit (and warns above it): refused from the limit on.
        if limit is not None and image.width * image.height > limit:
            raise InvalidInput.field(field, too_many_pixels(limit // 1_000_000))
        if box is not None:
            image.draft(None, box)
        image.load()
        return image
    except UnidentifiedImageError:
        raise InvalidInput.field(field, not_an_image) from None
    except Image.DecompressionBombError:
        raise InvalidInput.field(field, too_many_pixels((Image.MAX_IMAGE_PIXELS or 0) // 1_000_000)) from None
    except InvalidInput:
        raise
    except Exception:  # noqa: BLE001 - Pillow's decoders raise many kinds of error on a malformed file
        raise InvalidInput.field(field, DAMAGED) from None
