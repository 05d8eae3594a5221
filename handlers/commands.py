"""Declarative chat commands with typed arguments (after maubot's ``@command.new``).

A phase declares its commands as methods of one object, each marked with :func:`command`:
the phrase that starts it, the :class:`Action` it needs, its :class:`Arg` list and a
summary. The registry finds the command a message starts with ("lid toevoegen ...",
case-insensitive, an optional ``!`` in front), splits the rest shell-style (quoted names
stay together; free-text commands split on spaces only, so the apostrophes of
's-Hertogenbosch are not read as quotes), reads each argument with its parser, and calls
the handler with them as keywords. Missing or extra words get "Gebruik: <usage>", the
usage being made from the arguments. This module knows no phase.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from handlers.access import Action, Caller
from handlers.conversation.choices import closest
from handlers.errors import UserError
from handlers.messages import Block, Notice, Outgoing, text_notice
from handlers.wording import Wording
from storage.unit import Unit


class FormStarter(Protocol):
    async def start(
        self,
        form_name: str,
        caller: Caller,
        room_id: str,
        subject: str | None = None,
        preface: Sequence[Block] = (),
    ) -> list[Outgoing]: ...


@dataclass
class CommandContext:
    """One command being handled: who asks, where, in which unit of work, and what the
    bot answers (collected in ``outgoing``)."""

    caller: Caller
    room_id: str
    # Members of the room, joined or invited, the bot included: 2 means a direct chat.
    room_members: int
    unit: Unit
    now: datetime
    today: date
    conversations: FormStarter
    commands: Sequence[Command] = ()
    # The caller's own chat with the bot, when it is not this room (None: unknown).
    own_chat: str | None = None
    outgoing: list[Outgoing] = field(default_factory=list)

    @property
    def in_direct_chat(self) -> bool:
        return self.room_members <= 2

    def reply(self, notice: Notice, sensitive: bool = False, reference: str | None = None) -> None:
        audience = frozenset({self.caller.matrix_id}) if sensitive else None
        self.outgoing.append(Outgoing(self.room_id, notice, sensitive, audience, reference))

    def send(self, *items: Outgoing | None) -> None:
        self.outgoing.extend(item for item in items if item is not None)

    def questions_room(self) -> str:
        """Where to ask follow-up questions: this chat if it is the caller's own, else their
        direct chat with the bot (a group is no place for questions and answers)."""
        if self.in_direct_chat:
            return self.room_id
        if self.own_chat is None:
            raise UserError("Start eerst een chat met mij; daar stel ik de vervolgvragen.")
        self.reply(text_notice("Ik stel je de vervolgvragen in onze eigen chat."))
        return self.own_chat

    async def start_form(
        self, form_name: str, room_id: str, subject: str | None = None,
        preface: Sequence[Block] = (),
    ) -> None:  # fmt: skip
        """Start a form in ``room_id``; ``preface``: what to say before its first question."""
        self.send(*await self.conversations.start(
            form_name, self.caller, room_id, subject, preface
        ))  # fmt: skip


# --- arguments --------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """One argument: the handler's keyword, how the usage shows it, how its text is read."""

    name: str
    label: str
    parse: Callable[[str], Any] = str
    optional: bool = False
    # Takes the rest of the line (free text, or several words read as one).
    rest: bool = False
    # An optional argument is taken only when its word fits (e.g. a case reference).
    fits: Callable[[str], bool] | None = None
    # The parser in a house's words (a role typed as "procescoördinator").
    worded: Callable[[Wording], Callable[[str], Any]] | None = None

    @property
    def usage(self) -> str:
        return f"[{self.label}]" if self.optional else self.label


Handler = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class Command:
    phrases: tuple[tuple[str, ...], ...]
    action: Action
    summary: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    # Free text follows: split on spaces only (see the module's docstring).
    free_text: bool = False
    # A usage line written out, where the arguments say less than a person needs.
    usage_text: str | None = None
    # Shown after the usage when the words do not fit ("bijvoorbeeld ...").
    example: str | None = None
    # Left out of the help (one of several commands the help shows as one).
    hidden: bool = False

    @property
    def usage(self) -> str:
        if self.usage_text is not None:
            return self.usage_text
        return " ".join([" ".join(self.phrases[0]), *(a.usage for a in self.args)])

    def worded(self, words: Wording) -> Command:
        """This command in the house's words: its texts filled in, and the house's word
        for its first word as the phrase the help shows (the national one keeps working)."""
        synonyms = words.command_synonyms()
        phrases = [
            (synonyms[phrase[0]], *phrase[1:])
            for phrase in self.phrases
            if phrase and phrase[0] in synonyms
        ]
        usage_text = self.usage_text
        if phrases and usage_text is None:
            usage_text = " ".join([" ".join(phrases[0]), *(a.usage for a in self.args)])

        def fill(text: str) -> str:
            # A placeholder may fill to nothing ("{tafelkeuze}" in a house of one tafel).
            return " ".join(words.fill(text).split())

        return replace(
            self,
            phrases=(*phrases, *self.phrases),
            summary=words.fill(self.summary),
            usage_text=fill(usage_text) if usage_text is not None else None,
            example=words.fill(self.example) if self.example is not None else None,
            args=tuple(
                replace(a, label=fill(a.label), parse=a.worded(words) if a.worded else a.parse)
                for a in self.args
            ),
        )

    def usage_error(self) -> UserError:
        example = f" (bijvoorbeeld {self.example})" if self.example else ""
        return UserError(f"Gebruik: {self.usage}{example}")

    def bind(self, words: Sequence[str]) -> dict[str, Any]:
        """The handler's keywords from the words after the phrase; a Dutch UserError when
        they do not fit (the parser's own message, or the usage)."""
        values: dict[str, Any] = {}
        rest = list(words)
        for arg in self.args:
            if arg.rest:
                text = " ".join(rest)
                rest = []
                if not text and arg.optional:
                    values[arg.name] = None
                    continue
                if not text:
                    raise self.usage_error()
                values[arg.name] = arg.parse(text)
                continue
            if not rest or (arg.fits is not None and not arg.fits(rest[0])):
                if not arg.optional:
                    raise self.usage_error()
                values[arg.name] = None
                continue
            values[arg.name] = arg.parse(rest.pop(0))
        if rest:
            raise self.usage_error()
        return values


@dataclass(frozen=True)
class _Marked:
    order: int
    phrases: tuple[str, ...]
    action: Action
    summary: str
    args: tuple[Arg, ...]
    free_text: bool
    usage: str | None
    example: str | None


_order = itertools.count()
F = TypeVar("F", bound=Handler)
MARK = "__casusbot_command__"


def command(
    *phrases: str,
    action: Action,
    summary: str,
    args: Iterable[Arg] = (),
    free_text: bool = False,
    usage: str | None = None,
    example: str | None = None,
) -> Callable[[F], F]:
    """Mark a method as a chat command under one or more phrases ("lid toevoegen", "leden")."""

    def mark(handler: F) -> F:
        setattr(handler, MARK, _Marked(
            next(_order), phrases, action, summary, tuple(args), free_text, usage, example
        ))  # fmt: skip
        return handler

    return mark


def commands_of(owner: object) -> list[Command]:
    """The commands declared on ``owner``'s methods, in the order they were written."""
    found: list[tuple[int, Command]] = []
    for name in dir(type(owner)):
        marked = getattr(getattr(type(owner), name), MARK, None)
        if isinstance(marked, _Marked):
            found.append((marked.order, Command(
                phrases=tuple(tuple(p.lower().split()) for p in marked.phrases),
                action=marked.action, summary=marked.summary, handler=getattr(owner, name),
                args=marked.args, free_text=marked.free_text, usage_text=marked.usage,
                example=marked.example,
            )))  # fmt: skip
    return [c for _, c in sorted(found, key=lambda pair: pair[0])]


@dataclass(frozen=True)
class Parsed:
    command: Command
    args: list[str]


class CommandRegistry:
    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: list[Command] = list(commands)

    def add(self, commands: Iterable[Command]) -> None:
        self._commands.extend(commands)

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
        for candidate in self._commands:
            for phrase in candidate.phrases:
                n = len(phrase)
                if tuple(lowered[:n]) == phrase and (best is None or n > best[0]):
                    best = (n, candidate)
        if best is None:
            return None
        n, found = best
        pieces = re.split(r"\s+", stripped, maxsplit=n)
        rest = pieces[n] if len(pieces) > n else ""
        if found.free_text:
            return Parsed(found, rest.split())
        try:
            args = shlex.split(rest)
        except ValueError:
            raise UserError(
                "Ik kan dit niet lezen: er staat een aanhalingsteken zonder partner. "
                f"Gebruik: {found.usage}"
            ) from None
        return Parsed(found, args)

    def suggest(
        self, text: str, allowed: Callable[[Command], bool] = lambda found: True
    ) -> str | None:
        """The command ``text`` probably meant when its first words are a typo of one
        command's phrase ('aanmleden' → 'aanmelden'); None when no command is that close, or
        more than one is. Only the phrase: the rest may hold what must not be repeated."""
        stripped = text.strip().removeprefix("!").strip()
        words = stripped.split()
        hits: dict[Command, tuple[int, str]] = {}
        for candidate in self._commands:
            if not allowed(candidate):
                continue
            for phrase in candidate.phrases:
                n = len(phrase)
                typed = " ".join(words[:n]).lower()
                if len(words) < n or typed == " ".join(phrase):
                    continue
                if closest(typed, [" ".join(phrase)]) is not None:
                    hits.setdefault(candidate, (n, " ".join(phrase)))
        if len(hits) != 1:
            return None
        ((_, meant),) = hits.values()
        return meant
