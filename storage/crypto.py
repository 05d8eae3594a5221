"""Personal data at rest: AES-256-GCM per value, and keyed hashes for lookups.

A stolen database file (or backup) without the key shows no personalia. Each encrypted
value is ``enc1:<key id>:<base64(nonce | ciphertext | tag)>``; the key id lets the bot
read values written under a previous key while ``casusbot keys rotate`` rewrites them, so
a key can be replaced without losing data or stopping for long. Lookups that need a name
(inzage) use an HMAC of the normalised value under a key derived from the data key.

The keys are installed once per process (:func:`install`) from the environment or a key
file, never from the configuration file itself; the column types below use them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc1"
KEY_BYTES = 32


class DataKeyError(Exception):
    """A data key is missing, malformed, or does not open a stored value."""


def parse_key(text: str) -> bytes:
    """A data key as written by ``casusbot keys generate``: 32 bytes, URL-safe base64."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise DataKeyError("de datasleutel is geen geldige base64-tekst") from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"de datasleutel moet {KEY_BYTES} bytes zijn (nu {len(raw)})")
    return raw


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"casusbot-key-id" + key).hexdigest()[:8]


@dataclass(frozen=True)
class DataKeys:
    """The primary key (encrypts) and previous keys (only decrypt, during rotation)."""

    primary: bytes
    previous: tuple[bytes, ...] = ()
    _by_id: dict[str, AESGCM] = field(init=False, repr=False, compare=False)
    # Derived once: every encrypted column written would otherwise hash the key again.
    primary_id: str = field(init=False, repr=False, compare=False)
    _lookup_key: bytes = field(init=False, repr=False, compare=False)
    _audit_keys: dict[str, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = {key_id(k): AESGCM(k) for k in (*self.previous, self.primary)}
        object.__setattr__(self, "_by_id", keys)
        object.__setattr__(self, "primary_id", key_id(self.primary))
        subkey = hmac.new(self.primary, b"casusbot-lookup", hashlib.sha256).digest()
        object.__setattr__(self, "_lookup_key", subkey)
        audit = {
            key_id(k): hmac.new(k, b"casusbot-audit", hashlib.sha256).digest()
            for k in (*self.previous, self.primary)
        }
        object.__setattr__(self, "_audit_keys", audit)

    def audit_key(self, kid: str | None = None) -> bytes | None:
        """The key of the audit log's chain under data key ``kid`` (the primary when not
        given); None for a key this process does not have. Derived: never stored."""
        return self._audit_keys.get(kid or self.primary_id)

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        cipher = self._by_id[self.primary_id]
        sealed = cipher.encrypt(nonce, plaintext.encode("utf-8"), PREFIX.encode())
        token = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{PREFIX}:{self.primary_id}:{token}"

    def decrypt(self, stored: str) -> str:
        prefix, _, rest = stored.partition(":")
        kid, _, token = rest.partition(":")
        if prefix != PREFIX or not token:
            raise DataKeyError("een versleutelde kolom bevat onversleutelde tekst")
        cipher = self._by_id.get(kid)
        if cipher is None:
            raise DataKeyError(f"waarde versleuteld met onbekende sleutel {kid}")
        raw = base64.urlsafe_b64decode(token)
        try:
            return cipher.decrypt(raw[:12], raw[12:], PREFIX.encode()).decode("utf-8")
        except Exception:
            raise DataKeyError("een versleutelde waarde is beschadigd of vervalst") from None

    @staticmethod
    def key_of(stored: str) -> str:
        return stored.split(":", 2)[1] if stored.startswith(PREFIX + ":") else ""

    def lookup_hash(self, *parts: str) -> str:
        """A keyed hash of normalised parts (e.g. achternaam and geboortedatum)."""
        normalised = "\x1f".join(" ".join(p.lower().split()) for p in parts)
        return hmac.new(self._lookup_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


_installed: DataKeys | None = None


def install(keys: DataKeys) -> None:
    global _installed
    _installed = keys


def installed() -> DataKeys:
    if _installed is None:
        raise DataKeyError(
            "geen datasleutel: zet CASUSBOT_DATA_KEY of database.data_key_file "
            "(maak er een met: casusbot keys generate)"
        )
    return _installed


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted with the installed data key."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else installed().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else installed().decrypt(str(value))


class EncryptedDate(TypeDecorator[date]):
    """A date column stored encrypted (ISO text inside)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Dialect) -> Any:
        return None if value is None else installed().encrypt(value.isoformat())

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        return None if value is None else date.fromisoformat(installed().decrypt(str(value)))
