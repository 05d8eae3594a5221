"""The conversation engine, driven through the real aanmelding form (no Matrix, no DB)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from handlers.aanmelding.forms import AANMELDING_FORM as TEMPLATE
from handlers.aanmelding.forms import CRITERIA, URGENTIE
from handlers.conversation.choices import Option
from handlers.conversation.engine import Engine, Outcome
from handlers.conversation.form import ConversationState, FormContext
from handlers.wording import NATIONAL

# The form as the bot asks it: in the (national) words.
AANMELDING_FORM = TEMPLATE.worded(NATIONAL)
CTX = FormContext(
    today=date(2026, 11, 22),
    option_lists={
        "criteria": CRITERIA,
        "urgentie": URGENTIE,
        "organisaties": [Option("politie", "Politie"), Option("ggz", "GGZ Centraal")],
    },
)
HAPPY = [
    ("voornaam", "Jan"),
    ("achternaam", "de Vries"),
    ("aliassen", "overslaan"),
    ("geboortedatum", "3 april 1990"),
    ("adres", "Dorpsstraat 1"),
    ("postcode", "1234ab"),
    ("woonplaats", "Utrecht"),
    ("gemeente", "Utrecht"),
    ("probleemstelling", "Overlast en schulden."),
    ("doel", "Samen een plan maken."),
    ("criteria", "1, 4"),
    ("partners", "politie"),
    ("urgentie", "1"),
    ("contactpersoon", "ik"),
]
_events = itertools.count()


def engine() -> Engine:
    return Engine(AANMELDING_FORM, CTX)


def say(state: ConversationState, text: str) -> Outcome:
    return engine().handle(state, text, f"$e{next(_events)}")


def text_of(outcome: Outcome) -> str:
    return "\n".join(n.plain for n in outcome.notices)


def answer_all(upto: str | None = None) -> ConversationState:
    outcome = engine().start()
    assert outcome.state is not None
    state = outcome.state
    for key, text in HAPPY:
        if key == upto:
            break
        assert state.current == key
        outcome = say(state, text)
        assert outcome.state is not None
        state = outcome.state
    return state


def test_start_explains_purpose_and_asks_the_first_question() -> None:
    outcome = engine().start()
    text = text_of(outcome)
    assert "alleen de procesregie ziet de hele aanmelding" in text
    assert "Vraag 1 van 14 — Wat is de voornaam" in text


def test_happy_path_reaches_a_summary_and_submits_the_answers() -> None:
    state = answer_all()
    assert state.phase == "summary"
    summary = engine().summary(state).plain
    assert "geboortedatum | 3 april 1990" in summary
    assert "postcode | 1234 AB" in summary
    assert "aliassen | —" in summary
    assert "betrokken partners | Politie" in summary
    outcome = say(state, "bevestig")
    assert outcome.state is None
    assert outcome.submitted is not None
    assert outcome.submitted["geboortedatum"] == "1990-04-03"
    assert outcome.submitted["criteria"] == ["veiligheid", "multiproblem"]
    assert outcome.submitted["contactpersoon"] == "ik"
    assert "spoed_reden" not in outcome.submitted


def test_a_wrong_answer_is_explained_and_the_question_repeated() -> None:
    state = answer_all(upto="geboortedatum")
    outcome = say(state, "31-2-1990")
    assert outcome.state is not None
    assert outcome.state.current == "geboortedatum"
    assert "Die datum bestaat niet" in text_of(outcome)
    assert "Wat is de geboortedatum" in text_of(outcome)


def test_required_questions_cannot_be_skipped() -> None:
    outcome = say(engine().start().state, "overslaan")  # type: ignore[arg-type]
    assert "verplicht" in text_of(outcome)
    assert outcome.state is not None
    assert outcome.state.current == "voornaam"


def test_back_goes_to_the_previous_question_and_keeps_the_answer() -> None:
    state = answer_all(upto="geboortedatum")
    outcome = say(state, "terug")
    assert outcome.state is not None
    assert outcome.state.current == "aliassen"
    back_twice = say(outcome.state, "terug")
    assert back_twice.state is not None
    assert back_twice.state.current == "achternaam"
    assert "Nu: de Vries — typ zelfde om dat te houden." in text_of(back_twice)
    kept = say(back_twice.state, "zelfde")
    assert kept.state is not None
    assert kept.state.answers["achternaam"] == "de Vries"
    assert kept.state.current == "aliassen"


def test_back_at_the_first_question_says_so() -> None:
    outcome = say(engine().start().state, "terug")  # type: ignore[arg-type]
    assert "Dit is de eerste vraag." in text_of(outcome)


def test_spoed_asks_for_a_reason_and_regulier_forgets_it() -> None:
    state = answer_all(upto="urgentie")
    outcome = say(state, "spoed")
    assert outcome.state is not None
    assert outcome.state.current == "spoed_reden"
    assert "Vraag 14 van 15" in text_of(outcome)
    outcome = say(outcome.state, "Dreigt huisuitzetting morgen.")
    outcome = say(outcome.state, "ik")  # type: ignore[arg-type]
    assert outcome.state is not None
    assert outcome.state.phase == "summary"
    changed = say(outcome.state, "wijzig urgentie")
    changed = say(changed.state, "regulier")  # type: ignore[arg-type]
    assert changed.state is not None
    assert changed.state.phase == "summary", "after a change from the summary, back there"
    assert "spoed_reden" not in changed.state.answers, "a reason that no longer applies is gone"


def test_changing_to_spoed_from_the_summary_asks_the_new_question_first() -> None:
    state = answer_all()
    outcome = say(say(state, "wijzig urgentie").state, "spoed")  # type: ignore[arg-type]
    assert outcome.state is not None
    assert outcome.state.current == "spoed_reden"
    done = say(outcome.state, "Acuut gevaar.")
    assert done.state is not None
    assert done.state.phase == "summary"
    assert "reden spoed | Acuut gevaar." in text_of(done)


def test_unknown_field_to_change_lists_the_fields() -> None:
    outcome = say(answer_all(), "wijzig schoenmaat")
    assert "Welk veld wil je wijzigen?" in text_of(outcome)
    assert "geboortedatum" in text_of(outcome)


def test_stop_asks_for_confirmation() -> None:
    state = answer_all(upto="doel")
    asked = say(state, "stop")
    assert "Wil je echt stoppen?" in text_of(asked)
    resumed = say(asked.state, "nee")  # type: ignore[arg-type]
    assert resumed.state is not None
    assert resumed.state.current == "doel"
    assert "Wat is het doel" in text_of(resumed)
    stopped = say(say(resumed.state, "annuleer").state, "ja")  # type: ignore[arg-type]
    assert stopped.cancelled
    assert stopped.state is None


def test_status_and_help_keep_the_question_open() -> None:
    state = answer_all(upto="woonplaats")
    status = say(state, "status")
    assert "6 van de 14 vragen beantwoord" in text_of(status)
    assert "In welke woonplaats" in text_of(status)
    assert "terug" in text_of(say(state, "hulp"))


def test_editing_an_earlier_answer_in_the_chat_corrects_it() -> None:
    outcome = engine().start()
    first = engine().handle(outcome.state, "Jn", "$voornaam")  # type: ignore[arg-type]
    assert first.state is not None
    fixed = engine().handle_edit(first.state, "$voornaam", "Jan")
    assert fixed.state is not None
    assert fixed.state.answers["voornaam"] == "Jan"
    assert fixed.state.current == "achternaam", "the open question stays open"
    assert "Aangepast: voornaam is nu Jan." in text_of(fixed)
    unknown = engine().handle_edit(fixed.state, "$iets-anders", "x")
    assert "Bewerkte berichten" in text_of(unknown)


def test_a_bsn_in_free_text_is_refused() -> None:
    state = answer_all(upto="probleemstelling")
    outcome = say(state, "Cliënt met BSN 111222333 veroorzaakt overlast.")
    assert "BSN" in text_of(outcome)
    assert outcome.state is not None
    assert "probleemstelling" not in outcome.state.answers


def test_restart_question_while_a_draft_exists() -> None:
    state = answer_all(upto="doel")
    asked = engine().ask_restart(state)
    assert "doorgaan" in text_of(asked)
    go_on = say(asked.state, "doorgaan")  # type: ignore[arg-type]
    assert go_on.state is not None
    assert go_on.state.current == "doel"
    assert say(engine().ask_restart(state).state, "opnieuw").restart  # type: ignore[arg-type]


def test_state_survives_a_round_trip_through_json() -> None:
    state = answer_all(upto="criteria")
    restored = ConversationState.model_validate_json(state.model_dump_json())
    assert restored == state
    assert say(restored, "2").state.current == "partners"  # type: ignore[union-attr]


@pytest.mark.parametrize("prompt_key", [step.key for step in AANMELDING_FORM.steps])
def test_every_question_can_be_reworded(prompt_key: str) -> None:
    form = AANMELDING_FORM.with_prompts({prompt_key: "Eigen woorden?"})
    assert form.step(prompt_key).prompt == "Eigen woorden?"


def _numbers(urgentie: str) -> list[tuple[int, int]]:
    """(number, total) of every question asked on the way through the form."""
    outcome = engine().start()
    seen = []
    answers = dict(HAPPY, urgentie=urgentie, spoed_reden="Dreigt huisuitzetting.")
    while outcome.state is not None and outcome.state.phase == "asking":
        text = text_of(outcome)
        number, total = text.split("Vraag ", 1)[1].split(" — ")[0].split(" van ")
        seen.append((int(number), int(total)))
        outcome = say(outcome.state, answers[outcome.state.current])  # type: ignore[index]
    return seen


@pytest.mark.parametrize("urgentie", ["regulier", "spoed"])
def test_the_question_number_never_jumps(urgentie: str) -> None:
    # Reported: "Vraag 13 van 15" followed by "Vraag 14 van 14".
    seen = _numbers(urgentie)
    assert [number for number, _ in seen] == list(range(1, len(seen) + 1))
    totals = [total for _, total in seen]
    assert totals == sorted(totals), "the total went down"
    assert totals[-1] == len(seen), "the last question is not 'n van n'"
