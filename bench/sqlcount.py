"""``python -m bench.sqlcount --config FILE run``: casusbot, counting its SQL statements.

For profiling only (``python -m bench.run --profile DIR``): every statement the bot sends
to the database is counted by its text. SIGUSR1 starts the count afresh, SIGUSR2 writes
it to ``$BENCH_SQLCOUNT_FILE``; the benchmark sends them around casusbot's phase, so the
counts divided by the messages handled show which queries each message costs.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.cli import main

counts: Counter[str] = Counter()


@event.listens_for(Engine, "before_cursor_execute")
def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    counts[" ".join(statement.split())[:160]] += 1


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
