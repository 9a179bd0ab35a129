"""OpenAPI: how the API authenticates, and what each resource's actions take and answer."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view


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


# What every list endpoint accepts (scfm-behaviour.md §4.4–§5), and the errors every endpoint may answer.
LIST_PARAMETERS = [
    OpenApiParameter("page", int, description="Page number, from 1."),
    OpenApiParameter("per_page", int, description="Items per page: 25 by default, at most 100."),
    OpenApiParameter(
        "sort", str, description="Comma-separated columns, `-` for descending: `-id,created_at`."
    ),
    OpenApiParameter(
        "q",
        OpenApiTypes.OBJECT,
        style="deepObject",
        explode=True,
        description="Filters, e.g. `q[metadata][gender]=f`, `q[created_at_after]=2023-09-17`, "
        "`q[metadata][date_of_birth.date.gt]=2022-01-01`, `q[status]=running,paused`.",
    ),
]
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
ERRORS = {
    401: OpenApiResponse(
        description="Unknown token (with WWW-Authenticate), or a permission it lacks (bare)."
    ),
    404: OpenApiResponse(description='{"status":404,"error":"Not Found"}'),
}
INVALID = {422: OpenApiResponse(description='{"errors": {"field": ["message"]}}')}


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
    """Describe a resource's actions to OpenAPI, with the reference's status codes and headers."""
    invalid = {**ERRORS, **INVALID}
    schemas = {
        "list": extend_schema(
            tags=[tag],
            parameters=LIST_PARAMETERS + LIST_HEADERS,
            responses={200: output(many=True), **invalid},
        ),
        "retrieve": extend_schema(tags=[tag], parameters=location(200), responses={200: output, **ERRORS}),
        "create": extend_schema(
            tags=[tag], request=input, parameters=location(201), responses={201: output, **invalid}
        ),
        "update": extend_schema(
            tags=[tag], request=input, parameters=location(204), responses={204: None, **invalid}
        ),
        "destroy": extend_schema(tags=[tag], parameters=location(204), responses={204: None, **invalid}),
    }
    return extend_schema_view(**{action: schemas[action] for action in actions})
