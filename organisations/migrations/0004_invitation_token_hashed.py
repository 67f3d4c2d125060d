"""Invitation tokens are stored hashed: ``token`` (plain text) becomes ``token_sha256``.

Each existing row gets the SHA-256 of its token (the same digest ``core.tokens.stored_token_digest``
computes), so a link already in a mailbox still opens its invitation: the link carries the token,
the portal looks the row up by the token's digest. The plain column is then dropped.

Going back cannot recover the tokens; every row then gets a new random token, so links sent
before are refused (ask for a new invitation) rather than a digest becoming a working link.
"""

import hashlib
import secrets

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    Invitation = apps.get_model("organisations", "Invitation")
    for invitation in Invitation.objects.only("pk", "token").iterator():
        digest = hashlib.sha256(invitation.token.encode("utf-8")).hexdigest()
        Invitation.objects.filter(pk=invitation.pk).update(token_sha256=digest)


def new_random_tokens(apps, schema_editor):
    Invitation = apps.get_model("organisations", "Invitation")
    for pk in Invitation.objects.values_list("pk", flat=True).iterator():
        Invitation.objects.filter(pk=pk).update(token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_organisation_verified_by_eherkenning"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_sha256",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="token",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(hash_tokens, new_random_tokens),
        migrations.RemoveField(model_name="invitation", name="token"),
        migrations.AlterField(
            model_name="invitation",
            name="token_sha256",
            field=models.CharField(
                editable=False,
                help_text="Digest of the invitation link's token; the token itself is only in the e-mail.",
                max_length=64,
                unique=True,
                verbose_name="token (SHA-256)",
            ),
        ),
    ]
