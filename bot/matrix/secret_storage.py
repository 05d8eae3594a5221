"""Server-side secret storage (SSSS) for the bot's cross-signing keys, which matrix-nio
does not do: the keys that make the bot's identity survive the loss of its disk.

A recovery key (32 random bytes, shown once to the operator as Element shows one: base58
in groups of four) encrypts the three private cross-signing keys into the account's data
on the homeserver (spec: "Secrets", ``m.secret_storage.v1.aes-hmac-sha2``). A bot rebuilt
on an empty disk logs in as a new device, reads them back with that key, checks them
against the public keys the server publishes, and signs its new device with them: its
master key, the identity members' clients know, stays the same.

The encryption follows the spec: per secret, HKDF-SHA-256 (salt of zeros, the secret's
name as info) gives a 256-bit AES-CTR key and a 256-bit HMAC-SHA-256 key; a random
128-bit IV with bit 63 cleared; the MAC covers the ciphertext. The key's own description
holds the encryption of 32 zero bytes under the empty name, so a wrong key is told apart
from damaged data. Element reads what this module writes (and the other way round).
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from hashlib import sha256
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nio import AsyncClient

from bot.matrix.raw import RawApiError, request

ALGORITHM = "m.secret_storage.v1.aes-hmac-sha2"
DEFAULT_KEY = "m.secret_storage.default_key"
CROSS_SIGNING_SECRETS = ("m.cross_signing.master", "m.cross_signing.self_signing",
                         "m.cross_signing.user_signing")  # fmt: skip
_PREFIX = bytes([0x8B, 0x01])
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class RecoveryKeyError(Exception):
    """The recovery key given is not one, or not the one the secrets were stored with."""


# --- the recovery key ------------------------------------------------------------------


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    text = ""
    while number:
        number, digit = divmod(number, 58)
        text = _BASE58[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        digit = _BASE58.find(char)
        if digit < 0:
            raise RecoveryKeyError("the recovery key holds a character base58 does not use")
        number = number * 58 + digit
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def encode_recovery_key(key: bytes) -> str:
    """The key as people copy it: prefix, key and a parity byte, base58, groups of four."""
    raw = _PREFIX + key
    parity = 0
    for byte in raw:
        parity ^= byte
    text = _b58encode(raw + bytes([parity]))
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def decode_recovery_key(text: str) -> bytes:
    raw = _b58decode("".join(text.split()))
    parity = 0
    for byte in raw:
        parity ^= byte
    if len(raw) != 35 or raw[:2] != _PREFIX or parity != 0:
        raise RecoveryKeyError("this is not a recovery key (typo, or a part missing)")
    return raw[2:34]


# --- encrypting one secret --------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _keys(key: bytes, name: str) -> tuple[bytes, bytes]:
    derived = HKDF(algorithm=hashes.SHA256(), length=64, salt=bytes(32),
                   info=name.encode()).derive(key)  # fmt: skip
    return derived[:32], derived[32:]


def encrypt(secret: str, key: bytes, name: str, iv: bytes | None = None) -> dict[str, str]:
    aes_key, mac_key = _keys(key, name)
    if iv is None:
        fresh = bytearray(os.urandom(16))
        fresh[8] &= 0x7F  # bit 63 cleared: the counter never wraps (the spec's advice)
        iv = bytes(fresh)
    encryptor = Cipher(algorithms.AES(aes_key), modes.CTR(iv)).encryptor()
    ciphertext = encryptor.update(secret.encode()) + encryptor.finalize()
    mac = hmac.new(mac_key, ciphertext, sha256).digest()
    return {"iv": _b64(iv), "ciphertext": _b64(ciphertext), "mac": _b64(mac)}


def decrypt(encrypted: dict[str, Any], key: bytes, name: str) -> str:
    aes_key, mac_key = _keys(key, name)
    try:
        iv, ciphertext = _unb64(encrypted["iv"]), _unb64(encrypted["ciphertext"])
        mac = _unb64(encrypted["mac"])
    except (KeyError, TypeError, ValueError):
        raise RecoveryKeyError(f"{name} in secret storage is damaged") from None
    if not hmac.compare_digest(hmac.new(mac_key, ciphertext, sha256).digest(), mac):
        raise RecoveryKeyError(f"{name} does not open with this recovery key")
    decryptor = Cipher(algorithms.AES(aes_key), modes.CTR(iv)).decryptor()
    return (decryptor.update(ciphertext) + decryptor.finalize()).decode()


def key_check(key: bytes, iv: bytes | None = None) -> dict[str, str]:
    """What the key's description holds to recognise the key: 32 zeros, encrypted."""
    encrypted = encrypt("\0" * 32, key, "", iv)
    return {"iv": encrypted["iv"], "mac": encrypted["mac"]}


# --- the account's data -----------------------------------------------------------------


async def _get(client: AsyncClient, user_id: str, kind: str) -> dict[str, Any] | None:
    try:
        return await request(client, "GET", _path(user_id, kind))
    except RawApiError as error:
        if error.status == 404:
            return None
        raise


async def _put(client: AsyncClient, user_id: str, kind: str, content: dict[str, Any]) -> None:
    await request(client, "PUT", _path(user_id, kind), content)


def _path(user_id: str, kind: str) -> str:
    return f"/user/{quote(user_id, safe='')}/account_data/{quote(kind, safe='')}"


async def store(client: AsyncClient, user_id: str, values: dict[str, str]) -> str:
    """A new secret-storage key, made the default, with ``values`` encrypted under it;
    returns the recovery key to show the operator (once)."""
    key = secrets.token_bytes(32)
    key_id = secrets.token_urlsafe(24)
    await _put(client, user_id, f"m.secret_storage.key.{key_id}", {
        "algorithm": ALGORITHM, "name": "casusbot", **key_check(key),
    })  # fmt: skip
    for name, value in values.items():
        await _put(client, user_id, name, {"encrypted": {key_id: encrypt(value, key, name)}})
    # Last: until the default points at the new key, a restore uses the previous one.
    await _put(client, user_id, DEFAULT_KEY, {"key": key_id})
    return encode_recovery_key(key)


async def stored_values(
    client: AsyncClient, user_id: str, names: tuple[str, ...]
) -> dict[str, dict[str, Any]] | None:
    """The encrypted ``names`` under the default key (None: not all of them are there)."""
    key_id = await _default_key_id(client, user_id)
    return None if key_id is None else await _encrypted(client, user_id, names, key_id)


async def _default_key_id(client: AsyncClient, user_id: str) -> str | None:
    key_id = ((await _get(client, user_id, DEFAULT_KEY)) or {}).get("key")
    return key_id if isinstance(key_id, str) else None


async def _encrypted(
    client: AsyncClient, user_id: str, names: tuple[str, ...], key_id: str
) -> dict[str, dict[str, Any]] | None:
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        content = await _get(client, user_id, name)
        encrypted = ((content or {}).get("encrypted") or {}).get(key_id)
        if not isinstance(encrypted, dict):
            return None
        found[name] = encrypted
    return found


async def read(client: AsyncClient, user_id: str, recovery_key: str,
               names: tuple[str, ...]) -> dict[str, str]:  # fmt: skip
    """``names`` decrypted with ``recovery_key`` (RecoveryKeyError: wrong key or none)."""
    key = decode_recovery_key(recovery_key)
    key_id = await _default_key_id(client, user_id)
    if key_id is None:
        raise RecoveryKeyError("the account has no secret storage to restore from")
    description = await _get(client, user_id, f"m.secret_storage.key.{key_id}") or {}
    if description.get("algorithm") != ALGORITHM or not isinstance(description.get("iv"), str):
        raise RecoveryKeyError("the account's secret storage uses an unknown algorithm")
    expected = key_check(key, _unb64(description["iv"]))["mac"]
    if not hmac.compare_digest(_unb64(expected), _unb64(str(description.get("mac", "")))):
        raise RecoveryKeyError("this is not the recovery key of the account's secret storage")
    encrypted = await _encrypted(client, user_id, names, key_id)
    if encrypted is None:
        raise RecoveryKeyError("the secret storage does not hold the cross-signing keys")
    return {name: decrypt(encrypted[name], key, name) for name in names}
