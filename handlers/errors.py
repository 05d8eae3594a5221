"""Errors a user can cause. Their message is Dutch and is shown to the user as it is."""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
