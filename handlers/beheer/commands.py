"""Chat commands of the functioneel beheerder: organisations, members and identities."""

from __future__ import annotations

from handlers.access import Action
from handlers.arguments import GEBRUIKER, ORGANISATIECODE, ROL
from handlers.beheer.handover import hand_over
from handlers.beheer.members import MembershipService
from handlers.beheer.texts import describe_change, removed_text
from handlers.casusoverleg.service import CasusoverlegService
from handlers.commands import Arg, CommandContext, command
from handlers.errors import UserError
from handlers.house import House
from handlers.identity import IdentityService
from handlers.messages import Bold, Paragraph, Table, exactly, notice, plural, text_notice
from handlers.vocabulary import Role

NAAM = Arg("naam", "Naam van de organisatie", rest=True)


class BeheerCommands:
    def __init__(self, house: House) -> None:
        self.house = house

    @command(
        "organisatie toevoegen", action=Action.MANAGE_MEMBERS,
        args=(Arg("code", "CODE"), NAAM), summary="een partnerorganisatie toevoegen",
    )  # fmt: skip
    async def add_organisation(self, ctx: CommandContext, code: str, naam: str) -> None:
        view = await MembershipService(ctx.unit).add_organisation(code, naam, ctx.now)
        ctx.reply(text_notice(f"Organisatie {view.key} ({view.name}) is toegevoegd."))

    @command(
        "organisatie hernoemen", action=Action.MANAGE_MEMBERS,
        args=(Arg("code", "CODE"), NAAM), summary="een partnerorganisatie een nieuwe naam geven",
    )  # fmt: skip
    async def rename_organisation(self, ctx: CommandContext, code: str, naam: str) -> None:
        old, new = await MembershipService(ctx.unit).rename_organisation(
            code, naam, ctx.now, actor=ctx.caller.matrix_id
        )
        ctx.reply(text_notice(f"Organisatie {code.lower()} heette {old} en heet nu {new}."))

    @command("organisaties", action=Action.VIEW_MEMBERS, summary="alle partnerorganisaties")
    async def list_organisations(self, ctx: CommandContext) -> None:
        views = await MembershipService(ctx.unit).list_organisations()
        if not views:
            ctx.reply(text_notice("Er zijn nog geen organisaties."))
            return
        rows = tuple((v.key, v.name, str(v.member_count)) for v in views)
        ctx.reply(notice(Table(("code", "naam", "leden"), rows)))

    @command(
        "lid toevoegen", action=Action.MANAGE_MEMBERS, args=(GEBRUIKER, ORGANISATIECODE, ROL),
        summary="iemand toegang geven, of organisatie/rol wijzigen",
    )  # fmt: skip
    async def add_member(
        self, ctx: CommandContext, gebruiker: str, organisatie: str, rol: Role
    ) -> None:
        change = await MembershipService(ctx.unit).add_member(
            gebruiker,
            organisatie,
            rol,
            ctx.now,
            actor=ctx.caller.matrix_id,
            words=self.house.words,
        )
        ctx.reply(text_notice(describe_change(change, self.house.words)))
        # A new contact of a participating organisation joins its running casussen now.
        ctx.send(*await CasusoverlegService(ctx.unit, self.house).refresh_members(ctx.now))

    @command(
        "lid verwijderen", action=Action.MANAGE_MEMBERS, args=(GEBRUIKER,),
        summary="iemand de toegang ontnemen",
    )  # fmt: skip
    async def remove_member(self, ctx: CommandContext, gebruiker: str) -> None:
        if gebruiker == ctx.caller.matrix_id:
            raise UserError("Je kunt jezelf niet verwijderen; vraag een andere beheerder.")
        view, rooms = await MembershipService(ctx.unit).remove_member(
            gebruiker, ctx.now, actor=ctx.caller.matrix_id
        )
        notes = await hand_over(ctx.unit, self.house.words, view.matrix_id, view.organisation_key)
        ctx.reply(text_notice(" ".join(
            [removed_text(view.matrix_id, view.organisation_key, rooms), *notes]
        )))  # fmt: skip

    @command(
        "identiteit bevestigen", action=Action.MANAGE_MEMBERS, args=(GEBRUIKER,),
        summary="de nieuwe beveiligingssleutel van een lid bevestigen (na navraag)",
    )  # fmt: skip
    async def confirm_identity(self, ctx: CommandContext, gebruiker: str) -> None:
        ctx.send(*await IdentityService(ctx.unit, self.house).confirm(
            gebruiker, ctx.caller.matrix_id, ctx.now
        ))  # fmt: skip
        ctx.reply(text_notice(f"De nieuwe sleutel van {gebruiker} is bevestigd."))

    @command(
        "leden", action=Action.VIEW_MEMBERS,
        args=(Arg("organisatie", "ORGANISATIECODE", optional=True),),
        summary="de ledenlijst, eventueel van één organisatie",
    )  # fmt: skip
    async def list_members(self, ctx: CommandContext, organisatie: str | None) -> None:
        views = await MembershipService(ctx.unit).list_members(organisatie)
        if not views:
            ctx.reply(text_notice("Geen leden gevonden."))
            return
        rows = tuple(
            (
                exactly(v.person),
                v.organisation_key,
                self.house.words.role_word(v.role),
                "ja" if v.has_dm else "nee",
            )
            for v in views
        )
        ctx.reply(notice(
            Paragraph(Bold(plural(len(views), "lid", "leden"))),
            Table(("gebruiker", "organisatie", "rol", "chat met bot"), rows),
        ))  # fmt: skip
