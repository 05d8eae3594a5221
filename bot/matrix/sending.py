"""Sending one notice into a room, encrypted, with an outcome instead of an exception.

The outbox decides when and how often; this decides whether the room is fit for it
(encrypted; for personal data also the room policy) and what the homeserver's answer means:
sent, retry (429 is waited out inside nio, 5xx and unknown errors come back here), or
failed for good.
"""

from __future__ import annotations

import io
from typing import Any

from nio import AsyncClient, KeysQueryResponse, RoomSendResponse, UploadResponse

from bot.matrix.content import BOT_MARK
from bot.matrix.device_trust import DeviceTrust
from bot.matrix.rooms import WaitForRoom, room_policy_violation
from bot.outbox import Delivery, Message, SendOutcome

PERMANENT_ERRORS = ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN")


def message_content(message: Message) -> dict[str, object]:
    """An m.text when it must reach someone (Element silences every m.notice,
    .m.rule.suppress_notices), with intentional mentions (spec 1.7): exactly the people
    addressed, never the room. Marked as the bot's, so no bot answers it."""
    return {
        "msgtype": "m.text" if message.notify else "m.notice",
        "body": message.notice.plain,
        "format": "org.matrix.custom.html",
        "formatted_body": message.notice.html,
        "m.mentions": {"user_ids": sorted(message.mentions)} if message.mentions else {},
        BOT_MARK: True,
    }


def file_content(message: Message, url: str, keys: dict[str, Any]) -> dict[str, object]:
    """An encrypted image or file (spec: EncryptedFile in ``file``, never a plain ``url``);
    the message's text is the caption a reader sees without opening it."""
    attachment = message.attachment
    assert attachment is not None
    info: dict[str, object] = {"mimetype": attachment.mimetype, "size": len(attachment.data)}
    if attachment.width and attachment.height:
        info |= {"w": attachment.width, "h": attachment.height}
    return {
        "msgtype": "m.image" if attachment.mimetype.startswith("image/") else "m.file",
        "body": message.notice.plain or attachment.name,
        "filename": attachment.name,
        "file": {"url": url, **keys, "mimetype": attachment.mimetype},
        "info": info,
        "m.mentions": {},
        BOT_MARK: True,
    }


class NoticeSending:
    def __init__(self, client: AsyncClient, wait_for_room: WaitForRoom, trust: DeviceTrust) -> None:
        self.client = client
        self.wait_for_room = wait_for_room
        self.trust = trust

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    async def send_notice(
        self,
        room_id: str,
        message: Message,
        tx_id: str,
        sensitive: bool,
        audience: frozenset[str] | None = None,
    ) -> SendOutcome:
        """Send one message, encrypted; report the outcome instead of raising."""
        room = self.client.rooms.get(room_id)
        if room is None:
            # Just joined: the room appears with the next sync.
            if not await self.wait_for_room(room_id, False):
                return SendOutcome(Delivery.RETRY, "room_unknown", retry_after=5.0)
            room = self.client.rooms[room_id]
        if self.user_id not in room.users and room.users:
            return SendOutcome(Delivery.FAILED, "not_in_room")
        if not room.encrypted:
            # Personal data only in E2EE rooms: never fall back to plaintext.
            return SendOutcome(Delivery.FAILED, "not_encrypted")
        if sensitive:
            violation = room_policy_violation(room, self.user_id, audience)
            if violation is not None:
                return SendOutcome(Delivery.FAILED, f"room_policy:{violation}")
        return await self.send_raw(room_id, message, tx_id)

    async def send_raw(self, room_id: str, message: Message, tx_id: str) -> SendOutcome:
        content = message_content(message)
        if message.attachment is not None:
            # Encrypted before upload (the homeserver stores ciphertext only); a retry
            # uploads again, harmless.
            data = message.attachment.data
            uploaded, keys = await self.client.upload(
                io.BytesIO(data), message.attachment.mimetype, message.attachment.name,
                encrypt=True, filesize=len(data),
            )  # fmt: skip
            if not isinstance(uploaded, UploadResponse) or keys is None:
                return SendOutcome(Delivery.RETRY, f"upload:{getattr(uploaded, 'status_code', '')}")
            content = file_content(message, uploaded.content_uri, keys)
        if self.client.should_query_keys:
            query = await self.client.keys_query()
            if not isinstance(query, KeysQueryResponse):
                return SendOutcome(Delivery.RETRY, f"keys_query:{query.status_code}")
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted:
            try:
                # Room keys only for devices their owners signed (when they cross-sign).
                await self.trust.apply(list(room.users))
            except Exception as exc:  # the homeserver's key list is unavailable: wait
                return SendOutcome(Delivery.RETRY, f"device_trust:{type(exc).__name__}")
        # 429s are waited out inside nio (it honours retry_after_ms); connection errors are
        # retried there too. What comes back here is success or an error response.
        response = await self.client.room_send(
            room_id, "m.room.message", content, tx_id=tx_id, ignore_unverified_devices=True
        )
        if isinstance(response, RoomSendResponse):
            return SendOutcome(Delivery.SENT, event_id=str(response.event_id))
        code = str(response.status_code or "unknown")
        if code in PERMANENT_ERRORS:
            return SendOutcome(Delivery.FAILED, code)
        return SendOutcome(
            Delivery.RETRY,
            code,
            retry_after=(response.retry_after_ms / 1000) if response.retry_after_ms else None,
        )
