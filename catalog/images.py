"""Product pictures: thumbnails next to the original and the ``srcset`` the pages use.

A picture ``products/cof-001-1.jpg`` gets ``products/cof-001-1-w400.jpg`` and ``-w800.jpg``
(made with Pillow when the picture is saved or seeded), so a page builds its ``srcset`` from the
file name alone, without another query or a look at the disk.
"""

from __future__ import annotations

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from PIL import Image

THUMBNAIL_WIDTHS: tuple[int, ...] = (400, 800)
# The width of the originals seed_demo renders (a 4:3 picture).
FULL_WIDTH = 1200


def thumbnail_name(name: str, width: int) -> str:
    """``products/a.jpg`` -> ``products/a-w400.jpg``."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}-w{width}{path.suffix}"))


def make_thumbnails(storage: Storage, name: str, overwrite: bool = False) -> list[str]:
    """Write the missing thumbnails of the picture ``name``; return the names written."""
    wanted = [
        w for w in THUMBNAIL_WIDTHS if overwrite or not storage.exists(thumbnail_name(name, w))
    ]
    if not wanted:
        return []
    with storage.open(name, "rb") as fh:
        original = Image.open(fh)
        original.load()
    written = []
    for width in wanted:
        copy = original.convert("RGB")
        copy.thumbnail((width, width * 10))
        buffer = io.BytesIO()
        copy.save(buffer, format="JPEG", quality=82)
        target = thumbnail_name(name, width)
        if storage.exists(target):
            storage.delete(target)
        written.append(storage.save(target, ContentFile(buffer.getvalue())))
    return written


def ensure_thumbnails(field: FieldFile) -> None:
    """Make the thumbnails of an image field's file if it has one and they are missing."""
    if field and field.name and field.storage.exists(field.name):
        make_thumbnails(field.storage, field.name)


def srcset(field: FieldFile, widths: tuple[int, ...] = THUMBNAIL_WIDTHS) -> str:
    """``…-w400.jpg 400w, …-w800.jpg 800w`` for an image field (empty without a file)."""
    if not field:
        return ""
    return ", ".join(f"{field.storage.url(thumbnail_name(field.name, w))} {w}w" for w in widths)
