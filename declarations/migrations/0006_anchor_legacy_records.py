"""Anchor the records written before the chain was keyed with one signed checkpoint.

Existing records keep their unkeyed SHA-256 and their key id ``sha256-v1``: evidence is never
re-hashed, not even by a migration. This checkpoint, signed with the configured checkpoint key at
migration time, names the head of those records; ``declarations_verify`` accepts an unkeyed record
only at or before a valid checkpoint's head, so an unkeyed record appended later is a forgery. The
legacy records are as trustworthy as they were when this migration ran. A new database has no
records and gets no checkpoint here. The storage copy is written by beat (``checkpoint_hourly``).
"""

import base64

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LEGACY_KEY_ID = "sha256-v1"
GENESIS_HASH = "0" * 64


def anchor_legacy_records(apps, schema_editor):
    from declarations.checkpoints import checkpoint_digest, checkpoint_payload
    from declarations.hashing import canonical
    from declarations.keys import checkpoint_signing_key

    Declaration = apps.get_model("declarations", "Declaration")
    Checkpoint = apps.get_model("declarations", "Checkpoint")
    db = schema_editor.connection.alias
    head = Declaration.objects.using(db).filter(key_id=LEGACY_KEY_ID).order_by("-sequence").first()
    if head is None:
        return
    last = Checkpoint.objects.using(db).order_by("-number").first()
    key = checkpoint_signing_key()
    checkpoint = Checkpoint(
        number=(last.number + 1) if last else 1,
        sequence=head.sequence,
        record_hash=head.record_hash,
        record_count=Declaration.objects.using(db).filter(sequence__lte=head.sequence).count(),
        chain_key_id=LEGACY_KEY_ID,
        created_at=timezone.now(),
        next_due=head.sequence + settings.DECLARATION_CHECKPOINT_EVERY,
        reason="legacy",
        previous_hash=checkpoint_digest(last) if last else GENESIS_HASH,
        signing_key_id=key.key_id,
    )
    checkpoint.signature = base64.b64encode(key.private_key.sign(canonical(checkpoint_payload(checkpoint)))).decode()
    checkpoint.save(using=db, force_insert=True)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0005_evidence_protection")]

    operations = [migrations.RunPython(anchor_legacy_records, migrations.RunPython.noop, elidable=False)]
