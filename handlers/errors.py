"""Errors a user can cause. Their message is Dutch and is shown to the user as it is."""

from __future__ import annotations

from handlers.wording import NATIONAL, Wording


class UserError(Exception):
    """``message`` as it is (it may quote what the member typed); ``hint``, a static text
    after it, is a template in the house's words ("Een kenmerk ziet eruit als {kenmerk}.")."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def shown(self, words: Wording = NATIONAL) -> str:
        return f"{self.message} {words.fill(self.hint)}" if self.hint else self.message
