"""Settings of one casusbot installation: loaded from TOML, secrets from the environment.

Owns validation of every setting at start-up. A bad setting becomes one
:class:`ConfigError` whose message names the setting; the CLI prints that line and
exits. Secrets (password, access token, pickle key) may come from environment
variables instead of the file, so the file can be world-readable.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from bot.config_house import HouseSettings
from bot.config_tafels import TafelKey, TafelSettings, check_tafels
from storage.crypto import DataKeyError, DataKeys, parse_key

MATRIX_ID_RE = re.compile(r"^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")

# Environment variables that override (or supply) secrets and paths.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "CASUSBOT_MATRIX_PASSWORD": ("matrix", "password"),
    "CASUSBOT_MATRIX_ACCESS_TOKEN": ("matrix", "access_token"),
    "CASUSBOT_PICKLE_KEY": ("matrix", "pickle_key"),
    "CASUSBOT_DATABASE_URL": ("database", "url"),
    "CASUSBOT_DATA_KEY": ("database", "data_key"),
    "CASUSBOT_DATA_KEY_PREVIOUS": ("database", "data_key_previous"),
    "CASUSBOT_RECOVERY_KEY": ("matrix", "recovery_key"),
}
# Secrets that may come from the environment or a key file, never from the config file.
ENV_ONLY = (("database", "data_key"), ("database", "data_key_previous"),
            ("matrix", "recovery_key"))  # fmt: skip

WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line naming it."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatrixSettings(_Section):
    homeserver_url: str = "http://127.0.0.1:8008"
    user_id: str
    password: SecretStr | None = None
    access_token: SecretStr | None = None
    device_name: str = "casusbot"
    store_path: Path = Path("var/crypto")
    # The crypto store is encrypted with this key instead of nio's public default.
    pickle_key: SecretStr | None = None
    pickle_key_file: Path | None = None
    sync_timeout_seconds: Annotated[int, Field(ge=1, le=300)] = 30
    key_grace_seconds: Annotated[float, Field(ge=1, le=600)] = 60
    # The recovery key shown once at the first start: only to rebuild a bot whose crypto
    # store was lost (CASUSBOT_RECOVERY_KEY); then the bot comes back as the same identity.
    recovery_key: SecretStr | None = None
    # Only when the recovery key is lost too: a new identity (members see it change).
    new_identity: bool = False

    @field_validator("homeserver_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("moet beginnen met http:// of https://")
        return value.rstrip("/")

    @field_validator("user_id")
    @classmethod
    def _user_id(cls, value: str) -> str:
        if not MATRIX_ID_RE.match(value):
            raise ValueError("is geen Matrix-gebruikers-ID zoals @casusbot:voorbeeld.nl")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> MatrixSettings:
        if self.password is None and self.access_token is None:
            raise ValueError(
                "password of access_token ontbreekt (in het bestand of via "
                "CASUSBOT_MATRIX_PASSWORD / CASUSBOT_MATRIX_ACCESS_TOKEN)"
            )
        if self.pickle_key is None and self.pickle_key_file is None:
            raise ValueError("pickle_key ontbreekt: zet CASUSBOT_PICKLE_KEY of pickle_key_file")
        return self

    def resolve_pickle_key(self) -> str:
        """Return the crypto-store key, reading the key file when one is configured."""
        if self.pickle_key is not None:
            key = self.pickle_key.get_secret_value()
        else:
            assert self.pickle_key_file is not None
            try:
                key = self.pickle_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"matrix.pickle_key_file: kan {self.pickle_key_file} niet lezen "
                    f"({exc.strerror})"
                ) from None
        if len(key) < 16:
            raise ConfigError("matrix.pickle_key: te kort (minstens 16 tekens)")
        return key


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///var/casusbot.db"
    # The key that encrypts personal data in the database: CASUSBOT_DATA_KEY, or this file
    # (0600). CASUSBOT_DATA_KEY_PREVIOUS (comma-separated) only decrypts, during rotation.
    data_key_file: Path | None = None
    data_key: SecretStr | None = None
    data_key_previous: SecretStr | None = None

    def resolve_data_keys(self) -> DataKeys:
        """The data keys, or a Dutch ConfigError naming what is missing or wrong."""
        if self.data_key is not None:
            primary = self.data_key.get_secret_value()
        elif self.data_key_file is not None:
            try:
                primary = self.data_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"database.data_key_file: kan {self.data_key_file} niet lezen ({exc.strerror})"
                ) from None
        else:
            raise ConfigError(
                "database.data_key ontbreekt: zet CASUSBOT_DATA_KEY of data_key_file "
                "(een nieuwe sleutel: casusbot keys generate)"
            )
        previous = (
            [p for p in self.data_key_previous.get_secret_value().split(",") if p.strip()]
            if self.data_key_previous
            else []
        )
        try:
            return DataKeys(parse_key(primary), tuple(parse_key(p) for p in previous))
        except DataKeyError as error:
            raise ConfigError(f"database.data_key: {error}") from None

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not re.match(r"^(sqlite\+aiosqlite|postgresql\+asyncpg)://", value):
            raise ValueError(
                "moet een async URL zijn: sqlite+aiosqlite:///pad.db of postgresql+asyncpg://..."
            )
        return value


class RetentionSettings(_Section):
    """Retention periods (DOMAIN.md phase 5; Kennemerland Bijlage 3, "Afschaling": cleaned
    after 6 months, gone after a year). Every route through the werkproces ends: see
    config.example.toml for which defaults are the seeds' and which are our own choice."""

    draft_days: Annotated[int, Field(ge=1, le=90)] = 7
    draft_reminder_hours: Annotated[int, Field(ge=1, le=24 * 14)] = 24
    afschaling_clean_months: Annotated[int, Field(ge=1, le=60)] = 6
    afschaling_delete_months: Annotated[int, Field(ge=1, le=120)] = 12
    audit_years: Annotated[int, Field(ge=1, le=20)] = 5
    undecided_days: Annotated[int, Field(ge=1, le=180)] = 14
    undecided_max_days: Annotated[int, Field(ge=2, le=365)] = 90
    stale_months: Annotated[int, Field(ge=1, le=24)] = 6
    stale_escalate_working_days: Annotated[int, Field(ge=1, le=60)] = 10

    @model_validator(mode="after")
    def _order(self) -> RetentionSettings:
        if self.draft_reminder_hours >= self.draft_days * 24:
            raise ValueError("draft_reminder_hours moet korter zijn dan draft_days")
        if self.afschaling_delete_months < self.afschaling_clean_months:
            raise ValueError("afschaling_delete_months moet minstens afschaling_clean_months zijn")
        if self.undecided_max_days <= self.undecided_days:
            raise ValueError("undecided_max_days moet langer zijn dan undecided_days")
        return self


class WorkingHours(_Section):
    start: time = time(8, 30)
    end: time = time(17, 0)
    days: tuple[Literal["ma", "di", "wo", "do", "vr", "za", "zo"], ...] = (
        "ma",
        "di",
        "wo",
        "do",
        "vr",
    )

    @model_validator(mode="after")
    def _span(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start moet vóór end liggen")
        if not self.days:
            raise ValueError("days mag niet leeg zijn")
        return self

    @property
    def weekday_numbers(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(day) for day in self.days)


class FormSettings(_Section):
    """A house's own wording for the questions of a form: {step key: prompt}."""

    prompts: dict[str, Annotated[str, Field(min_length=1, max_length=500)]] = {}


OrgKey = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,31}$")]


class TriageSettings(_Section):
    """Triage and verrijking (DOMAIN.md phase 2; Kennemerland: weekly triage meeting)."""

    # Asked by default for every aanmelding (besides the partners the aanmelder named and
    # the municipality concerned), by organisation code.
    standard_partners: list[OrgKey] = ["om", "politie", "reclassering"]
    # Asked by default only when the betrokkene is a minor (RvdK).
    minor_partners: list[OrgKey] = ["rvdk"]
    # Contact persons per organisation code; without an entry, all its partner members.
    contacts: dict[OrgKey, list[str]] = {}
    # Working days a partner has to answer before one reminder; a working day later the
    # procesregie is told.
    answer_working_days: Annotated[int, Field(ge=1, le=30)] = 3
    agenda_day: Literal["ma", "di", "wo", "do", "vr", "za", "zo"] = "ma"
    agenda_time: time = time(9, 0)
    # Partners who weigh the aanmeldingen with the procesregie in the triage meeting
    # (Kennemerland Bijlage 3: OM, politie, Reclassering, RvdK for minors, Fivoor) get the
    # weekly agenda too, references only; a minors' partner only the items about a minor.
    agenda_partners: list[OrgKey] = []

    @field_validator("contacts")
    @classmethod
    def _contact_ids(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for org, ids in value.items():
            for user in ids:
                if not MATRIX_ID_RE.match(user):
                    raise ValueError(f"{org}: '{user}' is geen Matrix-gebruikers-ID")
        return value


class PlanVanAanpakSettings(_Section):
    """Deadline reminders of the plan van aanpak (issue: scheduler)."""

    # Working days before an action's deadline on which the casusregisseur and the owner
    # are reminded, at the start of working hours; 0 is the day itself.
    remind_working_days_before: list[Annotated[int, Field(ge=0, le=30)]] = [3, 0]
    # Working days after the deadline an open action goes to the procesregisseur.
    escalate_after_working_days: Annotated[int, Field(ge=1, le=30)] = 1

    @field_validator("remind_working_days_before")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("noemt een dag twee keer")
        return value


# Personalia of the betrokkene an invitation may carry (handlers/casusoverleg.py shows them).
Personalia = Literal[
    "voornaam", "achternaam", "aliassen", "geboortedatum", "adres", "postcode", "woonplaats"
]


class CasusoverlegSettings(_Section):
    """The invitation policy (Gelderland-Midden art. 8.3c: agenda, personalia, doel, partners;
    art. 12.2f / 13.2d: a partner's information only with its consent)."""

    # The personalia in the invitation; everything else stays out.
    personalia: list[Personalia] = ["voornaam", "achternaam", "geboortedatum", "woonplaats"]
    # Post verrijking answers whose supplier agreed to prior sharing, one message each.
    share_verrijking: bool = True
    # What an incidental participant (invited for one agenda item) may see: of the fields
    # above, only these; while one is in the room, every message there keeps to them.
    incidental_personalia: list[Personalia] = ["voornaam", "achternaam"]

    @field_validator("personalia", "incidental_personalia")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("noemt een veld twee keer")
        return value


class SchedulerSettings(_Section):
    # How often the periodic jobs look for due work (they also run once at start-up).
    tick_seconds: Annotated[int, Field(ge=5, le=3600)] = 60
    # Months on whose first day the managers and beheerders get the list of members to
    # review (Kennemerland Bijlage 4: twice a year).
    authorisation_review_months: list[Annotated[int, Field(ge=1, le=12)]] = [1, 7]


class HealthSettings(_Section):
    # /healthz and /metrics (Prometheus text format) for the operator's monitoring.
    enabled: bool = True
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 9464  # 0: any free port
    # /healthz fails when the last successful sync is older than this.
    max_sync_age_seconds: Annotated[int, Field(ge=10, le=3600)] = 120


class BoardSettings(_Section):
    # The procesregie board: a read-only page (no personal data) the bot serves and adds to
    # the procesregie room as an Element widget. Put it behind the TLS proxy, under the same
    # site as the Element the house uses (its sign-in cookie is SameSite=Strict).
    enabled: bool = False
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8088  # 0: any free port
    # Where Element's users reach it (the proxy's address); default http://host:port.
    public_url: str | None = None
    # Pages that may show the board in a frame: Element's address(es).
    frame_ancestors: list[str] = []
    # How long a sign-in lasts before the page asks Element for a new token.
    session_minutes: Annotated[int, Field(ge=1, le=480)] = 15


class AuditSettings(_Section):
    # The audit log's anchors (the number and MAC of its newest entry) are appended here
    # after every burst of entries: outside the database, so deleting the newest entries
    # is found by `casusbot audit verify`. Keep it next to the crypto store, out of the
    # database's backups and writable by the bot only (SECURITY.md).
    anchor_file: Path = Path("var/audit-anchors")


class RegistersSettings(_Section):
    """The registers of AVG requests and incidents (AVG art. 12, 33)."""

    remind_days: Annotated[int, Field(ge=1, le=25)] = 7
    incident_remind_hours: Annotated[int, Field(ge=1, le=72)] = 24
    clean_months: Annotated[int, Field(ge=1, le=120)] = 24


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class Settings(_Section):
    matrix: MatrixSettings
    database: DatabaseSettings = DatabaseSettings()
    house: HouseSettings = HouseSettings()
    retention: RetentionSettings = RetentionSettings()
    registers: RegistersSettings = RegistersSettings()
    working_hours: WorkingHours = WorkingHours()
    triage: TriageSettings = TriageSettings()
    casusoverleg: CasusoverlegSettings = CasusoverlegSettings()
    plan_van_aanpak: PlanVanAanpakSettings = PlanVanAanpakSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    forms: dict[Literal["aanmelding", "nazorg"], FormSettings] = {}
    logging: LoggingSettings = LoggingSettings()
    health: HealthSettings = HealthSettings()
    board: BoardSettings = BoardSettings()
    audit: AuditSettings = AuditSettings()
    tafels: dict[TafelKey, TafelSettings] = {}

    @field_validator("tafels")
    @classmethod
    def _tafels(cls, value: dict[str, TafelSettings]) -> dict[str, TafelSettings]:
        return check_tafels(value)
