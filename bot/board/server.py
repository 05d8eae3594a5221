"""The board's HTTP side (aiohttp, in the bot's process, on its own port).

- ``GET /bord/``: the page (static: it holds no data), with a content security policy that
  lets only the configured Element origins frame it;
- ``POST /bord/sessie``: the page hands over an OpenID token it got from Element through the
  widget API; the bot asks the homeserver whose it is
  (``/_matrix/federation/v1/openid/userinfo``), checks that member's role through the access
  module and sets a short-lived session cookie (HttpOnly, SameSite=Strict);
- ``GET /bord/gegevens``: the board as JSON, for a valid session of a member who may still
  see it (the role is checked on every refresh: revoked access ends at once); the page's
  first load (``?weergave=1``) is written to the audit log, its refreshes are not.

Refusals are Dutch, short, and name no one. Sessions live in memory: after a restart the
page simply signs in again through Element.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import BoardSettings, ConfigError
from bot.listening import listen
from handlers.bord.service import board, opened, sees_board, viewer
from handlers.house import House
from scheduler.clock import Clock
from storage.db import Database

log = logging.getLogger(__name__)

COOKIE = "casusbot_bord"
STATIC = {"bord.js": "text/javascript", "bord.css": "text/css"}
# An OpenID token is a random string; anything else is not sent to the homeserver.
MAX_TOKEN = 512


class BoardPortError(ConfigError):
    """The board cannot listen where configured (a Dutch message for the operator)."""


@dataclass
class Session:
    matrix_id: str
    expires: float


def _refusal(status: int, text: str) -> web.Response:
    return web.json_response({"fout": text}, status=status)


class BoardServer:
    def __init__(
        self, settings: BoardSettings, homeserver_url: str, server_name: str, db: Database,
        house: House, clock: Clock, audited: Callable[[], None] = lambda: None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.homeserver_url = homeserver_url.rstrip("/")
        self.server_name = server_name
        self.db = db
        self.house = house
        self.clock = clock
        self.host = settings.host
        self.port = settings.port
        self.sessions: dict[str, Session] = {}
        self._audited = audited
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """Where the page is, as Element's users reach it."""
        base = self.settings.public_url or f"http://{self.host}:{self.port}"
        return base.rstrip("/") + "/bord/"

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024)
        app.router.add_get("/bord/", self._page)
        app.router.add_get("/bord/{name:bord\\.(js|css)}", self._static)
        app.router.add_post("/bord/sessie", self._sign_in)
        app.router.add_get("/bord/gegevens", self._data)
        self._runner, self.port = await listen(app, self.host, self.port, "board",
                                               BoardPortError)  # fmt: skip
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        log.info("board on http://%s:%d/bord/", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    # --- the page ---------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        ancestors = " ".join(["'self'", *self.settings.frame_ancestors])
        return {
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'self'; style-src 'self'; "
                f"connect-src 'self'; img-src 'self'; frame-ancestors {ancestors}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }

    async def _page(self, _request: web.Request) -> web.Response:
        html = resources.files("bot.board").joinpath("static/bord.html").read_text("utf-8")
        return web.Response(text=html, content_type="text/html", headers=self._headers())

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = resources.files("bot.board").joinpath(f"static/{name}").read_text("utf-8")
        return web.Response(text=body, content_type=STATIC[name], headers=self._headers())

    # --- signing in -------------------------------------------------------------------

    async def _userinfo(self, token: str) -> str | None:
        """Whose token this is, according to the homeserver (None: not valid)."""
        assert self._http is not None
        url = f"{self.homeserver_url}/_matrix/federation/v1/openid/userinfo"
        try:
            async with self._http.get(url, params={"access_token": token}) as response:
                if response.status != 200:
                    return None
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            log.warning("board: the homeserver did not answer the OpenID check")
            return None
        sub = body.get("sub") if isinstance(body, dict) else None
        return sub if isinstance(sub, str) else None

    async def _sign_in(self, request: web.Request) -> web.Response:
        try:
            body: Any = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _refusal(400, "Aanmelden lukte niet: onleesbaar verzoek.")
        token = body.get("access_token") if isinstance(body, dict) else None
        server = body.get("matrix_server_name") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            return _refusal(400, "Aanmelden lukte niet: geen geldig token van Element.")
        if server != self.server_name:
            return _refusal(403, "Het bord is alleen voor leden van deze homeserver.")
        matrix_id = await self._userinfo(token)
        if matrix_id is None or not matrix_id.endswith(":" + self.server_name):
            return _refusal(401, "Element kon je niet bevestigen; open het bord opnieuw.")
        async with self.db.reading() as unit:
            caller = await viewer(unit, self.house, matrix_id)
        if caller is None or not sees_board(caller):
            log.info("board: sign-in refused (no procesregie role)")
            return _refusal(403, f"Het bord is alleen voor de {self.house.words.procesregie}.")
        session_id = secrets.token_urlsafe(32)
        lifetime = self.settings.session_minutes * 60
        self._prune()
        self.sessions[session_id] = Session(matrix_id, time.monotonic() + lifetime)
        response = web.json_response({"ok": True})
        response.set_cookie(
            COOKIE, session_id, max_age=lifetime, path="/bord/", httponly=True,
            samesite="Strict", secure=self.url.startswith("https://"),
        )  # fmt: skip
        return response

    def _prune(self) -> None:
        now = time.monotonic()
        for key in [k for k, s in self.sessions.items() if s.expires <= now]:
            del self.sessions[key]

    # --- the data ---------------------------------------------------------------------

    async def _data(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.cookies.get(COOKIE, ""))
        if session is None or session.expires <= time.monotonic():
            return _refusal(401, "Aanmelden nodig.")
        now = self.clock.now()
        # The page's first load is a view: in the audit log. Its refreshes are not.
        view = request.query.get("weergave") == "1"
        # A refresh only reads; only a view writes (its audit entry).
        async with self.db.transaction() if view else self.db.reading() as unit:
            caller = await viewer(unit, self.house, session.matrix_id)
            if caller is None or not sees_board(caller):
                return _refusal(403, f"Het bord is alleen voor de {self.house.words.procesregie}.")
            data = await board(unit, self.house, caller, now)
            if view:
                await opened(unit, caller, now)
        if view:
            self._audited()
        return web.Response(text=json.dumps(data), content_type="application/json",
                            headers=self._headers())  # fmt: skip
