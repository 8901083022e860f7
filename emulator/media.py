"""Stored files and small helpers for media: image dimensions, MIME types, file ids."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["STICKER_WEBP", "StoredFile", "guess_mime_type", "image_size"]

FileKind = Literal["document", "photo", "sticker"]

# A valid 1x1 lossless WebP, used as the content of stickers users send.
STICKER_WEBP = bytes.fromhex(
    "524946461c000000574542505650384c100000002f000000000750e4fe47ff0311d1ff00"
)


@dataclass(slots=True)
class StoredFile:
    """A file known to the emulator: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    kind: FileKind
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0

    @classmethod
    def create(
        cls,
        number: int,
        kind: FileKind,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        prefix = {"document": "BQ", "photo": "AgAC", "sticker": "CAAC"}[kind]
        extension = _extension(kind, file_name, mime_type, content)
        folder = {"document": "documents", "photo": "photos", "sticker": "stickers"}[kind]
        width, height = image_size(content) if kind != "document" else (0, 0)
        if kind == "sticker":
            width, height = 512, 512
        return cls(
            file_id=f"{prefix}AEmu{number:06d}{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number:06d}{secrets.token_urlsafe(6)}",
            kind=kind,
            content=content,
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )

    def document(self) -> dict[str, Any]:
        """Bot API ``Document`` object."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name is not None:
            document["file_name"] = self.file_name
        if self.mime_type is not None:
            document["mime_type"] = self.mime_type
        return document

    def photo_sizes(self) -> list[dict[str, Any]]:
        """Bot API ``PhotoSize`` array (one size: the original)."""
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": len(self.content),
                "width": self.width,
                "height": self.height,
            }
        ]

    def sticker(self, emoji: str) -> dict[str, Any]:
        """Bot API ``Sticker`` object."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "type": "regular",
            "width": self.width,
            "height": self.height,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "EmulatorStickers",
            "file_size": len(self.content),
        }

    def file(self) -> dict[str, Any]:
        """Bot API ``File`` object (the getFile result)."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


def guess_mime_type(file_name: str | None, declared: str | None = None) -> str:
    """MIME type from the file name like Telegram, else the declared part type."""
    if file_name:
        guessed, _ = mimetypes.guess_type(file_name, strict=False)
        if guessed:
            return guessed
    if declared and declared != "application/octet-stream":
        return declared
    return "application/octet-stream"


def image_size(content: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, JPEG, GIF or WebP image; (0, 0) when unknown."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_size(content)
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return _webp_size(content)
    return 0, 0


def _jpeg_size(content: bytes) -> tuple[int, int]:
    index = 2
    size = len(content)
    while index + 9 < size:
        if content[index] != 0xFF:
            index += 1
            continue
        marker = content[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            index += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", content[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return 0, 0


def _webp_size(content: bytes) -> tuple[int, int]:
    chunk = content[12:16]
    if chunk == b"VP8X" and len(content) >= 30:
        width = int.from_bytes(content[24:27], "little") + 1
        height = int.from_bytes(content[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    return 0, 0


def _extension(
    kind: FileKind, file_name: str | None, mime_type: str | None, content: bytes
) -> str:
    if kind == "sticker":
        return ".webp"
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1][:10]
    if kind == "photo":
        if content.startswith(b"\x89PNG"):
            return ".png"
        return ".jpg"
    if mime_type:
        return mimetypes.guess_extension(mime_type) or ""
    return ""
