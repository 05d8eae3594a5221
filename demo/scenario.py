"""The demo's script: what the scripted members do over real E2EE, and what is checked."""

from __future__ import annotations

import asyncio
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.app import Application
from bot.matrix import raw
from demo.cast import DEMO_AANMELDING, DEMO_PASSWORD, NAMES, mxid
from demo.devserver import LocalSynapse
from demo.scripted import Received, ScriptedMember
from scheduler.clock import OffsetClock, local_now


class Transcript:
    def __init__(self) -> None:
        self.checks: list[tuple[bool, str]] = []

    def said(self, who: str, room: str, text: str) -> None:
        print(f"\n[{room}] {who}:")
        print(textwrap.indent(text, "    "))

    def received(self, who: str, room: str, message: Received) -> None:
        lock = "versleuteld" if message.encrypted else "ONVERSLEUTELD"
        print(f"\n[{room}] casusbot → {who} ({lock}):")
        print(textwrap.indent(message.body, "    "))

    def check(self, ok: bool, text: str) -> None:
        self.checks.append((ok, text))

    def summary(self) -> bool:
        print("\nGecontroleerd:")
        for ok, text in self.checks:
            print(f"  [{'x' if ok else ' '}] {text}")
        return all(ok for ok, _ in self.checks)


async def play(
    state_dir: Path,
    synapse: LocalSynapse,
    bot_user: str,
    transcript: Transcript,
    app: Application,
    clock: OffsetClock,
) -> None:
    members: dict[str, ScriptedMember] = {}

    async def member(localpart: str) -> ScriptedMember:
        scripted = ScriptedMember(
            synapse.url, mxid(localpart), DEMO_PASSWORD, state_dir / "members" / localpart
        )
        await scripted.start()
        await scripted.set_display_name(NAMES[localpart])
        members[localpart] = scripted
        return scripted

    async def open_dm(who: ScriptedMember, name: str) -> str:
        room = await who.create_room([bot_user])
        welcome = await who.wait_for_text(bot_user, room, "Typ hulp")
        transcript.said(name, "DM", f"(nodigt {bot_user} uit in een versleutelde chat)")
        transcript.received(name, "DM", welcome)
        return room

    async def ask(
        who: ScriptedMember, name: str, room: str, text: str, quiet: bool = False
    ) -> Received:
        reply = await who.ask(room, bot_user, text)
        if not quiet:
            transcript.said(name, "DM", text)
            transcript.received(name, "DM", reply)
        return reply

    try:
        politie = await member("demo-politie")
        room = await open_dm(politie, "demo-politie")
        reply = await ask(politie, "demo-politie", room, "hulp")
        transcript.check(reply.encrypted, "antwoorden van de bot zijn end-to-end versleuteld")
        transcript.check(
            "lid toevoegen" not in reply.body,
            "een partner krijgt alleen de commando's van zijn rol te zien",
        )

        regisseur = await member("demo-regisseur")
        regie_room = await open_dm(regisseur, "demo-regisseur")
        await ask(politie, "demo-politie", room, "aanmelden")
        for answer in DEMO_AANMELDING[:-1]:
            await ask(politie, "demo-politie", room, answer, quiet=True)
        print(f"\n    … demo-politie beantwoordt {len(DEMO_AANMELDING)} vragen …")
        summary = await ask(politie, "demo-politie", room, DEMO_AANMELDING[-1])
        done = await ask(politie, "demo-politie", room, "bevestig")
        reference = next((w.rstrip(".") for w in done.body.split() if w.startswith("ZVH-")), "")
        transcript.check(
            summary.formatted_body is not None and "<table>" in summary.formatted_body,
            "de aanmelder ziet een overzicht (tabel) vóór het indienen",
        )
        transcript.check(bool(reference), f"de aanmelding kreeg een kenmerk ({reference})")
        transcript.check(
            all(taken in summary.body for taken in ("1 januari 1990", "9999 ZZ", "Demostad")),
            "losse antwoorden zijn begrepen: '1-1-90' in een zin, het hele adres in één keer",
        )
        announced = await regisseur.wait_for_text(bot_user, regie_room, reference or "ZVH-")
        transcript.received("demo-regisseur", "DM", announced)
        transcript.check(
            announced.encrypted and "Voorbeeldpersoon" in announced.body,
            "de procesregie krijgt de volledige aanmelding, versleuteld",
        )

        # Triage: the procesregisseur asks the municipality; it answers; a decision.
        gemeente = await member("demo-gemeente")
        gemeente_room = await open_dm(gemeente, "demo-gemeente")
        await ask(regisseur, "demo-regisseur", regie_room, f"verrijk {reference} gemeente")
        request = await gemeente.wait_for_text(bot_user, gemeente_room, "Verzoek om informatie")
        transcript.received("demo-gemeente", "DM", request)
        transcript.check(
            "Voorbeeldpersoon" in request.body
            and "Fictieve casus" not in request.body
            and "Nepstraat" not in request.body,
            "het verzoek aan de partner bevatte alleen: naam, geboortedatum, woonplaats",
        )
        await ask(gemeente, "demo-gemeente", gemeente_room, f"beantwoord {reference}")
        for text in ("ja", "Bekend bij het wijkteam sinds 2025 (fictief).", "nee"):
            await ask(gemeente, "demo-gemeente", gemeente_room, text, quiet=True)
        print("\n    … demo-gemeente antwoordt: bekend, met toelichting, niet vooraf delen …")
        await ask(gemeente, "demo-gemeente", gemeente_room, "bevestig")
        answered = await regisseur.wait_for_text(bot_user, regie_room, "Bekend bij het wijkteam")
        transcript.received("demo-regisseur", "DM", answered)
        transcript.check(
            "Bekend bij het wijkteam"
            not in "".join(m.body for m in politie.messages_from(bot_user)),
            "het antwoord van de partner ging alleen naar de procesregie",
        )
        await ask(regisseur, "demo-regisseur", regie_room, f"besluit {reference} casusoverleg")
        for text in ("Eén plan van aanpak (fictief).", "wonen, schulden", "gemeente"):
            await ask(regisseur, "demo-regisseur", regie_room, text, quiet=True)
        print("\n    … demo-regisseur legt doel, thema's en deelnemers vast …")
        await ask(regisseur, "demo-regisseur", regie_room, "bevestig")
        outcome = await politie.wait_for_text(bot_user, room, f"Uitkomst triage {reference}")
        transcript.received("demo-politie", "DM", outcome)
        transcript.check(
            "casusoverleg" in outcome.body and "Bekend bij het wijkteam" not in outcome.body,
            "de aanmelder hoort de uitkomst van de triage (zonder de antwoorden van partners)",
        )

        # The casusoverleg: a room of its own, only the lawful participants, the policy's
        # personalia and nothing else.
        day = date.today() + timedelta(days=7)
        while day.weekday() >= 5:  # a working day, so no out-of-hours warning
            day += timedelta(days=1)
        await ask(
            regisseur, "demo-regisseur", regie_room,
            f"overleg plan {reference} {day:%d-%m-%Y} 10:00 Stadhuis (fictief)",
        )  # fmt: skip
        casus_room = await gemeente.accept_invite(bot_user, named=reference)
        transcript.said("demo-gemeente", "casuskamer", "(accepteert de uitnodiging van de bot)")
        invitation = await gemeente.wait_for_text(bot_user, casus_room, "Uitnodiging")
        transcript.received("demo-gemeente", "casuskamer", invitation)
        name = gemeente.client.rooms[casus_room].name or ""
        personalia = app.settings.casusoverleg.personalia
        transcript.check(
            invitation.encrypted and "Voorbeeldpersoon" in invitation.body
            and "Fictieve casus" not in invitation.body and "Nepstraat" not in invitation.body
            and "9999" not in invitation.body
            and "Bekend bij het wijkteam" not in invitation.body,
            f"uitnodiging bevatte alleen: {', '.join(personalia)}",
        )  # fmt: skip
        transcript.check(
            reference in name and "Voorbeeldpersoon" not in name,
            f"de casuskamer heet alleen naar kenmerk en moment ({name})",
        )

        manager = await member("demo-manager")
        manager_room = await open_dm(manager, "demo-manager")
        await _plan_and_purge(
            app, clock, bot_user, transcript, reference, casus_room,
            (regisseur, regie_room), (gemeente, gemeente_room), (manager, manager_room),
        )  # fmt: skip

        beheer = await member("demo-beheer")
        beheer_room = await open_dm(beheer, "demo-beheer")
        added = await ask(
            beheer, "demo-beheer", beheer_room, "lid toevoegen @demo-zorg:localhost ggz partner"
        )
        transcript.check(
            "toegevoegd" in added.body or "is al partner" in added.body,
            "de beheerder geeft via de chat toegang aan een nieuw lid",
        )

        zorg = await member("demo-zorg")
        zorg_room = await open_dm(zorg, "demo-zorg")
        whoami = await ask(zorg, "demo-zorg", zorg_room, "wie ben ik")
        transcript.check("GGZ Demo" in whoami.body, "het nieuwe lid kan direct met de bot werken")

        onbekend = await member("demo-onbekend")
        stranger_room = await onbekend.create_room([bot_user])
        transcript.said("demo-onbekend", "DM", f"(nodigt {bot_user} uit)")
        await onbekend.wait_until(
            lambda: any(
                m[0] == stranger_room and m[1] == bot_user and m[2] == "leave"
                for m in onbekend.inbox.memberships
            )
        )
        reason = next(
            (
                m[3]
                for m in onbekend.inbox.memberships
                if m[0] == stranger_room and m[1] == bot_user and m[2] == "leave"
            ),
            None,
        )
        print(f"\n[DM] casusbot weigert de uitnodiging van demo-onbekend: {reason}")
        transcript.check(reason is not None, "een niet-lid wordt beleefd geweigerd")
    finally:
        for scripted in members.values():
            await scripted.close()


Chat = tuple[ScriptedMember, str]


async def _plan_and_purge(
    app: Application,
    clock: OffsetClock,
    bot_user: str,
    transcript: Transcript,
    reference: str,
    casus_room: str,
    regie: Chat,
    gemeente: Chat,
    manager: Chat,
) -> None:
    """Verslag → plan van aanpak → a reminder (time-travelled) → afschaling → purge."""
    (regisseur, regie_room), (partner, partner_room) = regie, gemeente
    working = app.working_time
    invitation = next(m for m in partner.messages_from(bot_user, casus_room)
                      if "Uitnodiging" in m.body)  # fmt: skip

    async def ask(text: str, quiet: bool = False) -> Received:
        reply = await regisseur.ask(regie_room, bot_user, text)
        if not quiet:
            transcript.said("demo-regisseur", "DM", text)
            transcript.received("demo-regisseur", "DM", reply)
        return reply

    # The casusoverleg takes place (time travels to two hours after its start).
    overleg_at = await _planned_overleg(app, reference)
    clock.travel(overleg_at + timedelta(hours=2) - clock.now())
    print(
        f"\n    … tijdreis naar {local_now(clock):%d-%m-%Y %H:%M}: het casusoverleg is gehouden …"
    )
    deadline = working.working_day_after(local_now(clock).date(), 10)
    await ask(f"overleg verslag {reference}")
    for text in (NAMES["demo-gemeente"],  # the casusregisseur, by name from the list
                 f"Huisbezoek afleggen (fictief); gemeente; {deadline:%d-%m-%Y}",
                 "De casusregisseur.", "Vaste woonplek en schuldhulp lopen (fictief).",
                 "overslaan"):  # fmt: skip
        await ask(text, quiet=True)
    print("\n    … demo-regisseur legt casusregisseur, actie, informant en criteria vast …")
    await ask("bevestig")
    plan = await partner.wait_for_text(bot_user, partner_room, "casusregisseur voor")
    transcript.received("demo-gemeente", "DM", plan)
    transcript.check(
        "Huisbezoek afleggen" in plan.body,
        "het verslag legt het plan van aanpak vast; de casusregisseur krijgt het plan",
    )

    # Travel to the first reminder: three working days before the deadline, 08:30.
    moment = working.start_of(working.working_day_before(deadline, 3))
    clock.travel(moment - clock.now() + timedelta(minutes=1))
    shown = moment.astimezone(working.zone)
    print(f"\n    … tijdreis naar {shown:%d-%m-%Y %H:%M} (3 werkdagen voor de deadline) …")
    await app.jobs.run_now("plan_van_aanpak")
    reminder = await partner.wait_for_text(bot_user, partner_room, "Herinnering: actie 1")
    transcript.received("demo-gemeente", "DM", reminder)
    transcript.check(
        "Voorbeeldpersoon" not in reminder.body and reference in reminder.body,
        "de herinnering kwam op tijd, met kenmerk en actie en zonder personalia",
    )
    transcript.check(
        reminder.msgtype == "m.text"
        and partner.user_id in reminder.content.get("m.mentions", {}).get("user_ids", []),
        "de herinnering is een m.text die de actiehouder noemt: Element meldt hem (een "
        "m.notice zou stil blijven)",
    )

    await ask(f"afschalen {reference}")
    for text in ("1", "ja"):  # doel bereikt; the interventions worked
        await ask(text, quiet=True)
    print("\n    … demo-regisseur kiest de uitkomst (doel bereikt) en de evaluatie …")
    done = await ask("bevestig")
    told = await partner.wait_for_text(bot_user, casus_room, "afgeschaald")
    transcript.received("demo-gemeente", "casuskamer", told)
    transcript.check("afgeschaald op" in done.body, "de afschaling is vastgelegd")

    # Travel past the retention period after afschaling: everything about the casus goes.
    months = app.settings.retention.afschaling_delete_months
    clock.travel(timedelta(days=31 * months + 1))
    print(f"\n    … tijdreis naar {local_now(clock):%d-%m-%Y}: {months} maanden na afschaling …")
    await app.jobs.run_now("retention")
    await partner.wait_until(lambda: invitation.event_id in partner.inbox.redacted, timeout=60)
    gone = await _room_deleted(app, casus_room)
    notice = await manager[0].wait_for_text(bot_user, manager[1], "Bewaartermijnen")
    transcript.received("demo-manager", "DM", notice)
    async with app.db.reading() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(reference)
    transcript.check(
        gone and (aanmelding is None or aanmelding.cleaned_at is not None),
        "na de bewaartermijn zijn de gegevens gewist, de berichten van de bot over de casus "
        "ingetrokken en de casuskamer opgeheven",
    )

    # The year's figures, after the purge: the anonymous facts still count the casus.
    year = reference.split("-")[1]
    figures = await manager[0].ask(manager[1], bot_user, f"cijfers {year}")
    transcript.said("demo-manager", "DM", f"cijfers {year}")
    transcript.received("demo-manager", "DM", figures)
    await manager[0].wait_until(lambda: len([
        m for m in manager[0].messages_from(bot_user, manager[1]) if m.msgtype == "m.image"
    ]) >= 2, timeout=60)  # fmt: skip
    transcript.check(
        "afgesloten | doel bereikt | <5" in figures.body and "Voorbeeldpersoon" not in figures.body,
        "de jaarcijfers tellen de gewiste casus nog mee (kleine aantallen als <5), met twee "
        "versleutelde grafieken",
    )


async def _planned_overleg(app: Application, reference: str) -> datetime:
    async with app.db.reading() as unit:
        aanmelding = await unit.aanmeldingen.by_reference(reference)
        assert aanmelding is not None
        upcoming = await unit.overleggen.upcoming(aanmelding.id)
        assert upcoming is not None
        return upcoming.scheduled_at


async def _room_deleted(app: Application, room_id: str, timeout: float = 60) -> bool:
    """Whether the homeserver has deleted the room (asked with the demo bot's admin right)."""
    path = raw.room_path(room_id).removeprefix("/rooms/")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            await raw.request(app.transport.client, "GET", f"/rooms/{path}",
                              prefix="/_synapse/admin/v1")  # fmt: skip
        except raw.RawApiError as error:
            if error.status == 404:
                return True
        await asyncio.sleep(0.5)
    return False
