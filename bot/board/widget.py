"""The board as a widget of the procesregie room: an ``im.vector.modular.widgets`` state event
(a URL, a name and the bot as creator: no personal data, since room state is not encrypted)
and Element's layout hint to show it in the room's right panel. Put there at start-up and
hourly; left alone when it is already so."""

from __future__ import annotations

import logging
from typing import Any

from bot.matrix.managed import ManagedRoomOps

log = logging.getLogger(__name__)

WIDGET_ID = "casusbot-bord"
WIDGETS = "im.vector.modular.widgets"
LAYOUT = "io.element.widgets.layout"


def widget_content(url: str, bot_user_id: str, name: str) -> dict[str, Any]:
    # Element fills in the widget's id and its theme; the page uses both.
    template = f"{url}?widgetId=$matrix_widget_id&theme=$org.matrix.msc2873.client_theme"
    return {
        "type": "m.custom", "url": template, "name": name, "data": {}, "id": WIDGET_ID,
        "creatorUserId": bot_user_id, "waitForIframeLoad": True,
    }  # fmt: skip


async def ensure_widget(rooms: ManagedRoomOps, room_id: str, url: str, name: str) -> bool:
    """The widget and its place in the right panel; True when both are there."""
    wanted = widget_content(url, rooms.user_id, name)
    if await rooms.get_state(room_id, WIDGETS, WIDGET_ID) != wanted:
        result = await rooms.put_state(room_id, WIDGETS, WIDGET_ID, wanted)
        if not result.ok:
            log.warning("board: widget not added to the procesregie room (%s); the bot needs "
                        "power to change its state there", result.error)  # fmt: skip
            return False
        log.info("board: widget added to the procesregie room")
    layout = await rooms.get_state(room_id, LAYOUT, "")
    widgets = dict(layout.get("widgets") or {})
    if widgets.get(WIDGET_ID) != {"container": "right"}:
        widgets[WIDGET_ID] = {"container": "right"}
        result = await rooms.put_state(room_id, LAYOUT, "", {**layout, "widgets": widgets})
        if not result.ok:
            log.warning("board: layout not set in the procesregie room (%s)", result.error)
            return False
    return True
