"""A minimal matrix-nio echo bot, the yardstick casusbot is measured against.

Each account logs in, uploads its device keys, accepts every invite and answers every text
message in its rooms with the same text as an ``m.notice``, encrypted. Events are handled
concurrently: the sync callback only starts a task, so the sync loop never waits for a
send (MATRIX-NOTES: awaiting sends inside the callback costs 20-40% at 50 members).

One account serving everyone is the "echo bot"; one account per member (``--account``
given N times) are the plain partner clients of the homeserver floor. Run as
``python -m bench.echo_bot --homeserver URL --store DIR --account @user:server ...`` with
the password in ``BENCH_PASSWORD``; it prints ``ready`` on stdout once every account has
synced, and stops cleanly on SIGTERM or SIGINT. With ``--log-out`` its devices are logged
out (deleted) when it stops: for an echo bot that borrows another account for a while
(bench.rooms measures one as the bot's own account, in the bot's rooms).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    RoomMessageText,
    SyncResponse,
)

log = logging.getLogger("bench.echo_bot")


class Echoer:
    """One account: joins what it is invited to and echoes every text message."""

    def __init__(
        self, homeserver: str, user_id: str, password: str, store: Path, log_out: bool = False
    ) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.log_out = log_out
        self.client = AsyncClient(
            homeserver,
            user_id,
            store_path=str(store),
            config=AsyncClientConfig(
                encryption_enabled=True, store_sync_tokens=False, pickle_key="bench-echo-bot"
            ),
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._keys = asyncio.Lock()
        self.echoed = 0

    async def start(self) -> None:
        """Log in, put the device keys on the server, and sync once (history is ignored)."""
        response = await self.client.login(self.password, device_name="bench echo")
        if not isinstance(response, LoginResponse):
            raise RuntimeError(f"login failed for {self.client.user_id}: {response}")
        # Keys before any invite is accepted, so the first message can be decrypted.
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        first = await self.client.sync(timeout=0, full_state=True)
        if not isinstance(first, SyncResponse):
            raise RuntimeError(f"first sync failed for {self.client.user_id}: {first}")
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_text, RoomMessageText)

    async def run(self) -> None:
        # nio's loop: sync, then to-device messages and key upload/query/claim as needed.
        await self.client.sync_forever(timeout=30_000)

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_invite(self, room: Any, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            self._spawn(self._join(room.room_id))

    async def _join(self, room_id: str) -> None:
        await self.client.join(room_id)

    async def _on_text(self, room: Any, event: RoomMessageText) -> None:
        if event.sender != self.client.user_id:
            self._spawn(self._echo(room.room_id, event.body))

    async def _echo(self, room_id: str, body: str) -> None:
        # A member who just joined: nio only queries their devices after the callbacks
        # ran, so query here before encrypting (MATRIX-NOTES).
        async with self._keys:
            if self.client.should_query_keys:
                await self.client.keys_query()
        response = await self.client.room_send(
            room_id,
            "m.room.message",
            {"msgtype": "m.notice", "body": body},
            ignore_unverified_devices=True,
        )
        if getattr(response, "event_id", None) is None:
            log.warning("echo not sent: %s", response)
        else:
            self.echoed += 1

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.log_out:
            await self.client.logout()
        await self.client.close()


async def _serve(
    homeserver: str, store: Path, accounts: list[str], password: str, log_out: bool
) -> None:
    echoers = [
        Echoer(homeserver, user_id, password, store / user_id.strip("@").replace(":", "_"), log_out)
        for user_id in accounts
    ]
    await asyncio.gather(*(echoer.start() for echoer in echoers))
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runs = [asyncio.create_task(echoer.run()) for echoer in echoers]
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait([waiter, *runs], return_when=asyncio.FIRST_COMPLETED)
    for run in runs:
        run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*runs, return_exceptions=True)
    await asyncio.gather(*(echoer.close() for echoer in echoers))
    log.info("stopped after %d echoes", sum(e.echoed for e in echoers))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--homeserver", required=True)
    parser.add_argument("--store", type=Path, required=True, help="directory for crypto stores")
    parser.add_argument("--account", action="append", required=True, help="@user:server")
    parser.add_argument("--log-out", action="store_true", help="delete the devices at the end")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    password = os.environ.get("BENCH_PASSWORD", "")
    if not password:
        parser.error("BENCH_PASSWORD is not set")
    asyncio.run(_serve(args.homeserver, args.store, args.account, password, args.log_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
