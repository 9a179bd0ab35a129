"""Load one model instance by a raw WHERE clause, fast: for lookups on every provider callback.

A queryset compiles its SQL on each use (~270 µs of CPU to load one row, `raw()` ~175 µs); this
loader builds the SELECT and the value converters once per model and database, ~60 µs a row, and
on PostgreSQL runs it as a prepared statement (`fetch_prepared`).
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.db import connection, models

ModelT = TypeVar("ModelT", bound=models.Model)
# (column position, the converters to apply in turn, the column expression they expect)
_Converters = list[tuple[int, list[Callable[..., Any]], Any]]
_ROW_LOADERS: dict[tuple[str, type[models.Model]], tuple[str, list[str], _Converters]] = {}


def fetch_one(model: type[ModelT], where: str, params: list[Any]) -> ModelT | None:
    """Return the `model` instance of the first row of its table matching `where`, or None.

    Values go through the same converters as in a queryset, so the instance is the one
    `model.objects.filter(...).first()` would give.
    """
    select, attnames, converters = _row_loader(model)
    sql = f"{select} WHERE {where}"
    row: tuple[Any, ...] | None
    if connection.vendor == "postgresql":
        row = fetch_prepared(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, functions, column in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return model.from_db(connection.alias, attnames, values)


def fetch_prepared(sql: str, params: Mapping[str, Any] | list[Any]) -> tuple[Any, ...] | None:
    """PostgreSQL: run `sql` as a prepared statement and return its first row.

    Django's cursors bind parameters client-side, so each execution is parsed and planned again;
    planning a statement such as the phone call event's costs as much as running it. A
    server-side-binding cursor on Django's connection prepares it once per connection. Such
    statements do not show in `connection.queries`.
    """
    from psycopg import Cursor  # the PostgreSQL driver: only imported where it is in use

    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)  # type: ignore[arg-type]
        return cursor.fetchone()


def _row_loader(model: type[models.Model]) -> tuple[str, list[str], _Converters]:
    """Return (SELECT of every concrete column, their attnames, converters by position) for `model`."""
    key = (connection.vendor, model)
    if key not in _ROW_LOADERS:
        fields = model._meta.concrete_fields
        table = model._meta.db_table
        converters: _Converters = []
        for index, field in enumerate(fields):
            column = field.get_col(table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        select = f"SELECT {columns} FROM {connection.ops.quote_name(table)}"
        _ROW_LOADERS[key] = (select, [field.attname for field in fields], converters)
    return _ROW_LOADERS[key]
