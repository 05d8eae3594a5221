"""Declarative chat commands: a phrase, the policy action it needs, usage and a handler.

Commands are found by their leading words ("lid toevoegen ..."), case-insensitive, with an
optional ``!`` in front. Arguments are split shell-style, so names with spaces can be quoted.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.casusoverleg import OverlegConfig
from handlers.errors import UserError
from handlers.triage import TriageConfig

if TYPE_CHECKING:  # the conversation service needs Caller from here
    from handlers.conversation.service import FormSpec


from handlers.membership import MembershipService
from handlers.messages import Incoming, Notice, Outgoing, text_notice
from handlers.policy import Action
from handlers.texts import Wording
from scheduler.clock import Clock
from storage.models import Role


@dataclass(frozen=True)
class Caller:
    """The member who sent the command, as plain values."""

    matrix_id: str
    role: Role
    organisation_key: str
    organisation_name: str


@dataclass
class CommandContext:
    caller: Caller
    incoming: Incoming
    session: AsyncSession
    clock: Clock
    wording: Wording
    registry: CommandRegistry
    forms: Mapping[str, FormSpec] = field(default_factory=dict)
    triage: TriageConfig = field(default_factory=TriageConfig)
    overleg: OverlegConfig = field(default_factory=OverlegConfig)
    outgoing: list[Outgoing] = field(default_factory=list)

    def reply(self, notice: Notice) -> None:
        self.outgoing.append(Outgoing(self.incoming.room_id, notice))

    async def questions_room(self) -> str:
        """Where to ask follow-up questions: this chat if it is the caller's own, else their
        direct chat with the bot (a group is no place for questions and answers)."""
        if self.incoming.room_members <= 2:
            return self.incoming.room_id
        member = await MembershipService(self.session).find(self.caller.matrix_id)
        if member is None or member.dm_room_id is None:
            raise UserError("Start eerst een chat met mij; daar stel ik de vervolgvragen.")
        self.reply(text_notice("Ik stel je de vervolgvragen in onze eigen chat."))
        return member.dm_room_id


Handler = Callable[[CommandContext, list[str]], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    phrases: tuple[tuple[str, ...], ...]
    action: Action
    usage: str
    summary: str
    handler: Handler
    # Free text follows (a place, a reason, an action): split on spaces only, so the
    # apostrophes of 's-Hertogenbosch or cliënt's are not read as quotes.
    free_text: bool = False


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: list[str]


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: list[Command] = []

    def command(
        self, *phrases: str, action: Action, usage: str, summary: str, free_text: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register a handler under one or more phrases ("lid toevoegen", "leden")."""

        def register(handler: Handler) -> Handler:
            self._commands.append(
                Command(
                    phrases=tuple(tuple(p.lower().split()) for p in phrases),
                    action=action,
                    usage=usage,
                    summary=summary,
                    handler=handler,
                    free_text=free_text,
                )
            )
            return handler

        return register

    @property
    def commands(self) -> Sequence[Command]:
        return tuple(self._commands)

    def parse(self, text: str) -> Parsed | None:
        """Find the command ``text`` starts with; None when no command matches.

        Raises UserError when the words match but the arguments cannot be split.
        """
        stripped = text.strip().removeprefix("!").strip()
        words = stripped.split()
        if not words:
            return None
        lowered = [word.lower() for word in words]
        best: tuple[int, Command] | None = None
        for command in self._commands:
            for phrase in command.phrases:
                n = len(phrase)
                if tuple(lowered[:n]) == phrase and (best is None or n > best[0]):
                    best = (n, command)
        if best is None:
            return None
        n, command = best
        pieces = re.split(r"\s+", stripped, maxsplit=n)
        rest = pieces[n] if len(pieces) > n else ""
        if command.free_text:
            return Parsed(command, rest.split())
        try:
            args = shlex.split(rest)
        except ValueError:
            raise UserError(
                "Ik kan dit niet lezen: er staat een aanhalingsteken zonder partner. "
                f"Gebruik: {command.usage}"
            ) from None
        return Parsed(command, args)
