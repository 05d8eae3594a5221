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

from handlers.conversation.form import ConversationState, Form, FormContext, Step
from handlers.conversation.parsing import option_list
from handlers.errors import UserError
from handlers.messages import Block, Bold, Code, Notice, Paragraph, Table, notice

STOP_WORDS = {"stop", "annuleer", "annuleren", "afbreken"}
CONFIRM_WORDS = {"bevestig", "bevestigen", "verstuur", "versturen", "indienen"}


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

    # --- entry points -----------------------------------------------------------------

    def start(self, subject: str | None = None, preface: Sequence[Block] = ()) -> Outcome:
        """The first question, after the form's intro (and ``preface``, what the caller
        says first), in one message."""
        first = self.form.applicable({})[0]
        state = ConversationState(form=self.form.name, subject=subject, current=first.key)
        blocks = [*preface, Paragraph(self.form.intro), *self._prompt(state)]
        return Outcome(state, [notice(*blocks)])

    def resume(self, state: ConversationState) -> list[Notice]:
        """Where we were, for a member who comes back to a draft."""
        return [notice(*self._where(state))]

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
                    *self._status(state),
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
                return Outcome(state, [notice(*self._where(state))])
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
            return Outcome(state, [notice(*self._navigation_help(), *self._where(state))])
        if word == "status":
            return Outcome(state, [notice(*self._status(state), *self._where(state))])
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
                        Paragraph(error.message, " Je eerdere antwoord blijft staan."),
                        *self._where(state),
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
                    *self._where(state),
                )
            ],
        )

    # --- transitions ------------------------------------------------------------------

    def _confirm_stop(self, state: ConversationState, word: str) -> Outcome:
        if word in ("ja", "j", "stop", "zeker"):
            return Outcome(
                None,
                [notice(Paragraph("Gestopt. Het concept is verwijderd; er is niets ingediend."))],
                cancelled=True,
            )
        if word in ("nee", "n", "verder", "doorgaan"):
            state.phase = state.resume_phase
            return Outcome(state, [notice(Paragraph("We gaan verder."), *self._where(state))])
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
                            *self._prompt(state),
                        )
                    ],
                )
            state.answers[step.key] = None
        elif word == "zelfde" and state.answers.get(step.key) is not None:
            pass  # keep the current answer
        else:
            try:
                value = step.parse(text, self.ctx, state.answers)
            except UserError as error:
                return Outcome(state, [notice(Paragraph(error.message), *self._prompt(state))])
            state.answers[step.key] = value
            state.answer_events[step.key] = event_id
        self._drop_inapplicable(state)
        return self._advance(state, step)

    def _advance(self, state: ConversationState, answered: Step) -> Outcome:
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
            nxt = self.form.step(later[0]) if later else None
        if nxt is None:
            state.phase, state.current, state.editing = "summary", None, False
            return Outcome(state, [self.summary(state)])
        state.current = nxt.key
        return Outcome(state, [notice(*self._prompt(state))])

    def _back(self, state: ConversationState) -> Outcome:
        if state.phase == "summary":
            target = self.form.applicable(state.answers)[-1].key
        else:
            earlier = [k for k in state.history if k != state.current]
            if not earlier:
                return Outcome(
                    state, [notice(Paragraph("Dit is de eerste vraag."), *self._prompt(state))]
                )
            target = earlier[-1]
            state.history = state.history[: state.history.index(target)]
        state.phase, state.current, state.editing = "asking", target, False
        return Outcome(state, [notice(*self._prompt(state))])

    def _at_summary(self, state: ConversationState, text: str, word: str) -> Outcome:
        if word in CONFIRM_WORDS:
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
            return Outcome(state, [notice(*self._prompt(state))])
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

    # --- what to say ------------------------------------------------------------------

    def _prompt(self, state: ConversationState) -> list[Block]:
        assert state.current is not None
        step = self.form.step(state.current)
        keys = [s.key for s in self.form.possible(state.answers)]
        number = keys.index(step.key) + 1 if step.key in keys else len(keys)
        blocks: list[Block] = [
            Paragraph(Bold(f"Vraag {number} van {len(keys)}"), " — ", step.prompt)
        ]
        if step.options:
            blocks.append(Paragraph(option_list(self.ctx.option_lists.get(step.options, ()))))
        hints = []
        current = state.answers.get(step.key)
        if current is not None:
            hints.append(f"Nu: {step.show(current, self.ctx)} — typ zelfde om dat te houden.")
        if step.optional:
            hints.append("Niet bekend of niet van toepassing? Typ overslaan.")
        if hints:
            blocks.append(Paragraph(" ".join(hints)))
        return blocks

    def summary(self, state: ConversationState) -> Notice:
        return notice(*self._summary_blocks(state))

    def _summary_blocks(self, state: ConversationState) -> list[Block]:
        rows = tuple(
            (
                step.label,
                "—"
                if state.answers.get(step.key) is None
                else step.show(state.answers[step.key], self.ctx),
            )
            for step in self.form.applicable(state.answers)
        )
        return [
            Paragraph(Bold(f"Overzicht van je {self.form.title}")),
            Table(("veld", "antwoord"), rows),
            Paragraph(
                f"{self.form.done_prompt} Iets aanpassen? Typ wijzig <veld>, bijvoorbeeld ",
                Code(f"wijzig {self.form.example_field}"),
                ". Stoppen kan met stop.",
            ),
        ]

    def _where(self, state: ConversationState) -> list[Block]:
        if state.phase == "summary":
            return self._summary_blocks(state)
        if state.phase == "confirm_stop":
            return [Paragraph("Typ ja om te stoppen of nee om verder te gaan.")]
        if state.phase == "confirm_restart":
            return [Paragraph("Typ doorgaan of opnieuw.")]
        return self._prompt(state)

    def _status(self, state: ConversationState) -> list[Block]:
        possible = self.form.possible(state.answers)
        done = sum(1 for s in possible if s.key in state.answers)
        return [
            Paragraph(
                f"Je {self.form.title} is in concept: {done} van de {len(possible)} vragen "
                "beantwoord."
            )
        ]

    def _navigation_help(self) -> list[Block]:
        return [
            Paragraph(
                "Je beantwoordt de vragen één voor één. Handig: ",
                Code("terug"),
                " (vorige vraag), ",
                Code("overslaan"),
                " (bij optionele vragen), ",
                Code("zelfde"),
                " (antwoord houden), ",
                Code("status"),
                ", ",
                Code("stop"),
                ". Aan het eind zie je een overzicht waarin je alles kunt wijzigen.",
            )
        ]
