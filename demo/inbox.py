"""What a scripted member received: messages (decrypted), memberships, redactions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from nio import (
    AsyncClient,
    DownloadResponse,
    RoomEncryptedFile,
    RoomEncryptedImage,
    RoomMessageNotice,
    RoomMessageText,
)
from nio.crypto.attachments import decrypt_attachment

# The messages a member sees in their timeline (an encrypted image or file shows its caption).
SHOWN = (RoomMessageText, RoomMessageNotice, RoomEncryptedImage, RoomEncryptedFile)
Shown = RoomMessageText | RoomMessageNotice | RoomEncryptedImage | RoomEncryptedFile


@dataclass(frozen=True)
class Received:
    room_id: str
    sender: str
    body: str
    formatted_body: str | None
    msgtype: str
    encrypted: bool
    event_id: str
    # What a client's push rules look at (tests/push_rules.py): the decrypted content, the
    # joined members, this member's display name there, the sender's power and what it
    # takes to notify the whole room.
    content: dict[str, Any] = field(default_factory=dict)
    joined_members: int = 0
    own_name: str | None = None
    sender_level: int = 0
    room_notify_level: int = 50


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)
    memberships: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    undecryptable: int = 0
    # Events someone redacted (retention takes the bot's messages back).
    redacted: set[str] = field(default_factory=set)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


async def download_image(client: AsyncClient, content: dict[str, Any]) -> bytes:
    """An encrypted image's (or file's) data as Element gets it: downloaded, checked,
    decrypted."""
    file = content["file"]
    response = await client.download(mxc=file["url"])
    if not isinstance(response, DownloadResponse):
        raise RuntimeError(f"download failed: {response}")
    return bytes(decrypt_attachment(
        response.body, file["key"]["k"], file["hashes"]["sha256"], file["iv"]
    ))  # fmt: skip
