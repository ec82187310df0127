"""A listing's photos as a page: the producer uploads, describes, moves and removes them in a browser
form; a file that is no picture shows the form again with the reason; anyone else finds no page."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_organization
from tests.factories.photos import phone_jpeg, png, upload_photo
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def producer(client: Client) -> tuple[Account, dict[str, Any]]:
    """A producer signed in on the pages, with a listing (written in Polish, German and English)."""
    owner = await register(client)
    organization = await create_organization(client, owner)
    listing = await create_listing(client, owner, organization)
    signed_in = await sign_in_page(client, owner.email, PASSWORD)
    assert signed_in.status_code == 303
    return owner, listing


async def _upload_on_page(
    client: Client, listing: dict[str, Any], content: bytes, filename: str, **fields: str
) -> httpx.Response:
    path = f"/listings/{listing['id']}/photos"
    shown = await client.get(path)
    assert shown.status_code == 200, shown.text
    return await client.post(
        path,
        data={"_csrf_token": csrf_of(shown.text), **fields},
        files={"file": (filename, content, "image/jpeg")},
        follow_redirects=False,
    )


async def test_a_producer_uploads_a_photo_and_sees_its_thumbnail_and_description(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    edit = await client.get(f"/listings/{listing['id']}/edit")
    assert f'href="/listings/{listing["id"]}/photos"' in edit.text, "the listing's page leads to its photos"
    page = await client.get(f"/listings/{listing['id']}/photos")
    assert "<h1>Photos of Linden honey</h1>" in page.text
    assert 'accept="image/jpeg,image/png,image/webp"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "This listing has no photos yet." in page.text

    added = await _upload_on_page(
        client, listing, phone_jpeg(2000, 1500), "IMG_0042.JPG", **{"alt_text[en]": "A jar of linden honey"}
    )

    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"/listings/{listing['id']}/photos?notice=photo-added"
    shown = await client.get(added.headers["location"])
    assert "The photo is added." in shown.text
    [photo] = (await client.get(f"/api/v1/listings/{listing['id']}/photos", headers=owner.headers)).json()
    assert f'src="{photo["thumbnail_url"]}" width="300" height="400"' in shown.text
    assert 'alt="A jar of linden honey"' in shown.text
    thumbnail = await client.get(photo["thumbnail_url"])  # with the page's session cookie, as the browser asks
    assert (thumbnail.status_code, thumbnail.headers["content-type"]) == (200, "image/webp")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a picture at all\n", "This file is not a JPEG, PNG or WebP picture."),
        (phone_jpeg(64, 48)[:200], "This picture is damaged or incomplete. Save it again, or choose another one."),
    ],
)
async def test_a_file_that_is_no_picture_shows_the_form_again_with_the_reason(
    client: Client, producer: tuple[Account, dict[str, Any]], content: bytes, reason: str
) -> None:
    _, listing = producer
    refused = await _upload_on_page(client, listing, content, "honey.jpg", **{"alt_text[de]": "Ein Glas Honig"})

    assert refused.status_code == 422
    assert f'<p class="error" id="f-file-error">{reason}</p>' in refused.text
    assert re.search(r'id="f-file"[^>]*aria-invalid="true"', refused.text)
    assert 'value="Ein Glas Honig"' in refused.text, "what was typed is kept"
    assert "This listing has no photos yet." in refused.text


async def test_photos_are_described_moved_and_removed_on_the_page(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    first = await upload_photo(client, owner, listing, png(90, 60))
    second = await upload_photo(client, owner, listing, png(60, 90))
    path = f"/listings/{listing['id']}/photos"

    described = await submit(client, path, f"{path}/{second['id']}/description", {"alt_text[pl]": "Słoik miodu"})
    assert described.headers["location"] == f"{path}?notice=photo-described"
    moved = await submit(client, path, f"{path}/{second['id']}/move", {"direction": "up"})
    assert moved.headers["location"] == f"{path}?notice=photos-reordered"
    page = await client.get(path)
    assert page.text.index(second["thumbnail_url"]) < page.text.index(first["thumbnail_url"])
    assert '<img src="{}"'.format(second["thumbnail_url"]) in page.text
    assert 'alt="Słoik miodu" lang="pl"' in page.text, "a description in another language says which"

    removed = await submit(client, path, f"{path}/{second['id']}/remove", {})
    assert removed.headers["location"] == f"{path}?notice=photo-removed"
    page = await client.get(removed.headers["location"])
    assert "The photo is removed." in page.text
    assert second["thumbnail_url"] not in page.text
    assert "Photo 1 of 1" in page.text


async def test_someone_else_gets_the_not_found_page(client: Client, producer: tuple[Account, dict[str, Any]]) -> None:
    owner, listing = producer
    photo = await upload_photo(client, owner, listing, png())
    client.cookies.clear()
    stranger = await register(client)
    await create_organization(client, stranger)
    assert (await sign_in_page(client, stranger.email, PASSWORD)).status_code == 303

    page = await client.get(f"/listings/{listing['id']}/photos")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert photo["thumbnail_url"] not in page.text
    removal = await submit(client, "/", f"/listings/{listing['id']}/photos/{photo['id']}/remove", {})
    assert removal.status_code == 404
    still = await client.get(f"/api/v1/listings/{listing['id']}/photos", headers=owner.headers)
    assert [p["id"] for p in still.json()] == [photo["id"]]


async def test_a_buyer_sees_the_photos_on_the_listings_page_described_in_the_language_it_is_shown_in(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, listing = producer
    described = await upload_photo(
        client, owner, listing, alt_text={"en": "A jar of linden honey", "pl": "Słoik miodu lipowego"}
    )
    undescribed = await upload_photo(client, owner, listing, png(60, 90))
    client.cookies.clear()
    buyer = await register(client)
    await create_organization(client, buyer, kind="buyer")
    assert (await sign_in_page(client, buyer.email, PASSWORD)).status_code == 303

    page = await client.get(f"/listings/{listing['id']}")

    assert page.status_code == 200
    first = f'<img src="{described["url"]}" width="{described["width"]}" height="{described["height"]}"'
    assert first in page.text
    assert 'alt="A jar of linden honey">' in page.text
    assert page.text.index(described["url"]) < page.text.index(undescribed["url"])
    assert 'alt="Photo 2, not described yet"' in page.text
    polish = await client.get(f"/listings/{listing['id']}?lang=pl")
    assert 'alt="Słoik miodu lipowego" lang="pl"' in polish.text
