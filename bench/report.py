"""The benchmark's figures side by side, the ratios, and whether each target is met."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bench.matrix import INTAKE, PhaseResult
from bench.storage import Timing

# Targets from the issue (the storage ones are in bench.storage).
P50_RATIO_MAX = 1.1  # casusbot p50 / echo bot p50, at N=10 and N=50
CPU_MS_MAX = 8.0  # casusbot CPU per handled message, at N=10


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the nearest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Target:
    text: str
    value: str
    met: bool


def matrix_table(results: Sequence[PhaseResult]) -> str:
    header = ("N", "responder", "p50 ms", "p95 ms", "p99 ms", "msg/s", "CPU ms/msg",
              "Synapse ms/msg", "lost", "doubled", "other CPU", "runs")  # fmt: skip
    rows = []
    for r in results:
        rows.append((
            str(r.members), r.target,
            f"{percentile(r.latencies_ms, 50):.0f}", f"{percentile(r.latencies_ms, 95):.0f}",
            f"{percentile(r.latencies_ms, 99):.0f}", f"{r.replies / r.wall_seconds:.1f}",
            f"{r.per_message(r.responder_cpu_ms):.1f}", f"{r.per_message(r.synapse_cpu_ms):.1f}",
            str(r.lost), str(r.doubled),
            f"{r.other_share:.0%}" + (" (disturbed)" if r.disturbed else ""), str(r.attempts),
        ))  # fmt: skip
    return markdown_table(header, rows)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in (header, *rows)]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _find(results: Sequence[PhaseResult], target: str, size: int) -> PhaseResult | None:
    return next((r for r in results if r.target == target and r.members == size), None)


def ratios(results: Sequence[PhaseResult]) -> list[str]:
    """casusbot against the echo bot (and the echo bot against the floor), per N."""
    lines = []
    for size in sorted({r.members for r in results}):
        bot, echo, floor = (_find(results, t, size) for t in ("casusbot", "echo", "floor"))
        if bot is None or echo is None:
            continue
        p50 = percentile(bot.latencies_ms, 50) / percentile(echo.latencies_ms, 50)
        p99 = percentile(bot.latencies_ms, 99) / percentile(echo.latencies_ms, 99)
        cpu = bot.per_message(bot.responder_cpu_ms) / echo.per_message(echo.responder_cpu_ms)
        line = (f"N={size}: casusbot/echo p50 {p50:.2f}x, p99 {p99:.2f}x, "
                f"CPU per message {cpu:.1f}x")  # fmt: skip
        if floor is not None:
            floor_p50 = percentile(echo.latencies_ms, 50) / percentile(floor.latencies_ms, 50)
            line += f"; echo/floor p50 {floor_p50:.2f}x"
        lines.append(line)
    return lines


def matrix_targets(results: Sequence[PhaseResult]) -> list[Target]:
    targets = []
    for size in (10, 50):
        bot, echo = _find(results, "casusbot", size), _find(results, "echo", size)
        if bot is None or echo is None:
            continue
        ratio = percentile(bot.latencies_ms, 50) / percentile(echo.latencies_ms, 50)
        targets.append(Target(f"casusbot p50 within {P50_RATIO_MAX}x of the echo bot at N={size}",
                              f"{ratio:.2f}x", ratio <= P50_RATIO_MAX))  # fmt: skip
    bot = _find(results, "casusbot", 10)
    if bot is not None:
        cpu = bot.per_message(bot.responder_cpu_ms)
        targets.append(Target(f"casusbot CPU under {CPU_MS_MAX:.0f} ms per handled message at N=10",
                              f"{cpu:.1f} ms", cpu < CPU_MS_MAX))  # fmt: skip
    mine = [r for r in results if r.target == "casusbot"]
    if mine:
        lost, doubled = sum(r.lost for r in mine), sum(r.doubled for r in mine)
        targets.append(
            Target(
                "casusbot: no lost or doubled messages",
                f"{lost} lost, {doubled} doubled",
                lost == 0 and doubled == 0,
            )
        )
        expected = sum(r.sent // len(INTAKE) for r in mine)
        completed = sum(r.completed_intakes or 0 for r in mine)
        targets.append(
            Target(
                "every aanmelding filed (a reference came back)",
                f"{completed} of {expected}",
                completed == expected,
            )
        )
    return targets


def storage_targets(timings: Sequence[Timing]) -> list[Target]:
    return [
        Target(f"{t.what} under {_duration(t.limit_ms)}", _duration(t.median_ms),
               t.median_ms < t.limit_ms)
        for t in timings
        if t.limit_ms is not None
    ]  # fmt: skip


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def storage_lines(timings: Sequence[Timing]) -> list[str]:
    lines = []
    for t in timings:
        runs = (
            f" (median of {', '.join(f'{ms:.0f}' for ms in t.runs_ms)})"
            if len(t.runs_ms) > 1
            else ""
        )
        lines.append(f"{t.what}: {_duration(t.median_ms)}{runs}; {t.did}")
    return lines


def target_lines(targets: Sequence[Target]) -> list[str]:
    return [f"[{'x' if t.met else ' '}] {t.text}: {t.value}" for t in targets]
