"""The conversation engine: multi-step forms as data, driven by a persisted state machine."""
