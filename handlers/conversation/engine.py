"""A multi-step conversation as a persisted state machine over a declarative form.

A :class:`Form` is data (``form.py``): steps with a prompt, a parser (text → JSON value, or a Dutch
:class:`UserError`), whether they may be skipped, and a condition for branching. The
:class:`Engine` is pure: it takes the saved :class:`ConversationState` and what the member
typed, and returns the new state and what to say. Saving is the caller's business, so a
restart resumes exactly where the member was.

Navigation words work at every question: ``terug``, ``overslaan`` (optional questions),
``zelfde`` (keep the current answer), ``status``, ``hulp`` and ``stop``/``annuleer`` (asks
for confirmation). At the summary: ``bevestig`` and ``wijzig <veld>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers.conversation.choices import yes_no_of
from handlers.conversation.form import (
    ConversationState,
    Filled,
    Form,
    FormContext,
    FreeText,
    Step,
)
from handlers.conversation.view import FormView
from handlers.errors import UserError
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Segment, notice

STOP_WORDS = {"stop", "annuleer", "annuleren", "afbreken"}
CONFIRM_WORDS = {"bevestig", "bevestigen", "verstuur", "versturen", "indienen"}
# A lone word like these at a free-text question is probably not the answer: asked first.
COMMAND_LIKE = CONFIRM_WORDS | {
    "ja", "nee", "ok", "oké", "klaar", "wijzig", "overzicht", "doorgaan", "verder", "opnieuw",
    "aanmelden", "hulp", "help",
}  # fmt: skip


@dataclass
class Outcome:
    state: ConversationState | None  # None: the conversation is over (its draft deleted)
    notices: list[Notice]
    submitted: dict[str, Any] | None = None
    cancelled: bool = False
    restart: bool = False


class Engine:
    def __init__(self, form: Form, ctx: FormContext) -> None:
        self.form = form
        self.ctx = ctx
        self.view = FormView(form, ctx)

    def summary(self, state: ConversationState) -> Notice:
        return notice(*self.view.summary_blocks(state))

    # --- entry points -----------------------------------------------------------------

    def start(self, subject: str | None = None, preface: Sequence[Block] = ()) -> Outcome:
        """The first question, after the form's intro (and ``preface``, what the caller
        says first), in one message."""
        first = self.form.applicable({})[0]
        state = ConversationState(form=self.form.name, subject=subject, current=first.key)
        blocks = [*preface, Paragraph(self.form.intro), *self.view.prompt(state)]
        return Outcome(state, [notice(*blocks)])

    def resume(self, state: ConversationState) -> list[Notice]:
        """Where we were, for a member who comes back to a draft."""
        return [notice(*self.view.where(state))]

    def ask_restart(self, state: ConversationState) -> Outcome:
        """The member starts anew while a draft exists: continue it, or throw it away?"""
        state = state.model_copy(deep=True)
        if state.phase in ("asking", "summary"):
            state.resume_phase = state.phase
        state.phase = "confirm_restart"
        return Outcome(
            state,
            [
                notice(
                    *self.view.status(state),
                    Paragraph(
                        "Typ ",
                        Code("doorgaan"),
                        " om verder te gaan waar je was, of ",
                        Code("opnieuw"),
                        " om het concept te verwijderen en opnieuw te beginnen.",
                    ),
                )
            ],
        )

    def handle(self, state: ConversationState, text: str, event_id: str) -> Outcome:
        state = state.model_copy(deep=True)
        word = " ".join(text.strip().lower().split())
        if state.phase == "confirm_stop":
            return self._confirm_stop(state, word)
        if state.phase == "confirm_restart":
            if word == "opnieuw":
                return Outcome(None, [], restart=True)
            if word in ("doorgaan", "verder"):
                state.phase = state.resume_phase
                return Outcome(state, [notice(*self.view.where(state))])
            return Outcome(
                state,
                [
                    notice(
                        Paragraph(
                            "Typ doorgaan om verder te gaan met je concept, "
                            "of opnieuw om opnieuw te beginnen."
                        )
                    )
                ],
            )
        if state.phase == "confirm_answer":
            return self._confirm_answer(state, text, word, event_id)
        if word in STOP_WORDS:
            state.resume_phase = "summary" if state.phase == "summary" else "asking"
            state.phase = "confirm_stop"
            return Outcome(
                state,
                [
                    notice(
                        Paragraph(
                            "Wil je echt stoppen? Dan verwijder ik dit concept. "
                            "Typ ja om te stoppen of "
                            "nee om verder te gaan."
                        )
                    )
                ],
            )
        if word in ("hulp", "help", "?"):
            return Outcome(state, [notice(*self.view.navigation_help(), *self.view.where(state))])
        if word == "status":
            return Outcome(state, [notice(*self.view.status(state), *self.view.where(state))])
        if word == "terug":
            return self._back(state)
        if state.phase == "summary":
            return self._at_summary(state, text, word)
        return self._answer(state, text, word, event_id)

    def handle_edit(self, state: ConversationState, edited: str, text: str) -> Outcome:
        """The member edited an earlier answer in their chat: take it as a correction."""
        state = state.model_copy(deep=True)
        key = next((k for k, e in state.answer_events.items() if e == edited), None)
        if key is None or state.phase == "confirm_stop":
            return Outcome(
                state,
                [
                    notice(
                        Paragraph(
                            "Bewerkte berichten verwerk ik alleen als ze een antwoord "
                            "op een vraag zijn. "
                            "Gebruik anders wijzig <veld> bij het overzicht."
                        )
                    )
                ],
            )
        step = self.form.step(key)
        try:
            value = step.parse(text, self.ctx, state.answers)
        except UserError as error:
            return Outcome(
                state,
                [
                    notice(
                        Paragraph(
                            error.shown(self.ctx.words), " Je eerdere antwoord blijft staan."
                        ),
                        *self.view.where(state),
                    )
                ],
            )
        state.answers[key] = value
        self._drop_inapplicable(state)
        return Outcome(
            state,
            [
                notice(
                    Paragraph(
                        "Aangepast: ",
                        Bold(step.label),
                        " is nu ",
                        Bold(step.show(value, self.ctx)),
                        ".",
                    ),
                    *self.view.where(state),
                )
            ],
        )

    # --- transitions ------------------------------------------------------------------

    def _confirm_stop(self, state: ConversationState, word: str) -> Outcome:
        said = yes_no_of(word)
        if said is True or word in ("stop", "zeker"):
            return Outcome(
                None,
                [notice(Paragraph("Gestopt. Het concept is verwijderd; er is niets ingediend."))],
                cancelled=True,
            )
        if said is False or word in ("verder", "doorgaan"):
            state.phase = state.resume_phase
            return Outcome(state, [notice(Paragraph("We gaan verder."), *self.view.where(state))])
        return Outcome(
            state,
            [
                notice(
                    Paragraph(
                        "Typ ja om te stoppen (het concept wordt verwijderd) "
                        "of nee om verder te gaan."
                    )
                )
            ],
        )

    def _answer(self, state: ConversationState, text: str, word: str, event_id: str) -> Outcome:
        assert state.current is not None
        step = self.form.step(state.current)
        if word == "overslaan":
            if not step.optional:
                return Outcome(
                    state,
                    [
                        notice(
                            Paragraph("Deze vraag is verplicht; overslaan kan hier niet."),
                            *self.view.prompt(state),
                        )
                    ],
                )
            state.answers[step.key] = None
        elif word == "zelfde" and state.answers.get(step.key) is not None:
            pass  # keep the current answer
        elif isinstance(step.parse, FreeText) and _command_like(word):
            state.phase, state.pending, state.pending_event = "confirm_answer", text, event_id
            return Outcome(state, [notice(Paragraph(
                "Bedoel je ", Bold(text.strip()), " als antwoord op: ", step.prompt, " Typ ",
                Code("ja"), " om het zo op te slaan, of typ je antwoord.",
            ))])  # fmt: skip
        else:
            return self._store(state, step, text, event_id)
        self._drop_inapplicable(state)
        return self._advance(state, step)

    def _store(self, state: ConversationState, step: Step, text: str, event_id: str) -> Outcome:
        """Read ``text`` as the answer to ``step``: stored and on to the next question, or
        the reason it cannot be read and the same question again."""
        try:
            parsed = step.parse(text, self.ctx, state.answers)
        except UserError as error:
            shown = error.shown(self.ctx.words)
            return Outcome(state, [notice(Paragraph(shown), *self.view.prompt(state))])
        notes = self._take(state, step, parsed, text, event_id)
        self._drop_inapplicable(state)
        return self._advance(state, step, notes)

    def _take(
        self, state: ConversationState, step: Step, parsed: Any, text: str, event_id: str
    ) -> list[Block]:
        """Store an answer (and what came with it); say what was taken where it was read
        from something else than the member literally typed."""
        value, extra = (parsed.value, parsed.extra) if isinstance(parsed, Filled) else (parsed, {})
        state.answers[step.key] = value
        state.answer_events[step.key] = event_id
        if step.key in state.prefilled:
            state.prefilled.remove(step.key)
        taken: list[tuple[str, str]] = []
        shown = step.show(value, self.ctx)
        if " ".join(shown.lower().split()) != " ".join(text.lower().split()):
            taken.append((step.label, shown))
        for key, extra_value in extra.items():
            other = self.form.step(key)
            if extra_value is None or key in state.answers or not other.applies(state.answers):
                continue
            state.answers[key] = extra_value
            state.prefilled.append(key)
            taken.append((other.label, other.show(extra_value, self.ctx)))
        if not taken:
            return []
        parts: list[Segment] = ["Genoteerd: "]
        for index, (label, shown_value) in enumerate(taken):
            parts += [", " if index else "", f"{label} ", Bold(shown_value)]
        parts.append(".")
        if len(taken) > 1:
            example = Code(f"wijzig {taken[-1][0]}")
            parts += [" Klopt iets niet? Typ ", example, " bij het overzicht."]
        return [Paragraph(*parts)]

    def _confirm_answer(
        self, state: ConversationState, text: str, word: str, event_id: str
    ) -> Outcome:
        """A lone command word was typed at a free-text question: store it only when meant."""
        pending, pending_event = state.pending or "", state.pending_event or event_id
        state.phase, state.pending, state.pending_event = "asking", None, None
        assert state.current is not None
        step = self.form.step(state.current)
        if yes_no_of(word) is True:
            return self._store(state, step, pending, pending_event)
        if yes_no_of(word) is False:
            return Outcome(state, [notice(*self.view.prompt(state))])
        return self.handle(state, text, event_id)

    def _advance(
        self, state: ConversationState, answered: Step, notes: Sequence[Block] = ()
    ) -> Outcome:
        if not state.history or state.history[-1] != answered.key:
            state.history.append(answered.key)
        applicable = self.form.applicable(state.answers)
        if state.editing:
            # After a change from the summary: ask only what has become necessary.
            missing = [s for s in applicable if s.key not in state.answers]
            nxt = missing[0] if missing else None
        else:
            keys = [s.key for s in applicable]
            later = keys[keys.index(answered.key) + 1 :] if answered.key in keys else keys
            later = [key for key in later if key not in state.prefilled]
            nxt = self.form.step(later[0]) if later else None
        if nxt is None:
            state.phase, state.current, state.editing = "summary", None, False
            return Outcome(state, [notice(*notes, *self.view.summary_blocks(state))])
        state.current = nxt.key
        return Outcome(state, [notice(*notes, *self.view.prompt(state))])

    def _back(self, state: ConversationState) -> Outcome:
        if state.phase == "summary":
            target = self.form.applicable(state.answers)[-1].key
        else:
            earlier = [k for k in state.history if k != state.current]
            if not earlier:
                return Outcome(
                    state, [notice(Paragraph("Dit is de eerste vraag."), *self.view.prompt(state))]
                )
            target = earlier[-1]
            state.history = state.history[: state.history.index(target)]
        state.phase, state.current, state.editing = "asking", target, False
        return Outcome(state, [notice(*self.view.prompt(state))])

    def _at_summary(self, state: ConversationState, text: str, word: str) -> Outcome:
        if word in CONFIRM_WORDS or yes_no_of(word) is True:
            # "Klopt alles?" — "ja hoor" confirms as well as bevestig.
            self._drop_inapplicable(state)
            answers = {s.key: state.answers.get(s.key) for s in self.form.applicable(state.answers)}
            return Outcome(None, [], submitted=answers)
        if word.startswith("wijzig"):
            name = text.strip()[len("wijzig") :].strip()
            step = self.form.find(name) if name else None
            if step is None or not step.applies(state.answers):
                return Outcome(
                    state,
                    [
                        notice(
                            Paragraph(
                                "Welk veld wil je wijzigen? Typ bijvoorbeeld ",
                                Code(f"wijzig {self.form.example_field}"),
                                ". Velden: ",
                                ", ".join(s.label for s in self.form.applicable(state.answers)),
                                ".",
                            ),
                        )
                    ],
                )
            state.phase, state.current, state.editing = "asking", step.key, True
            return Outcome(state, [notice(*self.view.prompt(state))])
        return Outcome(
            state,
            [
                notice(
                    Paragraph(
                        f"{self.form.done_prompt} Wil je nog iets aanpassen? Typ wijzig <veld>, "
                        f"bijvoorbeeld wijzig {self.form.example_field}. Stoppen kan met stop."
                    )
                )
            ],
        )

    def _drop_inapplicable(self, state: ConversationState) -> None:
        """Forget answers to questions that no longer apply (no stale personal data)."""
        applicable = {s.key for s in self.form.applicable(state.answers)}
        for key in list(state.answers):
            if key not in applicable:
                del state.answers[key]
                state.answer_events.pop(key, None)


def _command_like(word: str) -> bool:
    """A lone word that is more likely a command than an answer in one's own words."""
    bare = word.strip(".!?")
    return bare in COMMAND_LIKE or bare.startswith("wijzig ")
