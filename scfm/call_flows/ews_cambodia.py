"""`CallFlowLogic::EWSRegistration`: register a caller for early warnings of a Cambodian commune (§10.6).

    answered → playing_introduction → gathering_language → gathering_province → gathering_district
    → gathering_commune → playing_conclusion → finished

The caller picks a language (1 Khmer … 5 Krung), a province from a fixed menu, then "the n-th
district of the province" and "the n-th commune of the district" in the gazetteer's code order
(pumi_gazetteer). Every prompt after the language menu is recorded in the chosen language, and a
province is offered only in the languages its prompts exist in: choosing another asks again. `*`
in the province, district or commune menu starts over from the language menu; an invalid or missing
choice asks the same question again. The commune is recorded on the contact, whose `commune_ids`
gathers every commune the caller ever registered for.

The feedback branch (the reference's 2024 pilot, limited to its allow-list of numbers): those
callers first hear a main menu, where 1 or nothing registers and 2 records a message
(`<Record>`, whose recording the provider reports to the recording status callback), then hear a
thank-you and the call ends.
"""

from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from twilio.twiml.voice_response import VoiceResponse

from scfm.call_flows import ivr
from scfm.call_flows.pumi_gazetteer import Place, gazetteer

NAME = "CallFlowLogic::EWSRegistration"
T = TypeVar("T")

# Digit n selects the n-th: ISO 639-3 codes of Khmer, Central Mnong, Jarai, Tampuan and Krung.
LANGUAGES = ("khm", "cmo", "jra", "tpu", "krr")
# Digit n selects the n-th province (pumi codes): Pursat, Banteay Meanchey, Kampong Thom, Kampot,
# Kampong Chhnang, Siem Reap, Battambang, Kratie, Steung Treng, Preah Vihear, Oddar Meanchey, Kep,
# Pailin, Koh Kong, Preah Sihanouk, Kampong Cham, Tboung Khmum, Prey Veng, Ratanakkiri, Mondulkiri,
# Svay Rieng, Kampong Speu, Takeo, Kandal, Phnom Penh. The order is the recorded prompt's.
PROVINCE_MENU = (
    "15", "01", "06", "07", "04", "17", "02", "10", "19", "13", "22", "23", "24",
    "09", "18", "03", "25", "14", "16", "11", "20", "05", "21", "08", "12",
)  # fmt: skip
# The languages a province's district and commune prompts were recorded in; Khmer only elsewhere.
PROVINCE_LANGUAGES = {"16": ("khm", "jra", "tpu", "krr"), "11": ("khm", "cmo")}  # Ratanakkiri, Mondulkiri
DEFAULT_PROVINCE_LANGUAGES = ("khm",)
# The reference's allow-list of the feedback pilot (FEEDBACK_FEATURE_FLAG_PHONE_NUMBERS).
FEEDBACK_PHONE_NUMBERS = frozenset(
    {
        "+855715100860",
        "+85570753999",
        "+855966164166",
        "+85592943196",
        "+855965636025",
        "+85578746371",
        "+85512716884",
        "+855966946549",
        "+85511765511",
    }
)
RECORDING_STATUS_CALLBACK_PATH = "/twilio_webhooks/recording_status_callbacks"


def prompt(name: str, language: str | None = None, extension: str = "wav") -> str:
    """The URL of a prompt: `ews_registration/<name>[-<language>].<extension>`.

    The registration's prompts are `.wav`; those the feedback branch added in 2024 are `.mp3`.
    """
    suffix = f"-{language}" if language else ""
    return ivr.audio_url(f"ews_registration/{name}{suffix}.{extension}")


def menu_choice(options: Sequence[T], pressed: int) -> T | None:
    return options[pressed - 1] if 1 <= pressed <= len(options) else None


def recording_status_callback_url(current_url: str) -> str:
    """The recording status callback on the host the provider reached this webhook at."""
    parts = urlsplit(current_url)
    return f"{parts.scheme}://{parts.netloc}{RECORDING_STATUS_CALLBACK_PATH}"


def ask(state: str, question: str, **answers: str) -> ivr.Step:
    """Gather the answer to `question` in `state`, keeping the answers given so far on the call."""
    return ivr.Step(ivr.gather(question), to=state, call_data=answers)


def ask_main_menu() -> ivr.Step:
    return ask("main_menu", prompt("main_menu", "khm", "mp3"))


def ask_language() -> ivr.Step:
    return ask("gathering_language", prompt("select_language"))


def ask_province(language: str, **answers: str) -> ivr.Step:
    return ask("gathering_province", prompt("select_province", language), **answers)


def ask_district(province: Place, language: str, **answers: str) -> ivr.Step:
    return ask("gathering_district", prompt(province.code, language), **answers)


def ask_commune(district: Place, language: str, **answers: str) -> ivr.Step:
    return ask("gathering_commune", prompt(district.code, language), **answers)


def answered(call: ivr.Call) -> ivr.Step:
    introduction = ivr.play_and_continue(call.current_url, prompt("introduction", "khm"))
    return ivr.Step(introduction, to="playing_introduction")


def playing_introduction(call: ivr.Call, *, offers_feedback: bool) -> ivr.Step:
    return ask_main_menu() if offers_feedback else ask_language()


def main_menu(call: ivr.Call) -> ivr.Step:
    if call.pressed == 1 or not call.digits:  # 1, or no input at all: registration
        return ask_language()
    if call.pressed == 2:
        # No `action`: the provider posts to this document's URL when the recording ends.
        response = VoiceResponse()
        response.play(prompt("record_feedback_instructions", "khm", "mp3"))
        response.record(recording_status_callback=recording_status_callback_url(call.current_url))
        return ivr.Step(response, to="recording_feedback")
    return ask_main_menu()


def recording_feedback(call: ivr.Call) -> ivr.Step:
    """The provider is done recording (the caller pressed a key, fell silent or hung up)."""
    thanks = ivr.play_and_continue(call.current_url, prompt("feedback_successful", "khm", "mp3"))
    return ivr.Step(thanks, to="playing_feedback_successful")


def finish(call: ivr.Call) -> ivr.Step:
    return ivr.Step(ivr.hangup(), to="finished")


def gathering_language(call: ivr.Call) -> ivr.Step:
    language = menu_choice(LANGUAGES, call.pressed)
    if language is None:
        return ask_language()
    return ask_province(language, language_code=language)


# The menus after the language's read the answers kept so far; a call without them (its metadata
# edited mid-call, never in a normal dialog) starts over from the language menu.
def chosen_language(call: ivr.Call) -> str | None:
    language = call.metadata.get("language_code")
    return language if language in LANGUAGES else None


def gathering_province(call: ivr.Call) -> ivr.Step:
    language = chosen_language(call)
    if call.starts_over or language is None:
        return ask_language()
    province = gazetteer().province(menu_choice(PROVINCE_MENU, call.pressed))
    if province is None or language not in PROVINCE_LANGUAGES.get(province.code, DEFAULT_PROVINCE_LANGUAGES):
        return ask_province(language)
    return ask_district(province, language, province_code=province.code, province_name_en=province.name_en)


def gathering_district(call: ivr.Call) -> ivr.Step:
    language = chosen_language(call)
    province = gazetteer().province(call.metadata.get("province_code"))
    if call.starts_over or language is None or province is None:
        return ask_language()
    district = menu_choice(gazetteer().districts_of(province.code), call.pressed)
    if district is None:
        return ask_district(province, language)
    return ask_commune(district, language, district_code=district.code, district_name_en=district.name_en)


def gathering_commune(call: ivr.Call) -> ivr.Step:
    language = chosen_language(call)
    district = gazetteer().district(call.metadata.get("district_code"))
    if call.starts_over or language is None or district is None:
        return ask_language()
    commune = menu_choice(gazetteer().communes_of(district.code), call.pressed)
    if commune is None:
        return ask_commune(district, language)
    return ivr.Step(
        ivr.play_and_continue(call.current_url, prompt("registration_successful", language)),
        to="playing_conclusion",
        call_data={"commune_code": commune.code, "commune_name_en": commune.name_en},
        contact_data=contact_registration(call.contact_metadata, commune, language),
    )


def contact_registration(contact_metadata: dict, commune: Place, language: str) -> dict:
    """The contact's metadata keys a registration sets; earlier communes stay registered."""
    registered = contact_metadata.get("commune_ids")
    registered = list(registered) if isinstance(registered, list) else []
    if commune.code not in registered:
        registered.append(commune.code)
    return {
        "commune_ids": registered,
        "language_code": language,
        "latest_commune_id": commune.code,
        "latest_address_km": commune.address_km,
        "latest_address_en": commune.address_en,
    }


def transitions(*, offers_feedback: bool) -> dict[str, Callable[[ivr.Call], ivr.Step]]:
    return {
        "answered": answered,
        "playing_introduction": partial(playing_introduction, offers_feedback=offers_feedback),
        "main_menu": main_menu,
        "recording_feedback": recording_feedback,
        "playing_feedback_successful": finish,
        "gathering_language": gathering_language,
        "gathering_province": gathering_province,
        "gathering_district": gathering_district,
        "gathering_commune": gathering_commune,
        "playing_conclusion": finish,
    }


REGISTRATION_ONLY = ivr.table_flow(transitions(offers_feedback=False))
WITH_FEEDBACK = ivr.table_flow(transitions(offers_feedback=True))


def flow_for(msisdn: str) -> ivr.Flow:
    """The menu a number hears: the feedback pilot's numbers get the main menu first."""
    return WITH_FEEDBACK if msisdn in FEEDBACK_PHONE_NUMBERS else REGISTRATION_ONLY
