"""Commands every member has: help and "who am I"; and the help the router shows for an
unknown command."""

from __future__ import annotations

from handlers.access import Action, may
from handlers.commands import CommandContext, command, commands_of
from handlers.feature import Feature
from handlers.house import House, Wording
from handlers.messages import Block, Bold, BulletList, Code, Paragraph, Segment, notice


def help_blocks(ctx: CommandContext, words: Wording) -> list[Block]:
    """What this member's role can do, generated from the registered commands."""
    items: list[tuple[Segment, ...]] = [
        (Code(found.usage), " — ", found.summary)
        for found in ctx.commands
        if may(ctx.caller.role, found.action) and not found.hidden
    ]
    role = words.role_name(ctx.caller.role)
    return [
        Paragraph(
            "Je bent ", Bold(role), " bij ", Bold(ctx.caller.organisation_name),
            ". Dit kun je met mij doen:",
        ),
        BulletList(tuple(items)),
        Paragraph(
            "Een ! vooraf mag; in een groepsgesprek is die nodig. Namen met spaties zet je "
            "tussen aanhalingstekens."
        ),
    ]  # fmt: skip


class GeneralCommands:
    def __init__(self, house: House) -> None:
        self.words = house.words

    @command("hulp", "help", action=Action.HELP, summary="dit overzicht")
    async def show_help(self, ctx: CommandContext) -> None:
        ctx.reply(notice(*help_blocks(ctx, self.words)))

    @command("wie ben ik", "ik", action=Action.WHOAMI, summary="jouw organisatie en rol")
    async def whoami(self, ctx: CommandContext) -> None:
        role = self.words.role_name(ctx.caller.role)
        ctx.reply(notice(Paragraph(
            "Je bent ", Bold(role), " bij ", Bold(ctx.caller.organisation_name),
            " (", Code(ctx.caller.organisation_key), ").",
        )))  # fmt: skip


def feature(house: House) -> Feature:
    return Feature("algemeen", commands_of(GeneralCommands(house)))
