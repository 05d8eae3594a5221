"""Dutch wording shared by several handlers. Short, friendly, professional."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Role


@dataclass(frozen=True)
class Wording:
    """House-specific words (from ``[house]`` in the config) used in messages."""

    house_name: str
    procesregisseur: str = "procesregisseur"

    def role_name(self, role: Role) -> str:
        return {
            Role.PARTNER: "medewerker ketenpartner",
            Role.PROCESREGISSEUR: self.procesregisseur,
            Role.PROCESONDERSTEUNER: "procesondersteuner",
            Role.MANAGER: "manager",
            Role.BEHEERDER: "functioneel beheerder",
        }[role]


def stranger_refusal(wording: Wording) -> str:
    return (
        f"Hallo! Je staat (nog) niet op de ledenlijst van {wording.house_name}, "
        "dus ik kan je niet helpen. Vraag de functioneel beheerder van je organisatie "
        "om toegang."
    )


def invite_declined(wording: Wording) -> str:
    return (
        f"Alleen leden van {wording.house_name} kunnen met deze bot werken. "
        "Vraag de functioneel beheerder om toegang."
    )


def welcome(wording: Wording) -> str:
    return (
        f"Hallo, ik ben de casusbot van {wording.house_name}. "
        "Typ hulp om te zien wat je met mij kunt doen."
    )


UNENCRYPTED_MESSAGE = (
    "Dit bericht kwam onversleuteld binnen, dus ik heb het niet gelezen. "
    "Stuur het opnieuw zodra je app de chat als versleuteld toont."
)

UNENCRYPTED_ROOM = (
    "Deze chat is niet versleuteld en ik kan versleuteling hier niet aanzetten. "
    "Ik werk alleen in versleutelde chats: start een nieuwe chat met mij met "
    "versleuteling aan. Ik verlaat deze chat."
)

ENCRYPTION_ENABLED = (
    "Deze chat was niet versleuteld; ik heb versleuteling aangezet. "
    "Vanaf nu is alles wat we hier uitwisselen end-to-end versleuteld."
)

UNDECRYPTABLE = "Ik kon je laatste bericht niet ontsleutelen. Wil je het nog een keer sturen?"

NOT_ALLOWED = "Dat kan ik voor jouw rol niet doen."

UNKNOWN_COMMAND = "Dat commando ken ik niet."

EDIT_IGNORED = "Bewerkte berichten verwerk ik niet. Stuur je bericht gewoon opnieuw."
