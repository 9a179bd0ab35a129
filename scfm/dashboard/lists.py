"""Dashboard lists: the API's `q[...]` filters, newest first, 25 a page."""

from dataclasses import dataclass

from django.db import models

from scfm.core.errors import ValidationFailed
from scfm.filtering.compiler import FilterSpec, apply_filters
from scfm.filtering.params import ParametersTooDeep, nested_query_params

PER_PAGE = 25


@dataclass
class ListPage:
    items: list
    number: int
    total: int
    per_page: int = PER_PAGE
    filter_error: str | None = None

    @property
    def num_pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0


def _without_blanks(value):
    """Drop blank strings: a filter form sends every field, and a blank one means "any", not "none"."""
    if isinstance(value, dict):
        kept = {key: _without_blanks(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item != "" and item != {}}
    return value.strip() if isinstance(value, str) and not value.strip() else value


def filter_params(request) -> dict:
    """Return the request's `q` hash, parsed as the API parses it, without the form's blank fields."""
    q = nested_query_params(request.META.get("QUERY_STRING", "")).get("q")
    return _without_blanks(q) if isinstance(q, dict) else {}


def filtered(request, queryset: models.QuerySet, spec: FilterSpec) -> tuple[models.QuerySet, str | None]:
    """Apply the request's filters; a malformed filter gives no rows and a message, never a 500."""
    try:
        return apply_filters(queryset, filter_params(request), spec), None
    except ValidationFailed as error:
        messages = [message for field_messages in error.errors.values() for message in field_messages]
        return queryset.none(), "; ".join(messages)
    except ParametersTooDeep as error:
        return queryset.none(), str(error)


def list_page(
    request, queryset: models.QuerySet, spec: FilterSpec | None, per_page: int = PER_PAGE
) -> ListPage:
    """Return the requested page, filtered by the request (unless `spec` is None), newest first."""
    error = None
    if spec is not None:
        queryset, error = filtered(request, queryset, spec)
    try:
        number = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        number = 1
    total = queryset.count()
    offset = (number - 1) * per_page
    items = list(queryset.order_by("-id")[offset : offset + per_page]) if offset < total else []
    return ListPage(items=items, number=number, total=total, per_page=per_page, filter_error=error)
