"""A house that names everything its own way: every message the bot sends, every help text,
question, document and overview speaks the house's words, and never a national term that
the house renamed. Through the real router over a real database, with the jobs of a year.

The walk below reaches every command (its help line and its usage), every form, every
outcome of the werkproces and every timed message; the last test reads the source for
texts that bypass the wording table (a text no walk reaches is still caught there)."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.config import ConfigError
from bot.config_file import load_tool_settings
from bot.wiring import build_wording
from handlers.access import Caller
from handlers.beheer.members import MembershipService
from handlers.bord.service import board
from handlers.features import build_registry
from handlers.house import House, TriageConfig
from handlers.messages import Attachment, Incoming
from handlers.rechten.service import inzage
from handlers.router import Router
from handlers.vocabulary import Role
from handlers.wording import NATIONAL, Term, Wording, plural_of
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs import build_jobs
from storage.db import Database
from storage.models import OutboxMessage
from tests.databases import Databases
from tests.helpers import AANMELDING_ANSWERS, router_for

ROOT = Path(__file__).resolve().parent.parent

# Every national term a house may rename (DOMAIN.md, "Terminology"), as a word of its own.
NATIONAL_TERMS = re.compile(
    r"\b(casusoverleg\w*|procesregie\w*|procesregisseur\w*|casusregisseur\w*|triage\w*|"
    r"procesondersteuner\w*|managers?|ZVH|Zorg- en Veiligheidshuis)\b",
    re.IGNORECASE,
)

TWENTE = Wording(
    house_name="Veiligheidshuis Twente",
    huis="het Veiligheidshuis",
    casusoverleg=Term("MDO", "MDO's", "het"),
    procesregie=Term("procescoördinatie", "procescoördinatie"),
    procesregisseur=Term.of("procescoördinator"),
    casusregisseur=Term.of("uitvoerend coördinator", "uitvoerend coördinatoren"),
    triage=Term.of("weging"),
    procesondersteuner=Term.of("informatiecoördinator"),
    manager=Term.of("ketenmanager"),
    reference_prefix="VHT",
)
COORD, STEUN, KETEN, BEHEER = "@anna:vht.nl", "@bram:vht.nl", "@carla:vht.nl", "@dirk:vht.nl"
WIJK, AGENT, GEMEENTE, OFFICIER = "@eva:wijk.nl", "@fons:politie.nl", "@gijs:demo.nl", "@hans:om.nl"
EVERYONE = (COORD, STEUN, KETEN, BEHEER, WIJK, AGENT, GEMEENTE, OFFICIER)
START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # a Monday morning
_events = itertools.count()


def national(texts: list[str]) -> list[str]:
    """Every national term in ``texts``, with the words around it."""
    return [
        text[max(0, m.start() - 60) : m.end() + 30]
        for text in texts
        for m in NATIONAL_TERMS.finditer(text)
    ]


# --- the wording table ---------------------------------------------------------------------


def test_a_template_takes_the_house_words_with_their_articles_and_capitals() -> None:
    fill = TWENTE.fill
    assert fill("{Het casusoverleg} over {kenmerk} gaat door.") == (
        "Het MDO over VHT-2026-0042 gaat door."
    )
    assert fill("de {casusregisseurs} van {huis}") == (
        "de uitvoerend coördinatoren van het Veiligheidshuis"
    )
    assert fill("{Triage}-agenda, {dit casusoverleg}, {de procesregie}") == (
        "Weging-agenda, dit MDO, de procescoördinatie"
    )
    assert fill("{onbekend} en {} blijven staan") == "{onbekend} en {} blijven staan"
    tafel = Term.of("Regionale Casustafel", article="de")
    words = Wording(casusoverleg=tafel)
    assert words.fill("{het casusoverleg}, {dit casusoverleg}") == (
        "de Regionale Casustafel, deze Regionale Casustafel"
    )
    assert (tafel.adj("gepland"), Term("MDO", "MDO's", "het").adj("gepland")) == (
        "geplande", "gepland",
    )  # fmt: skip
    # The national words are the defaults: nothing changes for a house that renames nothing.
    assert NATIONAL.fill("{Het casusoverleg} en de {triage}") == "Het casusoverleg en de triage"


def test_plurals_follow_simple_rules_and_the_house_can_overrule_them() -> None:
    assert [plural_of(w) for w in ("MDO", "ICO", "weging", "procescoördinator",
                                   "casustafel", "ketenmanager", "overleg")] == [
        "MDO's", "ICO's", "wegingen", "procescoördinatoren", "casustafels",
        "ketenmanagers", "overleggen",
    ]  # fmt: skip


def _config(tmp_path: Path, terminology: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[house]\nname = "Veiligheidshuis Twente"\nreference_prefix = "VHT"\n'
        f"[house.terminology]\n{terminology}\n"
    )
    return path


def test_the_config_names_every_term_with_its_plural_and_article(tmp_path: Path) -> None:
    settings = load_tool_settings(_config(tmp_path, (
        'casusoverleg = { woord = "Regionale Casustafel", lidwoord = "de" }\n'
        'procesregisseur = { woord = "procescoördinator" }\n'
        'casusregisseur = { woord = "uitvoerend coördinator", '
        'meervoud = "uitvoerend coördinatoren" }\n'
        'triage = "weging"\nmanager = "ketenmanager"\nhuis = "het Veiligheidshuis"'
    )))  # fmt: skip
    words = build_wording(settings)
    assert words.casusoverleg == Term("Regionale Casustafel", "Regionale Casustafels", "de")
    assert words.procesregisseur.plural == "procescoördinatoren"
    assert words.casusregisseur.plural == "uitvoerend coördinatoren"
    assert (words.triage.singular, words.manager.plural) == ("weging", "ketenmanagers")
    assert words.procesondersteuner == NATIONAL.procesondersteuner, "not renamed"
    assert words.fill("{Huis} ({kenmerk})") == "Het Veiligheidshuis (VHT-2026-0042)"
    assert words.command_synonyms() == {"overleg": "casustafel", "triage": "weging"}


@pytest.mark.parametrize(
    "setting",
    ['triage = ""', 'triage = "{weging}"', 'casusoverleg = { woord = "MDO", lidwoord = "een" }'],
)
def test_a_term_that_is_no_word_is_refused_in_dutch(tmp_path: Path, setting: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_tool_settings(_config(tmp_path, setting))
    assert "house.terminology" in str(refused.value)


def test_the_commands_follow_the_words_and_the_national_ones_keep_working() -> None:
    registry = build_registry(House(words=TWENTE))
    for typed, meant in (("mdo plan VHT-2026-0001 9-3-2026 10:00", "overleg plan"),
                         ("overleg plan VHT-2026-0001 9-3-2026 10:00", "overleg plan"),
                         ("MDO verslag VHT-2026-0001", "overleg verslag"),
                         ("weging VHT-2026-0001", "triage"),
                         ("triage", "triage")):  # fmt: skip
        parsed = registry.parse(typed)
        assert parsed is not None, typed
        assert " ".join(parsed.command.phrases[-1]) == meant
    usages = {c.usage for c in registry.commands}
    assert "mdo verslag KENMERK" in usages
    assert "weging [KENMERK]" in usages
    assert not national(
        [c.usage for c in registry.commands] + [c.summary for c in registry.commands]
    )


# --- everything the bot says, in a house with its own words -------------------------------


class Walk:
    """The router and jobs of a house, a clock that moves a few seconds per message, and
    every message the bot queued (read from the outbox, then cleared)."""

    def __init__(self, db: Database, house: House) -> None:
        self.db, self.house = db, house
        self.clock = FrozenClock(START)
        self.router: Router = router_for(db, self.clock, house)
        self.jobs = build_jobs(house)
        self.seen: list[str] = []

    async def say(self, sender: str, *texts: str) -> list[str]:
        """Type ``texts`` in ``sender``'s own chat; what the bot sent anyone meanwhile."""
        before = len(self.seen)
        for text in texts:
            self.clock.advance(timedelta(seconds=5))
            await self.router.on_message(Incoming(
                room_id=f"!dm-{sender}", sender=sender, body=text,
                event_id=f"$w{next(_events)}", timestamp=self.clock.now(), encrypted=True,
                room_members=2,
            ))  # fmt: skip
            await self.collect()
        return self.seen[before:]

    async def run_jobs(self, days: int, every: int = 1) -> None:
        """Let ``days`` pass, every job running each ``every`` days (what is due is done
        when the jobs run next, as after a bot that was down)."""
        for _ in range(days // every):
            self.clock.advance(timedelta(days=every))
            for job in self.jobs:
                await run_job(self.db.transaction, job, self.clock.now())
            await self.collect()

    async def collect(self) -> None:
        async with self.db.transaction() as unit:
            rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
            self.seen += [row.plain for row in rows]
            # A document sent as a file (the overdracht) is read too.
            self.seen += [
                attached.data.decode()
                for row in rows
                if row.attachment
                and (attached := Attachment.from_json(row.attachment)).mimetype.startswith("text/")
            ]
            await unit.session.execute(delete(OutboxMessage))


@pytest.fixture
async def walk(databases: Databases) -> AsyncIterator[Walk]:
    db = Database(databases.url("wording"))
    await db.migrate()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for key, name in (("vht", "Veiligheidshuis"), ("wijkteam", "Wijkteam"),
                          ("politie", "Politie"), ("demostad", "Gemeente Demostad"),
                          ("om", "Openbaar Ministerie")):  # fmt: skip
            await members.add_organisation(key, name, START)
        for user, org, role in ((COORD, "vht", "procesregisseur"),
                                (STEUN, "vht", "procesondersteuner"), (KETEN, "vht", "manager"),
                                (BEHEER, "vht", "beheerder"), (WIJK, "wijkteam", "partner"),
                                (AGENT, "politie", "partner"), (GEMEENTE, "demostad", "partner"),
                                (OFFICIER, "om", "partner")):  # fmt: skip
            await members.add_member(user, org, role, START)
            await members.record_direct_room(user, f"!dm-{user}")
    house = House(words=TWENTE, triage=TriageConfig(agenda_partners=("politie",)))
    yield Walk(db, house)
    await db.close()


async def _aanmelding(walk: Walk) -> str:
    done = await walk.say(WIJK, "aanmelden", *AANMELDING_ANSWERS, "bevestig")
    return next(
        word.rstrip(".") for text in done for word in text.split() if word.startswith("VHT-")
    )


async def test_every_message_speaks_the_house_words(walk: Walk) -> None:
    registry = build_registry(walk.house)
    # Help and "who am I" for every role, and every command's usage as a mistyped command.
    for member in EVERYONE:
        await walk.say(member, "hulp", "wie ben ik")
        for found in registry.commands:
            await walk.say(member, " ".join(found.phrases[0]))
            await walk.say(member, "stop", "ja")  # a command that started a form
    await walk.say(COORD, "kenmerk-dat-niet-bestaat", "weging geen-kenmerk")
    await walk.say(BEHEER, "lid toevoegen @ivo:vht.nl vht procescoördinator",
                   "lid toevoegen @ivo:vht.nl vht regisseur", "leden vht")  # fmt: skip
    # The main route: aanmelding, weging with verrijking, MDO, plan, afschaling.
    casus = await _aanmelding(walk)
    await walk.say(COORD, f"weging {casus}", f"verrijk {casus}", f"verrijk {casus} standaard",
                   f"verrijk {casus} demostad wijkteam")  # fmt: skip
    await walk.say(AGENT, f"beantwoord {casus}", "ja", "Bekend van meldingen.", "ja", "bevestig")
    await walk.say(STEUN, f"verrijking vastleggen {casus} demostad", "telefonisch", "nee",
                   "bevestig")  # fmt: skip
    await walk.say(COORD, f"besluit {casus} mdo", "Rust in de buurt.", "Wonen, schulden.",
                   "politie, wijkteam", "bevestig")  # fmt: skip
    when = (walk.clock.now() + timedelta(days=7)).astimezone(walk.house.zone)
    await walk.say(COORD, f"mdo plan {casus} {when:%d-%m-%Y} 10:00 Stadhuis",
                   f"mdo verzet {casus} {when:%d-%m-%Y} 11:00",
                   f"mdo deelnemer toevoegen {casus} om op-verzoek incidenteel",
                   f"mdo verslag {casus}", f"mdo verslag {casus} toch", AGENT,
                   f"Huisbezoek; wijkteam; {when:%d-%m-%Y}\nAdvies; politie; {when:%d-%m-%Y}",
                   "De wijkagent.", "Rust in de buurt.", "overslaan", "bevestig")  # fmt: skip
    await walk.say(WIJK, f"actie {casus} 1 uitstel {when + timedelta(days=14):%d-%m-%Y} drukte")
    await walk.say(AGENT, f"actie {casus} 1 akkoord", f"pva {casus}", "mijn casussen",
                   f"actie toevoegen {casus} Bellen; politie; {when:%d-%m-%Y}")  # fmt: skip
    await walk.say(OFFICIER, f"actie {casus} 1 gereed")
    await walk.say(COORD, f"geïnformeerd {casus}", "overzicht", f"persoon toevoegen {casus}",
                   "zoon", "Piet", "Nep", "3-4-2012", "ja", "bevestig")  # fmt: skip
    # The other outcomes, a casus without MDO, and what the procesregie can do for partners.
    geen, vraag, zonder, over, stil = [await _aanmelding(walk) for _ in range(5)]
    await walk.say(COORD, f"besluit {geen} geen-casus", f"besluit {geen} geen-casus toch",
                   "Bel het wijkteam.", "bevestig",
                   f"besluit {vraag} onduidelijk", "Wat is er al geprobeerd?", "bevestig",
                   f"besluit {zonder} casus zonder mdo", f"besluit {zonder} casus zonder mdo toch",
                   f"besluit {over} casus zonder mdo toch",
                   f"besluit {stil} casus zonder mdo toch",  # left alone: "nog nodig?"
                   f"overdragen {over} politie voornaam, achternaam, plan",
                   f"aanmelden namens {WIJK}", "stop", "ja", "cijfers")  # fmt: skip
    await walk.say(WIJK, "incident melden", "1", "Verkeerd gestuurd bericht.", "bevestig")
    for soort in ("inzage", "bezwaar"):
        await walk.say(BEHEER, f"verzoek {soort} {casus}", "Testje van Nepnaam, 3-4-1990",
                       "vandaag", "Alles wat er is.", "bevestig")  # fmt: skip
    await walk.say(BEHEER, "verzoeken", "verzoek 1", "verzoek 2")
    await walk.say(COORD, f"pva {casus}", f"weging {casus}")  # held: a bezwaar runs
    # A year of jobs: agendas, reminders, escalations, "nog nodig?", informing, retention.
    await walk.run_jobs(40)
    await walk.say(COORD, f"afschalen {casus} toch", "1", "ja", "bevestig",
                   f"afsluiten {zonder}", "2", "overslaan", "bevestig")  # fmt: skip
    await walk.run_jobs(400, every=3)

    assert len({text for text in walk.seen if not text.startswith("Auditanker")}) > 200
    assert not national(walk.seen)
    said = "\n".join(walk.seen)
    for word in ("MDO", "weging", "procescoördinator", "procescoördinatie",
                 "uitvoerend coördinator", "informatiecoördinator", "ketenmanager",
                 "Veiligheidshuis", "VHT-2026-0042", "mdo plan"):  # fmt: skip
        assert word in said, word


async def test_the_documents_and_the_board_speak_the_house_words(walk: Walk) -> None:
    casus = await _aanmelding(walk)
    await walk.say(COORD, f"besluit {casus} mdo toch", "Rust.", "Wonen.", "politie", "bevestig")
    async with walk.db.transaction() as unit:
        made = await inzage(unit, "van Nepnaam", date(1990, 4, 3), "test", walk.clock.now(),
                            walk.house)  # fmt: skip
        caller = Caller(COORD, Role.PROCESREGISSEUR, "vht", "Veiligheidshuis")
        shown = await board(unit, walk.house, caller, walk.clock.now())
    assert made.references == [casus]
    assert "# Inzage: gegevens bij Veiligheidshuis Twente" in made.markdown
    assert "uitkomst weging: casus voor MDO" in made.markdown
    labels = [column["label"] for column in shown["columns"]]
    assert {"In MDO", "In weging"} <= set(labels)
    assert shown["words"] == {"title": "Procescoördinatie-bord",
                              "casusregisseur": "uitvoerend coördinator"}  # fmt: skip
    assert not national([made.markdown, *labels, *shown["words"].values()])


# --- the source ----------------------------------------------------------------------------


def _texts(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that read as text (not docstrings, not identifiers),
    with the house's placeholders taken out."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }  # fmt: skip
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = re.sub(r"\{\w+(?: \w+)?\}", "", node.value)
            if id(node) not in docstrings and (" " in text.strip() or text != text.lower()):
                found.append((node.lineno, text))
    return found


def test_no_text_of_the_bot_hard_codes_a_national_term() -> None:
    """What members read is made in handlers/ and scheduler/ (the bot's own user-facing
    lines are neutral): a national term there is a text that bypasses the wording table."""
    allowed = {ROOT / "handlers" / "wording.py"}  # the table itself
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for package in ("handlers", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in allowed
        for line, text in _texts(path)
        if NATIONAL_TERMS.search(text)
    ]
    assert offending == []
