"""/healthz says which check failed, with the status a monitor acts on."""

from __future__ import annotations

import aiohttp
import pytest

from bot.health import Health, HealthPortError, HealthServer


def health(**changes: object) -> Health:
    values: dict[str, object] = {
        "sync_loop": True,
        "database": True,
        "scheduler": True,
        "last_sync_age_seconds": 3.0,
        "max_sync_age_seconds": 120.0,
    }
    values.update(changes)
    return Health(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "failed"),
    [
        (health(), None),
        (health(database=False), "database"),
        (health(sync_loop=False), "sync_loop"),
        (health(scheduler=False), "scheduler"),
        (health(last_sync_age_seconds=600.0), "sync_recent"),
        (health(last_sync_age_seconds=None), "sync_recent"),
    ],
)
async def test_healthz_names_the_failing_check(state: Health, failed: str | None) -> None:
    async def current() -> Health:
        return state

    async def metrics() -> bytes:
        return b""

    server = HealthServer("127.0.0.1", 0, current, metrics)
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/healthz") as response,
        ):
            body = await response.json()
            status = response.status
    finally:
        await server.stop()
    assert status == (200 if failed is None else 503)
    assert body["status"] == ("ok" if failed is None else "fail")
    assert [name for name, ok in body["checks"].items() if not ok] == ([failed] if failed else [])


async def test_a_port_in_use_is_a_clear_configuration_error() -> None:
    async def current() -> Health:
        return health()

    async def metrics() -> bytes:
        return b""

    first = HealthServer("127.0.0.1", 0, current, metrics)
    await first.start()
    try:
        second = HealthServer("127.0.0.1", first.port, current, metrics)
        with pytest.raises(HealthPortError, match=r"health\.port: .* is niet beschikbaar"):
            await second.start()
    finally:
        await first.stop()
