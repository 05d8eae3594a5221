"""``python -m bench.run``: the whole benchmark, with the figures side by side.

Starts a throw-away Synapse, casusbot (``casusbot run``) and the echo bot, drives N
members at once through complete aanmeldingen over E2EE for each N, then times the
retention purge and the reminder tick on generated databases. Prints one table, the
ratios and which targets are met; ``--json`` also writes every figure to a file.
Everything lives under ``--dir`` (default ``var/bench``), which is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import shutil
import sys
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path

from bench.matrix import INTAKE, TARGETS, Options, PhaseResult, run_matrix
from bench.proc import cpu_model, loadavg
from bench.report import (
    matrix_table,
    matrix_targets,
    percentile,
    ratios,
    storage_lines,
    storage_targets,
    target_lines,
)
from bench.storage import Timing, run_storage

MAX_INTAKES_PER_MINUTE = 3  # 3 x 16 messages + the warm-up stay under 60 a minute


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--members", default="1,10,50",
                        help="the values of N, comma-separated (default 1,10,50)")  # fmt: skip
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help=f"complete aanmeldingen per member ({len(INTAKE)} messages each)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds without a reply before a message counts as lost",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="seconds to wait for late or doubled replies after each phase",
    )
    parser.add_argument(
        "--casussen", type=int, default=10_000, help="afgeschaalde casussen for the retention purge"
    )
    parser.add_argument(
        "--actions",
        type=int,
        default=50_000,
        help="open plan-van-aanpak actions for the reminder tick",
    )
    parser.add_argument("--skip-matrix", action="store_true", help="storage benchmarks only")
    parser.add_argument("--skip-storage", action="store_true", help="Matrix benchmark only")
    parser.add_argument("--dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help="responders to measure, in this order (default floor,echo,casusbot)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="record py-spy profiles of casusbot's phases into this directory",
    )
    return parser


def machine() -> list[str]:
    return [
        f"CPU: {cpu_model()}, {_nproc()} cores; Linux {platform.release()}",
        f"Python {platform.python_version()}, matrix-nio {version('matrix-nio')}, "
        f"matrix-synapse {version('matrix-synapse')}, SQLAlchemy {version('sqlalchemy')}",
        f"load average before the run: {loadavg()}",
    ]


def _nproc() -> int:
    import os

    return len(os.sched_getaffinity(0))


def print_report(results: list[PhaseResult], storage: list[Timing]) -> bool:
    met = True
    if results:
        print("\nRound trips (latency from send to the reply arriving at the member)\n")
        print(matrix_table(results))
        print("\nCPU ms/msg: CPU of the responder process (floor: the partner clients) per "
              "reply; Synapse likewise.\nother CPU: the share of a core that processes "
              "outside the benchmark used during the phase; runs: 2 when the first was "
              "disturbed.")  # fmt: skip
        print("\nRatios:")
        for line in ratios(results):
            print(f"  {line}")
        for r in results:
            if r.flood_notices:
                print(f"  warning: {r.flood_notices} flood-protection notices at N={r.members}")
        targets = matrix_targets(results)
        print("\nTargets:")
        for line in target_lines(targets):
            print(f"  {line}")
        met = all(t.met for t in targets)
    if storage:
        print("\nStorage (SQLite)\n")
        for line in storage_lines(storage):
            print(f"  {line}")
        targets = storage_targets(storage)
        print("\nTargets:")
        for line in target_lines(targets):
            print(f"  {line}")
        met = met and all(t.met for t in targets)
    return met


def _json(results: list[PhaseResult], storage: list[Timing]) -> dict[str, object]:
    return {
        "machine": machine(),
        "matrix": [
            {
                **asdict(r),
                "latencies_ms": None,
                "p50_ms": percentile(r.latencies_ms, 50),
                "p95_ms": percentile(r.latencies_ms, 95),
                "p99_ms": percentile(r.latencies_ms, 99),
            }
            for r in results
        ],
        "storage": [asdict(t) for t in storage],
    }


async def _main(args: argparse.Namespace) -> int:
    # nio warns about every new device it encrypts to; routine here.
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("nio").setLevel(logging.ERROR)
    sizes = tuple(int(n) for n in args.members.split(","))
    if args.rounds > MAX_INTAKES_PER_MINUTE:
        print(f"--rounds above {MAX_INTAKES_PER_MINUTE} trips casusbot's flood protection "
              "(60 messages a minute per member) at N=1", file=sys.stderr)  # fmt: skip
        return 2
    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    for line in machine():
        print(line)
    results: list[PhaseResult] = []
    if not args.skip_matrix:
        targets = tuple(args.targets.split(","))
        if not set(targets) <= set(TARGETS):
            print(f"--targets: choose from {', '.join(TARGETS)}", file=sys.stderr)
            return 2
        options = Options(
            sizes, args.rounds, args.timeout, args.settle, args.dir.resolve(), args.profile,
            targets,
        )  # fmt: skip
        results = await run_matrix(options)
    storage: list[Timing] = []
    if not args.skip_storage:
        storage = await run_storage(args.dir / "storage", args.casussen, args.actions)
    met = print_report(results, storage)
    print(f"\nload average after the run: {loadavg()}")
    if args.json is not None:
        args.json.write_text(json.dumps(_json(results, storage), indent=2), encoding="utf-8")
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(_main(_parser().parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
