"""A listing photo as it is kept: upright, within its sizes, without a trace of the file's metadata;
what is no readable image, or would inflate to too many pixels, is refused naming the form field."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kernel.errors import InvalidInput
from marketplace.catalog.images import MAX_PHOTO_BYTES, PhotoVariant, process_photo
from tests.factories.photos import phone_jpeg, png, png_claiming


def _opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def _refusal(content: bytes, field: str = "file") -> str:
    with pytest.raises(InvalidInput) as refused:
        process_photo(content, field)
    [error] = refused.value.errors
    assert error.field == f"$.{field}"
    return error.message


def test_a_phone_jpeg_comes_out_upright_within_its_sizes_and_without_exif_gps_or_profile() -> None:
    original = _opened(phone_jpeg(4000, 3000))
    assert original.getexif().get_ifd(0x8825), "the test image carries a GPS position"
    assert {"exif", "icc_profile", "comment"} <= set(original.info)

    processed = process_photo(phone_jpeg(4000, 3000))

    large, thumbnail = processed.variants[PhotoVariant.large], processed.variants[PhotoVariant.thumbnail]
    assert (large.width, large.height) == (1200, 1600), "turned a quarter clockwise, at most 1600 px"
    assert (thumbnail.width, thumbnail.height) == (300, 400)
    for variant in (large, thumbnail):
        image = _opened(variant.content)
        assert image.format == "WEBP"
        assert (image.width, image.height) == (variant.width, variant.height)
        assert not image.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
        top = image.convert("RGB").getpixel((image.width // 2, 2))
        bottom = image.convert("RGB").getpixel((image.width // 2, image.height - 3))
        assert isinstance(top, tuple)
        assert isinstance(bottom, tuple)
        assert top[0] > 150 > top[2], "the left (red) half of the sideways image is on top"
        assert bottom[2] > 150 > bottom[0]
    for secret in (b"Phone maker", b"taken at the bridge", b"GPS"):
        assert secret not in large.content
        assert secret not in thumbnail.content
    assert processed.media_type == "image/webp"


def test_a_small_image_is_not_enlarged_and_keeps_its_transparency() -> None:
    processed = process_photo(png(320, 200, transparent=True))
    large = _opened(processed.variants[PhotoVariant.large].content)
    assert large.size == (320, 200)
    assert large.mode == "RGBA"
    assert _opened(processed.variants[PhotoVariant.thumbnail].content).size == (320, 200)


def test_a_text_file_named_jpg_is_refused() -> None:
    assert _refusal(b"Lindenhonig, 500 g\nHonig von den Linden an der Neisse\n") == "is not a JPEG, PNG or WebP image"


def test_an_image_in_another_format_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "GIF")
    assert _refusal(buffer.getvalue(), "photo") == "is not a JPEG, PNG or WebP image"


def test_a_truncated_jpeg_is_refused() -> None:
    assert _refusal(phone_jpeg(640, 480)[:400]) == "is damaged or incomplete: it cannot be read as an image"


@pytest.mark.parametrize(
    "size",
    [
        (20_000, 20_000),  # beyond twice Pillow's limit: Pillow itself raises
        pytest.param(
            (10_000, 9_000), marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
        ),  # beyond the limit, where Pillow only warns
    ],
)
def test_a_png_claiming_a_huge_size_is_refused_before_it_is_decoded(size: tuple[int, int]) -> None:
    content = png_claiming(*size)
    assert len(content) < 100
    message = _refusal(content)
    assert message.startswith(f"has more than {(Image.MAX_IMAGE_PIXELS or 0) // 1_000_000} million pixels")


def test_an_empty_or_too_large_file_is_refused() -> None:
    assert _refusal(b"") == "is required"
    assert _refusal(b"\xff" * (MAX_PHOTO_BYTES + 1)) == "is larger than 10 MB"
