"""The procesregie board (an Element widget served by the bot): every open casus per phase,
without personal data."""
