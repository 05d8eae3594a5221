"""What a form says: the question (numbered), the summary, the status, where the member is,
and the navigation help. The :class:`~handlers.conversation.engine.Engine` decides; this
words it."""

from __future__ import annotations

from handlers.conversation.choices import option_list
from handlers.conversation.form import ConversationState, Form, FormContext
from handlers.messages import Block, Bold, Code, Paragraph, Table


class FormView:
    def __init__(self, form: Form, ctx: FormContext) -> None:
        self.form = form
        self.ctx = ctx

    def prompt(self, state: ConversationState) -> list[Block]:
        assert state.current is not None
        step = self.form.step(state.current)
        # Counted over the questions that apply now: a question that comes only with a
        # certain answer adds one when it comes, and the number never jumps back.
        keys = [s.key for s in self.form.applicable(state.answers)]
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

    def summary_blocks(self, state: ConversationState) -> list[Block]:
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

    def where(self, state: ConversationState) -> list[Block]:
        if state.phase == "summary":
            return self.summary_blocks(state)
        if state.phase == "confirm_stop":
            return [Paragraph("Typ ja om te stoppen of nee om verder te gaan.")]
        if state.phase == "confirm_restart":
            return [Paragraph("Typ doorgaan of opnieuw.")]
        if state.phase == "confirm_answer":
            return [Paragraph("Typ ja om je antwoord zo op te slaan, of typ je antwoord.")]
        return self.prompt(state)

    def status(self, state: ConversationState) -> list[Block]:
        possible = self.form.applicable(state.answers)
        done = sum(1 for s in possible if s.key in state.answers)
        return [
            Paragraph(
                f"Je {self.form.title} is in concept: {done} van de {len(possible)} vragen "
                "beantwoord."
            )
        ]

    def navigation_help(self) -> list[Block]:
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
