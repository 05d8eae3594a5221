"""The retention run: what the policy says must be gone, goes (``handlers/retention``).

The due casussen are handled ``batch_size`` to a unit of work (each statement covers the
whole batch): one transaction per casus (a commit, a scrub of the log and a dozen
statements each) made 10,000 due casussen take over four minutes (bench/storage.py); a
batch of 100 holds the write lock for a fraction of a second. The first unit of work plans
(references and dates of every candidate; planning again for every batch made 10,000
casussen take 30 s instead of 7), the next ones work through the plan, each step checked
against what is left to do, so a run that stops half-way is finished by the next one (which
plans anew). The last round takes back
orphaned messages, drops audit entries past their years, and, when the run did anything,
records its counts in the audit log and tells the managers.
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.access import REPORT_ROLES
from handlers.conversation.parsing import format_date
from handlers.directory import Directory
from handlers.house import House
from handlers.retention.service import add_months, due, purge_batch
from handlers.retention.texts import purge_report
from handlers.vocabulary import AuditKind
from scheduler.job import Job, JobRun
from storage.unit import Unit

log = logging.getLogger(__name__)

PURGE_BATCH = 100


def retention(house: House, batch_size: int = PURGE_BATCH) -> Job:
    policy = house.retention

    async def purge(unit: Unit, now: datetime, run: JobRun) -> None:
        today = now.astimezone(house.zone).date()
        if run.todo is None:
            run.todo = await due(unit, house, today)
        if run.todo:
            batch, run.todo = run.todo[:batch_size], run.todo[batch_size:]
            report = await purge_batch(unit, house, batch, now)
            run.removed.update(report.counts)
            run.send(*report.outgoing)
            run.more = True  # the next batch, or the last round
            return
        run.removed["berichten teruggenomen"] += await unit.sent.redact_orphans()
        cutoff = datetime.combine(add_months(now.date(), -12 * policy.audit_years), now.timetz())
        run.removed["auditregels verwijderd"] += await unit.audit.delete_before(cutoff, now)
        counts = {what: n for what, n in run.removed.items() if n}
        if not counts:
            return
        await unit.audit.add(now, AuditKind.PURGE, "casusbot", None, counts)
        text = purge_report(format_date(today), counts)
        run.send(*await Directory(unit, house).to_roles(REPORT_ROLES, text))
        log.info("retention run: %s", counts)

    return Job("retention", purge)
