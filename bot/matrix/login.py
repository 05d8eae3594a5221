"""Start-up of the bot's Matrix session: the stored device (or a login), its keys uploaded
before any invite is accepted, and its cross-signing. It never logs out: that would
destroy the device keys."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from nio import AsyncClient, KeysUploadResponse, LoginResponse, WhoamiResponse

from bot.matrix import raw
from bot.matrix.cross_signing import ensure_cross_signing
from bot.matrix.session import StoredSession, load_session, save_session

log = logging.getLogger(__name__)


class FatalTransportError(Exception):
    """The bot cannot work with this homeserver account; the message says why (no secrets)."""


@dataclass(frozen=True)
class TransportSettings:
    homeserver_url: str
    user_id: str
    password: str | None
    access_token: str | None
    device_name: str
    store_path: Path
    pickle_key: str
    sync_timeout_ms: int = 30_000
    # How long an undecryptable message waits for its room key before the sender is asked
    # to send it again (keys regularly arrive a moment after the message).
    key_grace_seconds: float = 60.0
    # To restore the cross-signing keys from secret storage on an empty crypto store.
    recovery_key: str | None = None
    new_identity: bool = False


async def start_session(client: AsyncClient, settings: TransportSettings) -> None:
    """Reuse the stored device (or log in), upload the device keys, and cross-sign."""
    stored = load_session(settings.store_path)
    if stored is not None:
        if stored.user_id != settings.user_id:
            raise FatalTransportError(
                f"the crypto store at {settings.store_path} belongs to another user"
            )
        client.restore_login(stored.user_id, stored.device_id, stored.access_token)
        client.load_store()
        whoami = await client.whoami()
        if not isinstance(whoami, WhoamiResponse):
            log.warning("stored access token refused (%s); logging in again", whoami.status_code)
            await log_in(client, settings, device_id=stored.device_id)
    else:
        await log_in(client, settings, device_id=None)
    log.info("logged in as %s, device %s", settings.user_id, client.device_id)
    # Keys must be on the server before any member encrypts to us (MATRIX-NOTES).
    if client.should_upload_keys:
        response = await client.keys_upload()
        if not isinstance(response, KeysUploadResponse):
            raise FatalTransportError(f"uploading device keys failed: {response.status_code}")
    try:
        status = await ensure_cross_signing(
            client,
            str(client.user_id),
            str(client.device_id),
            settings.password,
            settings.store_path,
            settings.pickle_key,
            settings.recovery_key,
            settings.new_identity,
        )
    except (raw.RawApiError, RuntimeError) as error:
        raise FatalTransportError(f"cross-signing the bot's device failed: {error}") from None
    if status.restored:
        log.info("identity restored from secret storage with the recovery key")
    if status.uploaded_keys or status.signed_device:
        log.info(
            "cross-signing repaired (keys uploaded: %s, device signed: %s)",
            status.uploaded_keys,
            status.signed_device,
        )
    if status.recovery_key is not None:
        show_recovery_key(status.recovery_key)


def show_recovery_key(key: str) -> None:
    """Once, to the operator's terminal (not the log: log lines travel further)."""
    log.info("cross-signing keys stored in secret storage; the recovery key is on stderr")
    print(
        "\n=== casusbot: herstelsleutel (recovery key) ===\n"
        f"{key}\n"
        "Bewaar deze sleutel offline (kluis, wachtwoordmanager van de beheerorganisatie).\n"
        "Gaat de schijf van de bot verloren, start dan met CASUSBOT_RECOVERY_KEY=<sleutel>:\n"
        "de bot komt terug met dezelfde identiteit. Deze sleutel wordt niet opnieuw getoond.\n",
        file=sys.stderr,
        flush=True,
    )


async def log_in(client: AsyncClient, settings: TransportSettings, device_id: str | None) -> None:
    """Log in with the access token or the password, on ``device_id`` when given."""
    if settings.access_token:
        client.access_token = settings.access_token
        whoami = await client.whoami()
        if not isinstance(whoami, WhoamiResponse) or not whoami.device_id:
            raise FatalTransportError("matrix.access_token is refused by the homeserver")
        if device_id is not None and whoami.device_id != device_id:
            raise FatalTransportError(
                "matrix.access_token belongs to another device than the crypto store"
            )
        client.restore_login(settings.user_id, whoami.device_id, settings.access_token)
    elif settings.password:
        if device_id is not None:
            client.device_id = device_id
        response = await client.login(password=settings.password, device_name=settings.device_name)
        if not isinstance(response, LoginResponse):
            raise FatalTransportError(f"login refused by the homeserver: {response.status_code}")
    else:
        raise FatalTransportError("no password or access token to log in with")
    client.load_store()
    save_session(
        settings.store_path,
        StoredSession(settings.user_id, str(client.device_id), str(client.access_token)),
    )
