"""``afschalen``: the procesregisseur records the casusoverleg's decision that the casus no
longer needs the house (DOMAIN.md phase 5). The retention clock starts that day; the
partners' answers go at once (``handlers/retention``)."""

from __future__ import annotations

from handlers.access import Action
from handlers.arguments import KENMERK
from handlers.casusoverleg.service import CasusoverlegService
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.parsing import format_date
from handlers.house import House
from handlers.messages import Code, Paragraph, notice, text_notice
from handlers.plan_van_aanpak.service import PlanVanAanpak
from handlers.retention.service import drop_verrijking
from handlers.vocabulary import AuditKind, OverlegStatus


class AfschalingCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "afschalen", action=Action.AFSCHALEN,
        args=(KENMERK, Arg("bevestig", "bevestig", rest=True, optional=True)),
        usage="afschalen KENMERK [bevestig]",
        summary="vastleggen dat het casusoverleg besloot tot afschaling",
    )  # fmt: skip
    async def afschalen(self, ctx: CommandContext, kenmerk: str, bevestig: str | None) -> None:
        term = self.house.words.casusoverleg
        service = CasusoverlegService(ctx.unit, self.house)
        aanmelding = await service.find_casus(kenmerk)
        reference = aanmelding.reference
        open_actions = await PlanVanAanpak(ctx.unit, aanmelding).open_actions()
        if (bevestig or "").lower().split() != ["bevestig"]:
            ctx.reply(notice(
                Paragraph(f"Afschalen legt vast dat het {term} besloot dat "
                          f"{reference} het ZVH niet meer nodig heeft. Vanaf vandaag loopt de "
                          "bewaartermijn; daarna verwijder ik de gegevens stap voor stap."),
                Paragraph(f"Nog open acties: {len(open_actions)}." if open_actions else
                          "Alle acties zijn gereed."),
                Paragraph("Typ ", Code(f"afschalen {reference} bevestig"),
                          " om het vast te leggen."),
            ))  # fmt: skip
            return
        today = ctx.today
        aanmelding.afgeschaald_on = today
        # The partners' answers are not needed after afschaling (retention policy).
        await drop_verrijking(ctx.unit, aanmelding)
        upcoming = await ctx.unit.overleggen.upcoming(aanmelding.id)
        if upcoming is not None:
            upcoming.status = OverlegStatus.GEANNULEERD
        participants = await service.describe_room(
            aanmelding, None, f"afgeschaald op {format_date(today)}", ctx.now
        )
        await ctx.unit.audit.add(ctx.now, AuditKind.AFSCHALING, ctx.caller.matrix_id, reference, {
            "afgeschaald_on": today.isoformat(), "open_actions": len(open_actions),
        })  # fmt: skip
        done = notice(Paragraph(
            f"{reference} is afgeschaald op {format_date(today)}: het {term} vond "
            "het ZVH niet meer nodig. Dank voor jullie inzet."
        ))  # fmt: skip
        ctx.send(service.to_room(reference, participants, done, sensitive=False))
        if aanmelding.casusregisseur and aanmelding.casusregisseur != ctx.caller.matrix_id:
            ctx.send(await service.directory.to_own_chat(
                aanmelding.casusregisseur, done, reference, sensitive=True
            ))  # fmt: skip
        ctx.reply(text_notice(
            f"Vastgelegd: {reference} afgeschaald op {format_date(today)}. De bewaartermijn "
            "voor afschaling loopt vanaf vandaag."
        ))  # fmt: skip
