"""Generic Django admin helpers every app's admin module shares, and the site's titles.

They know no SCFM model: lists of millions of rows without a full count, view-only admins,
searches an index can answer, fixed-choice filters, links between records by id.
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

admin.site.site_header = "SCFM administration"
admin.site.site_title = "SCFM administration"
admin.site.index_title = "Installation"


def mask_secret(value: str | None) -> str:
    """Show only the last four characters of a secret."""
    if not value:
        return "-"
    return "•" * 8 + value[-4:] if len(value) > 4 else "•" * 8


def change_link(model, pk, label=None):
    """A link to a record's admin page from its id alone (no query for the related row)."""
    if pk is None:
        return "-"
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else pk)


def id_link_column(model, field: str, description: str):
    """A list/detail column linking to the record whose id is in `field` (sortable by it)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return change_link(model, getattr(obj, field))

    return column


def changelist_link(model, label, **params):
    """A link to a model's admin list filtered by `params` (e.g. account__id__exact=3)."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


class LargeTablePaginator(Paginator):
    """Paginator that does not COUNT(*) a whole table of millions of rows.

    An unfiltered list on PostgreSQL takes the planner's row estimate (pg_class.reltuples) once
    the table is larger than ESTIMATE_ABOVE rows; filtered lists and small tables count exactly.
    The estimate is only as fresh as the table's last ANALYZE.
    """

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self):
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                        [connection.ops.quote_name(queryset.model._meta.db_table)],
                    )
                    row = cursor.fetchone()
                if row and row[0] is not None and row[0] > self.ESTIMATE_ABOVE:
                    return int(row[0])
        return Paginator.count.func(self)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no adding, changing or deleting through the admin."""

    ordering = ("-id",)
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BigTableAdmin(ReadOnlyAdmin):
    """For tables of millions of rows: no full-table count, no per-option filter counts ("facets"),
    sorting only on indexed columns. Filters must not list their options with a SELECT DISTINCT
    (Django's default for plain CharFields), hence the fixed-choice filters below."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = LargeTablePaginator
    sortable_by = ("id", "created_at")


class FixedChoicesFilter(admin.SimpleListFilter):
    """Filter on one field's exact value, offering a fixed list instead of querying for it."""

    field_name = ""
    options: tuple[tuple[str, str], ...] = ()  # (value, label); `choices` is taken by ListFilter

    def lookups(self, request, model_admin):
        return self.options

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_name: self.value()})
        return queryset


class ExactSearchMixin:
    """Search that the database can answer from an index.

    `exact_search_fields` are matched exactly (a term that is not a valid value for a field,
    such as a word for an id, skips that field); an msisdn term without a leading '+' also
    matches with one. `contains_search_fields` use a case-insensitive substring match and are
    meant for small tables only.
    """

    exact_search_fields: tuple[str, ...] = ("id",)
    contains_search_fields: tuple[str, ...] = ()

    def get_search_fields(self, request):
        return (*self.exact_search_fields, *self.contains_search_fields)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        query = Q()
        for name in self.exact_search_fields:
            field = get_fields_from_path(self.model, name)[-1]
            try:
                value = field.to_python(term)
            except ValidationError:
                continue
            query |= Q(**{name: value})
            if name.endswith("msisdn") and not term.startswith("+"):
                query |= Q(**{name: f"+{term}"})
        for name in self.contains_search_fields:
            query |= Q(**{f"{name}__icontains": term})
        if not query:
            return queryset.none(), False
        return queryset.filter(query), False
