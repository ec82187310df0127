"""The catalog's outbox subscribers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.storage import FileStorage
from marketplace.events import ListingPhotoRemoved


async def delete_photo_files(storage: FileStorage, session: AsyncSession, event: ListingPhotoRemoved) -> None:
    """A removed photo's files deleted, once its removal committed (idempotent: an absent file is no error)."""
    for key in event.file_keys:
        await storage.delete(key)
