"""Commands every member has: help and "who am I"."""

from __future__ import annotations

from handlers.commands import CommandContext, CommandRegistry
from handlers.messages import Bold, BulletList, Code, Paragraph, Segment, notice
from handlers.policy import Action, may


def help_notice(ctx: CommandContext) -> list[Paragraph | BulletList]:
    """What this member's role can do, generated from the registered commands."""
    items: list[tuple[Segment, ...]] = [
        (Code(command.usage), " — ", command.summary)
        for command in ctx.registry.commands
        if may(ctx.caller.role, command.action)
    ]
    role = ctx.wording.role_name(ctx.caller.role)
    return [
        Paragraph(
            "Je bent ",
            Bold(role),
            " bij ",
            Bold(ctx.caller.organisation_name),
            ". Dit kun je met mij doen:",
        ),
        BulletList(tuple(items)),
        Paragraph(
            "Een ! vooraf mag; in een groepsgesprek is die nodig. Namen met spaties zet je "
            "tussen aanhalingstekens."
        ),
    ]


def register(registry: CommandRegistry) -> None:
    @registry.command("hulp", "help", action=Action.HELP, usage="hulp", summary="dit overzicht")
    async def show_help(ctx: CommandContext, args: list[str]) -> None:
        ctx.reply(notice(*help_notice(ctx)))

    @registry.command(
        "wie ben ik",
        "ik",
        action=Action.WHOAMI,
        usage="wie ben ik",
        summary="jouw organisatie en rol",
    )
    async def whoami(ctx: CommandContext, args: list[str]) -> None:
        role = ctx.wording.role_name(ctx.caller.role)
        ctx.reply(
            notice(
                Paragraph(
                    "Je bent ",
                    Bold(role),
                    " bij ",
                    Bold(ctx.caller.organisation_name),
                    " (",
                    Code(ctx.caller.organisation_key),
                    ").",
                )
            )
        )
