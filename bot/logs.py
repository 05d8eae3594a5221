"""Logging set-up: text or JSON lines, a correlation id per handled event, no personal data.

Matrix user ids are logged only as keyed pseudonyms (``u:1a2b3c4d``): stable within one
installation so an operator can follow one user through the log, but not reversible
without the installation's secret. Message bodies are never logged anywhere.

That holds for what other libraries log too, by construction rather than by care: a record
of a library (matrix-nio's schema warnings quote the decrypted event they reject) keeps
only the words before its first value, and no logged exception keeps its message (a
validation error quotes the input): the traceback shows where, and the exception's type
what; never the data.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")

_pseudonym_key = b"casusbot-unconfigured"

# Third-party loggers that would log request URLs, SQL or event content at DEBUG.
_QUIET = (
    "nio",
    "peewee",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "alembic",
    "asyncio",
    "aiohttp",
    "apscheduler",
)


def configure_pseudonyms(secret: str) -> None:
    global _pseudonym_key
    _pseudonym_key = hashlib.sha256(b"casusbot-log-pseudonym\0" + secret.encode()).digest()


def pseudonym(user_id: str) -> str:
    digest = hmac.new(_pseudonym_key, user_id.encode(), hashlib.sha256).hexdigest()
    return f"u:{digest[:8]}"


# Loggers of our own code: their messages are written knowing they must carry no data.
OWN = ("bot", "handlers", "scheduler", "storage", "demo", "bench", "casusbot", "__main__")
# Where a library's message starts to quote a value (an id, a dict, a string, a number).
VALUE_START = re.compile(r"""[:{}\[\]()'"@!$#=<>\d]""")
SAFE_LENGTH = 120


def _own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN


def library_text(message: str) -> str:
    """A library's message up to where it starts quoting values: 'Error validating event'."""
    head = VALUE_START.split(message, maxsplit=1)[0].strip()[:SAFE_LENGTH].strip()
    return (head or "(bericht van een bibliotheek)") + (" …" if head != message.strip() else "")


class _PrivacyFilter(logging.Filter):
    """Library records lose their values before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        if not _own(record.name):
            record.msg = library_text(record.getMessage())
            record.args = None
            record.stack_info = None
        return True


def safe_exception(exc_info: ExcInfo) -> str:
    """A traceback without any exception's message: frames (code, not data) and types."""
    _, error, _ = exc_info
    if error is None:
        return ""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)
        kind = f"{type(current).__module__}.{type(current).__qualname__}"
        parts.insert(0, "".join(traceback.format_list(frames)) + f"{kind} (melding weggelaten)")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
        if current is not None:
            parts.insert(0, "")
    return "Traceback (most recent call last):\n" + "\n".join(parts)


class TextFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return safe_exception(ei)


class JsonFormatter(logging.Formatter):
    def formatException(self, ei: ExcInfo) -> str:
        return safe_exception(ei)

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "-"),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_PrivacyFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            TextFormatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # nio warns "Missing session for device" on every new device it encrypts to: routine.
    logging.getLogger("nio.crypto").setLevel(logging.ERROR)
