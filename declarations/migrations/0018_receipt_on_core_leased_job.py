from django.db import migrations, models
from django.db.models import F


def finished_from_rendered(apps, schema_editor):
    receipt = apps.get_model("declarations", "Receipt")
    receipt.objects.filter(rendered_at__isnull=False).update(finished_at=F("rendered_at"))


class Migration(migrations.Migration):
    """Receipts become ``core.jobs.LeasedJob``s, so that one worker renders each: its error takes
    the shared name (data kept) and it gains the lease fields."""

    dependencies = [("declarations", "0017_merge_20261206_1338")]

    operations = [
        migrations.RenameField("receipt", "error", "last_error"),
        migrations.AddField(
            model_name="receipt",
            name="attempts",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="How often a worker started it since it was queued or last retried.",
                verbose_name="attempts",
            ),
        ),
        migrations.AddField(
            model_name="receipt",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
        ),
        migrations.AddField(
            model_name="receipt",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="A job still running after this moment is taken over by another worker.",
                null=True,
                verbose_name="lease expires at",
            ),
        ),
        migrations.AddField(
            model_name="receipt",
            name="lease_token",
            field=models.CharField(
                blank=True, help_text="Identifies the worker that holds it.", max_length=32, verbose_name="lease token"
            ),
        ),
        migrations.AddField(
            model_name="receipt",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, help_text="Not tried again before this moment.", null=True, verbose_name="next attempt at"
            ),
        ),
        migrations.AlterField(
            model_name="receipt",
            name="last_error",
            field=models.TextField(blank=True, help_text="The last error, for staff.", verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="receipt",
            name="status",
            field=models.CharField(
                choices=[("pending", "Being prepared"), ("done", "Ready"), ("failed", "Failed")],
                db_index=True,
                default="pending",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(finished_from_rendered, migrations.RunPython.noop),
    ]
