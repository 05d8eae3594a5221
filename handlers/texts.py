"""Dutch wording shared by several handlers. Short, friendly, professional."""

from __future__ import annotations

from handlers.house import Wording
from handlers.messages import Code, Notice, Paragraph, Person, exactly, notice


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

INVISIBLE_REMOVED = (
    "Let op: je bericht bevatte onzichtbare tekens (zoals tekens die de leesrichting "
    "omdraaien). Die heb ik weggelaten; de rest heb ik gelezen zoals je het typte."
)

EDIT_IGNORED = "Bewerkte berichten verwerk ik niet. Stuur je bericht gewoon opnieuw."
UNSIGNED_DEVICE = (
    "Dit bericht komt van een sessie die je nog niet hebt geverifieerd, dus ik voer het niet "
    "uit en stuur die sessie geen gegevens. Verifieer de sessie in Element (Instellingen → "
    "Sessies) met een apparaat dat je al gebruikt, en probeer het dan opnieuw."
)

# Why the bot will not send case data into a room (codes from the transport's room policy).
ROOM_POLICY_REASONS = {
    "not_encrypted": "de chat is niet versleuteld",
    "history_visible": "nieuwe deelnemers kunnen eerdere berichten lezen",
    "guests_allowed": "gasten hebben toegang",
    "public_room": "iedereen kan de chat binnenkomen",
    "unexpected_members": "er zijn deelnemers die deze gegevens niet mogen zien",
}


def room_policy_refusal(code: str) -> str:
    reason = ROOM_POLICY_REASONS.get(code, "de chat voldoet niet aan de veiligheidseisen")
    return f"Ik stuur hier geen casusgegevens: {reason}. Los dit op, of vraag de beheerder."


def room_notes(notes: list[str]) -> list[str]:
    """What the bot tells a member about the room it just joined."""
    texts = []
    if "encryption_enabled" in notes:
        texts.append(ENCRYPTION_ENABLED)
    unsafe = [ROOM_POLICY_REASONS[n] for n in notes if n in ROOM_POLICY_REASONS]
    if unsafe:
        texts.append(
            "Let op: deze chat is niet veilig genoeg voor casusgegevens ("
            + "; ".join(unsafe)
            + "). Ik mag dat hier niet aanpassen, dus ik deel hier geen casusgegevens. "
            "Start liever een nieuwe chat met mij."
        )
    return texts


def delivery_failure_report(room_id: str, error: str) -> str:
    return (
        f"Een bericht van de bot kon niet worden afgeleverd in kamer {room_id} "
        f"(reden: {error}). Controleer of de bot nog in die kamer zit."
    )


def identity_changed_member() -> str:
    return (
        "De beveiligingssleutel van je account is gewijzigd (bijvoorbeeld doordat je je "
        "versleuteling opnieuw hebt ingesteld). Voor de veiligheid pauzeer ik onze chat tot "
        "een functioneel beheerder de nieuwe sleutel heeft bevestigd. Neem contact op met een "
        "functioneel beheerder."
    )


def identity_changed_report(person: Person) -> Notice:
    return notice(
        Paragraph(
            "Let op: de beveiligingssleutel van ",
            *exactly(person),
            " is gewijzigd. Dat kan "
            "onschuldig zijn (versleuteling opnieuw ingesteld) of wijzen op een overgenomen "
            "account. Ik stuur deze persoon niets meer tot je het hebt nagevraagd (buiten de "
            "chat) en bevestigd met: ",
        ),
        Paragraph(Code(f"identiteit bevestigen {person.matrix_id}")),
    )


IDENTITY_PAUSED = (
    "Onze chat is gepauzeerd tot een functioneel beheerder je nieuwe beveiligingssleutel "
    "heeft bevestigd."
)

IDENTITY_CONFIRMED_MEMBER = (
    "Een functioneel beheerder heeft je nieuwe beveiligingssleutel bevestigd. Je kunt weer verder."
)
