from django.db import migrations, models


class Migration(migrations.Migration):
    """Renditions become ``core.jobs.LeasedJob``s: the claim fields and the error take the shared
    names (data kept)."""

    dependencies = [("brochures", "0003_merge_0002_brochure_instrument_0002_published_html")]

    operations = [
        migrations.RenameField("rendition", "claim_token", "lease_token"),
        migrations.RenameField("rendition", "lease_until", "lease_expires_at"),
        migrations.RenameField("rendition", "error", "last_error"),
        migrations.AddField(
            model_name="rendition",
            name="next_attempt_at",
            field=models.DateTimeField(
                blank=True, help_text="Not tried again before this moment.", null=True, verbose_name="next attempt at"
            ),
        ),
        migrations.AlterField(
            model_name="rendition",
            name="last_error",
            field=models.TextField(blank=True, help_text="The last error, for staff.", verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="rendition",
            name="lease_expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="A job still running after this moment is taken over by another worker.",
                null=True,
                verbose_name="lease expires at",
            ),
        ),
        migrations.AlterField(
            model_name="rendition",
            name="lease_token",
            field=models.CharField(
                blank=True, help_text="Identifies the worker that holds it.", max_length=32, verbose_name="lease token"
            ),
        ),
    ]
