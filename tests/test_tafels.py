"""The house's tafels as configuration: the shipped examples (nazorg ex-gedetineerden,
radicalisering, IJsselland's Regionale Casustafel) loaded from ``docs/tafels/`` and run
through the real router over a real database, with the jobs: who may put a casus forward
where, the tafel's triage outcomes and partner set, no plan van aanpak but a stoplicht,
the release-date reminder, moving an aanmelding at the triage, the weegploeg's agenda,
IJsselland's monitoring agenda, and retention, overviews and figures per tafel."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy import text as sql

from bot.config import ConfigError
from bot.config_file import load_tool_settings
from bot.wiring import build_house
from handlers.beheer.members import MembershipService
from handlers.house import House
from handlers.messages import Incoming
from handlers.rechten.service import inzage
from handlers.retention.service import fates
from handlers.router import Router
from handlers.vocabulary import TriageStatus
from scheduler.clock import FrozenClock
from scheduler.job import run_job
from scheduler.jobs import build_jobs
from storage.db import Database
from storage.models import Aanmelding, OutboxMessage
from tests.databases import Databases
from tests.helpers import AANMELDING_ANSWERS, router_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "tafels"
REGISSEUR, STEUN = "@anna:zvh.nl", "@bram:zvh.nl"
WIJK, AGENT, WETHOUDER, DJI = (
    "@eva:wijk.nl",
    "@fons:politie.nl",
    "@gijs:gemeente.nl",
    "@dini:dji.nl",
)
START = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # a Monday morning
_events = itertools.count()

# The nazorg intake, in order: the signal with the expected release date.
NAZORG_ANSWERS = [
    "Testje", "van Nepnaam", "overslaan", "3-4-1990", "15-4-2026", "Demostad", "Demostad",
    "Vrijlating na 2 jaar; geen woning, schulden.", "Onderdak en inkomen bij terugkeer.",
    "geen", "ik",
]  # fmt: skip


def house_with(tmp_path: Path, *examples: str, extra: str = "") -> House:
    """A house with the shipped example tafels (as a beheerder would paste them)."""
    text = "".join((EXAMPLES / f"{name}.toml").read_text() + "\n" for name in examples)
    path = tmp_path / "config.toml"
    path.write_text(extra + text)
    return build_house(load_tool_settings(path))


class Tafels:
    """The router and jobs of a house; a clock that moves a few seconds per message."""

    def __init__(self, db: Database, house: House) -> None:
        self.db, self.house = db, house
        self.clock = FrozenClock(START)
        self.router: Router = router_for(db, self.clock, house)
        self.jobs = build_jobs(house)

    async def say(self, sender: str, *texts: str) -> dict[str, list[str]]:
        """Type ``texts`` in ``sender``'s own chat; what the bot queued, per member."""
        queued: dict[str, list[str]] = {}
        for text in texts:
            self.clock.advance(timedelta(seconds=5))
            await self.router.on_message(Incoming(
                room_id=f"!dm-{sender}", sender=sender, body=text,
                event_id=f"$t{next(_events)}", timestamp=self.clock.now(), encrypted=True,
                room_members=2,
            ))  # fmt: skip
            for room, texts_ in (await self.outbox()).items():
                queued.setdefault(room, []).extend(texts_)
        return queued

    async def outbox(self) -> dict[str, list[str]]:
        queued: dict[str, list[str]] = {}
        async with self.db.transaction() as unit:
            rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
            for row in rows:
                queued.setdefault(row.room_id.removeprefix("!dm-"), []).append(row.plain)
            await unit.session.execute(delete(OutboxMessage))
        return queued

    async def run_jobs(self, days: int) -> dict[str, list[str]]:
        """Let ``days`` pass, the jobs running every morning and afternoon."""
        queued: dict[str, list[str]] = {}
        for _ in range(days * 2):
            self.clock.advance(timedelta(hours=12))
            for job in self.jobs:
                await run_job(self.db.transaction, job, self.clock.now())
            for room, texts in (await self.outbox()).items():
                queued.setdefault(room, []).extend(texts)
        return queued

    async def casus(self, reference: str) -> Aanmelding:
        async with self.db.reading() as unit:
            found = await unit.aanmeldingen.by_reference(reference)
            assert found is not None
            return found

    async def file(self, sender: str, command: str, answers: list[str]) -> str:
        done = await self.say(sender, command, *answers, "bevestig")
        return next(word.rstrip(".") for text in done[sender] for word in text.split()
                    if word.startswith("ZVH-"))  # fmt: skip


@pytest.fixture
async def database(databases: Databases) -> AsyncIterator[Database]:
    db = Database(databases.url("tafels"))
    await db.migrate()
    async with db.transaction() as unit:
        members = MembershipService(unit)
        for key, name in (("zvh", "ZVH"), ("wijkteam", "Wijkteam"), ("politie", "Politie"),
                          ("gemeente", "Gemeente Demostad"), ("om", "Openbaar Ministerie"),
                          ("reclassering", "Reclassering"), ("dji", "DJI")):  # fmt: skip
            await members.add_organisation(key, name, START)
        for user, org, role in ((REGISSEUR, "zvh", "procesregisseur"),
                                (STEUN, "zvh", "procesondersteuner"),
                                (WIJK, "wijkteam", "partner"), (AGENT, "politie", "partner"),
                                (WETHOUDER, "gemeente", "partner"),
                                (DJI, "dji", "partner")):  # fmt: skip
            await members.add_member(user, org, role, START)
            await members.record_direct_room(user, f"!dm-{user}")
    yield db
    await db.close()


def joined(queued: dict[str, list[str]], member: str) -> str:
    return "\n".join(queued.get(member, []))


# --- configuration ---------------------------------------------------------------------


def test_the_shipped_examples_load_as_tafels(tmp_path: Path) -> None:
    house = house_with(tmp_path, "nazorg", "radicalisering")
    assert [t.key for t in house.tafels.all] == ["casusoverleg", "nazorg", "radicalisering"]
    nazorg, radicalisering = house.tafel("nazorg"), house.tafel("radicalisering")
    assert not nazorg.plan_van_aanpak
    assert nazorg.regie_only
    assert nazorg.leefgebieden == ("identiteitsbewijs", "onderdak", "inkomen", "schulden", "zorg")
    assert [b.key for b in radicalisering.outcomes] == [
        "agenderen", "meer-informatie", "onvoldoende-substantieel",
    ]  # fmt: skip
    assert house.retention_for("radicalisering").clean_months == 12
    assert house.retention_for("casusoverleg").clean_months == 6
    assert house.words.tafel("nazorg") == "Nazorg ex-gedetineerden"
    ijsselland = house_with(tmp_path, "ijsselland")
    assert not ijsselland.tafels.several
    assert ijsselland.tafels.default.monitoring
    assert "zsm-advies" in [b.key for b in ijsselland.tafels.default.outcomes]


@pytest.mark.parametrize(
    ("tafel", "expected"),
    [
        ('[tafels.xy]\nname = "X"\nplan_van_aanpak = false', "zonder plan van aanpak horen"),
        ('[tafels.xy]\nname = "X"\nplan_van_aanpak = false\n[[tafels.xy.outcomes]]\n'
         'key = "aa"\nlabel = "A"\neffect = "casusoverleg"', "zonder effect casusoverleg"),
        ("[tafels.xy]\nleefgebieden = []", "geef de tafel een naam"),
        ('[tafels.xy]\nname = "X"\nintake_form = "schoenen"', "onbekend formulier"),
        ('[tafels.xy]\nname = "X"\nclean_months = 12\ndelete_months = 6', "delete_months"),
        ('[tafels.xy]\nname = "X"\ndelete_months = 3', "korter dan clean_months"),
        ('[tafels.xy]\nname = "X"\n[[tafels.xy.outcomes]]\nkey = "aa"\nlabel = "A"\n'
         'effect = "onduidelijk"', "minstens één uitkomst die besluit"),
        ('[tafels.xy]\nname = "X"\n[[tafels.xy.outcomes]]\nkey = "geen-casus"\nlabel = "A"\n'
         'effect = "casusoverleg"', "landelijke uitkomst met een ander effect"),
        ('[tafels.xy]\nname = "X"\n[[tafels.xy.outcomes]]\nkey = "aa"\nlabel = "A"\n'
         'effect = "misschien"', "tafels.xy.outcomes"),
    ],
)  # fmt: skip
def test_a_wrong_tafel_stops_the_bot_with_one_dutch_line(
    tmp_path: Path, tafel: str, expected: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(tafel + "\n")
    with pytest.raises(ConfigError) as refused:
        build_house(load_tool_settings(path))
    assert expected in str(refused.value)
    assert "tafels" in str(refused.value)


# --- the werkproces per tafel ------------------------------------------------------------


async def test_the_aanmelder_chooses_among_the_tafels_open_to_them(
    database: Database, tmp_path: Path
) -> None:
    bot = Tafels(database, house_with(tmp_path, "nazorg", "radicalisering"))
    # The wijkteam is no kernpartner and nazorg is the procesregie's: one tafel, no question.
    started = joined(await bot.say(WIJK, "aanmelden"), WIJK)
    assert "Wat is de voornaam" in started
    assert "Bij welke tafel" not in started
    await bot.say(WIJK, "stop", "ja")
    refused = joined(await bot.say(WIJK, "aanmelden radicalisering", "aanmelden nazorg"), WIJK)
    assert "Bij Radicalisering kun jij niet aanmelden: daar melden alleen de aangewezen " in refused
    assert "Bij Nazorg ex-gedetineerden kun jij niet aanmelden: dat doet de procesregie." in refused
    # The police is a kernpartner: asked which, with numbers; nazorg is not offered.
    asked = joined(await bot.say(AGENT, "aanmelden"), AGENT)
    assert "Bij welke tafel meld je aan?" in asked
    assert "1. Casusoverleg" in asked
    assert "2. Radicalisering" in asked
    assert "Nazorg" not in asked
    assert "Onbekende tafel" in joined(await bot.say(AGENT, "aanmelden schaakclub"), AGENT)
    reference = await bot.file(AGENT, "aanmelden 2", AANMELDING_ANSWERS)
    casus = await bot.casus(reference)
    assert casus.tafel == "radicalisering"
    # The procesregie is asked the weegploeg (the tafel's standard set), never the wijkteam
    # the aanmelder named as involved: that partner is outside this tafel's circle.
    shown = joined(await bot.say(REGISSEUR, f"triage {reference}"), REGISSEUR)
    assert f"Triage {reference}" in shown
    asked = joined(await bot.say(REGISSEUR, f"verrijk {reference}"), REGISSEUR)
    assert "Wijkteam" not in asked
    assert "Gemeente Demostad (voorgesteld)" in asked
    assert "Reclassering (voorgesteld)" in asked
    refused = joined(await bot.say(REGISSEUR, f"verrijk {reference} wijkteam"), REGISSEUR)
    assert "Gevraagd" not in refused
    done = joined(await bot.say(REGISSEUR, f"verrijk {reference} standaard"), REGISSEUR)
    assert "Gevraagd: " in done
    assert "Wijkteam" not in done
    async with database.reading() as unit:
        asked_orgs = {r.organisation_key for r in await unit.verrijking.for_aanmelding(casus.id)}
    assert asked_orgs == {"gemeente", "om", "reclassering"}


async def test_the_weegploeg_decides_in_its_own_words_and_keeps_its_circle(
    database: Database, tmp_path: Path
) -> None:
    bot = Tafels(database, house_with(tmp_path, "radicalisering"))
    regular = await bot.file(WIJK, "aanmelden", AANMELDING_ANSWERS)
    reference = await bot.file(AGENT, "aanmelden radicalisering", AANMELDING_ANSWERS)
    # The weegploeg (its agenda partners) get this tafel's agenda, not the regular one.
    agenda = await bot.run_jobs(7)
    police = joined(agenda, AGENT)
    assert "Triage-agenda" in police
    assert reference in police
    assert regular not in police
    assert regular in joined(agenda, REGISSEUR)
    assert reference in joined(agenda, REGISSEUR)
    choices = joined(await bot.say(REGISSEUR, f"besluit {reference}"), REGISSEUR)
    assert "agenderen in het casusoverleg" in choices
    assert "onvoldoende-substantieel" in choices
    wrong = joined(await bot.say(REGISSEUR, f"besluit {reference} casusoverleg"), REGISSEUR)
    assert "Onbekende uitkomst. Kies uit: agenderen | meer-informatie | " in wrong
    form = joined(await bot.say(REGISSEUR, f"besluit {reference} agenderen toch"), REGISSEUR)
    assert "Uitkomst: agenderen in het casusoverleg (werkt als: casus voor casusoverleg)." in form
    participants = joined(await bot.say(REGISSEUR, "Inschatten.", "Veiligheid."), REGISSEUR)
    assert "Politie" in participants
    assert "Wijkteam" not in participants
    assert "niet" in joined(await bot.say(REGISSEUR, "wijkteam"), REGISSEUR).lower()
    decided = await bot.say(REGISSEUR, "politie, om", "bevestig")
    assert (f"Uitkomst triage {reference}: agenderen in het casusoverleg — de casus komt in een "
            "casusoverleg") in joined(decided, AGENT)  # fmt: skip
    casus = await bot.casus(reference)
    assert (casus.triage_status, casus.triage_uitkomst) == (TriageStatus.CASUSOVERLEG, "agenderen")
    # Adding a partner outside the kernpartners to its casusoverleg is refused.
    added = joined(await bot.say(
        REGISSEUR, f"overleg deelnemer toevoegen {reference} wijkteam op-verzoek"
    ), REGISSEUR)  # fmt: skip
    assert "Wijkteam hoort niet bij de partners van Radicalisering" in added
    # Its own retention: cleaned 12 months after it closed, the regular tafel's 6.
    async with database.transaction() as unit:
        for ref in (reference, regular):
            found = await unit.aanmeldingen.by_reference(ref)
            assert found is not None
            found.triage_status, found.closed_on = TriageStatus.CASUSOVERLEG, date(2026, 4, 1)
    async with database.reading() as unit:
        dated = {f.reference: f.clean_on for f in await fates(unit, bot.house, date(2026, 4, 2))}
    assert dated[reference] == date(2027, 4, 1)
    assert dated[regular] == date(2026, 10, 1)


async def test_nazorg_has_a_stoplicht_no_plan_and_a_release_reminder(
    database: Database, tmp_path: Path
) -> None:
    bot = Tafels(database, house_with(tmp_path, "nazorg"))
    # The procesregie records DJI's signal on DJI's behalf, with the release date.
    reference = await bot.file(REGISSEUR, f"aanmelden nazorg namens {DJI}", NAZORG_ANSWERS)
    casus = await bot.casus(reference)
    assert (casus.tafel, casus.vrijlating_op) == ("nazorg", date(2026, 4, 15))
    assert casus.aanmelder_matrix_id == DJI
    shown = joined(await bot.say(REGISSEUR, f"triage {reference}"), REGISSEUR)
    assert "Nazorg ex-gedetineerden" in joined(await bot.say(REGISSEUR, "overzicht"), REGISSEUR)
    assert shown
    decided = await bot.say(REGISSEUR, f"besluit {reference} nazorg toch")
    assert "nazorgtraject: informatie-uitwisseling met de vaste partners — " in joined(
        decided, DJI
    )  # fmt: skip
    refused = joined(await bot.say(REGISSEUR, f"pva {reference}"), REGISSEUR)
    assert "zonder plan van aanpak" in refused
    assert f"stoplicht {reference}" in refused
    lights = joined(await bot.say(REGISSEUR, f"stoplicht {reference} onderdak rood inkomen geel"),
                    REGISSEUR)  # fmt: skip
    assert "zwaarste: 🔴 rood" in lights
    rows = dict(line.split(" | ")[:2] for line in lights.splitlines() if " | " in line)
    assert (rows.get("onderdak"), rows.get("inkomen"), rows.get("zorg")) == (
        "🔴 rood", "🟠 oranje", "—",
    )  # fmt: skip
    wrong = joined(await bot.say(REGISSEUR, f"stoplicht {reference} hobby rood"), REGISSEUR)
    assert "'hobby' is geen leefgebied hier. Kies uit: identiteitsbewijs, onderdak" in wrong
    assert "geen kleur" in joined(await bot.say(REGISSEUR, f"stoplicht {reference} zorg paars"),
                                  REGISSEUR)  # fmt: skip
    # Not for partners: the zwaarte is the procesregie's.
    assert joined(await bot.say(WIJK, f"stoplicht {reference} zorg rood"), WIJK) == (
        "Dat kan ik voor jouw rol niet doen."
    )
    assert "zorg" not in json.loads((await bot.casus(reference)).zwaarte or "{}")
    # Two weeks before the release date the procesregisseur hears it, once, as an m.text
    # that mentions them; jobs running on do not repeat it.
    reminded = await bot.run_jobs(30)
    about = [t for t in reminded.get(REGISSEUR, []) if "verwachte vrijlating" in t]
    assert len(about) == 1
    assert f"{reference}: de verwachte vrijlating is over " in about[0]
    assert "15 april 2026" in about[0]
    assert (await bot.casus(reference)).vrijlating_reminded_at is not None
    # The release is put off: the date corrected, and the reminder comes again before it.
    moved = joined(await bot.say(REGISSEUR, f"vrijlating {reference} 20-5-2026"), REGISSEUR)
    assert f"{reference}: verwachte vrijlating 20 mei 2026." in moved
    assert "meer dan vijf jaar" in joined(
        await bot.say(REGISSEUR, f"vrijlating {reference} 1-1-2040"), REGISSEUR
    )  # fmt: skip
    again = [t for t in (await bot.run_jobs(50)).get(REGISSEUR, []) if "vrijlating is" in t]
    assert len(again) == 1
    assert "20 mei 2026" in again[0]


async def test_the_reminder_is_a_notifying_message_that_survives_a_restart(
    database: Database, tmp_path: Path
) -> None:
    house = house_with(tmp_path, "nazorg")
    bot = Tafels(database, house)
    reference = await bot.file(REGISSEUR, "aanmelden nazorg", NAZORG_ANSWERS)
    await bot.say(REGISSEUR, f"besluit {reference} nazorg toch")
    bot.clock.advance(timedelta(days=29))  # 31 March, a Tuesday: 15 days before
    for job in bot.jobs:
        await run_job(database.transaction, job, bot.clock.now())
    async with database.reading() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    assert not [r for r in rows if "vrijlating" in r.plain]
    bot.clock.advance(timedelta(days=1))
    again = Tafels(database, house)  # a restarted bot: new router and jobs
    again.clock = bot.clock
    for job in again.jobs:
        await run_job(database.transaction, job, again.clock.now())
    async with database.reading() as unit:
        rows = (await unit.session.execute(select(OutboxMessage))).scalars().all()
    [reminder] = [r for r in rows if "vrijlating" in r.plain]
    assert reminder.notify
    assert reminder.mentions == REGISSEUR
    assert reminder.sensitive
    assert reminder.reference == reference


async def test_the_procesregie_moves_an_aanmelding_to_another_tafel(
    database: Database, tmp_path: Path
) -> None:
    bot = Tafels(database, house_with(tmp_path, "nazorg", "radicalisering"))
    reference = await bot.file(WIJK, "aanmelden", AANMELDING_ANSWERS)
    await bot.say(REGISSEUR, f"verrijk {reference} wijkteam politie gemeente")
    assert "Onbekende tafel. Kies uit: casusoverleg, nazorg, radicalisering." in joined(
        await bot.say(REGISSEUR, f"tafel {reference} schaakclub"), REGISSEUR
    )  # fmt: skip
    moved = await bot.say(REGISSEUR, f"tafel {reference} Radicalisering")
    assert f"{reference} staat nu bij Radicalisering" in joined(moved, REGISSEUR)
    assert f"Je aanmelding {reference} wordt nu gewogen bij Radicalisering" in joined(moved, WIJK)
    # The gemeente and police are kernpartners and stay asked; nobody else was.
    casus = await bot.casus(reference)
    async with database.reading() as unit:
        states = {r.organisation_key: r.status for r in
                  await unit.verrijking.for_aanmelding(casus.id)}  # fmt: skip
    assert {k for k, s in states.items() if s.value == "open"} == {"politie", "gemeente"}
    assert "al bij Radicalisering" in joined(
        await bot.say(REGISSEUR, f"tafel {reference} radicalisering"), REGISSEUR
    )  # fmt: skip
    assert joined(await bot.say(WIJK, f"tafel {reference} nazorg"), WIJK) == (
        "Dat kan ik voor jouw rol niet doen."
    )
    overview = joined(await bot.say(REGISSEUR, "overzicht radicalisering"), REGISSEUR)
    assert "Overzicht Radicalisering" in overview
    assert reference in overview
    assert reference not in joined(await bot.say(REGISSEUR, "overzicht nazorg"), REGISSEUR)


async def test_ijsselland_decides_its_five_outcomes_and_monitors_running_casussen(
    database: Database, tmp_path: Path
) -> None:
    extra = ('[house.terminology]\ncasusoverleg = { woord = "Regionale Casustafel", '
             'lidwoord = "de" }\n')  # fmt: skip
    bot = Tafels(database, house_with(tmp_path, "ijsselland", extra=extra))
    helped = joined(await bot.say(REGISSEUR, "hulp"), REGISSEUR)
    assert "besluit KENMERK UITKOMST [toch]" in helped
    zsm, isd = [await bot.file(WIJK, "aanmelden", AANMELDING_ANSWERS) for _ in range(2)]
    form = joined(await bot.say(REGISSEUR, f"besluit {zsm} ZSM advies toch"), REGISSEUR)
    assert "Uitkomst: ZSM-advies (werkt als: geen casus voor het ZVH)." in form
    told = await bot.say(REGISSEUR, "Aanmelden bij ZSM.", "bevestig")
    assert f"Uitkomst triage {zsm}: ZSM-advies — geen casus voor het ZVH." in joined(told, WIJK)
    await bot.say(REGISSEUR, f"besluit {isd} isd toch")
    assert (await bot.casus(isd)).triage_status is TriageStatus.ZONDER_OVERLEG
    agenda = joined(await bot.run_jobs(7), REGISSEUR)
    assert "Ter monitoring — 1 lopende casussen" in agenda
    assert isd in agenda
    figures = joined(await bot.say(REGISSEUR, "cijfers 2026"), REGISSEUR)
    assert "ZSM-advies" in figures
    assert "ISD" in figures


async def test_figures_count_per_tafel(database: Database, tmp_path: Path) -> None:
    bot = Tafels(database, house_with(tmp_path, "nazorg"))
    for _ in range(2):
        await bot.file(WIJK, "aanmelden", AANMELDING_ANSWERS)
    await bot.file(REGISSEUR, "aanmelden nazorg", NAZORG_ANSWERS)
    everything = joined(await bot.say(REGISSEUR, "cijfers 2026"), REGISSEUR)
    assert "Nazorg ex-gedetineerden" in everything
    one = joined(await bot.say(REGISSEUR, "cijfers 2026 nazorg"), REGISSEUR)
    assert "Cijfers 2026, Nazorg ex-gedetineerden" in one
    assert "casusoverleg" not in one.split("tafel", 1)[-1].split("triage", 1)[0]


async def test_the_betrokkene_sees_the_stoplicht_and_retention_takes_it_away(
    database: Database, tmp_path: Path
) -> None:
    bot = Tafels(database, house_with(tmp_path, "nazorg"))
    reference = await bot.file(REGISSEUR, "aanmelden nazorg", NAZORG_ANSWERS)
    await bot.say(REGISSEUR, f"besluit {reference} nazorg toch",
                  f"stoplicht {reference} schulden rood")  # fmt: skip
    # Inzage (AVG art. 15): the release date and the stoplicht are the betrokkene's data.
    async with database.transaction() as unit:
        document = await inzage(unit, "van Nepnaam", date(1990, 4, 3), REGISSEUR,
                                bot.clock.now(), bot.house)  # fmt: skip
    assert "- tafel: Nazorg ex-gedetineerden" in document.markdown
    assert "- verwerkt volgens: Privacy Protocol Nazorg ex-gedetineerden" in document.markdown
    assert document.data["casussen"][0]["privacyprotocol"] == (
        "Privacy Protocol Nazorg ex-gedetineerden"
    )
    assert "- verwachte vrijlating: 2026-04-15" in document.markdown
    assert "- zwaarte-indicatie: schulden rood" in document.markdown
    assert "- uitkomst triage: nazorgtraject: informatie-uitwisseling" in document.markdown
    # Closed long enough ago: cleaned, the release date and stoplicht gone with the rest.
    async with database.transaction() as unit:
        found = await unit.aanmeldingen.by_reference(reference)
        assert found is not None
        found.closed_on = date(2025, 6, 1)
    await bot.run_jobs(1)
    casus = await bot.casus(reference)
    assert casus.cleaned_at is not None
    assert (casus.vrijlating_op, casus.zwaarte) == (None, None)
    async with database.reading() as unit:
        stored = (await unit.session.execute(
            sql("SELECT vrijlating_op, zwaarte FROM aanmeldingen WHERE reference = :r"),
            {"r": reference},
        )).one()  # fmt: skip
    assert tuple(stored) == (None, None)


async def test_a_tafel_has_its_own_contacts_never_mixed_with_the_regular_ones(
    database: Database, tmp_path: Path
) -> None:
    ct_agent = "@cas:politie.nl"  # the police's contact for radicalisering only
    async with database.transaction() as unit:
        await MembershipService(unit).add_member(ct_agent, "politie", "partner", START)
        await MembershipService(unit).record_direct_room(ct_agent, f"!dm-{ct_agent}")
    extra = (f'[triage.contacts]\npolitie = ["{AGENT}"]\n'
             f'[tafels.radicalisering.contacts]\npolitie = ["{ct_agent}"]\n')  # fmt: skip
    bot = Tafels(database, house_with(tmp_path, "radicalisering", extra=extra))
    regular = await bot.file(WIJK, "aanmelden", AANMELDING_ANSWERS)
    signal = await bot.file(WETHOUDER, "aanmelden radicalisering", AANMELDING_ANSWERS)
    asked = await bot.say(REGISSEUR, f"verrijk {regular} politie", f"verrijk {signal} politie")
    assert regular in joined(asked, AGENT)
    assert signal not in joined(asked, AGENT)
    assert signal in joined(asked, ct_agent)
    assert regular not in joined(asked, ct_agent)
    # The regular contact cannot answer for the radicalisering tafel, its own contact can.
    assert f"Er staat voor jou geen verzoek om informatie open bij {signal}" in joined(
        await bot.say(AGENT, f"beantwoord {signal}"), AGENT
    )  # fmt: skip
    assert "bekend" in joined(await bot.say(ct_agent, f"beantwoord {signal}"), ct_agent)
    await bot.say(ct_agent, "stop", "ja")
    # The weegploeg's agenda reaches the tafel's contact, titled with the tafel.
    agenda = await bot.run_jobs(7)
    assert "Triage-agenda Radicalisering — 1 open" in joined(agenda, ct_agent)
    assert "agenda" not in joined(agenda, AGENT).lower()
