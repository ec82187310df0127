"""What we publish as OCDS, checked by the OCDS community's own tool, libcoveocds (the library
behind the OCDS Data Review Tool) — offline.

libcoveocds validates a package against the OCDS 1.1.5 schema with every extension the
package declares merged in (each extension's release-schema.json as a JSON Merge Patch), and
reports besides the schema's errors the fields that neither the standard nor a declared
extension defines, codes missing from closed codelists, empty fields and malformed ocids.

It would fetch the standard and the extensions over HTTP; here they come from the shared
data: the standard as the ZIP archive libcoveocds takes instead (its `standard_zip`
setting), and whatever it still asks for over HTTP (the extensions at their registry URLs,
the versioned release schema a record package refers to) from `_SharedData`, which answers
every request made through `requests` while a check runs, with 404 for anything it does not
have: a package declaring an extension we do not hold fails the check, and nothing reaches
the network.

Without the shared data the checks do nothing, so the behaviour around them is still tested;
a test then ends with `skip_unvalidated()`, which says its OCDS went unchecked.
"""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests
import urllib3
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from ocdsextensionregistry.extension_version import ExtensionVersion
from requests.adapters import HTTPAdapter

from tests.shared_data import shared_data

_EXTENSIONS_ORG = "https://raw.githubusercontent.com/open-contracting-extensions"
OCDS_EXTENSIONS = {
    f"{_EXTENSIONS_ORG}/ocds_lots_extension/v1.1.5/": "lots",
    f"{_EXTENSIONS_ORG}/ocds_bid_extension/v1.1.5/": "bids",
    f"{_EXTENSIONS_ORG}/ocds_contract_buyer_extension/master/": "contract_buyer",
}
"""The extension registry's base URL of each extension in the shared data (its extension_versions.csv),
and the extension's folder in ocds/extensions/."""

_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"
"""Where the 1.1.5 schemas refer to one another."""


def _zipped(folder: Path, root: str, inner: str = "") -> bytes:
    """The folder's files (but an extensions/ folder) in a ZIP archive as GitHub serves a
    repository: under one top folder, `root`, each at `root/inner<its path in the folder>`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{root}/", "")
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and relative.parts[0] != "extensions":
                archive.writestr(f"{root}/{inner}{relative}", path.read_bytes())
    return buffer.getvalue()


class _SharedData:
    """The shared data's OCDS files by the URLs libcoveocds asks for them at."""

    def __init__(self, folder: Path) -> None:
        self.files = {f"{_SCHEMA_URL}{p.name}": p for p in folder.glob("*.json")}
        self.archives: dict[str, Path] = {}
        for base, name in OCDS_EXTENSIONS.items():
            extension = folder / "extensions" / name
            self.files.update({f"{base}{p.relative_to(extension)}": p for p in extension.rglob("*") if p.is_file()})
            # Given an extension's URL, ocdsextensionregistry reads the extension from its repository's archive.
            download = ExtensionVersion({"Id": name, "Date": "", "Version": "", "Base URL": base, "Download URL": None})
            self.archives[download.download_url] = extension
        self.standard_zip = _zipped(folder, "standard", "schema/")

    def send(self, adapter: HTTPAdapter, request: requests.PreparedRequest, *_: Any, **__: Any) -> requests.Response:
        """In place of `HTTPAdapter.send`: the file asked for, or 404."""
        url = request.url or ""
        status, body = 404, b""
        if url in self.files:
            status, body = 200, self.files[url].read_bytes()
        elif url in self.archives:
            status, body = 200, _zipped(self.archives[url], "extension")
        raw = urllib3.HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False, request_url=url)
        return adapter.build_response(request, raw)


@functools.cache
def _shared_data(folder: Path) -> _SharedData:
    return _SharedData(folder)


def review(package: dict[str, Any], folder: Path) -> dict[str, Any]:
    """libcoveocds' report on a package (its API output), with the OCDS files in `folder`."""
    shared = _shared_data(folder)
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": shared.standard_zip})
    with (
        tempfile.TemporaryDirectory() as output,
        mock.patch.object(HTTPAdapter, "send", autospec=True, side_effect=shared.send),
    ):
        report: dict[str, Any] = ocds_json_output(output, json_data=package, lib_cove_ocds_config=config)
    return report


def problems(report: dict[str, Any]) -> list[str]:
    """Every problem in a libcoveocds report, in words: extensions not applied, schema errors,
    fields no declared schema defines, codes outside closed codelists, empty fields, deprecated
    fields, malformed ocids."""
    found = [f"extension {url} not applied: {why}" for url, why in report["extensions"].get("invalid_extensions", [])]
    if "json_deref_error" in report:
        found.append(f"the schema could not be read: {report['json_deref_error']}")
    found += [f"{e['path']}: {e['description']}" for e in report["validation_errors"]]
    found += [
        f"{f['path']}/{f['field']}: defined neither by OCDS 1.1.5 nor by a declared extension"
        for f in report["additional_fields"]
    ]
    found += [
        f"{c['path']}/{c['field']}: {', '.join(c['values'])} not in the closed codelist {c['codelist']}"
        for c in report["additional_closed_codelist_values"].values()
    ]
    found += [f"{e['json_location']}: empty (leave it out)" for e in report["additional_checks"].get("empty_field", [])]
    found += [f"{f['field']}: deprecated" for f in report["deprecated_fields"]]
    found += [
        f"{path}: ocid {ocid} has no registered prefix's shape"
        for ocid, path in report.get("conformance_errors", {}).get("ocds_prefixes_bad_format", [])
    ]
    return found


class OcdsSchemas:
    """libcoveocds over a package as an endpoint returned it: a check fails the test naming
    every problem found."""

    def __init__(self) -> None:
        self.folder = shared_data("ocds")
        self.available = (self.folder / "release-schema.json").exists()

    def skip_unvalidated(self) -> None:
        """End the test as skipped when the OCDS it produced could not be validated."""
        if not self.available:
            pytest.skip(f"behaviour checked, but the OCDS schemas are not in {self.folder} (set BORDERHUB_SHARED_DATA)")

    def check_release_package(self, package: dict[str, Any]) -> None:
        """OCDS has no empty package (`releases` has minItems 1): a test expecting no releases
        asserts the empty list itself."""
        assert package["releases"], "no releases: assert the empty list in the test, it is no OCDS package"
        self._check(package)

    def check_record_package(self, package: dict[str, Any]) -> None:
        """As `check_release_package`, for a record package (`records` has minItems 1 too)."""
        assert package["records"], "no records: assert the empty list in the test, it is no OCDS package"
        self._check(package)

    def problems(self, package: dict[str, Any]) -> list[str]:
        """What libcoveocds finds wrong with the package, and any extension it declares that is
        not in the shared data (libcoveocds, finding nothing there, would merely not apply it)."""
        held = _shared_data(self.folder).files
        unknown = [
            f"extension {url}: not in the shared data" for url in package.get("extensions", []) if url not in held
        ]
        return unknown + problems(review(package, self.folder))

    def _check(self, package: dict[str, Any]) -> None:
        if self.available:
            found = self.problems(package)
            assert not found, "libcoveocds found:\n" + "\n".join(found)
