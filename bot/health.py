"""``/healthz`` and ``/metrics`` over HTTP (aiohttp), on loopback by default.

``/healthz`` answers 200 when the sync loop runs, the last successful sync is recent, the
database answers and the scheduler runs; 503 otherwise. Its JSON names each check so an
operator sees which failed. ``/metrics`` is the Prometheus text format.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.config import ConfigError
from bot.listening import listen

log = logging.getLogger(__name__)


class HealthPortError(ConfigError):
    """The health server cannot listen where configured (a Dutch message for the operator)."""


@dataclass(frozen=True)
class Health:
    sync_loop: bool
    database: bool
    scheduler: bool
    last_sync_age_seconds: float | None
    max_sync_age_seconds: float

    @property
    def sync_recent(self) -> bool:
        age = self.last_sync_age_seconds
        return age is not None and age <= self.max_sync_age_seconds

    @property
    def ok(self) -> bool:
        return self.sync_loop and self.database and self.scheduler and self.sync_recent

    def as_json(self) -> dict[str, object]:
        age = self.last_sync_age_seconds
        return {
            "status": "ok" if self.ok else "fail",
            "checks": {
                "sync_loop": self.sync_loop,
                "sync_recent": self.sync_recent,
                "database": self.database,
                "scheduler": self.scheduler,
            },
            "last_sync_age_seconds": None if age is None else round(age, 1),
        }


class HealthServer:
    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Awaitable[Health]],
        metrics: Callable[[], Awaitable[bytes]],
    ) -> None:
        self.host = host
        self.port = port
        self.health = health
        self.metrics = metrics
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner, self.port = await listen(app, self.host, self.port, "health",
                                               HealthPortError)  # fmt: skip
        log.info("health and metrics on http://%s:%d/", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = await self.health()
        return web.Response(
            text=json.dumps(health.as_json()),
            status=200 if health.ok else 503,
            content_type="application/json",
        )

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = await self.metrics()
        response = web.Response(body=body)
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response
