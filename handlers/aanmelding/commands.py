"""``aanmelden``: a partner (or the procesregie on a partner's behalf) starts the form;
``persoon toevoegen`` and ``persoon verwijderen``: the household of a casus."""

from __future__ import annotations

from handlers.aanmelding.personen import FORM_NAME as PERSOON_FORM
from handlers.aanmelding.personen import REMOVE_REASONS, casus_for_person, remove
from handlers.aanmelding.service import Intake, on_behalf_of, open_tafels, split_keuze
from handlers.aanmelding.texts import ONLY_IN_OWN_CHAT
from handlers.access import Action
from handlers.arguments import KENMERK, NUMMER
from handlers.commands import Arg, CommandContext, command
from handlers.conversation.choices import Option, option_list
from handlers.errors import UserError
from handlers.house import House
from handlers.messages import Code, Paragraph, notice, text_notice
from handlers.tafels import Tafel
from handlers.wording import cap

KEUZE = Arg("keuze", "[tafel] [namens @gebruiker:server]", rest=True, optional=True)
REDEN = Arg("reden", "|".join(REMOVE_REASONS), lambda text: text.strip().lower())


class AanmeldingCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "aanmelden", "nieuwe aanmelding", "aanmelding", action=Action.AANMELDEN, args=(KEUZE,),
        usage="aanmelden {tafelkeuze} [namens @gebruiker:server]",
        summary="een casus aanmelden bij {huis} (de {procesregie} ook namens een partner)",
    )  # fmt: skip
    async def aanmelden(self, ctx: CommandContext, keuze: str | None) -> None:
        if not ctx.in_direct_chat:
            raise UserError(ONLY_IN_OWN_CHAT)
        typed, namens = split_keuze(keuze)
        partner = (await on_behalf_of(ctx.unit, self.house, ctx.caller, namens)
                   if namens else None)  # fmt: skip
        tafel = self._tafel(ctx, typed, open_tafels(self.house, ctx.caller, partner))
        if tafel is None:
            return
        if partner is not None:
            ctx.reply(text_notice(f"Je meldt aan namens {partner.person.name} "
                                  f"({partner.organisation_name}): de uitkomst en vragen gaan "
                                  "naar hen."))  # fmt: skip
        await ctx.start_form(tafel.intake_form, ctx.room_id, Intake(tafel.key, namens).subject)

    def _tafel(self, ctx: CommandContext, typed: str | None, tafels: list[Tafel]) -> Tafel | None:
        """The tafel typed, the only one open, or (None) the question which one."""
        words = self.house.words
        if not tafels:
            raise UserError("Er is geen tafel waar jouw organisatie kan aanmelden; vraag de "
                            f"{words.procesregie}.")  # fmt: skip
        if typed is None and len(tafels) == 1:
            return tafels[0]
        if typed is not None:
            found = self.house.tafels.find(typed, tafels)
            if found is not None:
                return found
            other = self.house.tafels.find(typed, self.house.tafels.all)
            if other is not None:
                who = (
                    "dat doet de {procesregie}."
                    if other.regie_only
                    else "daar melden alleen de aangewezen partners en de {procesregie} aan."
                )
                raise UserError(f"Bij {words.tafel(other.key)} kun jij niet aanmelden: "
                                + words.fill(who))  # fmt: skip
        options = [Option(t.key, cap(words.tafel(t.key))) for t in tafels]
        ctx.reply(notice(
            Paragraph("Onbekende tafel. " if typed else "", "Bij welke tafel meld je aan?"),
            Paragraph(option_list(options)),
            Paragraph("Typ ", Code("aanmelden 1"), " of ", Code(f"aanmelden {tafels[-1].key}"),
                      "."),
        ))  # fmt: skip
        return None

    @command(
        "persoon toevoegen", "gezinslid toevoegen", action=Action.PERSOON_TOEVOEGEN,
        args=(KENMERK,), summary="iemand uit het gezin of huishouden toevoegen aan een casus",
        example="persoon toevoegen {kenmerk}",
    )  # fmt: skip
    async def persoon_toevoegen(self, ctx: CommandContext, kenmerk: str) -> None:
        await casus_for_person(ctx.unit, self.house, kenmerk, ctx.caller)
        await ctx.start_form(PERSOON_FORM, ctx.questions_room(), kenmerk)

    @command(
        "persoon verwijderen", action=Action.PERSOON_VERWIJDEREN, args=(KENMERK, NUMMER, REDEN),
        summary="een ten onrechte toegevoegde persoon van een casus halen",
        example="persoon verwijderen {kenmerk} 2 onjuist",
    )  # fmt: skip
    async def persoon_verwijderen(
        self, ctx: CommandContext, kenmerk: str, nummer: int, reden: str
    ) -> None:
        reply = await remove(ctx.unit, self.house, kenmerk, nummer, reden, ctx.caller, ctx.now)
        ctx.reply(text_notice(reply))
