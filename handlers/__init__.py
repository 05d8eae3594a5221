"""Conversations and commands: what the bot does with a message. Knows no nio and no HTTP."""
