"""What a phase of the werkproces brings to the bot: its chat commands and its forms.

Each package under ``handlers/`` exports ``feature(house) -> Feature``; the router takes
the commands and forms of every feature in ``handlers/features.py``. The timed work of a
phase is in ``scheduler/jobs/`` (the scheduler drives the domain, not the other way round).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from handlers.commands import Command
from handlers.conversation.service import FormSpec
from handlers.wording import Wording


@dataclass(frozen=True)
class Feature:
    name: str
    commands: Sequence[Command] = ()
    forms: Sequence[FormSpec] = ()

    def worded(self, words: Wording) -> Feature:
        """The same feature in the house's words: its commands' summaries, usages and
        examples, the house's command synonyms, and its forms' texts."""
        return replace(
            self,
            commands=tuple(c.worded(words) for c in self.commands),
            forms=tuple(replace(spec, form=spec.form.worded(words)) for spec in self.forms),
        )
