"""The bot's crypto store (bot/matrix/store.py) still remembers which rooms are encrypted:
after a restart nio learns it from the store, not from the room's state again."""

from __future__ import annotations

from pathlib import Path

from nio.crypto import OlmAccount

from bot.matrix.store import CasusbotStore


def open_store(directory: Path) -> CasusbotStore:
    return CasusbotStore("@bot:zvh.nl", "BOTDEVICE", str(directory), "test-pickle-key")


def test_encrypted_rooms_survive_a_restart(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.save_account(OlmAccount())
    store.save_encrypted_rooms(set())  # a sync with no newly encrypted room
    store.save_encrypted_rooms({"!dm:zvh.nl"})
    store.save_encrypted_rooms(set())
    store.save_encrypted_rooms({"!casus:zvh.nl"})
    assert open_store(tmp_path).load_encrypted_rooms() == {"!dm:zvh.nl", "!casus:zvh.nl"}
