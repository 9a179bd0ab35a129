"""Repair rows that hold a lone UTF-16 surrogate, stored before the API refused them.

SQLite stored such JSON as sent (escaped as `\\ud800`), and every response that showed the row then
failed; PostgreSQL's jsonb never accepted one, so there is nothing to repair there. Each lone
surrogate becomes U+FFFD, the replacement character, as undecodable form bytes already do.
"""

import json
import re

from django.db import migrations

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
JSON_COLUMNS = {
    ("accounts", "account"): ("metadata", "settings"),
    ("accounts", "user"): ("metadata",),
    ("accounts", "accesstoken"): ("metadata",),
    ("contacts", "contact"): ("metadata",),
    ("callouts", "callout"): ("metadata", "settings"),
    ("callouts", "batchoperation"): ("parameters", "metadata"),
    ("callouts", "calloutparticipation"): ("metadata",),
    ("calls", "phonecall"): ("metadata", "remote_response", "remote_queue_response"),
    ("calls", "remotephonecallevent"): ("details", "metadata"),
}


def replaced(value):
    """Return `value` with every lone surrogate in its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [replaced(item) for item in value]
    if isinstance(value, dict):
        return {replaced(key): replaced(item) for key, item in value.items()}
    return value


def replace_lone_surrogates(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for (app_label, model_name), field_names in JSON_COLUMNS.items():
            model = apps.get_model(app_label, model_name)
            table = quote(model._meta.db_table)
            for field_name in field_names:
                column = quote(model._meta.get_field(field_name).column)
                # JSON text escapes every surrogate as \udXXX (LIKE ignores ASCII case): a cheap
                # first cut; emoji, written as surrogate pairs, are told apart after decoding.
                cursor.execute(f"SELECT id, {column} FROM {table} WHERE {column} LIKE '%\\ud%'")
                for pk, text in cursor.fetchall():
                    value = json.loads(text)
                    repaired = replaced(value)
                    if repaired != value:
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE id = %s", [json.dumps(repaired), pk]
                        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sign_in_locks"),
        ("contacts", "0002_metadata_gin_index"),
        ("callouts", "0003_participation_references_without_constraints"),
        ("calls", "0004_population_speed"),
    ]

    operations = [migrations.RunPython(replace_lone_surrogates, migrations.RunPython.noop, elidable=True)]
