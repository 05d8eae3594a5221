"""Time and timed work: the injectable clock, working hours, the APScheduler tick, and the
jobs (``scheduler/jobs``) with their one contract (``scheduler/job.py``)."""
