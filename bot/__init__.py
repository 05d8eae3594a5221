"""The bot process: Matrix transport, configuration, logging and app wiring."""
