"""Time and timed work: the injectable clock now; reminders and retention jobs build on it."""
