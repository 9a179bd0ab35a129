"""`CallFlowLogic::MamaInfoRegistration`: register a mother's due date or baby's birth month (§10.8).

New caller: introduction → "pregnant (1), baby born (2), listen again (3)?" → months pregnant (1-9)
or baby's age in months (1-24) → "due / born in <month> <year>: correct (1) or not (2)?" → the
month is kept as `date_of_birth` on the contact. A registered caller (the contact has a
`date_of_birth`) hears the registered month, then updates the details (1) or deregisters (2).
Invalid input plays `invalid_response` and asks the same question again, without moving.
"""

from collections.abc import Callable
from datetime import date

from scfm.call_flows import ivr

NAME = "CallFlowLogic::MamaInfoRegistration"
PREGNANCY_MONTHS = range(1, 10)
BABY_AGE_MONTHS = range(1, 25)
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def prompt(name: object) -> str:
    """The URL of a Lozi prompt; month names and years (`2026`) are prompts too."""
    return ivr.audio_url(f"mama_info_registration/{name}-loz.mp3")


def ask(prompt_name: str, to: str) -> ivr.Step:
    return ivr.Step(ivr.gather(prompt(prompt_name)), to=to)


def ask_again(*prompts: str) -> ivr.Step:
    """Invalid input: say so and gather the same prompts again, staying in the same state."""
    return ivr.Step(ivr.gather(*prompts, preceded_by=[prompt("invalid_response")]))


def date_prompts(day: date) -> tuple[str, str]:
    return prompt(MONTHS[day.month - 1]), prompt(day.year)


def confirmation(intro: str, day: date) -> tuple[str, ...]:
    """The prompts of "your baby is due (was born) in <month> <year>; press 1 if correct, 2 if not"."""
    return (prompt(intro), *date_prompts(day), prompt("confirm_input"))


def months_from(today: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) today's month."""
    index = today.year * 12 + today.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def answered(call: ivr.Call) -> ivr.Step:
    introduction = ivr.play_and_continue(call.current_url, prompt("introduction"))
    return ivr.Step(introduction, to="playing_introduction")


def playing_introduction(call: ivr.Call) -> ivr.Step:
    if call.contact_metadata.get("date_of_birth"):
        return ivr.Step(
            ivr.play_and_continue(call.current_url, prompt("already_registered")),
            to="playing_already_registered",
        )
    return ask("gather_mothers_status", to="gathering_mothers_status")


# Registered callers


def playing_already_registered(call: ivr.Call) -> ivr.Step:
    registered = parse_date(call.contact_metadata.get("date_of_birth"))
    if registered is None:  # not a date we can read out (set through the API): skip to the menu
        return playing_registered_date_of_birth(call)
    intro = "confirm_pregnancy_status" if registered > call.now.date() else "confirm_age"
    return ivr.Step(
        ivr.play_and_continue(call.current_url, prompt(intro), *date_prompts(registered)),
        to="playing_registered_date_of_birth",
    )


def playing_registered_date_of_birth(call: ivr.Call) -> ivr.Step:
    return ask("gather_update_details_or_deregister", to="gathering_update_details_or_deregister")


def gathering_update_details_or_deregister(call: ivr.Call) -> ivr.Step:
    if call.pressed == 1:
        return ask("gather_mothers_status", to="gathering_mothers_status")
    if call.pressed == 2:
        return ivr.Step(
            ivr.play_and_continue(call.current_url, prompt("deregistration_successful")),
            to="playing_deregistered",
            contact_data={"deregistered_at": call.now.isoformat()},
            contact_removed=("date_of_birth",),
        )
    return ask_again(prompt("gather_update_details_or_deregister"))


# Registration


def gathering_mothers_status(call: ivr.Call) -> ivr.Step:
    if call.pressed == 1:
        return ask_pregnancy_months()
    if call.pressed == 2:
        return ask_age_months()
    if call.pressed == 3:  # "listen again": the menu, without the invalid-input notice
        return ask("gather_mothers_status", to="gathering_mothers_status")
    return ask_again(prompt("gather_mothers_status"))


def gathering_pregnancy_status(call: ivr.Call) -> ivr.Step:
    if call.pressed not in PREGNANCY_MONTHS:
        return ask_again(prompt("gather_pregnancy_status"))
    due = months_from(call.now.date(), 9 - call.pressed)
    return confirm(due, intro="confirm_pregnancy_status", to="confirming_pregnancy_status")


def gathering_age(call: ivr.Call) -> ivr.Step:
    if call.pressed not in BABY_AGE_MONTHS:
        return ask_again(prompt("gather_age"))
    born = months_from(call.now.date(), -call.pressed)
    return confirm(born, intro="confirm_age", to="confirming_age")


def confirm(day: date, *, intro: str, to: str) -> ivr.Step:
    return ivr.Step(
        ivr.gather(*confirmation(intro, day)),
        to=to,
        call_data={"unconfirmed_date_of_birth": day.isoformat()},
    )


def confirming_pregnancy_status(call: ivr.Call) -> ivr.Step:
    return confirming(call, intro="confirm_pregnancy_status", ask_months=ask_pregnancy_months)


def confirming_age(call: ivr.Call) -> ivr.Step:
    return confirming(call, intro="confirm_age", ask_months=ask_age_months)


def ask_pregnancy_months() -> ivr.Step:
    return ask("gather_pregnancy_status", to="gathering_pregnancy_status")


def ask_age_months() -> ivr.Step:
    return ask("gather_age", to="gathering_age")


def confirming(call: ivr.Call, *, intro: str, ask_months: Callable[[], ivr.Step]) -> ivr.Step:
    """1 registers the month, 2 asks the months again, anything else repeats the confirmation."""
    unconfirmed = parse_date(call.metadata.get("unconfirmed_date_of_birth"))
    if call.pressed == 2 or unconfirmed is None:
        return ask_months()
    if call.pressed == 1:
        date_of_birth = unconfirmed.isoformat()
        return ivr.Step(
            ivr.play_and_continue(call.current_url, prompt("registration_successful")),
            to="playing_registration_successful",
            call_data={"date_of_birth": date_of_birth},
            contact_data={"date_of_birth": date_of_birth},
            contact_removed=("deregistered_at",),
        )
    return ask_again(*confirmation(intro, unconfirmed))


def hang_up(call: ivr.Call) -> ivr.Step:
    return ivr.Step(ivr.hangup(), to="finished")


TRANSITIONS = {
    "answered": answered,
    "playing_introduction": playing_introduction,
    "playing_already_registered": playing_already_registered,
    "playing_registered_date_of_birth": playing_registered_date_of_birth,
    "gathering_update_details_or_deregister": gathering_update_details_or_deregister,
    "playing_deregistered": hang_up,
    "gathering_mothers_status": gathering_mothers_status,
    "gathering_pregnancy_status": gathering_pregnancy_status,
    "confirming_pregnancy_status": confirming_pregnancy_status,
    "gathering_age": gathering_age,
    "confirming_age": confirming_age,
    "playing_registration_successful": hang_up,
}

step = ivr.table_flow(TRANSITIONS)
