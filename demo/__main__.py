"""``python -m demo``: a local homeserver, the bot and demo members; plays one whole casus.

``scripts/run`` calls this after setting up; see the README's "The two commands".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.logs import setup_logging
from demo.play import run_demo


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Lokale homeserver + bot + demogebruikers starten (alles in één keer).",
    )
    parser.add_argument("--state-dir", type=Path, default=Path("var/demo"))
    parser.add_argument("--port", type=int, default=8008)
    parser.add_argument(
        "--health-port", type=int, default=9464, help="poort voor /healthz en /metrics (0: vrij)"
    )
    parser.add_argument(
        "--once", action="store_true", help="alleen het gescripte gesprek spelen en daarna stoppen"
    )
    args = parser.parse_args()
    setup_logging("WARNING", "text")
    try:
        return run_demo(args.state_dir, args.port, once=args.once, health_port=args.health_port)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
