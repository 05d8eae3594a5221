"""Logging set-up: text or JSON lines, a correlation id per handled event, no personal data.

Matrix user ids are logged only as keyed pseudonyms (``u:1a2b3c4d``): stable within one
installation so an operator can follow one user through the log, but not reversible
without the installation's secret. Message bodies are never logged anywhere.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime

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


class _CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        return True


class JsonFormatter(logging.Formatter):
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
    handler.addFilter(_CorrelationFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # nio warns "Missing session for device" on every new device it encrypts to: routine.
    logging.getLogger("nio.crypto").setLevel(logging.ERROR)
