"""Following TwiML: Play, Say, Pause, Gather, Redirect, Hangup, and what ends a call early."""

from datetime import datetime

import pytest

from tests.simulator.conftest import SCFM

pytestmark = pytest.mark.anyio


def paths(harness) -> list[str]:
    return [item.path for item in harness.scfm.twiml_requests]


async def test_gather_posts_the_configured_digits_to_its_action(harness):
    harness.configure(digits="3")
    harness.scfm.documents.update(
        {
            "/twiml": "<Response><Gather action='/menu' numDigits='1'><Say>Press 3</Say></Gather></Response>",
            "/menu": "<Response><Play>https://cdn.test/three.mp3</Play><Hangup/></Response>",
        }
    )

    entry = await harness.play()

    assert paths(harness) == ["/twiml", "/menu"]
    menu = harness.scfm.twiml_requests[1]
    assert menu.method == "POST"
    assert menu.params["Digits"] == "3"
    assert menu.params["CallStatus"] == "in-progress"
    assert menu.signature_valid
    assert entry["digits"] == ["3"]
    assert entry["twiml_requests"][1]["digits"] == "3"
    assert entry["status"] == "completed"


async def test_gather_without_action_posts_back_to_the_current_document(harness):
    harness.configure(digits=["1", "2"])
    harness.scfm.documents["/twiml"] = "<Response><Gather/></Response>"
    harness.scfm.documents["/flow"] = "<Response><Gather/></Response>"

    entry = await harness.play(Url=f"{SCFM}/flow?step=1")

    assert [item.url for item in harness.scfm.twiml_requests] == [f"{SCFM}/flow?step=1"] * 3
    assert [item.params.get("Digits") for item in harness.scfm.twiml_requests] == [None, "1", "2"]
    # The list ran out: the third Gather got no input and the document ended.
    assert entry["digits"] == ["1", "2", ""]


async def test_gather_applies_finish_on_key_and_num_digits(harness):
    harness.configure(digits=["12#9", "98765"])
    harness.scfm.documents.update(
        {
            "/twiml": "<Response><Gather action='/a'/></Response>",
            "/a": "<Response><Gather action='/b' numDigits='2'/></Response>",
            "/b": "<Response/>",
        }
    )

    entry = await harness.play()

    assert entry["digits"] == ["12", "98"]


async def test_gather_with_no_input_carries_on_with_the_next_verb(harness):
    harness.configure(digits="")
    harness.scfm.documents.update(
        {
            "/twiml": "<Response><Gather action='/menu'/><Redirect>/again</Redirect></Response>",
            "/again": "<Response><Hangup/></Response>",
        }
    )

    await harness.play()

    assert paths(harness) == ["/twiml", "/again"]


async def test_gather_with_action_on_empty_result_posts_empty_digits(harness):
    harness.configure(digits="")
    harness.scfm.documents.update(
        {
            "/twiml": "<Response><Gather action='/menu' actionOnEmptyResult='true'/><Hangup/></Response>",
            "/menu": "<Response><Hangup/></Response>",
        }
    )

    await harness.play()

    assert paths(harness) == ["/twiml", "/menu"]
    assert harness.scfm.twiml_requests[1].params["Digits"] == ""


async def test_redirect_fetches_the_given_url_with_its_method(harness):
    harness.scfm.documents.update(
        {
            "/twiml": f"<Response><Redirect method='GET'>{SCFM}/next?x=1</Redirect></Response>",
            "/next": "<Response><Redirect>/last</Redirect><Say>never said</Say></Response>",
            "/last": "<Response><Say>Bye</Say><Hangup/><Play>never played</Play></Response>",
        }
    )

    entry = await harness.play()

    assert paths(harness) == ["/twiml", "/next", "/last"]
    assert [item.method for item in harness.scfm.twiml_requests] == ["POST", "GET", "POST"]
    assert harness.scfm.twiml_requests[1].url.startswith(f"{SCFM}/next?x=1&CallSid=")
    assert all(item.signature_valid for item in harness.scfm.received)
    assert entry["status"] == "completed"


async def test_play_say_and_pause_take_their_configured_time(harness):
    harness.configure(time_scale=0.01, play_seconds=2, say_seconds=1)
    harness.scfm.documents["/twiml"] = (
        "<Response><Play loop='2'>a.mp3</Play><Say>hi</Say><Pause length='3'/></Response>"
    )

    entry = await harness.play()

    assert entry["notes"] == []
    twiml_at = entry["twiml_requests"][0]["at"]
    assert twiml_at < entry["end_time"]
    # 2×2 + 1 + 3 = 8 simulated seconds at 1/100: at least 80 ms between the TwiML and the end.
    elapsed = datetime.fromisoformat(entry["end_time"]) - datetime.fromisoformat(twiml_at)
    assert elapsed.total_seconds() >= 0.075


async def test_a_redirect_loop_stops_at_max_twiml_documents(harness):
    harness.configure(max_twiml_documents=4)
    harness.scfm.documents["/twiml"] = "<Response><Redirect/></Response>"

    entry = await harness.play()

    assert len(harness.scfm.twiml_requests) == 4
    assert "stopped after 4 TwiML documents" in entry["notes"][-1]
    assert entry["status"] == "completed"


async def test_urls_off_the_calls_origin_are_never_requested(harness):
    harness.scfm.documents["/twiml"] = "<Response><Redirect>http://elsewhere.test/x</Redirect></Response>"

    entry = await harness.play()

    assert paths(harness) == ["/twiml"]
    assert "refused to fetch http://elsewhere.test/x" in entry["notes"][-1]


@pytest.mark.parametrize(
    ("document", "note"),
    [
        (None, "answered 404"),
        ("this is not xml", "is not XML"),
        ("<Html/>", "has root <Html>"),
    ],
    ids=["http-error", "not-xml", "wrong-root"],
)
async def test_a_broken_document_ends_the_call_with_a_note(harness, document, note):
    if document is None:
        del harness.scfm.documents["/twiml"]
    else:
        harness.scfm.documents["/twiml"] = document

    entry = await harness.play()

    assert note in entry["notes"][-1]
    assert entry["status"] == "completed"
    assert harness.scfm.callback_statuses() == ["completed"]


async def test_unsupported_verbs_are_skipped_with_a_note(harness):
    harness.scfm.documents["/twiml"] = "<Response><Dial>+1</Dial><Say>after</Say></Response>"

    entry = await harness.play()

    assert entry["notes"][-1].endswith("skipped unsupported verb <Dial>")
