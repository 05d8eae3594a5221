"""Secret storage's pieces without a server: the recovery key as people copy it, and a
secret that opens only with its key and under its own name."""

from __future__ import annotations

import pytest

from bot.matrix.secret_storage import (
    CROSS_SIGNING_SECRETS,
    RecoveryKeyError,
    decode_recovery_key,
    decrypt,
    encode_recovery_key,
    encrypt,
)
from tests.test_recovery_matrix import KEY_LINE


def test_a_recovery_key_reads_back_and_a_typo_is_caught() -> None:
    key = bytes(range(32))
    text = encode_recovery_key(key)
    assert KEY_LINE.fullmatch(text)
    assert decode_recovery_key(text) == key
    assert decode_recovery_key(text.replace(" ", "")) == key, "spaces do not matter"
    wrong = text[:5] + ("a" if text[5] != "a" else "b") + text[6:]
    for mistyped in (wrong, text[:-1], text.replace("1", "l")):
        with pytest.raises(RecoveryKeyError):
            decode_recovery_key(mistyped)


def test_a_secret_opens_only_with_its_key_and_name() -> None:
    key, other = bytes(32), bytes([1]) * 32
    name = CROSS_SIGNING_SECRETS[0]
    stored = encrypt("geheim", key, name)
    assert decrypt(stored, key, name) == "geheim"
    with pytest.raises(RecoveryKeyError):
        decrypt(stored, other, name)
    with pytest.raises(RecoveryKeyError):
        decrypt(stored, key, CROSS_SIGNING_SECRETS[1])
