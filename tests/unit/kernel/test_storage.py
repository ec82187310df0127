"""Files on disk behind the storage interface: kept whole with their content type, deleted idempotently,
and never outside their directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernel.settings import CoreSettings
from kernel.storage import BadFileKey, DiskStorage, StoredFile, open_storage


async def test_a_file_is_kept_with_its_content_type_and_deleted_twice_without_error(tmp_path: Path) -> None:
    storage = DiskStorage(tmp_path)
    await storage.put("listing-photos/a/b/large", b"RIFF....WEBP", "image/webp")

    assert await storage.get("listing-photos/a/b/large") == StoredFile(
        content=b"RIFF....WEBP", content_type="image/webp"
    )
    assert _files(tmp_path) == {
        "listing-photos/a/b/large": b"RIFF....WEBP",
        ".types/listing-photos/a/b/large": b"image/webp",
    }
    await storage.delete("listing-photos/a/b/large")
    await storage.delete("listing-photos/a/b/large")
    assert await storage.get("listing-photos/a/b/large") is None
    assert _files(tmp_path) == {}


def _files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.mark.parametrize("key", ["../escape", "a/../../b", "/etc/passwd", ".types/a", "a//b", "A/b", ""])
async def test_a_key_that_could_leave_the_directory_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(BadFileKey):
        await DiskStorage(tmp_path).put(key, b"x", "text/plain")


def test_disk_storage_lives_in_the_data_dir_unless_told_otherwise(tmp_path: Path) -> None:
    default = open_storage(CoreSettings(data_dir=tmp_path))
    assert isinstance(default, DiskStorage)
    assert default.root == tmp_path / "files"
    chosen = open_storage(CoreSettings(data_dir=tmp_path, file_storage_dir=tmp_path / "elsewhere"))
    assert isinstance(chosen, DiskStorage)
    assert chosen.root == tmp_path / "elsewhere"
