"""Chat commands of the functioneel beheerder: organisations and members."""

from __future__ import annotations

from handlers.commands import CommandContext, CommandRegistry
from handlers.errors import UserError
from handlers.handover import hand_over
from handlers.identity import IdentityService
from handlers.membership import MemberChange, MembershipService
from handlers.messages import Bold, Paragraph, Table, notice, text_notice
from handlers.policy import Action

ORG_ADD = "organisatie toevoegen CODE Naam van de organisatie"
MEMBER_ADD = "lid toevoegen @gebruiker:server ORGANISATIECODE ROL"
MEMBER_REMOVE = "lid verwijderen @gebruiker:server"
IDENTITY_CONFIRM = "identiteit bevestigen @gebruiker:server"


def describe_change(change: MemberChange) -> str:
    member = change.member
    if change.created:
        return (
            f"{member.matrix_id} is toegevoegd als {member.role.value} "
            f"bij {member.organisation_key}."
        )
    return (
        f"{member.matrix_id} is bijgewerkt: was {change.previous_role} bij "
        f"{change.previous_organisation_key}, is nu {member.role.value} bij "
        f"{member.organisation_key}."
    )


def _expect(args: list[str], count: int, usage: str) -> None:
    if len(args) != count:
        raise UserError(f"Gebruik: {usage}")


def removed_text(matrix_id: str, organisation_key: str, rooms: int) -> str:
    text = f"{matrix_id} ({organisation_key}) heeft geen toegang meer."
    if rooms:
        text += f" Ik haal diegene ook uit {rooms} casuskamer{'s' if rooms > 1 else ''}."
    return text


def register(registry: CommandRegistry) -> None:
    @registry.command(
        "organisatie toevoegen",
        action=Action.MANAGE_MEMBERS,
        usage=ORG_ADD,
        summary="een partnerorganisatie toevoegen",
    )
    async def add_organisation(ctx: CommandContext, args: list[str]) -> None:
        if len(args) < 2:
            raise UserError(f"Gebruik: {ORG_ADD}")
        view = await MembershipService(ctx.session).add_organisation(
            args[0], " ".join(args[1:]), ctx.clock.now()
        )
        ctx.reply(text_notice(f"Organisatie {view.key} ({view.name}) is toegevoegd."))

    @registry.command(
        "organisaties",
        action=Action.VIEW_MEMBERS,
        usage="organisaties",
        summary="alle partnerorganisaties",
    )
    async def list_organisations(ctx: CommandContext, args: list[str]) -> None:
        views = await MembershipService(ctx.session).list_organisations()
        if not views:
            ctx.reply(text_notice("Er zijn nog geen organisaties."))
            return
        rows = tuple((v.key, v.name, str(v.member_count)) for v in views)
        ctx.reply(notice(Table(("code", "naam", "leden"), rows)))

    @registry.command(
        "lid toevoegen",
        action=Action.MANAGE_MEMBERS,
        usage=MEMBER_ADD,
        summary="iemand toegang geven, of organisatie/rol wijzigen",
    )
    async def add_member(ctx: CommandContext, args: list[str]) -> None:
        _expect(args, 3, MEMBER_ADD)
        change = await MembershipService(ctx.session).add_member(
            args[0], args[1], args[2], ctx.clock.now(), actor=ctx.caller.matrix_id
        )
        ctx.reply(text_notice(describe_change(change)))

    @registry.command(
        "lid verwijderen",
        action=Action.MANAGE_MEMBERS,
        usage=MEMBER_REMOVE,
        summary="iemand de toegang ontnemen",
    )
    async def remove_member(ctx: CommandContext, args: list[str]) -> None:
        _expect(args, 1, MEMBER_REMOVE)
        if args[0] == ctx.caller.matrix_id:
            raise UserError("Je kunt jezelf niet verwijderen; vraag een andere beheerder.")
        view, rooms = await MembershipService(ctx.session).remove_member(
            args[0], ctx.clock.now(), actor=ctx.caller.matrix_id
        )
        notes = await hand_over(ctx.session, view.matrix_id, view.organisation_key)
        ctx.reply(text_notice(" ".join(
            [removed_text(view.matrix_id, view.organisation_key, rooms), *notes]
        )))  # fmt: skip

    @registry.command(
        "identiteit bevestigen",
        action=Action.MANAGE_MEMBERS,
        usage=IDENTITY_CONFIRM,
        summary="de nieuwe beveiligingssleutel van een lid bevestigen (na navraag)",
    )
    async def confirm_identity(ctx: CommandContext, args: list[str]) -> None:
        _expect(args, 1, IDENTITY_CONFIRM)
        notices = await IdentityService(ctx.session).confirm(
            args[0], ctx.caller.matrix_id, ctx.clock.now()
        )
        ctx.outgoing.extend(notices)
        ctx.reply(text_notice(f"De nieuwe sleutel van {args[0]} is bevestigd."))

    @registry.command(
        "leden",
        action=Action.VIEW_MEMBERS,
        usage="leden [ORGANISATIECODE]",
        summary="de ledenlijst, eventueel van één organisatie",
    )
    async def list_members(ctx: CommandContext, args: list[str]) -> None:
        if len(args) > 1:
            raise UserError("Gebruik: leden [ORGANISATIECODE]")
        views = await MembershipService(ctx.session).list_members(args[0] if args else None)
        if not views:
            ctx.reply(text_notice("Geen leden gevonden."))
            return
        rows = tuple(
            (v.matrix_id, v.organisation_key, v.role.value, "ja" if v.has_dm else "nee")
            for v in views
        )
        ctx.reply(
            notice(
                Paragraph(Bold(f"{len(views)} leden")),
                Table(("gebruiker", "organisatie", "rol", "chat met bot"), rows),
            )
        )
