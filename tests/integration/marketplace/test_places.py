"""Countries, subdivisions and currencies through the public HTTP API, in the caller's language."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Any]


def _names(body: dict[str, Any]) -> dict[str, str]:
    return {item["code"]: item["name"] for item in body["items"]}


async def test_countries_are_named_in_german_when_lang_is_de(client: Client) -> None:
    response = await client.get("/api/v1/places/countries", params={"lang": "de"})
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == "de"
    names = _names(body)
    assert names["DE"] == "Deutschland"
    assert names["PL"] == "Polen"
    assert len(names) == 249


async def test_countries_are_sorted_by_their_localised_name_ignoring_accents(client: Client) -> None:
    body = (await client.get("/api/v1/places/countries", params={"lang": "de"})).json()
    codes = [item["code"] for item in body["items"]]
    # "Österreich" sorts among the O's (after "Oman"), not after "Zypern".
    assert codes.index("OM") < codes.index("AT") < codes.index("PK")
    assert codes[-1] != "AT"


async def test_countries_are_named_in_polish_when_accept_language_prefers_polish(client: Client) -> None:
    response = await client.get("/api/v1/places/countries", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert response.status_code == 200
    assert response.json()["language"] == "pl-PL"
    assert _names(response.json())["DE"] == "Niemcy"


async def test_lang_parameter_wins_when_accept_language_also_given(client: Client) -> None:
    response = await client.get(
        "/api/v1/places/countries", params={"lang": "de"}, headers={"Accept-Language": "pl-PL,pl;q=0.9"}
    )
    assert response.json()["language"] == "de"
    assert _names(response.json())["DE"] == "Deutschland"


async def test_accept_language_skips_unusable_tags_and_follows_quality_order(client: Client) -> None:
    response = await client.get(
        "/api/v1/places/countries", headers={"Accept-Language": "xx-QQ;q=1, *;q=0.9, fr;q=0.5, de;q=0.8"}
    )
    assert response.json()["language"] == "de"


async def test_countries_are_in_english_when_no_language_is_asked_for(client: Client) -> None:
    response = await client.get("/api/v1/places/countries")
    assert response.json()["language"] == "en"
    assert _names(response.json())["DE"] == "Germany"


async def test_lang_falls_back_to_the_base_language_when_the_region_has_no_locale(client: Client) -> None:
    response = await client.get("/api/v1/places/countries", params={"lang": "de-AQ"})
    assert response.status_code == 200
    assert response.json()["language"] == "de"
    assert _names(response.json())["PL"] == "Polen"


async def test_countries_is_422_naming_lang_when_language_unknown(client: Client) -> None:
    response = await client.get("/api/v1/places/countries", params={"lang": "xx-QQ"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "query:lang"


async def test_subdivisions_of_poland_are_listed_when_country_code_is_lowercase(client: Client) -> None:
    response = await client.get("/api/v1/places/countries/pl/subdivisions")
    assert response.status_code == 200
    body = response.json()
    assert body["country"] == "PL"
    # ISO 3166-2 replaced the letter codes (PL-DS) with numbers (PL-02) in 2018.
    lower_silesia = next(item for item in body["items"] if item["code"] == "PL-02")
    assert lower_silesia["name"] == "Dolnośląskie"
    assert lower_silesia["type"] == "Voivodship"
    assert lower_silesia["parent_code"] is None
    assert len(body["items"]) == 16


async def test_subdivisions_are_translated_when_lang_given(client: Client) -> None:
    body = (await client.get("/api/v1/places/countries/PL/subdivisions", params={"lang": "de"})).json()
    assert body["language"] == "de"
    assert _names(body)["PL-02"] == "Niederschlesien"


async def test_subdivisions_name_their_parent_when_nested(client: Client) -> None:
    body = (await client.get("/api/v1/places/countries/FR/subdivisions")).json()
    moselle = next(item for item in body["items"] if item["code"] == "FR-57")
    assert moselle["parent_code"] == "FR-GES"


async def test_subdivisions_are_empty_when_country_has_none(client: Client) -> None:
    response = await client.get("/api/v1/places/countries/AQ/subdivisions")
    assert response.status_code == 200
    assert response.json()["items"] == []


async def test_subdivisions_is_404_problem_when_country_unknown(client: Client) -> None:
    response = await client.get("/api/v1/places/countries/ZZ/subdivisions")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "ZZ" in response.json()["detail"]


async def test_currencies_carry_their_minor_units(client: Client) -> None:
    response = await client.get("/api/v1/places/currencies")
    assert response.status_code == 200
    items = {item["code"]: item for item in response.json()["items"]}
    assert items["EUR"] == {"code": "EUR", "name": "Euro", "minor_units": 2}
    assert items["JPY"]["minor_units"] == 0
    assert items["BHD"]["minor_units"] == 3


async def test_currencies_are_named_in_polish_when_lang_is_pl(client: Client) -> None:
    body = (await client.get("/api/v1/places/currencies", params={"lang": "pl"})).json()
    assert body["language"] == "pl"
    assert _names(body)["PLN"] == "złoty polski"


async def test_places_need_no_authentication(client: Client) -> None:
    for path in ("/api/v1/places/countries", "/api/v1/places/countries/DE/subdivisions", "/api/v1/places/currencies"):
        assert (await client.get(path)).status_code == 200, path
