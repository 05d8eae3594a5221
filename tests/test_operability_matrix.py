"""/healthz and /metrics on a running bot (issue: operability)."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.conftest import BotHarness, MemberFactory
from tests.helpers import AANMELDING_ANSWERS, open_dm, submit_aanmelding

pytestmark = pytest.mark.integration


def value(metrics: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", metrics, re.MULTILINE)
    assert match is not None, name
    return float(match.group(1))


async def test_health_and_metrics_follow_the_work_and_name_nobody(
    bot: BotHarness, member_factory: MemberFactory
) -> None:
    partner = await member_factory("wijkteam")
    regisseur = await member_factory("regie")
    await bot.seed({
        partner.user_id: ("wijkteam", "partner"),
        regisseur.user_id: ("zvh", "procesregisseur"),
    })  # fmt: skip
    app = await bot.start()
    assert app.health_server is not None
    base = f"http://127.0.0.1:{app.health_server.port}"
    async with aiohttp.ClientSession() as http:

        async def metrics() -> str:
            async with http.get(f"{base}/metrics") as response:
                assert response.status == 200
                assert response.content_type == "text/plain"
                return await response.text()

        regie_room = await open_dm(regisseur, bot)
        room = await open_dm(partner, bot)
        async with http.get(f"{base}/healthz") as response:
            assert response.status == 200
            health = await response.json()
        assert health["status"] == "ok"
        assert all(health["checks"].values())
        assert health["last_sync_age_seconds"] < 60

        before = await metrics()
        handled = value(before, "casusbot_messages_handled_total")
        reference = await submit_aanmelding(partner, bot, room)
        await regisseur.wait_for_text(bot.user_id, regie_room, reference)
        after = await metrics()
        # aanmelden + the answers + bevestig: each one handled and timed.
        steps = len(AANMELDING_ANSWERS) + 2
        assert value(after, "casusbot_messages_handled_total") == handled + steps
        assert value(after, "casusbot_handler_seconds_count") == handled + steps
        assert (
            value(after, "casusbot_outbox_sent_total")
            >= value(before, "casusbot_outbox_sent_total") + steps
        )
        assert value(after, 'casusbot_open_casussen{phase="triage"}') == 1
        assert 'casusbot_job_runs_total{job="retention"}' in after

    # Nobody is named: no member id, no account name, none of the personalia.
    for secret in (partner.user_id, regisseur.user_id, bot.user_id, "localhost", "wijkteam",
                   "Testje", "Nepnaam", "Demostad", reference, room):  # fmt: skip
        assert secret not in after, secret
