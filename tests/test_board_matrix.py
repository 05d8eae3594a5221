"""The procesregie board in a real headless Chromium (Debian's, driven by Playwright), signed in
the way Element does it: the bot puts the widget in the procesregie room; a small stand-in for
Element's widget host frames the board and answers its ``get_openid`` request with an OpenID
token the real Synapse issued. A procesregisseur sees the casussen per phase, without any
personalia; a partner's token and a forged one are refused.

``CASUSBOT_SCREENSHOTS=1`` also writes the README's screenshots (docs/board-*.png)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from nio import RoomGetStateEventResponse
from playwright.async_api import Frame, Page, async_playwright

from demo.scripted import ScriptedMember
from tests.helpers import AANMELDING_ANSWERS, converse, submit_aanmelding
from tests.test_casusoverleg_matrix import PERSONAL, SHARED, House, a_weekday, house, start

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip
DOCS = Path(__file__).parent.parent / "docs"

# What Element does for a widget, reduced to what the board uses: frame it, ask for its
# capabilities, and answer get_openid with the token the test got from Synapse.
HOST_PAGE = """<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>host</title>
<style>body{margin:0} iframe{border:0;width:100vw;height:100vh}</style></head><body>
<script>
const params = new URLSearchParams(location.search);
const frame = document.createElement("iframe");
frame.src = params.get("board") + "?widgetId=w1&theme=" + params.get("theme") +
            "&parentUrl=" + encodeURIComponent(location.href);
frame.title = "Procesregie-bord";
frame.addEventListener("load", () => frame.contentWindow.postMessage(
  {api: "toWidget", widgetId: "w1", requestId: "c1", action: "capabilities", data: {}}, "*"));
window.addEventListener("message", (event) => {
  const m = event.data || {};
  if (m.api === "fromWidget" && m.action === "get_openid" && !m.response) {
    frame.contentWindow.postMessage({...m, response: {state: "allowed",
      access_token: params.get("token"), matrix_server_name: params.get("server"),
      expires_in: 3600, token_type: "Bearer"}}, "*");
  }
});
document.body.append(frame);
</script></body></html>"""


@pytest.fixture
async def host_site() -> AsyncIterator[str]:
    """The stand-in widget host, on its own port (another origin than the board's)."""
    app = web.Application()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=HOST_PAGE, content_type="text/html")

    app.router.add_get("/host", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def openid_token(house: House, member: ScriptedMember) -> str:
    """An OpenID token from the real homeserver, as Element gets one for a widget."""
    client = member.client
    url = f"{client.homeserver}/_matrix/client/v3/user/{member.user_id}/openid/request_token"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url, json={}, headers={"Authorization": f"Bearer {client.access_token}"}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return str((await response.json())["access_token"])


async def board_frame(page: Page, host: str, board: str, token: str, theme: str) -> Frame:
    server = "localhost"
    await page.goto(f"{host}/host?board={board}&token={token}&server={server}&theme={theme}")
    for _ in range(100):
        frames = [f for f in page.frames if f.url.startswith(board)]
        if frames:
            return frames[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the board frame did not load")


async def status_of(frame: Frame, contains: str) -> str:
    await frame.wait_for_function(
        "text => (document.getElementById('status')?.textContent ?? '').includes(text)",
        arg=contains, timeout=20000,
    )  # fmt: skip
    return str(await frame.locator("#status").text_content())


async def test_the_board_shows_the_procesregie_every_casus_without_personalia(
    house: House, host_site: str
) -> None:
    regie_room = await house.regisseur.create_room(
        [house.bot.user_id], direct=False, invitees_are_admins=True
    )
    house.bot.extra_config = {
        "house": {"procesregie_room": regie_room},
        "board": {"enabled": True, "port": 0, "frame_ancestors": [host_site]},
    }
    await start(house)
    await house.regisseur.wait_for_text(house.bot.user_id, regie_room, "")  # the bot is in
    app = house.bot.running
    assert app is not None
    assert app.board is not None
    await app.jobs.run_now("board_widget")
    widget = await house.regisseur.client.room_get_state_event(
        regie_room, "im.vector.modular.widgets", "casusbot-bord"
    )
    assert isinstance(widget, RoomGetStateEventResponse), widget
    content = widget.content
    assert content["url"].startswith(app.board.url + "?widgetId=$matrix_widget_id")
    assert not [word for word in PERSONAL if word in json.dumps(content)]

    casus = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    await house.regisseur.wait_for_text(house.bot.user_id, regie_room, casus)
    await house.ask(house.regisseur, f"verrijk {casus} politie")
    await house.told(house.politie, f"Verzoek om informatie — {casus}")
    await house.ask(house.politie, f"beantwoord {casus}")
    await converse(house.politie, house.bot, house.room(house.politie),
                   ["ja", SHARED, "ja", "bevestig"])  # fmt: skip
    await house.regisseur.wait_for_text(house.bot.user_id, regie_room, f"Verrijking {casus}")
    await house.ask(house.regisseur, f"besluit {casus} casusoverleg")
    await converse(house.regisseur, house.bot, house.room(house.regisseur),
                   ["Samen één plan.", "wonen, schulden", "politie"])  # fmt: skip
    await house.regisseur.send(house.room(house.regisseur), "bevestig")
    await house.regisseur.wait_for_text(house.bot.user_id, regie_room, "casus voor casusoverleg")
    await house.plan(casus, a_weekday(10))
    fresh = await submit_aanmelding(
        house.aanmelder, house.bot, house.room(house.aanmelder), AANMELDING_ANSWERS
    )
    board = app.board.url
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        own = await openid_token(house, house.regisseur)
        frame = await board_frame(page, host_site, board, own, "light")
        await status_of(frame, "bijgewerkt om")
        overleg = frame.locator("section", has=frame.locator("h2", has_text="In casusoverleg"))
        assert casus in await overleg.inner_text()
        assert "volgend overleg" in await overleg.inner_text()
        new = frame.locator("section", has=frame.locator("h2", has_text="Nieuw"))
        assert fresh in await new.inner_text()
        assert "nog niemand gevraagd" in await new.inner_text()
        # A refresh (what the page does every 30 s) reads the board again, unaudited.
        refreshed = await frame.evaluate(
            "fetch('gegevens', {credentials: 'same-origin'}).then(r => r.json())"
        )
        assert casus in json.dumps(refreshed)
        html = await frame.content()
        assert not [word for word in PERSONAL if word in html], "no personalia on the board"

        # Keyboard: the filters and every card are reachable with Tab; "mine" keeps the
        # casus this procesregisseur planned and hides the new aanmelding.
        await frame.locator("#filter-mine").focus()
        await page.keyboard.press("Space")
        await status_of(frame, "1 casussen")
        assert casus in await frame.locator("#board").inner_text()
        assert fresh not in await frame.locator("#board").inner_text()
        await page.keyboard.press("Space")
        cards = frame.locator(".card")
        assert await cards.count() == 2
        assert await cards.first.get_attribute("tabindex") == "0"

        # Readable at 200% zoom: half the width, nothing runs off the side.
        await page.set_viewport_size({"width": 640, "height": 800})
        overflow = await frame.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        await page.set_viewport_size({"width": 1280, "height": 800})
        if os.environ.get("CASUSBOT_SCREENSHOTS"):
            await page.screenshot(path=str(DOCS / "board-light.png"))
        dark = await board_frame(page, host_site, board, own, "dark")
        await status_of(dark, "bijgewerkt om")
        assert await dark.evaluate("document.documentElement.dataset.theme") == "dark"
        if os.environ.get("CASUSBOT_SCREENSHOTS"):
            await page.screenshot(path=str(DOCS / "board-dark.png"))

        # A fresh browser (no session cookie): a partner, and a token nobody issued.
        page = await (await browser.new_context()).new_page()
        partner = await board_frame(page, host_site, board,
                                    await openid_token(house, house.politie), "light")  # fmt: skip
        assert "alleen voor de procesregie" in await status_of(partner, "procesregie")
        assert casus not in await partner.locator("body").inner_text()
        page = await (await browser.new_context()).new_page()
        forged = await board_frame(page, host_site, board, "vervalst-token-123", "light")
        assert "kon je niet bevestigen" in await status_of(forged, "bevestigen")
        await browser.close()

    # Without a session the data is not there; every view is in the audit log.
    async with aiohttp.ClientSession() as http, http.get(board + "gegevens") as response:
        assert response.status == 401
    views = await house.bot.rows(
        "SELECT actor FROM audit_log WHERE kind = 'viewed' AND detail LIKE :p", p="%bord%"
    )
    assert views == [(house.regisseur.user_id,), (house.regisseur.user_id,)]
