from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0005_delivery_control"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="phonecall",
            index=models.Index(
                condition=models.Q(("retry_at__isnull", False)),
                fields=["callout"],
                name="phone_calls_retry_pending",
            ),
        ),
    ]
