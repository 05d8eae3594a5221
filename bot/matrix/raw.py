"""Client-server API calls nio has no method for (cross-signing, leave with a reason)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from nio import AsyncClient


class RawApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status} {body.get('errcode', '')}")
        self.status = status
        self.body = body


async def request(
    client: AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    prefix: str = "/_matrix/client/v3",
) -> dict[str, Any]:
    """Send an authenticated JSON request to ``{prefix}{path}``."""
    response = await client.send(
        method,
        prefix + path,
        json.dumps(body if body is not None else {}),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {client.access_token}",
        },
    )
    try:
        payload = await response.json(content_type=None)
    except ValueError:
        payload = {}
    finally:
        response.release()
    if not isinstance(payload, dict):
        payload = {}
    if response.status >= 400:
        raise RawApiError(response.status, payload)
    return payload


def room_path(room_id: str, *parts: str) -> str:
    return "/rooms/" + "/".join(quote(part, safe="") for part in (room_id, *parts))
