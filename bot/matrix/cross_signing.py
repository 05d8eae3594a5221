"""Cross-signing for the bot's own device, which matrix-nio does not do.

Element is moving to encrypting only to devices their owner has cross-signed (MSC4153).
So the bot creates its master, self-signing and user-signing keys once, uploads them
(``/keys/device_signing/upload``; replacing existing keys needs the password through
user-interactive auth), and signs its own device with the self-signing key
(``/keys/signatures/upload``). On every start it checks what the server holds and
repairs what is missing. The private keys are stored encrypted (AES-GCM, key derived
from the crypto-store pickle key), never in plaintext.

Signing follows the spec's "Signing JSON": canonical JSON of the object without its
``signatures`` and ``unsigned``, Ed25519, unpadded base64.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nio import AsyncClient

from bot.matrix import secret_storage
from bot.matrix.raw import RawApiError, request

log = logging.getLogger(__name__)

KEY_FILE = "cross_signing.enc"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode(
        "utf-8"
    )


def signable(obj: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in obj.items() if k not in ("signatures", "unsigned")})


def public_b64(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def sign(obj: dict[str, Any], key: Ed25519PrivateKey) -> str:
    return b64(key.sign(signable(obj)))


def verify(obj: dict[str, Any], signer_user: str, signer_public: str) -> bool:
    """True when ``obj`` carries a valid signature by ``signer_public`` of ``signer_user``."""
    signature = obj.get("signatures", {}).get(signer_user, {}).get(f"ed25519:{signer_public}")
    if not isinstance(signature, str):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(unb64(signer_public)).verify(
            unb64(signature), signable(obj)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def only_key(key_object: dict[str, Any] | None) -> str | None:
    """The public key of a cross-signing key object ({"keys": {"ed25519:X": "X"}})."""
    if not key_object:
        return None
    keys = list(key_object.get("keys", {}).values())
    return str(keys[0]) if len(keys) == 1 else None


@dataclass(frozen=True)
class CrossSigningKeys:
    master: Ed25519PrivateKey
    self_signing: Ed25519PrivateKey
    user_signing: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> CrossSigningKeys:
        return cls(
            Ed25519PrivateKey.generate(),
            Ed25519PrivateKey.generate(),
            Ed25519PrivateKey.generate(),
        )

    def key_object(self, user_id: str, usage: str, key: Ed25519PrivateKey) -> dict[str, Any]:
        public = public_b64(key)
        obj: dict[str, Any] = {
            "user_id": user_id,
            "usage": [usage],
            "keys": {f"ed25519:{public}": public},
        }
        if usage != "master":
            obj["signatures"] = {
                user_id: {f"ed25519:{public_b64(self.master)}": sign(obj, self.master)}
            }
        return obj

    def upload_body(self, user_id: str) -> dict[str, Any]:
        return {
            "master_key": self.key_object(user_id, "master", self.master),
            "self_signing_key": self.key_object(user_id, "self_signing", self.self_signing),
            "user_signing_key": self.key_object(user_id, "user_signing", self.user_signing),
        }

    # --- encrypted storage ----------------------------------------------------------

    def seeds(self) -> dict[str, str]:
        """The private keys as secret storage names them (unpadded base64 seeds)."""

        def seed(key: Ed25519PrivateKey) -> str:
            return b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

        master, self_signing, user_signing = secret_storage.CROSS_SIGNING_SECRETS
        return {master: seed(self.master), self_signing: seed(self.self_signing),
                user_signing: seed(self.user_signing)}  # fmt: skip

    @classmethod
    def from_seeds(cls, seeds: dict[str, str]) -> CrossSigningKeys:
        master, self_signing, user_signing = (
            Ed25519PrivateKey.from_private_bytes(unb64(seeds[name]))
            for name in secret_storage.CROSS_SIGNING_SECRETS
        )
        return cls(master, self_signing, user_signing)

    def _raw(self) -> bytes:
        seeds = list(self.seeds().values())
        return json.dumps(
            {"master": seeds[0], "self_signing": seeds[1], "user_signing": seeds[2]}
        ).encode()

    def save(self, directory: Path, secret: str) -> None:
        nonce = os.urandom(12)
        ciphertext = AESGCM(_file_key(secret)).encrypt(nonce, self._raw(), b"casusbot-xsign-v1")
        path = directory / KEY_FILE
        temporary = path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "nonce": b64(nonce), "ciphertext": b64(ciphertext)}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    @classmethod
    def load(cls, directory: Path, secret: str) -> CrossSigningKeys | None:
        path = directory / KEY_FILE
        if not path.exists():
            return None
        stored = json.loads(path.read_text(encoding="utf-8"))
        try:
            raw = AESGCM(_file_key(secret)).decrypt(
                unb64(stored["nonce"]), unb64(stored["ciphertext"]), b"casusbot-xsign-v1"
            )
        except InvalidTag:
            raise RuntimeError(
                f"{path} cannot be decrypted with this pickle key (wrong key or damaged file)"
            ) from None
        seeds = json.loads(raw)
        return cls(
            Ed25519PrivateKey.from_private_bytes(unb64(seeds["master"])),
            Ed25519PrivateKey.from_private_bytes(unb64(seeds["self_signing"])),
            Ed25519PrivateKey.from_private_bytes(unb64(seeds["user_signing"])),
        )


def _file_key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"casusbot cross-signing keys"
    ).derive(secret.encode("utf-8"))


@dataclass(frozen=True)
class CrossSigningStatus:
    uploaded_keys: bool
    signed_device: bool
    # Restored from secret storage with the recovery key (a rebuilt bot).
    restored: bool = False
    # A new recovery key, to show the operator once (the keys were just put in storage).
    recovery_key: str | None = None


async def query_own_keys(client: AsyncClient, user_id: str) -> dict[str, Any]:
    return await request(client, "POST", "/keys/query", {"device_keys": {user_id: []}})


class IdentityError(RuntimeError):
    """The account has an identity this bot cannot take on without the operator."""


async def ensure_cross_signing(
    client: AsyncClient,
    user_id: str,
    device_id: str,
    password: str | None,
    store_path: Path,
    secret: str,
    recovery_key: str | None = None,
    new_identity: bool = False,
) -> CrossSigningStatus:
    """Make sure the server holds our cross-signing keys, our device is signed, and the
    keys are in the account's secret storage. Keys lost with the disk come back from
    there with ``recovery_key``; without it the bot stops rather than make a new identity
    (members would see the bot's identity change), unless ``new_identity`` says so."""
    keys = CrossSigningKeys.load(store_path, secret)
    server = await query_own_keys(client, user_id)
    published = only_key(server.get("master_keys", {}).get(user_id))
    restored = False
    if keys is None and published is not None and not new_identity:
        if recovery_key is None:
            raise IdentityError(
                f"the account already has a cross-signing identity (master key {published}) "
                "and this crypto store has no keys: start with CASUSBOT_RECOVERY_KEY to "
                "restore it (or matrix.new_identity = true to replace it; members will see "
                "a new identity)"
            )
        keys = await restore_keys(client, user_id, recovery_key, published)
        keys.save(store_path, secret)
        restored = True
    if keys is None:
        keys = CrossSigningKeys.generate()
        keys.save(store_path, secret)  # before upload: never upload keys we could lose
    ours = keys.upload_body(user_id)
    uploaded = False
    if only_key(server.get("master_keys", {}).get(user_id)) != only_key(
        ours["master_key"]
    ) or only_key(server.get("self_signing_keys", {}).get(user_id)) != only_key(
        ours["self_signing_key"]
    ):
        await _upload_keys(client, user_id, password, ours)
        uploaded = True
        server = await query_own_keys(client, user_id)

    device = server.get("device_keys", {}).get(user_id, {}).get(device_id)
    if device is None:
        raise RuntimeError("the homeserver does not list the bot's own device keys")
    ssk_public = public_b64(keys.self_signing)
    signed = False
    if not verify(device, user_id, ssk_public):
        signature = sign(device, keys.self_signing)
        body = {k: v for k, v in device.items() if k not in ("signatures", "unsigned")}
        body["signatures"] = {user_id: {f"ed25519:{ssk_public}": signature}}
        result = await request(
            client, "POST", "/keys/signatures/upload", {user_id: {device_id: body}}
        )
        if result.get("failures"):
            raise RuntimeError(f"signing the device was refused: {list(result['failures'])}")
        signed = True
    # New keys (or keys never stored, from before secret storage) go into it; the
    # recovery key that opens them is shown once.
    names = secret_storage.CROSS_SIGNING_SECRETS
    new_key = None
    if uploaded or await secret_storage.stored_values(client, user_id, names) is None:
        new_key = await secret_storage.store(client, user_id, keys.seeds())
    return CrossSigningStatus(uploaded, signed, restored, new_key)


async def restore_keys(
    client: AsyncClient, user_id: str, recovery_key: str, published: str
) -> CrossSigningKeys:
    """The keys from secret storage, checked against the master key the server publishes."""
    try:
        seeds = await secret_storage.read(
            client, user_id, recovery_key, secret_storage.CROSS_SIGNING_SECRETS
        )
    except secret_storage.RecoveryKeyError as error:
        raise IdentityError(f"restoring the identity failed: {error}") from None
    keys = CrossSigningKeys.from_seeds(seeds)
    if public_b64(keys.master) != published:
        raise IdentityError("the keys in secret storage are not those of the account's identity")
    return keys


async def _upload_keys(
    client: AsyncClient, user_id: str, password: str | None, body: dict[str, Any]
) -> None:
    try:
        await request(client, "POST", "/keys/device_signing/upload", body)
        return
    except RawApiError as error:
        if error.status != 401 or "session" not in error.body:
            raise
        session = error.body["session"]
    # Replacing existing keys needs user-interactive auth with the password.
    if password is None:
        raise RuntimeError(
            "the account has other cross-signing keys; replacing them needs the password"
        )
    await request(
        client,
        "POST",
        "/keys/device_signing/upload",
        {
            **body,
            "auth": {
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": user_id},
                "password": password,
                "session": session,
            },
        },
    )
