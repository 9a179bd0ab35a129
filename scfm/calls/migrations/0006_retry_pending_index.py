from django.db import migrations

# Read by the engine's completion loop (scfm.calls.callout_completion): does a callout still have
# a pending retry? Without it, that EXISTS would scan every pending retry of every callout (the
# phone_calls_retry_due index) for each running callout, every second. Partial, so it holds only
# the calls waiting for a retry and costs nothing to a population's inserts.
# The statement is the same on SQLite and PostgreSQL.


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0005_delivery_control"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX phone_calls_retry_pending ON phone_calls (callout_id) WHERE retry_at IS NOT NULL",
            reverse_sql="DROP INDEX phone_calls_retry_pending",
        ),
    ]
