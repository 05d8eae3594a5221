"""Figures and overviews on the real homeserver: the manager's figures come as a table and
two charts, encrypted images a member downloads and decrypts like Element does; the
procesregie's overview shows references and phases without personalia; every command
answers only the roles it is for."""

from __future__ import annotations

import pytest

from demo.inbox import download_image
from tests.test_casusoverleg_matrix import House, a_weekday, house, start

pytestmark = pytest.mark.integration
__all__ = ["house"]  # the fixture


async def test_the_manager_gets_the_figures_with_encrypted_charts(house: House) -> None:
    await start(house)
    reference = await house.casus()

    table = await house.ask(house.manager, "cijfers")
    assert "Cijfers 20" in table
    assert "aanmeldingen | totaal | <5" in table, "one aanmelding: a suppressed cell"
    assert "Nepnaam" not in table
    room = house.room(house.manager)

    def images() -> list[dict[str, object]]:
        return [m.content for m in house.manager.messages_from(house.bot.user_id, room)
                if m.msgtype == "m.image"]  # fmt: skip

    await house.manager.wait_until(lambda: len(images()) == 2)
    for content in images():
        assert "url" not in content, "never an unencrypted file"
        png = await download_image(house.manager.client, content)
        assert png.startswith(b"\x89PNG")

    refused = await house.ask(house.politie, "cijfers")
    assert "Cijfers" not in refused

    overview = await house.ask(house.regisseur, "overzicht")
    assert reference in overview
    assert "wacht op casusoverleg" in overview
    assert "Nepnaam" not in overview
    assert "Testje" not in overview
    assert reference not in await house.ask(house.politie, "overzicht")

    await house.plan(reference, a_weekday(10))
    overview = await house.ask(house.regisseur, "overzicht")
    assert "volgend overleg" in overview
    mine = await house.ask(house.om, "mijn acties")
    assert "geen open acties" in mine
