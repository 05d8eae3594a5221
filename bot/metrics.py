"""The bot's metrics, in the Prometheus text format.

Counts and durations only. Labels are fixed vocabularies (a job's name, a phase, a kind
of reminder, what retention removed): never a member id, a room id, a reference or a name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

# Handler latency buckets: from a quick command to a slow database (seconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Tally:
    """A running count kept by a component (the outbox, the transport …)."""

    name: str
    help: str
    value: Callable[[], float]
    labels: tuple[tuple[str, str], ...] = ()


class _Tallies(Collector):
    def __init__(self, source: Callable[[], Iterable[Tally]]) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        families: dict[str, CounterMetricFamily] = {}
        for tally in self.source():
            family = families.get(tally.name)
            if family is None:
                family = CounterMetricFamily(
                    tally.name, tally.help, labels=[k for k, _ in tally.labels]
                )
                families[tally.name] = family
            family.add_metric([v for _, v in tally.labels], tally.value())
        yield from families.values()


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_handled = Counter(
            "casusbot_messages_handled", "Messages from members the bot handled.", registry=r
        )
        self.handler_seconds = Histogram(
            "casusbot_handler_seconds",
            "Time to handle one message (decrypted event in, replies queued).",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.reminders_sent = Counter(
            "casusbot_reminders_sent", "Reminders queued, by kind.", ["kind"], registry=r
        )
        self.reminders_late = Counter(
            "casusbot_reminders_late",
            "Plan-van-aanpak reminders sent later than planned (the bot was down).",
            registry=r,
        )
        self.purges = Counter(
            "casusbot_purges_run", "Retention runs that removed something.", registry=r
        )
        self.purge_removed = Counter(
            "casusbot_purge_removed", "What retention removed, by kind.", ["what"], registry=r
        )
        self.outbox_depth = Gauge(
            "casusbot_outbox_depth", "Messages in the outbox, by state.", ["state"], registry=r
        )
        self.open_casussen = Gauge(
            "casusbot_open_casussen", "Casussen held, by phase.", ["phase"], registry=r
        )
        self.last_sync_age = Gauge(
            "casusbot_last_sync_age_seconds",
            "Seconds since the last successful sync with the homeserver.",
            registry=r,
        )

    def track(self, source: Callable[[], Iterable[Tally]]) -> None:
        """Counters that components keep themselves, read at each scrape."""
        self.registry.register(_Tallies(source))

    def render(self) -> bytes:
        return generate_latest(self.registry)


def label_value(text: str) -> str:
    """A fixed Dutch phrase ('dossiers opgeschoond') as a label value."""
    return "_".join(text.split())
