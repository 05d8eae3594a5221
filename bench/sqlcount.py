"""``python -m bench.sqlcount --config FILE run``: casusbot, counting its SQL and HTTP.

For profiling only (``python -m bench.run --profile DIR``): every statement the bot sends
to the database is counted by its text, every request to the homeserver by method and
path (ids and tokens left out). SIGUSR1 starts the count afresh, SIGUSR2 writes it to
``$BENCH_SQLCOUNT_FILE``; the benchmark sends them around casusbot's phase, so the counts
divided by the messages handled show what each message costs.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from nio import AsyncClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.cli import main

counts: Counter[str] = Counter()


@event.listens_for(Engine, "before_cursor_execute")
def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counts[" ".join(statement.split())[:160]] += 1


_send = AsyncClient.send


async def _counted_send(self: AsyncClient, method: str, path: str, *args: Any, **kw: Any) -> Any:
    route = re.sub(r"[!@$%][^/?]*|/[0-9a-f]{16,}|\?.*", "", path)
    counts[f"HTTP {method} {route}"] += 1
    return await _send(self, method, path, *args, **kw)


AsyncClient.send = _counted_send


def _reset(_signum: int, _frame: Any) -> None:
    counts.clear()


def _dump(_signum: int, _frame: Any) -> None:
    target = os.environ.get("BENCH_SQLCOUNT_FILE")
    if target:
        lines = [f"{n:7d} {statement}" for statement, n in counts.most_common()]
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


signal.signal(signal.SIGUSR1, _reset)
signal.signal(signal.SIGUSR2, _dump)

if __name__ == "__main__":
    sys.exit(main())
