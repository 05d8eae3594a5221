"""``aanmelden``: a partner (or the procesregie on a partner's behalf) starts the form."""

from __future__ import annotations

from handlers.aanmelding.forms import FORM_NAME
from handlers.aanmelding.texts import ONLY_IN_OWN_CHAT
from handlers.access import Action
from handlers.commands import CommandContext, command
from handlers.errors import UserError


class AanmeldingCommands:
    @command(
        "aanmelden", "nieuwe aanmelding", "aanmelding", action=Action.AANMELDEN,
        summary="een casus aanmelden bij het ZVH",
    )  # fmt: skip
    async def aanmelden(self, ctx: CommandContext) -> None:
        if not ctx.in_direct_chat:
            raise UserError(ONLY_IN_OWN_CHAT)
        await ctx.start_form(FORM_NAME, ctx.room_id)
