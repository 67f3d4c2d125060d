"""Exact selection of a person's audit records: the address and account an event is about, in
indexed columns of its personal part, instead of searching the details' text for an address.

Fills them for the personal parts written before (the same rules new events are written with:
``audit.services.subject_email_of``; an event on a user account names that account).
"""

from django.db import migrations, models

from audit.services import subject_email_of

BATCH = 2000


def subjects_fill(apps, schema_editor):
    AuditEventPersonal = apps.get_model("audit", "AuditEventPersonal")
    user_label = "accounts.user"
    last = 0
    while True:
        rows = list(
            AuditEventPersonal.objects.filter(pk__gt=last)
            .order_by("pk")
            .select_related("event")
            .only("pk", "details", "event__object_type", "event__object_id")[:BATCH]
        )
        if not rows:
            break
        last = rows[-1].pk
        changed = []
        for row in rows:
            row.subject_email = subject_email_of(row.details if isinstance(row.details, dict) else {})
            if row.event.object_type == user_label and row.event.object_id.isdigit():
                row.subject_user_id = int(row.event.object_id)
            if row.subject_email or row.subject_user_id:
                changed.append(row)
        AuditEventPersonal.objects.bulk_update(changed, ["subject_email", "subject_user_id"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_remove_auditevent_ip_address")]

    operations = [
        migrations.AddField(
            model_name="auditeventpersonal",
            name="subject_email",
            field=models.CharField(
                blank=True,
                db_index=True,
                help_text="The normalised address the event is about (the address of a failed login), as a whole "
                "value; the privacy pages select by it. Erased with the rest.",
                max_length=254,
                verbose_name="about address",
            ),
        ),
        migrations.AddField(
            model_name="auditeventpersonal",
            name="subject_user_id",
            field=models.BigIntegerField(
                blank=True,
                db_index=True,
                help_text="The account the event is about, when it is about an account (a pseudonymous id, kept).",
                null=True,
                verbose_name="about user id",
            ),
        ),
        migrations.RunPython(subjects_fill, migrations.RunPython.noop, elidable=True),
    ]
