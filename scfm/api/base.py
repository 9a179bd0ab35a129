"""The base of every API resource: scoping, listing, and the reference's response conventions."""

from django.shortcuts import get_object_or_404
from rest_framework import viewsets
from rest_framework.response import Response

from scfm.api.errors import flatten_errors
from scfm.api.pagination import paginate
from scfm.api.sorting import apply_sort, check_sortable_columns
from scfm.core.errors import BadRequest, ValidationFailed
from scfm.filtering.compiler import FilterSpec, apply_filters
from scfm.filtering.params import nested_query_params


def permitted(data, input_serializer_class) -> dict:
    """Return the keys of `data` the input serializer declares; others are dropped, as in the reference."""
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object or form fields")
    fields = input_serializer_class().fields
    return {key: value for key, value in data.items() if key in fields}


class ResourceViewSet(viewsets.ViewSet):
    """A tenant-scoped resource. Subclasses define `get_base_queryset()`, never an unscoped one."""

    resource: str  # permission prefix and collection path, e.g. "contacts"
    output_serializer_class: type
    input_serializer_class: type | None = None
    filter_spec: FilterSpec
    # Public output columns a list may be sorted by (`sort=-id,created_at`); never a secret one.
    sortable_columns: tuple[str, ...] = ("id", "created_at", "updated_at")
    lookup_url_kwarg = "pk"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        check_sortable_columns(cls.__name__, cls.sortable_columns)

    @property
    def account(self):
        return self.request.user.account

    @property
    def access_token(self):
        return self.request.user.access_token

    def get_base_queryset(self):
        raise NotImplementedError

    def get_object(self):
        return get_object_or_404(self.get_base_queryset(), pk=self.kwargs[self.lookup_url_kwarg])

    def input(self) -> dict:
        """Return the permitted keys of the body, each checked for its type (422 otherwise).

        Only shapes are checked here (strings are strings, ids are integers); the services apply
        the reference's rules and messages.
        """
        data = permitted(self.request.data, self.input_serializer_class)
        serializer = self.input_serializer_class(data=data, partial=True, context={"request": self.request})
        if not serializer.is_valid():
            raise ValidationFailed(flatten_errors(serializer.errors))
        return dict(serializer.validated_data)

    def location(self, instance) -> str:
        return f"/api/{self.resource}/{instance.pk}"

    def render(self, instance) -> dict:
        return self.output_serializer_class(instance).data

    # Responses, as `respond_with` gives them in the reference.
    def list(self, request, *args, **kwargs):
        queryset = apply_filters(
            self.get_base_queryset(),
            nested_query_params(request.META.get("QUERY_STRING", "")).get("q"),
            self.filter_spec,
        )
        items, headers = paginate(
            request, apply_sort(queryset, request.query_params.get("sort"), self.sortable_columns)
        )
        return Response(self.output_serializer_class(items, many=True).data, headers=headers)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return Response(self.render(instance), headers={"Location": self.location(instance)})

    def created(self, instance) -> Response:
        return Response(self.render(instance), status=201, headers={"Location": self.location(instance)})

    def updated(self, instance) -> Response:
        return Response(status=204, headers={"Location": self.location(instance)})

    def destroyed(self) -> Response:
        return Response(status=204, headers={"Location": f"/api/{self.resource}"})
