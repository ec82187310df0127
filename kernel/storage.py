"""Stored files (listing photos, later documents): bytes under a key, with their content type.

One interface, `FileStorage`, so that where the files live is a setting (`FILE_STORAGE`), not a
concern of the code that stores them. `disk` keeps them under a directory (`FILE_STORAGE_DIR`,
by default `<data dir>/files`). An S3-compatible store is the next implementation: a key is an
object key, the content type its `Content-Type`; no async S3 client is among the service's
dependencies yet, so `disk` is the only one for now.

Storing a file happens outside the database transaction. A key therefore names content that never
changes (a new upload gets a new key), and files are deleted only after the transaction that stopped
using them has committed (through the outbox), so a committed row never points at a missing file.
A file for a new row is stored with `put_for_transaction`: before the commit (so the committed row
has its file), and deleted again if the transaction rolls back (so a failed one, even a failed
COMMIT, leaves no file behind; only a crash between the two could).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import on_rollback
from kernel.settings import CoreSettings

#: Lower-case words separated by slashes; no segment starts with a dot (so no `..`, no hidden file).
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,127}(/[a-z0-9][a-z0-9_.-]{0,127}){0,7}")
_UNKNOWN_TYPE = "application/octet-stream"


class BadFileKey(ValueError):
    """A key that is not lower-case words separated by slashes (a programming error, never input)."""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise BadFileKey(f"not a file key: {key!r}")
    return key


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    content_type: str


class FileStorage(abc.ABC):
    """Where files are kept. Every method is idempotent: putting a key again replaces its file,
    deleting an absent key does nothing (outbox consumers may run twice)."""

    @abc.abstractmethod
    async def put(self, key: str, content: bytes, content_type: str) -> None:
        """Keep `content` under `key` (`BadFileKey` for a malformed key)."""

    @abc.abstractmethod
    async def get(self, key: str) -> StoredFile | None:
        """The file under `key`, or None if there is none."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Forget the file under `key`, if there is one."""


class DiskStorage(FileStorage):
    """Files under `root`: the content at `root/<key>` as is (so a backup or a web server can read
    it), its content type beside it in `root/.types/<key>` (no key starts with a dot)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        check_key(key)
        return self.root / key, self.root / ".types" / key

    async def put(self, key: str, content: bytes, content_type: str) -> None:
        path, type_path = self._paths(key)
        await asyncio.to_thread(self._write, type_path, content_type.encode())
        await asyncio.to_thread(self._write, path, content)

    async def get(self, key: str) -> StoredFile | None:
        path, type_path = self._paths(key)
        return await asyncio.to_thread(self._read, path, type_path)

    async def delete(self, key: str) -> None:
        path, type_path = self._paths(key)
        await asyncio.to_thread(self._remove, path, type_path)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        """Written whole or not at all: to a file beside it first, then renamed over it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    @staticmethod
    def _read(path: Path, type_path: Path) -> StoredFile | None:
        try:
            content = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        try:
            content_type = type_path.read_text().strip() or _UNKNOWN_TYPE
        except FileNotFoundError:
            content_type = _UNKNOWN_TYPE
        return StoredFile(content=content, content_type=content_type)

    @staticmethod
    def _remove(*paths: Path) -> None:
        for path in paths:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                path.unlink()


async def put_for_transaction(
    session: AsyncSession, storage: FileStorage, key: str, content: bytes, content_type: str
) -> None:
    """Keep `content` under `key` for a row written in `session`'s transaction: now, and forgotten
    again if that transaction rolls back.

    Why not write it after the commit instead (an after-commit hook, the outbox): then a committed
    row would point at no file until the write, and at none at all if the write failed. Deleting
    on rollback keeps "a committed row has its file", and the key is new (never reused), so the
    delete cannot remove anything a committed row uses. The undo is registered before the write,
    so that a write that fails halfway is cleaned up too (deleting an absent key does nothing).
    """

    async def forget() -> None:
        await storage.delete(key)

    on_rollback(session, forget)
    await storage.put(key, content, content_type)


def open_storage(settings: CoreSettings) -> FileStorage:
    """The storage `settings` name (`FILE_STORAGE`)."""
    return DiskStorage(settings.file_storage_dir or settings.data_dir / "files")
