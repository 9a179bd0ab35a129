"""The call flow language: a JSON document of steps, its JSON Schema and its semantic checks.

A flow is `{"start": <step id>, "default_language": <code>, "steps": [<step>, …]}`. Each step has
an `id` and a `type`; most name the step that follows in `next` (no `next`: the call ends after the
step's TwiML). One webhook request runs steps from where the dialog stands until one waits for the
caller (`gather`, `record`), hands the call back to the provider (`redirect`) or ends it
(`hangup`, a step without `next`). `scfm.call_flows.data_flow` runs a document; this module only
says whether one is valid, with a JSON pointer to each error.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_ID = "https://scfm.example/schemas/call_flow.json"
# Steps that end the webhook's response: the dialog moves on only at the caller's next request.
WAITING_TYPES = frozenset({"gather", "record", "redirect"})
MAX_STEPS = 500

_STEP_ID = {"type": "string", "pattern": r"^[A-Za-z0-9_.-]{1,64}$"}
_METADATA_KEY = {"type": "string", "minLength": 1, "maxLength": 255}
_URL = {"type": "string", "pattern": r"^https?://\S+$", "maxLength": 2048}
_AUDIO = {
    "type": "object",
    "description": "Audio URL per language code (the contact's `language` picks one).",
    "minProperties": 1,
    "propertyNames": {"pattern": r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$"},
    "additionalProperties": _URL,
}
_SAY_FIELDS = {
    "text": {"type": "string", "minLength": 1, "maxLength": 4096},
    "language": {"type": "string", "minLength": 2, "maxLength": 16, "description": "e.g. en-US, km-KH"},
    "voice": {
        "type": "string",
        "minLength": 1,
        "maxLength": 64,
        "description": "e.g. man, woman, Polly.Joanna",
    },
}
_PLAY_PROMPT = {
    "type": "object",
    "required": ["type", "audio"],
    "properties": {"type": {"const": "play"}, "audio": _AUDIO},
    "additionalProperties": False,
}
_SAY_PROMPT = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "say"}, **_SAY_FIELDS},
    "additionalProperties": False,
}


def _step(type_name: str, description: str, properties: dict, required: tuple[str, ...] = ()) -> dict:
    return {
        "description": description,
        "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
        "then": {
            "required": ["id", "type", *required],
            "properties": {"id": _STEP_ID, "type": {"const": type_name}, **properties},
            "additionalProperties": False,
        },
    }


_NEXT = {"next": _STEP_ID}
STEP_TYPES: dict[str, dict] = {
    "play": _step(
        "play", "Play audio, the URL of the caller's language.", {"audio": _AUDIO, **_NEXT}, ("audio",)
    ),
    "say": _step(
        "say", "Speak text with the provider's text-to-speech.", {**_SAY_FIELDS, **_NEXT}, ("text",)
    ),
    "gather": _step(
        "gather",
        "Play the prompts and wait for digits. Input matching a branch goes there; any other input"
        " goes to `next` when given (its digits kept in `save_digits_as`), else counts as invalid."
        " Invalid input goes to `on_invalid`, none to `on_no_input` (both default to asking again);"
        " after `retries` failed attempts, to `after_retries` (default: hang up).",
        {
            "prompts": {"type": "array", "items": {"oneOf": [_PLAY_PROMPT, _SAY_PROMPT]}, "maxItems": 50},
            "timeout": {"type": "integer", "minimum": 1, "maximum": 60},
            "num_digits": {"type": "integer", "minimum": 1, "maximum": 32},
            "finish_on_key": {"type": "string", "pattern": r"^[0-9#*]?$"},
            "branches": {
                "type": "object",
                "description": "Step per input: digits (`1` takes `01`, `1#`), `*`: input starting with it.",
                "propertyNames": {"pattern": r"^([0-9]{1,9}|\*)$"},
                "additionalProperties": _STEP_ID,
            },
            "save_digits_as": _METADATA_KEY,
            "retries": {"type": "integer", "minimum": 0, "maximum": 20},
            "on_invalid": _STEP_ID,
            "on_no_input": _STEP_ID,
            "after_retries": _STEP_ID,
            **_NEXT,
        },
    ),
    "record": _step(
        "record",
        "Record the caller; the provider posts the recording when it ends, the flow goes on at `next`.",
        {
            "max_length": {"type": "integer", "minimum": 1, "maximum": 3600},
            "timeout": {"type": "integer", "minimum": 0, "maximum": 60},
            "finish_on_key": {"type": "string", "pattern": r"^[0-9#*]*$", "maxLength": 12},
            "play_beep": {"type": "boolean"},
            **_NEXT,
        },
    ),
    "set_metadata": _step(
        "set_metadata",
        "Set keys of the contact's metadata.",
        {"values": {"type": "object", "minProperties": 1, "propertyNames": _METADATA_KEY}, **_NEXT},
        ("values",),
    ),
    "append_metadata": _step(
        "append_metadata",
        "Append a value to a list in the contact's metadata (`unique`: only when not there yet).",
        {"key": _METADATA_KEY, "value": {}, "unique": {"type": "boolean"}, **_NEXT},
        ("key", "value"),
    ),
    "branch": _step(
        "branch",
        "Go on by the contact's metadata: the case equal to the value, `present` when it has one,"
        " else `otherwise`.",
        {
            "key": _METADATA_KEY,
            "cases": {"type": "object", "additionalProperties": _STEP_ID},
            "present": _STEP_ID,
            "otherwise": _STEP_ID,
        },
        ("key", "otherwise"),
    ),
    "redirect": _step(
        "redirect",
        "Hand the call back to the provider, which fetches the webhook again; the flow goes on at `next`.",
        _NEXT,
        ("next",),
    ),
    "hangup": _step("hangup", "End the call.", {}),
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "SCFM call flow",
    "type": "object",
    "required": ["start", "steps"],
    "properties": {
        "start": {**_STEP_ID, "description": "The id of the step a call starts at."},
        "default_language": {
            "type": "string",
            "minLength": 2,
            "maxLength": 16,
            "description": "The audio played when the contact's metadata `language` has none.",
        },
        "steps": {
            "type": "array",
            "minItems": 1,
            "maxItems": MAX_STEPS,
            "items": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {"type": {"enum": list(STEP_TYPES)}},
                "allOf": list(STEP_TYPES.values()),
            },
        },
    },
    "additionalProperties": False,
}

_VALIDATOR = Draft202012Validator(SCHEMA)


@dataclass(frozen=True, order=True)
class FlowError:
    pointer: str  # RFC 6901 JSON pointer into the document, "" for the document itself
    message: str


def validate(document: Any) -> list[FlowError]:
    """Return every error of the document, schema errors first; the semantic checks need a valid shape."""
    errors = sorted(
        {FlowError(_pointer(error.absolute_path), error.message) for error in _schema_errors(document)}
    )
    if errors:
        return errors
    return sorted(set(_semantic_errors(document)))


def _schema_errors(document: Any) -> Iterator[Any]:
    for error in _VALIDATOR.iter_errors(document):
        # `allOf` of `if/then` reports a step's errors through its sub-errors; the deepest say where.
        yield from _leaves(error)


def _leaves(error: Any) -> Iterator[Any]:
    if error.validator == "oneOf" and error.context:
        # A prompt matched neither shape: report against the shape its `type` asks for.
        yield error
        return
    if not error.context:
        yield error
        return
    for sub in error.context:
        yield from _leaves(sub)


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def step_references(step: Mapping[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Yield (path inside the step, step id) of every step the step can go to."""
    for field in ("next", "on_invalid", "on_no_input", "after_retries", "present", "otherwise"):
        if field in step:
            yield (field,), step[field]
    for field in ("branches", "cases"):
        for key, target in (step.get(field) or {}).items():
            yield (field, key), target


def _semantic_errors(document: Mapping[str, Any]) -> Iterator[FlowError]:
    steps = document["steps"]
    index: dict[str, int] = {}
    for position, step in enumerate(steps):
        if step["id"] in index:
            yield FlowError(_pointer(("steps", position, "id")), f"duplicate step id {step['id']!r}")
        else:
            index[step["id"]] = position
    if document["start"] not in index:
        yield FlowError("/start", f"unknown step id {document['start']!r}")
        return
    known = True
    for position, step in enumerate(steps):
        for path, target in step_references(step):
            if target not in index:
                known = False
                yield FlowError(_pointer(("steps", position, *path)), f"unknown step id {target!r}")
    if not known:
        return
    reachable = _reachable(document["start"], steps, index)
    for position, step in enumerate(steps):
        if step["id"] not in reachable:
            yield FlowError(_pointer(("steps", position)), f"step {step['id']!r} is never reached")
    yield from _loops_without_input(steps, index)


def _reachable(start: str, steps: list, index: Mapping[str, int]) -> set[str]:
    seen = {start}
    pending = [start]
    while pending:
        step = steps[index[pending.pop()]]
        for _path, target in step_references(step):
            if target not in seen:
                seen.add(target)
                pending.append(target)
    return seen


def _loops_without_input(steps: list, index: Mapping[str, int]) -> Iterator[FlowError]:
    """Report each cycle that never waits for the caller (no `gather`, no `record`).

    Such a cycle would never end: within one request, or through Redirects, call after call.
    """
    state: dict[str, str] = {}  # "open" while on the depth-first path, "done" after

    def visit(step_id: str) -> Iterator[FlowError]:
        state[step_id] = "open"
        step = steps[index[step_id]]
        if step["type"] not in ("gather", "record"):
            for path, target in step_references(step):
                target_type = steps[index[target]]["type"]
                if target_type in ("gather", "record"):
                    continue
                if state.get(target) == "open":
                    pointer = _pointer(("steps", index[step_id], *path))
                    yield FlowError(
                        pointer, f"loop back to {target!r} without waiting for the caller's input"
                    )
                elif target not in state:
                    yield from visit(target)
        state[step_id] = "done"

    for step in steps:
        if step["id"] not in state:
            yield from visit(step["id"])
