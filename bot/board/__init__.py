"""The procesregie board: a read-only page the bot serves (aiohttp, its own port) and adds to
the procesregie room as an Element widget; sign-in through the Matrix widget API."""
