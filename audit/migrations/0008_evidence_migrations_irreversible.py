"""From here on, no audit migration is unapplied while evidence exists (``audit/migration_guard.py``)."""

from django.db import migrations

from audit.migration_guard import EVIDENCE_GUARD


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_audit_event_keyed_chain"),
    ]

    operations = [
        EVIDENCE_GUARD,
    ]
