"""OpenAPI: how the API authenticates, and what each resource's actions take and answer.

The schema must describe the API as it behaves (schemathesis checks it in tests/api): every
status an operation can answer is listed with its body, and parameters say what is accepted.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers

from scfm.api.sorting import sort_pattern


class AccessTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "scfm.api.authentication.AccessTokenAuthentication"
    name = ["bearerAuth", "basicAuth"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <access token>"},
            {
                "type": "http",
                "scheme": "basic",
                "description": "The access token as the user name, no password",
            },
        ]


class ErrorBody(serializers.Serializer):
    """`{"status": 404, "error": "Not Found"}`: the reference's body for 400, 404, 405, 406, 415."""

    status = serializers.IntegerField()
    error = serializers.CharField()


class ValidationErrors(serializers.Serializer):
    """`{"errors": {"msisdn": ["can't be blank"]}}`: each refused field and its messages."""

    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorBody, description=description)


BAD_REQUEST = {400: _error("A body that is not JSON (or form fields), or a required parameter missing.")}
UNAUTHORIZED = {
    401: OpenApiResponse(
        description="Unknown token (with WWW-Authenticate), or a permission it lacks (bare); no body."
    )
}
NOT_FOUND = {404: _error("No such record in the caller's account (or a parent in the path).")}
NOT_ACCEPTABLE = {406: _error("A format suffix other than `.json` (`/api/contacts/1.xml`).")}
UNSUPPORTED = {415: _error("A body in a media type other than JSON, form fields or multipart.")}
INVALID = {422: OpenApiResponse(response=ValidationErrors, description="Refused fields and why.")}
ERRORS = {**BAD_REQUEST, **UNAUTHORIZED, **NOT_FOUND, **NOT_ACCEPTABLE}
WRITE_ERRORS = {**ERRORS, **UNSUPPORTED, **INVALID}

# page and per_page are read as the reference reads them: a positive integer is used (per_page at
# most 100), and anything else means the default, so every value is accepted and none refused.
LENIENT_INTEGER = {"type": "string"}
PAGINATION_PARAMETERS = [
    OpenApiParameter(
        "page", LENIENT_INTEGER, description="Page number, from 1; any other value means 1.", default="1"
    ),
    OpenApiParameter(
        "per_page",
        LENIENT_INTEGER,
        description="Items per page, at most 100 (larger values give 100); any other value means 25.",
        default="25",
    ),
]
FILTER_PARAMETER = OpenApiParameter(
    "q",
    OpenApiTypes.OBJECT,
    style="deepObject",
    explode=True,
    description="Filters, e.g. `q[metadata][gender]=f`, `q[created_at_after]=2023-09-17`, "
    "`q[metadata][date_of_birth.date.gt]=2022-01-01`, `q[status]=running,paused`.",
)
LIST_HEADERS = [
    OpenApiParameter("Per-Page", int, OpenApiParameter.HEADER, response=[200], description="Items per page."),
    OpenApiParameter("Total", int, OpenApiParameter.HEADER, response=[200], description="Items in the list."),
    OpenApiParameter(
        "Link",
        str,
        OpenApiParameter.HEADER,
        response=[200],
        description="RFC 8288 links to the first, prev, last and next pages.",
    ),
]


def sort_parameter(columns) -> OpenApiParameter:
    return OpenApiParameter(
        "sort",
        {"type": "string", "pattern": sort_pattern(columns)},
        description="Comma-separated columns, `-` for descending: `-id,created_at`. Sortable: "
        + ", ".join(f"`{column}`" for column in columns)
        + ". Any other column is a 422; the default is `-id`.",
    )


def location(code: int) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "Location",
            str,
            OpenApiParameter.HEADER,
            response=[code],
            description="The resource's path (the collection's after a delete).",
        )
    ]


def documented(tag: str, *, output, input=None, actions=("list", "create", "retrieve", "update", "destroy")):
    """Describe a resource's actions to OpenAPI, with the reference's status codes and headers.

    The decorated viewset's `sortable_columns` document its `sort` parameter.
    """

    def decorate(viewset):
        list_parameters = [
            *PAGINATION_PARAMETERS,
            sort_parameter(viewset.sortable_columns),
            FILTER_PARAMETER,
            *LIST_HEADERS,
        ]
        schemas = {
            "list": extend_schema(
                tags=[tag],
                parameters=list_parameters,
                responses={200: output(many=True), **ERRORS, **INVALID},
            ),
            "retrieve": extend_schema(
                tags=[tag], parameters=location(200), responses={200: output, **ERRORS}
            ),
            "create": extend_schema(
                tags=[tag], request=input, parameters=location(201), responses={201: output, **WRITE_ERRORS}
            ),
            "update": extend_schema(
                tags=[tag], request=input, parameters=location(204), responses={204: None, **WRITE_ERRORS}
            ),
            "destroy": extend_schema(
                tags=[tag], parameters=location(204), responses={204: None, **ERRORS, **INVALID}
            ),
        }
        return extend_schema_view(**{action: schemas[action] for action in actions})(viewset)

    return decorate


# The provider webhooks (scfm.telephony.webhooks) are plain Django views, authenticated by the
# provider's signature rather than a token; drf-spectacular cannot see them, so they are added here.
WEBHOOK_PARAMS = {
    "AccountSid": "The provider account; an unknown one is a 403.",
    "CallSid": "The provider's id of the call.",
    "From": "Caller number.",
    "To": "Called number.",
    "Direction": "`inbound` or `outbound-api`.",
    "CallStatus": "`queued`, `ringing`, `in-progress`, `completed`, `busy`, `failed`, `no-answer`, …",
}
WEBHOOK_OPTIONAL_PARAMS = {
    "ApiVersion": {"type": "string", "enum": ["2010-04-01"]},
    "CallDuration": {"type": "string", "pattern": "^[0-9]{1,18}$", "description": "Seconds."},
    "Digits": {"type": "string", "description": "Keys pressed in a Gather."},
}


def _webhook_operation(operation_id: str, path_parameters: list[dict]) -> dict:
    text = {"text/plain": {"schema": {"type": "string", "example": "Twilio Request Validation Failed."}}}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {
        "operationId": operation_id,
        "tags": ["Provider webhooks"],
        "summary": "A phone call event from Twilio or Somleng, answered with the call flow's TwiML.",
        "description": "Authenticated by the `X-Twilio-Signature` header (HMAC-SHA1 of the URL and the "
        "sorted form fields with the account's auth token), not by an access token. The event is "
        "recorded before the answer is sent.",
        "security": [],
        "parameters": [
            *path_parameters,
            {
                "name": "X-Twilio-Signature",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "The provider's signature of the request.",
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": list(WEBHOOK_PARAMS),
                        "properties": {
                            **{
                                name: {"type": "string", "minLength": 1, "description": text_}
                                for name, text_ in WEBHOOK_PARAMS.items()
                            },
                            **WEBHOOK_OPTIONAL_PARAMS,
                        },
                    }
                }
            },
        },
        "responses": {
            "201": {
                "description": "The event was recorded; TwiML for the call.",
                "content": {"application/xml": {"schema": {"type": "string"}}},
            },
            "400": {"description": "A required field missing or malformed.", "content": error},
            "403": {"description": "Unknown AccountSid or a bad signature.", "content": text},
            "404": {"description": "The path's phone call is not the account's.", "content": error},
            "405": {"description": "Any method but POST."},
            "406": {"description": "A format suffix other than `.xml`."},
        },
    }


def document_provider_webhooks(result, generator, request, public):
    """Add the signature-authenticated webhook operations to the generated schema."""
    phone_call_id = {
        "name": "phone_call_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
        "description": "The phone call the event is about.",
    }
    paths = result.setdefault("paths", {})
    paths.setdefault("/api/remote_phone_call_events", {})["post"] = _webhook_operation(
        "remote_phone_call_events_webhook", []
    )
    paths["/twilio_webhooks/phone_call_events"] = {
        "post": _webhook_operation("twilio_webhooks_phone_call_events", [])
    }
    paths["/twilio_webhooks/phone_call_events/{phone_call_id}"] = {
        "post": _webhook_operation("twilio_webhooks_phone_call_event", [phone_call_id])
    }
    tags = result.setdefault("tags", [])
    if not any(tag.get("name") == "Provider webhooks" for tag in tags):
        tags.append({"name": "Provider webhooks", "description": "Called by the telephony provider."})
    return result
