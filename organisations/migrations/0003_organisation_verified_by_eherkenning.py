"""Existing organisations: verified by eHerkenning when an eHerkenning login ever acted for them.

An eHerkenning login that registered the organisation (``organisation.create``) or joined it
(``membership.link``) records ``source: eherkenning`` in the audit trail, in the same transaction
as the membership; that is the proof that the KvK number belongs to the company (the broker vouches
for the legal subject). Its first such event gives when and by whom. Every other organisation was
made with a password account and stays unverified until an eHerkenning login or RVO staff verify
it. One set-based UPDATE; nothing is written to the (append-only) audit trail.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef, Subquery

EHERKENNING_ACTIONS = ["organisation.create", "membership.link"]


def verified_by_eherkenning(apps, schema_editor):
    Organisation = apps.get_model("organisations", "Organisation")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.filter(
        organisation_id=OuterRef("pk"), action__in=EHERKENNING_ACTIONS, details__source="eherkenning"
    ).order_by("created_at", "id")
    Organisation.objects.filter(Exists(events), verification="unverified").update(
        verification="eherkenning",
        verified_at=Subquery(events.values("created_at")[:1]),
        verified_by_id=Subquery(events.values("actor_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_remove_auditevent_ip_address"),
        ("organisations", "0002_organisation_verification"),
    ]

    operations = [migrations.RunPython(verified_by_eherkenning, migrations.RunPython.noop)]
