"""The call flow interpreter, one TwiML request at a time, on an in-memory dialog (`DryRun`)."""

import pytest

from scfm.call_flows import data_flow
from scfm.call_flows.dry_run import DryRun
from scfm.call_flows.flow_schema import step_references, validate

URL = "https://scfm.example/twilio_webhooks/phone_call_events"
EN = "https://audio.example.org/en.mp3"
KM = "https://audio.example.org/km.mp3"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def twiml(*verbs: str) -> str:
    return f"{DECLARATION}<Response>{''.join(verbs)}</Response>" if verbs else f"{DECLARATION}<Response />"


class Walk:
    """A caller on a flow: each `press` is one TwiML request with the digits pressed (None: none)."""

    def __init__(self, document: dict, contact_metadata: dict | None = None) -> None:
        assert validate(document) == []
        self.document = document
        self.dialog = DryRun(contact_metadata=contact_metadata, flow_document=document)

    def press(self, digits: str | None = None) -> str:
        return self.dialog(None, data_flow.run, digits=digits, current_url=URL).to_xml()

    @property
    def contact(self) -> dict:
        return self.dialog.contact_metadata

    @property
    def state(self) -> dict:
        return self.dialog.call_metadata


def menu(**gather) -> dict:
    """A one-question menu with the steps its gather goes to (unreachable ones are invalid)."""
    document = {
        "start": "menu",
        "steps": [
            {"id": "menu", "type": "gather", "prompts": [{"type": "say", "text": "Press 1"}], **gather},
            {"id": "one", "type": "say", "text": "One", "next": "bye"},
            {"id": "sorry", "type": "say", "text": "Sorry", "next": "menu"},
            {"id": "silence", "type": "say", "text": "Hello?", "next": "menu"},
            {"id": "bye", "type": "hangup"},
        ],
    }
    steps = {step["id"]: step for step in document["steps"]}
    reached, pending = {"menu"}, ["menu"]
    while pending:
        for _path, target in step_references(steps[pending.pop()]):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    document["steps"] = [step for step in document["steps"] if step["id"] in reached]
    return document


GATHER = '<Gather actionOnEmptyResult="true"><Say>Press 1</Say></Gather>'


def test_play_redirect_and_hang_up():
    walk = Walk(
        {
            "start": "hello",
            "steps": [
                {"id": "hello", "type": "play", "audio": {"en": EN}, "next": "on"},
                {"id": "on", "type": "redirect", "next": "bye"},
                {"id": "bye", "type": "hangup"},
            ],
        }
    )
    assert walk.press() == twiml(f"<Play>{EN}</Play>", f"<Redirect>{URL}</Redirect>")
    assert walk.state == {"status": "waiting", "flow_step": "on", "flow_attempts": 0}
    assert walk.press() == twiml("<Hangup />")
    assert walk.state["status"] == "finished"
    assert walk.press() == twiml()


def test_audio_in_the_contacts_language_else_the_default_else_the_first():
    document = {
        "start": "a",
        "default_language": "km",
        "steps": [{"id": "a", "type": "play", "audio": {"en": EN, "km": KM}}],
    }
    assert Walk(document, {"language": "en"}).press() == twiml(f"<Play>{EN}</Play>")
    assert Walk(document, {"language": "lo"}).press() == twiml(f"<Play>{KM}</Play>")
    del document["default_language"]
    assert Walk(document).press() == twiml(f"<Play>{EN}</Play>")


def test_say_with_language_and_voice_then_the_call_ends_without_next():
    walk = Walk(
        {
            "start": "a",
            "steps": [{"id": "a", "type": "say", "text": "Bonjour", "language": "fr-FR", "voice": "woman"}],
        }
    )
    assert walk.press() == twiml('<Say language="fr-FR" voice="woman">Bonjour</Say>')
    assert walk.state["status"] == "finished"
    assert walk.press() == twiml()


def test_gather_branches_and_asks_again_on_invalid_or_no_input():
    walk = Walk(menu(branches={"1": "one"}, timeout=7, num_digits=1))
    gather = '<Gather actionOnEmptyResult="true" numDigits="1" timeout="7"><Say>Press 1</Say></Gather>'
    assert walk.press() == twiml(gather)
    assert walk.press("9") == twiml(gather)
    assert walk.press() == twiml(gather)
    assert walk.state["flow_attempts"] == 2
    assert walk.press("1#") == twiml("<Say>One</Say>", "<Hangup />")


def test_gather_on_invalid_on_no_input_and_retries():
    walk = Walk(
        menu(branches={"1": "one"}, on_invalid="sorry", on_no_input="silence", retries=2, after_retries="bye")
    )
    walk.press()
    assert walk.press("5") == twiml("<Say>Sorry</Say>", GATHER)
    assert walk.press() == twiml("<Say>Hello?</Say>", GATHER)
    assert walk.state["flow_attempts"] == 2
    assert walk.press("7") == twiml("<Hangup />")
    assert walk.state["status"] == "finished"


def test_without_after_retries_the_call_hangs_up():
    walk = Walk(menu(branches={"1": "one"}, retries=0))
    walk.press()
    assert walk.press("3") == twiml("<Hangup />")


def test_a_successful_input_resets_the_attempts():
    document = menu(branches={"1": "one"}, retries=1)
    document["steps"][1]["next"] = "menu"
    del document["steps"][2]  # `bye`, no longer reached
    walk = Walk(document)
    walk.press()
    walk.press("4")
    assert walk.state["flow_attempts"] == 1
    assert walk.press("1") == twiml("<Say>One</Say>", GATHER)
    assert walk.state["flow_attempts"] == 0
    assert walk.press("4") == twiml(GATHER)


def test_branch_keys_read_numbers_and_star():
    walk = Walk(menu(branches={"1": "one", "*": "sorry"}))
    walk.press()
    assert walk.press("01") == twiml("<Say>One</Say>", "<Hangup />")
    walk = Walk(menu(branches={"1": "one", "*": "sorry"}))
    walk.press()
    assert walk.press("*9") == twiml("<Say>Sorry</Say>", GATHER)


def test_any_input_goes_to_next_and_is_kept():
    walk = Walk(menu(next="one", save_digits_as="age"), {"name": "Dara"})
    walk.press()
    assert walk.press("42#") == twiml("<Say>One</Say>", "<Hangup />")
    assert walk.contact == {"name": "Dara", "age": "42"}


def test_record_waits_then_goes_on():
    walk = Walk(
        {
            "start": "r",
            "steps": [
                {"id": "r", "type": "record", "max_length": 30, "play_beep": True, "next": "thanks"},
                {"id": "thanks", "type": "say", "text": "Thanks"},
            ],
        }
    )
    callback = "https://scfm.example/twilio_webhooks/recording_status_callbacks"
    assert walk.press() == twiml(
        f'<Record maxLength="30" playBeep="true" recordingStatusCallback="{callback}" />'
    )
    assert walk.press() == twiml("<Say>Thanks</Say>")


def test_metadata_set_append_and_branch():
    document = {
        "start": "known",
        "steps": [
            {
                "id": "known",
                "type": "branch",
                "key": "language",
                "cases": {"km": "khmer"},
                "present": "other",
                "otherwise": "set",
            },
            {
                "id": "set",
                "type": "set_metadata",
                "values": {"language": "km", "source": {"via": "ivr"}},
                "next": "known",
            },
            {
                "id": "khmer",
                "type": "append_metadata",
                "key": "tags",
                "value": "khmer",
                "unique": True,
                "next": "again",
            },
            {
                "id": "again",
                "type": "append_metadata",
                "key": "tags",
                "value": "khmer",
                "unique": True,
                "next": "twice",
            },
            {"id": "twice", "type": "append_metadata", "key": "visits", "value": 1, "next": "bye"},
            {"id": "other", "type": "say", "text": "Other"},
            {"id": "bye", "type": "hangup"},
        ],
    }
    # `set` → `known` is a loop without input only if it could come back to `set`; it cannot here,
    # but the check is structural: route around it for this test.
    document["steps"][1]["next"] = "khmer"
    walk = Walk(document, {"tags": ["old"], "visits": [1]})
    assert walk.press() == twiml("<Hangup />")
    assert walk.contact == {
        "tags": ["old", "khmer"],
        "visits": [1, 1],
        "language": "km",
        "source": {"via": "ivr"},
    }
    assert Walk(document, {"language": "en"}).press() == twiml("<Say>Other</Say>")
    assert Walk(document, {"language": "km"}).press() == twiml("<Hangup />")


@pytest.mark.parametrize(
    "document",
    [
        {"start": "a", "steps": [{"id": "a", "type": "dance"}]},
        {"start": "a", "steps": [{"id": "a", "type": "say", "text": "x", "next": "ghost"}]},
        {"start": "a", "steps": []},
        None,
    ],
)
def test_a_broken_document_hangs_up_rather_than_failing(document):
    dialog = DryRun(flow_document=document)
    assert "<Hangup />" in dialog(None, data_flow.run, digits=None, current_url=URL).to_xml()
    assert dialog.finished


def test_a_loop_without_input_stops_within_the_request():
    document = {"start": "a", "steps": [{"id": "a", "type": "set_metadata", "values": {"k": 1}, "next": "a"}]}
    dialog = DryRun(flow_document=document)
    assert dialog(None, data_flow.run, digits=None, current_url=URL).to_xml() == twiml("<Hangup />")
