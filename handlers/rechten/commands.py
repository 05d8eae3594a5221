"""The register of AVG requests in chat: ``verzoek inzage [KENMERK]`` (and the other kinds)
registers one, ``verzoeken`` lists them, ``verzoek NR …`` reads, decides, extends or hands
one on."""

from __future__ import annotations

from functools import partial

from handlers.access import Action, Caller, works_verzoek
from handlers.arguments import NUMMER, OPTIONAL_KENMERK
from handlers.commands import Arg, Command, CommandContext, command, commands_of
from handlers.directory import Directory
from handlers.errors import UserError
from handlers.house import House
from handlers.identifiers import parse_matrix_id
from handlers.messages import Paragraph, notice, register_reference
from handlers.rechten import texts
from handlers.rechten.forms import form_name
from handlers.rechten.register import DECISIONS, assign, decide, extend, find, visible
from handlers.vocabulary import VerzoekSoort
from storage.models.registers import Verzoek

# What follows "verzoek NR": a decision with its explanation, verlengen with the reason,
# behandelaar with a member.
WAT = Arg("wat", "afgehandeld|toegewezen|afgewezen|verlengen|behandelaar …", rest=True,
          optional=True)  # fmt: skip
ALLE = Arg("alle", "alle", lambda text: text.strip().lower() == "alle", optional=True)
# The words people use for each kind, besides its own name.
SOORT_WORDS: dict[VerzoekSoort, tuple[str, ...]] = {
    VerzoekSoort.INZAGE: ("inzage",),
    VerzoekSoort.CORRECTIE: ("correctie", "rectificatie"),
    VerzoekSoort.VERWIJDERING: ("verwijdering", "verwijderen"),
    VerzoekSoort.BEPERKING: ("beperking",),
    VerzoekSoort.BEZWAAR: ("bezwaar",),
    VerzoekSoort.KLACHT: ("klacht",),
}


class RechtenCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    async def register(self, ctx: CommandContext, soort: VerzoekSoort, kenmerk: str | None) -> None:
        if kenmerk is not None and await ctx.unit.aanmeldingen.by_reference(kenmerk) is None:
            raise UserError(f"Ik ken geen casus met kenmerk {kenmerk}.")
        if kenmerk is None and soort is VerzoekSoort.BEZWAAR:
            raise UserError("Een bezwaar gaat over een casus: typ verzoek bezwaar KENMERK.")
        await ctx.start_form(form_name(soort), ctx.questions_room(), kenmerk)

    @command(
        "verzoeken", action=Action.VERZOEKEN, args=(ALLE,),
        summary="de open AVG-verzoeken en klachten (met alle: ook de afgehandelde)",
    )  # fmt: skip
    async def listing(self, ctx: CommandContext, alle: bool | None) -> None:
        found = await visible(ctx.unit, ctx.caller, bool(alle))
        names = await Directory(ctx.unit, self.house).names([v.handler for v in found])
        ctx.reply(texts.listing(found, names, ctx.today, bool(alle)))

    @command(
        "verzoek", action=Action.VERZOEKEN, args=(NUMMER, WAT),
        usage="verzoek NR [afgehandeld|toegewezen|afgewezen TOELICHTING · verlengen REDEN · "
              "behandelaar @gebruiker]",
        summary="een verzoek lezen, afronden, verlengen of aan een ander geven",
        example="verzoek 3 afgehandeld inzage per brief verstuurd",
    )  # fmt: skip
    async def verzoek(self, ctx: CommandContext, nummer: int, wat: str | None) -> None:
        verzoek = await find(ctx.unit, nummer, ctx.caller)
        directory = Directory(ctx.unit, self.house)
        if not wat:
            names = await directory.names([verzoek.handler])
            # Who asked and what: for the caller only, taken back when the register clears it.
            ctx.reply(texts.detail(verzoek, names, ctx.today), sensitive=True,
                      reference=register_reference("verzoek", verzoek.id))  # fmt: skip
            return
        first, _, after = wat.strip().partition(" ")
        word, rest = first.lower(), after.strip() or None
        self._check_works(ctx.caller, verzoek)
        if word in DECISIONS:
            ctx.send(*await decide(ctx.unit, self.house, verzoek, DECISIONS[word], rest,
                                   ctx.caller, ctx.now))  # fmt: skip
            ctx.reply(texts.decided(verzoek))
        elif word == "verlengen":
            if rest is None:
                raise UserError(f"Geef de reden: verzoek {nummer} verlengen REDEN.")
            await extend(ctx.unit, self.house, verzoek, rest, ctx.caller, ctx.now)
            ctx.reply(texts.extended(verzoek))
        elif word == "behandelaar":
            if rest is None:
                raise UserError(f"Wie? Typ verzoek {nummer} behandelaar @gebruiker:server.")
            ctx.send(*await assign(ctx.unit, self.house, verzoek, parse_matrix_id(rest),
                                   ctx.caller, ctx.now))  # fmt: skip
            who = (await directory.names([verzoek.handler])).person(parse_matrix_id(rest))
            ctx.reply(notice(Paragraph(f"Verzoek {nummer} is nu voor ", who, ".")))
        else:
            raise UserError(f"Typ verzoek {nummer} afgehandeld, toegewezen, afgewezen, "
                            "verlengen of behandelaar.")  # fmt: skip

    def _check_works(self, caller: Caller, verzoek: Verzoek) -> None:
        if not works_verzoek(caller, verzoek):
            raise UserError(f"Verzoek {verzoek.id} behandelt een ander; je kunt het alleen lezen.")


def register_commands(commands: RechtenCommands) -> list[Command]:
    """``verzoek inzage [KENMERK]`` and the other kinds: one command per kind (the phrase
    says which), shown in the help once."""
    made = []
    for soort, words in SOORT_WORDS.items():
        made.append(Command(
            phrases=tuple(("verzoek", word) for word in words),
            action=Action.VERZOEK_REGISTREREN,
            summary="een verzoek van een betrokkene registreren (inzage, correctie, "
                    "verwijdering, beperking, bezwaar of klacht)",
            handler=partial(commands.register, soort=soort),
            args=(OPTIONAL_KENMERK,),
            usage_text="verzoek SOORT [KENMERK]",
            hidden=soort is not VerzoekSoort.INZAGE,
        ))  # fmt: skip
    return made


def rechten_commands(house: House) -> list[Command]:
    commands = RechtenCommands(house)
    return [*register_commands(commands), *commands_of(commands)]
