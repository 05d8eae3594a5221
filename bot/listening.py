"""Starting one of the bot's HTTP sites (health and metrics, the board) on its configured
address, with a Dutch configuration error when the port is taken."""

from __future__ import annotations

from aiohttp import web

from bot.config import ConfigError


async def listen(
    app: web.Application, host: str, port: int, setting: str, error: type[ConfigError]
) -> tuple[web.AppRunner, int]:
    """The running site and the port it got (``port`` 0: any free one)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as problem:
        await runner.cleanup()
        raise error(
            f"{setting}.port: {host}:{port} is niet beschikbaar ({problem.strerror}); "
            f"kies een andere poort of zet {setting}.enabled = false"
        ) from None
    sockets = getattr(site._server, "sockets", None) or []
    return runner, int(sockets[0].getsockname()[1]) if sockets else port
