"""Runs conversations for members: loads the saved state, lets the engine decide, saves.

Everything the bot says inside a conversation may repeat what the member typed (personal
data), so it is sent as *sensitive*, with the member as its only audience.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from handlers.access import Caller
from handlers.conversation.choices import Option
from handlers.conversation.engine import Engine, Outcome
from handlers.conversation.form import ConversationState, Form, FormContext
from handlers.errors import UserError
from handlers.identifiers import is_reference
from handlers.messages import Block, Incoming, Notice, Outgoing, text_notice
from handlers.outbox import case_of
from handlers.wording import NATIONAL, Wording
from storage.conversations import ConversationRow
from storage.unit import Unit

log = logging.getLogger(__name__)

# Option lists for a form's questions; ``subject`` is what the conversation is about.
# Half-finished forms per member (each holds personal data): a bound, not a quota.
MAX_OPEN_FORMS = 3
OptionLoader = Callable[[Unit, str | None], Awaitable[Mapping[str, Sequence[Option]]]]


@dataclass(frozen=True)
class Submission:
    """A confirmed form, handed to the form's submitter in the caller's transaction."""

    unit: Unit
    caller: Caller
    room_id: str
    answers: Mapping[str, Any]
    now: datetime
    today: date
    # What the conversation was about (e.g. the case reference), if anything.
    subject: str | None

    @property
    def reference(self) -> str:
        if self.subject is None:
            raise RuntimeError("this form needs a subject")
        return self.subject


Submitter = Callable[[Submission], Awaitable[list[Outgoing]]]


@dataclass(frozen=True)
class FormSpec:
    form: Form
    options: OptionLoader
    submit: Submitter


class ConversationService:
    def __init__(
        self, unit: Unit, now: datetime, today: date, forms: Mapping[str, FormSpec],
        words: Wording = NATIONAL,
    ) -> None:  # fmt: skip
        self.unit = unit
        self.words = words
        self.now = now
        self.today = today
        self.forms = forms
        self.repository = unit.conversations

    async def active(self, matrix_id: str, room_id: str) -> ConversationRow | None:
        return await self.repository.get(matrix_id, room_id)

    async def _engine(self, form_name: str, subject: str | None) -> Engine:
        spec = self.forms[form_name]
        ctx = FormContext(
            today=self.today, option_lists=await spec.options(self.unit, subject), words=self.words
        )
        return Engine(spec.form, ctx)

    async def start(
        self, form_name: str, caller: Caller, room_id: str, subject: str | None = None,
        preface: Sequence[Block] = (),
    ) -> list[Outgoing]:  # fmt: skip
        existing = await self.active(caller.matrix_id, room_id)
        if existing is None:
            elsewhere = await self.repository.count_for(caller.matrix_id)
            if elsewhere >= MAX_OPEN_FORMS:
                raise UserError(
                    f"Je hebt al {elsewhere} formulieren open in andere chats. Maak er eerst "
                    "een af, of typ daar stop."
                )
        engine = await self._engine(form_name, subject)
        if existing is not None:
            state = ConversationState.model_validate_json(existing.state)
            if existing.form != form_name or state.subject != subject:
                # Never throw away another conversation in progress.
                busy = self.forms[existing.form].form.title
                # A case reference names what it is about; an intake's subject (its tafel,
                # the partner) is no word for a member.
                subject = state.subject
                about = f" over {subject}" if subject and is_reference(subject) else ""
                raise UserError(
                    f"Je bent in deze chat nog bezig met je {busy}{about}. Maak die eerst af, "
                    "of typ stop om die te stoppen."
                )
            outcome = engine.ask_restart(state)
        else:
            outcome = engine.start(subject, preface)
        return await self._apply(outcome, form_name, caller, room_id, existing)

    async def handle(
        self, conversation: ConversationRow, caller: Caller, incoming: Incoming
    ) -> list[Outgoing]:
        state = ConversationState.model_validate_json(conversation.state)
        engine = await self._engine(conversation.form, state.subject)
        if incoming.edit_of is not None:
            outcome = engine.handle_edit(state, incoming.edit_of, incoming.body)
        else:
            outcome = engine.handle(state, incoming.body, incoming.event_id)
        tag = transcript_tag(conversation)
        if outcome.restart:
            async with self.unit.savepoint():  # start may refuse: keep the old one
                await self._forget(conversation)
                return await self.start(conversation.form, caller, incoming.room_id, state.subject)
        if outcome.submitted is not None:
            spec = self.forms[conversation.form]
            try:
                async with self.unit.savepoint():
                    outgoing = await spec.submit(Submission(
                        self.unit, caller, incoming.room_id, outcome.submitted, self.now,
                        self.today, state.subject,
                    ))  # fmt: skip
            except UserError as error:
                # Back to the summary, with what needs fixing.
                shown = [text_notice(error.shown(self.words))]
                return self._to_member(caller, incoming.room_id, shown, tag)
            await self.repository.delete(conversation)
            # What the bot echoed of the answers now belongs to the casus: retention takes
            # it back with the casus.
            # (A subject that is no case reference, e.g. the partner an aanmelding is filed
            # for, does not name the casus: the outgoing messages do.)
            about = state.subject if state.subject and is_reference(state.subject) else None
            reference = about or next(filter(None, map(case_of, outgoing)), None)
            if reference is not None:
                await self.unit.sent.retag(tag, reference)
            log.info("form submitted: %s", conversation.form)
            return outgoing
        return await self._apply(outcome, conversation.form, caller, incoming.room_id, conversation)

    async def _apply(
        self,
        outcome: Outcome,
        form_name: str,
        caller: Caller,
        room_id: str,
        existing: ConversationRow | None,
    ) -> list[Outgoing]:
        if outcome.state is None:
            if existing is not None:
                await self._forget(existing)
            # The conversation is over: what is said now repeats none of its answers.
            return [Outgoing(room_id, n) for n in outcome.notices]
        saved = await self.repository.save(
            caller.matrix_id,
            room_id,
            form_name,
            outcome.state.model_dump_json(),
            self.now,
            loaded=existing,
        )
        return self._to_member(caller, room_id, outcome.notices, transcript_tag(saved))

    async def _forget(self, conversation: ConversationRow) -> None:
        """A conversation given up: its draft, and what the bot echoed of it, go."""
        await forget_conversation(self.unit, conversation)

    @staticmethod
    def _to_member(
        caller: Caller, room_id: str, notices: Sequence[Notice], tag: str
    ) -> list[Outgoing]:
        audience = frozenset({caller.matrix_id})
        return [
            Outgoing(room_id, n, sensitive=True, audience=audience, reference=tag) for n in notices
        ]


def transcript_tag(conversation: ConversationRow) -> str:
    """The reference of the bot's messages in a conversation until it becomes a casus."""
    return f"gesprek:{conversation.id}"


async def forget_conversation(unit: Unit, conversation: ConversationRow) -> None:
    """A conversation given up: its draft, and what the bot echoed of it, go."""
    await unit.sent.request_redaction(transcript_tag(conversation))
    await unit.conversations.delete(conversation)


async def forget_conversations_about(unit: Unit, references: set[str]) -> None:
    """Half-finished forms about these casussen (a verslag, an answer) hold personal data."""
    about = [
        c.id
        for c in await unit.conversations.all()
        if ConversationState.model_validate_json(c.state).subject in references
    ]
    await unit.conversations.delete_ids(about)
