"""A form as data: its steps (a prompt, a parser, optional, a condition for branching) and
the persisted state of a conversation over it (``handlers/conversation/engine.py`` runs it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from handlers.conversation.choices import Option
from handlers.conversation.parsing import parse_text
from handlers.wording import NATIONAL, Wording


@dataclass(frozen=True)
class FormContext:
    """What parsers and prompts may depend on besides the answers."""

    today: date
    option_lists: Mapping[str, Sequence[Option]] = field(default_factory=dict)
    words: Wording = NATIONAL


Parser = Callable[[str, FormContext, Mapping[str, Any]], Any]
Shower = Callable[[Any, FormContext], str]


@dataclass(frozen=True)
class Filled:
    """A parser's answer that held more than was asked: ``value`` for this question, and
    answers to other questions (by step key) that were in it too, e.g. the postcode and
    woonplaats in a whole address. Those fill questions not yet answered, and are shown."""

    value: Any
    extra: Mapping[str, Any] = field(default_factory=dict)


class FreeText:
    """The parser of a question answered in the member's own words (up to ``limit``
    characters, no BSN). A lone command word as the answer is asked about first."""

    def __init__(self, limit: int, what: str = "antwoord") -> None:
        self.limit = limit
        self.what = what

    def __call__(self, text: str, ctx: FormContext, answers: Mapping[str, Any]) -> str:
        return parse_text(text, self.limit, self.what)


def show_plain(value: Any, ctx: FormContext) -> str:
    return str(value)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    prompt: str
    parse: Parser
    optional: bool = False
    # Ask this step only when the answers so far make it relevant (e.g. "reden" for spoed);
    # until then it is not counted (the count may grow, but never jumps back).
    when: Callable[[Mapping[str, Any]], bool] | None = None
    show: Shower = show_plain
    # Name of an option list in the FormContext, shown numbered under the prompt.
    options: str | None = None
    aliases: tuple[str, ...] = ()

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when(answers)

    def names(self) -> set[str]:
        return {self.key.lower(), self.label.lower(), *(a.lower() for a in self.aliases)}


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    intro: str
    steps: tuple[Step, ...]
    done_prompt: str = "Typ bevestig om in te dienen."
    # The field named in "wijzig <veld>" hints; the first question's when not given.
    edit_example: str | None = None

    @property
    def example_field(self) -> str:
        return self.edit_example or self.steps[0].label

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(key)

    def applicable(self, answers: Mapping[str, Any]) -> list[Step]:
        return [step for step in self.steps if step.applies(answers)]

    def find(self, name: str) -> Step | None:
        wanted = name.strip().lower()
        return next((s for s in self.steps if wanted in s.names()), None)

    def worded(self, words: Wording) -> Form:
        """The same form in the house's words (its texts are templates: handlers/wording.py)."""
        steps = tuple(
            replace(s, label=words.fill(s.label), prompt=words.fill(s.prompt)) for s in self.steps
        )
        return replace(
            self, title=words.fill(self.title), intro=words.fill(self.intro),
            done_prompt=words.fill(self.done_prompt), steps=steps,
        )  # fmt: skip

    def with_prompts(self, prompts: Mapping[str, str]) -> Form:
        """The same form with some prompts reworded (a house's own wording)."""
        unknown = set(prompts) - {step.key for step in self.steps}
        if unknown:
            raise KeyError(f"{self.name}.prompts: {', '.join(sorted(unknown))}")
        steps = tuple(replace(s, prompt=prompts.get(s.key, s.prompt)) for s in self.steps)
        return replace(self, steps=steps)


class ConversationState(BaseModel):
    """Everything needed to resume a conversation; stored as JSON."""

    form: str
    # What the conversation is about, e.g. the case reference a verrijking answers.
    subject: str | None = None
    phase: Literal["asking", "summary", "confirm_stop", "confirm_restart", "confirm_answer"] = (
        "asking"
    )
    current: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)
    editing: bool = False
    resume_phase: Literal["asking", "summary"] = "asking"
    answer_events: dict[str, str] = Field(default_factory=dict)
    # Questions answered along with another (an address with its postcode): skipped when
    # going forward, until answered themselves.
    prefilled: list[str] = Field(default_factory=list)
    # A lone command word typed at a free-text question, and its event: stored only once
    # the member says it is meant as the answer.
    pending: str | None = None
    pending_event: str | None = None
