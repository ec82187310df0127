"""Listing photos through the API: a producer's members add, describe, reorder and remove them;
buyers (and, for an active listing, anyone) see them upright, resized and without their metadata."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from borderhub.settings import Settings
from kernel import audit
from tests.factories.catalog import create_listing
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization
from tests.factories.photos import phone_jpeg, png, upload_photo

Client = AsyncTestClient[Any]


@pytest.fixture
async def producer(client: Client) -> tuple[Account, dict[str, Any]]:
    owner = await register(client)
    organization = await create_organization(client, owner)
    return owner, await create_listing(client, owner, organization)


def _problem_fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


async def test_a_phone_photo_is_kept_upright_resized_and_without_its_gps_position_and_anyone_sees_it(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    photo = await upload_photo(
        client,
        owner,
        listing,
        phone_jpeg(4000, 3000),
        alt_text={"pl": "Słoik miodu na stole", "de-DE": "Ein Glas Honig auf dem Tisch", "en": " "},
    )

    assert (photo["position"], photo["media_type"]) == (1, "image/webp")
    assert (photo["width"], photo["height"]) == (1200, 1600)  # turned upright, at most 1600 px
    assert (photo["thumbnail_width"], photo["thumbnail_height"]) == (300, 400)
    assert photo["alt_text"] == {"pl": "Słoik miodu na stole", "de-DE": "Ein Glas Honig auf dem Tisch"}
    buyer = await register(client)
    listed = await client.get(f"/api/v1/listings/{listing['id']}/photos", headers=buyer.headers)
    assert [p["id"] for p in listed.json()] == [photo["id"]]

    client.cookies.clear()
    served = await client.get(photo["url"])  # no one signed in: an active listing's photos are public

    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (1200, 1600)
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    top = image.convert("RGB").getpixel((600, 10))
    assert isinstance(top, tuple)
    assert top[0] > 150 > top[2], "the left (red) half is on top after a quarter turn clockwise"
    thumbnail = await client.get(photo["thumbnail_url"])
    assert Image.open(io.BytesIO(thumbnail.content)).size == (300, 400)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Honey from the lindens by the Neisse.\n", "is not a JPEG, PNG or WebP image"),
        (phone_jpeg(64, 48)[:300], "is damaged or incomplete: it cannot be read as an image"),
        (b"", "is required"),
    ],
)
async def test_what_is_no_readable_image_is_refused_naming_the_file_field(
    client: Client, producer: tuple[Account, dict[str, Any]], content: bytes, reason: str
) -> None:
    owner, listing = producer
    refused = await client.post(
        f"/api/v1/listings/{listing['id']}/photos",
        files={"file": ("honey.jpg", content, "image/jpeg")},
        headers=owner.headers,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"field": "$.file", "message": reason}]
    assert (await client.get(f"/api/v1/listings/{listing['id']}/photos", headers=owner.headers)).json() == []


async def test_a_form_without_a_file_and_a_bad_language_are_named(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    url = f"/api/v1/listings/{listing['id']}/photos"
    no_file = await client.post(url, data={"alt_text[pl]": "Miód"}, files={"other": ("x", b"x")}, headers=owner.headers)
    assert no_file.status_code == 422
    assert _problem_fields(no_file) == ["$.file"]

    bad_language = await client.post(
        url,
        files={"file": ("a.png", png(), "image/png")},
        data={"alt_text[not a language]": "Miód"},
        headers=owner.headers,
    )
    assert bad_language.status_code == 422
    assert _problem_fields(bad_language) == ["$.alt_text.not a language"]


async def test_a_listing_has_at_most_eight_photos(client: Client, producer: tuple[Account, dict[str, Any]]) -> None:
    owner, listing = producer
    for _ in range(8):
        await upload_photo(client, owner, listing, png(40, 30), filename="small.png")
    refused = await upload_photo(client, owner, listing, png(40, 30), filename="ninth.png", expect=422)
    assert refused["errors"] == [{"field": "$.file", "message": "a listing has at most 8 photos: remove one first"}]


async def test_photos_are_described_reordered_and_removed_and_removed_files_are_deleted(
    client: Client,
    producer: tuple[Account, dict[str, Any]],
    settings: Settings,
    run_worker: Callable[[], Awaitable[None]],
) -> None:
    owner, listing = producer
    first, second, third = [await upload_photo(client, owner, listing, png(80, 60)) for _ in range(3)]
    url = f"/api/v1/listings/{listing['id']}/photos"

    described = await client.patch(
        f"{url}/{second['id']}", json={"alt_text": {"de": "Honig im Glas"}}, headers=owner.headers
    )
    assert described.status_code == 200, described.text
    assert described.json()["alt_text"] == {"de": "Honig im Glas"}

    reordered = await client.put(
        f"{url}/order", json={"photo_ids": [third["id"], first["id"], second["id"]]}, headers=owner.headers
    )
    assert reordered.status_code == 200, reordered.text
    assert [(p["id"], p["position"]) for p in reordered.json()] == [
        (third["id"], 1),
        (first["id"], 2),
        (second["id"], 3),
    ]
    incomplete = await client.put(f"{url}/order", json={"photo_ids": [third["id"]]}, headers=owner.headers)
    assert incomplete.status_code == 422
    assert _problem_fields(incomplete) == ["$.photo_ids"]

    removed = await client.delete(f"{url}/{first['id']}", headers=owner.headers)
    assert removed.status_code == 204, removed.text
    left = (await client.get(url, headers=owner.headers)).json()
    assert [(p["id"], p["position"]) for p in left] == [(third["id"], 1), (second["id"], 2)]
    assert (await client.get(first["url"], headers=owner.headers)).status_code == 404

    files = settings.data_dir / "files" / "listing-photos" / listing["id"] / first["id"]
    assert (files / "large").exists(), "kept until the removal has committed"
    await run_worker()
    assert not (files / "large").exists()
    assert not (files / "thumbnail").exists()


async def test_a_stranger_changes_no_photo_and_sees_none_of_a_paused_listing(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    photo = await upload_photo(client, owner, listing, png())
    stranger = await register(client)
    await create_organization(client, stranger)
    url = f"/api/v1/listings/{listing['id']}/photos"

    assert (await upload_photo(client, stranger, listing, png(), expect=404))["status"] == 404
    assert (await client.delete(f"{url}/{photo['id']}", headers=stranger.headers)).status_code == 404
    paused = await client.post(f"/api/v1/listings/{listing['id']}/pause", headers=owner.headers)
    assert paused.status_code == 200, paused.text

    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.get(photo["url"], headers=stranger.headers)).status_code == 404
    assert (await client.get(photo["url"])).status_code == 404
    own = await client.get(photo["url"], headers=owner.headers)
    assert own.status_code == 200
    assert own.headers["cache-control"].startswith("private")


async def test_a_photo_whose_transaction_fails_after_its_files_are_stored_leaves_no_file_behind(
    client: Client, producer: tuple[Account, dict[str, Any]], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, listing = producer

    async def the_database_goes_away(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the database went away")

    # The audit row is written after the files: the request's transaction fails once they are stored.
    monkeypatch.setattr(audit, "record", the_database_goes_away)
    failed = await client.post(
        f"/api/v1/listings/{listing['id']}/photos",
        files={"file": ("honey.jpg", phone_jpeg(1200, 900), "image/jpeg")},
        headers=owner.headers,
    )
    monkeypatch.undo()

    assert failed.status_code == 500
    folder = settings.data_dir / "files" / "listing-photos" / listing["id"]
    assert folder.exists(), "the files were written before the failure (else this proves nothing)"
    stored = [path for path in folder.rglob("*") if path.is_file()]
    assert stored == [], "the files of a photo whose row was rolled back"
    listed = await client.get(f"/api/v1/listings/{listing['id']}/photos", headers=owner.headers)
    assert listed.json() == []
