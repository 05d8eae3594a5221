"""The domain: what the bot does with a message, phase by phase. Knows no nio and no SQL.

Imports nothing itself: ``storage`` maps its columns to ``handlers.vocabulary``, so this
package must be importable without pulling in the phases (``handlers/features.py`` lists
them).
"""
