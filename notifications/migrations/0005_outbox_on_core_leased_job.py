from django.db import migrations, models
from django.db.models import F


def finished_from_sent(apps, schema_editor):
    outbox = apps.get_model("notifications", "OutboxMessage")
    outbox.objects.filter(sent_at__isnull=False).update(finished_at=F("sent_at"))


class Migration(migrations.Migration):
    """The outbox becomes a ``core.jobs.LeasedJob``: its claim fields take the shared names (data
    kept), and sent mail gets its ``finished_at`` from ``sent_at``."""

    dependencies = [("notifications", "0004_outbox_secret_values_filled_at_sending")]

    operations = [
        migrations.RenameField("outboxmessage", "claim_token", "lease_token"),
        migrations.RenameField("outboxmessage", "lease_until", "lease_expires_at"),
        migrations.AddField(
            model_name="outboxmessage",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="last_error",
            field=models.TextField(blank=True, help_text="The last error, for staff.", verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="A job still running after this moment is taken over by another worker.",
                null=True,
                verbose_name="lease expires at",
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="lease_token",
            field=models.CharField(
                blank=True, help_text="Identifies the worker that holds it.", max_length=32, verbose_name="lease token"
            ),
        ),
        migrations.RunPython(finished_from_sent, migrations.RunPython.noop),
    ]
