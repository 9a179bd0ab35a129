"""The `sort` parameter: `sort=-id,created_at`; default newest first."""

from scfm.core.errors import ValidationFailed


def sortable_columns(model) -> set[str]:
    return {field.attname for field in model._meta.concrete_fields} | {
        field.name for field in model._meta.concrete_fields
    }


def apply_sort(queryset, sort: str | None):
    """Order `queryset` by the `sort` parameter; an unknown column is a 422, not a SQL error."""
    if not sort or not sort.strip():
        return queryset.order_by("-id")
    columns = sortable_columns(queryset.model)
    ordering = []
    for item in (part.strip() for part in sort.split(",")):
        if not item:
            continue
        name = item.removeprefix("-")
        if name not in columns:
            raise ValidationFailed.single("sort", f"{name} is not a sortable column")
        ordering.append(item)
    return queryset.order_by(*ordering) if ordering else queryset.order_by("-id")
