"""Retention (DOMAIN.md phase 5): when personal data goes, and going. No chat commands; the
job is in ``scheduler/jobs/retention.py``, the dry run on the command line."""
