"""The call flow language's validation: JSON Schema errors and semantic checks, each at its JSON pointer."""

import json

from scfm.call_flows import builtin_documents
from scfm.call_flows.flow_schema import SCHEMA, FlowError, validate

URL = "https://audio.example.org/a.mp3"


def flow(*steps: dict, start: str = "a") -> dict:
    return {"start": start, "steps": list(steps)}


def pointers(document) -> list[str]:
    return [error.pointer for error in validate(document)]


def test_the_laos_menu_as_data_is_valid():
    assert validate(builtin_documents.ews_laos_document()) == []


def test_the_schema_is_plain_json():
    assert json.loads(json.dumps(SCHEMA)) == SCHEMA


def test_a_document_needs_a_start_and_steps():
    assert validate({}) == [
        FlowError("", "'start' is a required property"),
        FlowError("", "'steps' is a required property"),
    ]
    assert pointers(["not", "an", "object"]) == [""]


def test_schema_errors_point_at_the_offending_value():
    document = flow(
        {"id": "a", "type": "play", "audio": {"en": "ftp://nope"}, "next": "b"},
        {"id": "b", "type": "gather", "timeout": 0, "branches": {"1": "a", "12x": "a"}},
        {"id": "c", "type": "redirect"},
        {"id": "d", "type": "dance"},
        {"id": "e", "type": "say", "text": "hi", "loudness": 11},
    )
    errors = validate(document)
    assert [error.pointer for error in errors] == [
        "/steps/0/audio/en",
        "/steps/1/branches",
        "/steps/1/timeout",
        "/steps/2",
        "/steps/3/type",
        "/steps/4",
    ]
    assert "'next' is a required property" in errors[3].message
    assert "'loudness' was unexpected" in errors[5].message


def test_a_prompt_must_be_a_play_or_a_say():
    document = flow(
        {"id": "a", "type": "gather", "prompts": [{"type": "play", "text": "hi"}], "branches": {}}
    )
    assert pointers(document) == ["/steps/0/prompts/0"]


def test_duplicate_ids_and_unknown_references():
    document = flow(
        {"id": "a", "type": "gather", "branches": {"1": "b", "2": "nowhere"}, "on_no_input": "gone"},
        {"id": "b", "type": "hangup"},
        {"id": "b", "type": "hangup"},
    )
    assert validate(document) == [
        FlowError("/steps/0/branches/2", "unknown step id 'nowhere'"),
        FlowError("/steps/0/on_no_input", "unknown step id 'gone'"),
        FlowError("/steps/2/id", "duplicate step id 'b'"),
    ]
    assert validate(flow({"id": "a", "type": "hangup"}, start="z")) == [
        FlowError("/start", "unknown step id 'z'")
    ]


def test_a_step_never_reached_is_an_error():
    document = flow({"id": "a", "type": "hangup"}, {"id": "lost", "type": "say", "text": "hi"})
    assert validate(document) == [FlowError("/steps/1", "step 'lost' is never reached")]


def test_a_loop_that_never_waits_for_the_caller_is_an_error():
    document = flow(
        {"id": "a", "type": "play", "audio": {"en": URL}, "next": "b"},
        {"id": "b", "type": "redirect", "next": "a"},
    )
    assert validate(document) == [
        FlowError("/steps/1/next", "loop back to 'a' without waiting for the caller's input"),
    ]
    branching = flow(
        {"id": "a", "type": "branch", "key": "k", "cases": {"x": "b"}, "otherwise": "c"},
        {"id": "b", "type": "set_metadata", "values": {"k": "y"}, "next": "a"},
        {"id": "c", "type": "hangup"},
    )
    assert pointers(branching) == ["/steps/1/next"]


def test_a_loop_through_a_gather_is_fine():
    document = flow(
        {"id": "a", "type": "gather", "branches": {"1": "b"}, "on_invalid": "sorry"},
        {"id": "sorry", "type": "say", "text": "Sorry", "next": "a"},
        {"id": "b", "type": "record", "next": "again"},
        {"id": "again", "type": "redirect", "next": "b"},
    )
    assert validate(document) == []


def test_pointers_escape_slashes_and_tildes():
    document = flow(
        {
            "id": "a",
            "type": "gather",
            "branches": {"1": "a"},
            "prompts": [
                {"type": "play", "audio": {"en/x~y": "ftp://nope"}},
            ],
        }
    )
    assert "/steps/0/prompts/0" in pointers(document)
    document = flow({"id": "a", "type": "play", "audio": {"e/n~": "ftp://nope"}})
    assert "/steps/0/audio/e~1n~0" in pointers(document)
