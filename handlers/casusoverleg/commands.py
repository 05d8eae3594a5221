"""The procesregie's casusoverleg commands: overleg plan, verzet, annuleer, verslag, and
overleg deelnemer toevoegen/verwijderen (who takes part changes while the casus runs).

``overleg verslag`` starts the guided verslag (``handlers/plan_van_aanpak/verslag.py``) in
the caller's own chat with the bot.
"""

from __future__ import annotations

from datetime import date, datetime, time

from handlers.access import Action
from handlers.arguments import KENMERK, ORGANISATIECODE
from handlers.casusoverleg.incidental import add_incidental, remove_incidental
from handlers.casusoverleg.service import PARTNER_REASONS, CasusoverlegService
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.choices import closest
from handlers.conversation.parsing import format_moment, parse_appointment, parse_text
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Code, Paragraph, casus_room, notice, text_notice
from handlers.wording import cap

VERSLAG_FORM = "overleg-verslag"


def _incidenteel(text: str) -> bool:
    if closest(text.strip().lower(), ["incidenteel"]) is None:
        raise UserError("Bedoel je incidenteel? Typ dat als laatste woord, of laat het weg.")
    return True


INCIDENTEEL = Arg("incidenteel", "incidenteel", _incidenteel, optional=True)
MOMENT = Arg("moment", "DATUM TIJD [locatie of videolink]", rest=True)


def parse_partner_reason(text: str) -> str:
    found = closest(text.strip().lower(), PARTNER_REASONS)
    if found is None:
        raise UserError(f"Geef een reden: {', '.join(PARTNER_REASONS)}.")
    return found


REDEN = Arg("reden", "|".join(PARTNER_REASONS), parse_partner_reason)


def wall_clock(day: date, at: time, house: House) -> datetime:
    # A wall-clock time in the house's zone; fold=0 picks the first of a doubled hour.
    return datetime.combine(day, at, tzinfo=house.zone)


class CasusoverlegCommands:
    def __init__(self, house: House) -> None:
        self.house = house
        self.words = house.words

    def _when(self, ctx: CommandContext, text: str) -> tuple[datetime, str]:
        day, at, rest = parse_appointment(text, ctx.today)
        return wall_clock(day, at, self.house), parse_text(rest, 500, "locatie") if rest else ""

    @command(
        "overleg plan", action=Action.OVERLEG, free_text=True, args=(KENMERK, MOMENT),
        summary="een {casusoverleg} plannen: kamer, uitnodigingen en uitnodiging met agenda",
    )  # fmt: skip
    async def plan(self, ctx: CommandContext, kenmerk: str, moment: str) -> None:
        when, locatie = self._when(ctx, moment)
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        warnings = service.check_moment(when, ctx.now)
        participants, outgoing = await service.plan(aanmelding, when, locatie, ctx.caller, ctx.now)
        ctx.send(*outgoing)
        names = await service.directory.organisation_names()
        lines = [
            f"{self.words.overleg_title} {aanmelding.reference} gepland op {format_moment(when)}. "
            f"Ik maak een versleutelde kamer en nodig {len(participants.members)} deelnemers "
            f"uit van: {', '.join(names.get(k, k) for k in participants.organisations)}.",
            *warnings,
        ]
        if participants.unreachable:
            lines.append(
                "Let op: "
                + ", ".join(names.get(k, k) for k in participants.unreachable)
                + " heeft nog niemand die ik kan uitnodigen."
            )
        ctx.reply(notice(*(Paragraph(line) for line in lines)))

    @command(
        "overleg verzet", action=Action.OVERLEG, free_text=True,
        args=(KENMERK, Arg("moment", "DATUM TIJD [locatie]", rest=True)),
        summary="een {casusoverleg} naar een ander moment verzetten",
    )  # fmt: skip
    async def verzet(self, ctx: CommandContext, kenmerk: str, moment: str) -> None:
        when, locatie = self._when(ctx, moment)
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        warnings = service.check_moment(when, ctx.now)
        ctx.send(await service.reschedule(aanmelding, when, locatie, ctx.now))
        ctx.reply(text_notice(" ".join([
            f"{self.words.overleg_title} {aanmelding.reference} verzet naar "
            f"{format_moment(when)}; de deelnemers zien het in de kamer.", *warnings,
        ])))  # fmt: skip

    async def _partners(
        self, ctx: CommandContext, kenmerk: str, organisatie: str, reden: str, add: bool,
        incidenteel: bool = False,
    ) -> None:  # fmt: skip
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        name = await service.directory.organisation_name(organisatie)
        reference = aanmelding.reference
        if add and incidenteel:
            ctx.send(*await add_incidental(service, aanmelding, organisatie, reden, ctx.caller,
                                           ctx.now))  # fmt: skip
            ctx.reply(text_notice(f"{name} neemt incidenteel deel aan het volgende overleg over "
                                  f"{reference}; ik nodig hun contactpersonen nu uit, na het "
                                  "overleg haal ik hen uit de kamer."))  # fmt: skip
            return
        if (
            not add
            and (
                left := await remove_incidental(
                    service, aanmelding, organisatie, reden, ctx.caller, ctx.now
                )
            )
            is not None
        ):
            ctx.send(*left)
            ctx.reply(text_notice(f"{name} neemt niet meer incidenteel deel aan {reference}; "
                                  "ik haal hun leden uit de kamer."))  # fmt: skip
            return
        ctx.send(*await service.change_partners(aanmelding, organisatie, add, reden,
                                                ctx.caller, ctx.now))  # fmt: skip
        if await ctx.unit.rooms.wanted_members(casus_room(reference)) is None:
            done = "bij de volgende planning nodig ik hen uit" if add else "vastgelegd"
        else:
            done = ("ik nodig hun contactpersonen nu uit in de kamer" if add
                    else "ik haal hun leden uit de kamer")  # fmt: skip
        verb = "neemt voortaan deel" if add else "neemt niet meer deel"
        ctx.reply(text_notice(f"{name} {verb} aan {reference}; {done}."))

    @command(
        "overleg deelnemer toevoegen", action=Action.OVERLEG,
        args=(KENMERK, ORGANISATIECODE, REDEN, INCIDENTEEL),
        summary="een organisatie laten deelnemen aan de {casusoverleggen} van een casus (met "
                "incidenteel: "
                "alleen aan het volgende overleg, met minder persoonsgegevens)",
        example="{overleg} deelnemer toevoegen {kenmerk} ggz nieuw-betrokken",
    )  # fmt: skip
    async def deelnemer_toevoegen(
        self, ctx: CommandContext, kenmerk: str, organisatie: str, reden: str,
        incidenteel: bool | None,
    ) -> None:  # fmt: skip
        await self._partners(ctx, kenmerk, organisatie, reden, True, bool(incidenteel))

    @command(
        "overleg deelnemer verwijderen", action=Action.OVERLEG,
        args=(KENMERK, ORGANISATIECODE, REDEN),
        summary="een organisatie niet meer laten deelnemen (haar leden verlaten de kamer)",
        example="{overleg} deelnemer verwijderen {kenmerk} ggz niet-meer-betrokken",
    )  # fmt: skip
    async def deelnemer_verwijderen(
        self, ctx: CommandContext, kenmerk: str, organisatie: str, reden: str
    ) -> None:
        await self._partners(ctx, kenmerk, organisatie, reden, add=False)

    @command(
        "overleg annuleer", action=Action.OVERLEG, free_text=True,
        args=(KENMERK, Arg("reden", "reden", rest=True, optional=True)),
        summary="een {casusoverleg} laten vervallen",
    )  # fmt: skip
    async def annuleer(self, ctx: CommandContext, kenmerk: str, reden: str | None) -> None:
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        why = parse_text(reden, 500, "reden") if reden else ""
        ctx.send(await service.cancel(aanmelding, why, ctx.now))
        ctx.reply(text_notice(
            f"{self.words.overleg_title} {aanmelding.reference} geannuleerd; de deelnemers zien "
            f"het in de kamer. Opnieuw plannen: {self.words.command('overleg')} plan "
            f"{aanmelding.reference} "
            "<datum> <tijd>."
        ))  # fmt: skip

    @command(
        "overleg verslag", action=Action.OVERLEG,
        args=(KENMERK, Arg("toch", "toch", rest=True, optional=True)),
        usage="{overleg} verslag KENMERK",
        summary="de uitkomst vastleggen: {casusregisseur}, plan van aanpak, afschaling",
    )  # fmt: skip
    async def verslag(self, ctx: CommandContext, kenmerk: str, toch: str | None) -> None:
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        upcoming = await ctx.unit.overleggen.upcoming(aanmelding.id)
        if upcoming is None:
            raise UserError(
                f"Voor {aanmelding.reference} staat geen {self.words.casusoverleg} open om een "
                "verslag van te maken."
            )
        if upcoming.scheduled_at > ctx.now and (toch or "").strip().lower() != "toch":
            # A verslag before the overleg took place is usually a slip of the reference.
            when = format_moment(service.local(upcoming.scheduled_at))
            ctx.reply(notice(
                Paragraph(f"{cap(self.words.casusoverleg.de)} over {aanmelding.reference} "
                          f"staat pas op {when}. Toch nu het verslag vastleggen?"),
                Paragraph("Typ ", Code(f"{self.words.command('overleg')} verslag "
                                       f"{aanmelding.reference} toch"),
                          " om door te gaan."),
            ))  # fmt: skip
            return
        await ctx.start_form(VERSLAG_FORM, ctx.questions_room(), aanmelding.reference)
