
import declarations.keys
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0003_append_only_trigger'),
    ]

    operations = [
        migrations.CreateModel(
            name='Checkpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveBigIntegerField(editable=False, unique=True, verbose_name='checkpoint number')),
                ('sequence', models.PositiveBigIntegerField(db_index=True, verbose_name='head sequence')),
                ('record_hash', models.CharField(max_length=64, verbose_name='head record hash')),
                ('record_count', models.PositiveBigIntegerField(verbose_name='number of records')),
                ('chain_key_id', models.CharField(max_length=40, verbose_name='chain key id of the head')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
                ('next_due', models.PositiveBigIntegerField(verbose_name='next checkpoint due at sequence')),
                ('reason', models.CharField(choices=[('interval', 'Every N records'), ('hourly', 'Hourly'), ('legacy', 'Anchors records written before the chain was keyed'), ('manual', 'Written by an operator')], max_length=20, verbose_name='reason')),
                ('previous_hash', models.CharField(max_length=64, verbose_name='hash of the previous checkpoint')),
                ('signing_key_id', models.CharField(max_length=40, verbose_name='signing key id')),
                ('signature', models.CharField(max_length=100, verbose_name='Ed25519 signature (base64)')),
            ],
            options={
                'verbose_name': 'checkpoint',
                'verbose_name_plural': 'checkpoints',
                'ordering': ['number'],
            },
        ),
        migrations.CreateModel(
            name='PersonalDataErasure',
            fields=[
                ('declaration', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='erasure', serialize=False, to='declarations.declaration', verbose_name='declaration')),
                ('erased_at', models.DateTimeField(verbose_name='erased at')),
                ('key_id', models.CharField(max_length=40, verbose_name='chain key id')),
                ('mac', models.CharField(max_length=64, verbose_name='keyed hash')),
            ],
            options={
                'verbose_name': 'erasure of personal data',
                'verbose_name_plural': 'erasures of personal data',
            },
        ),
        # Records written before the chain was keyed keep their unkeyed SHA-256 and say so
        # ("sha256-v1"); 0006 anchors them with a signed checkpoint. New records get the current key.
        migrations.AddField(
            model_name='declaration',
            name='key_id',
            field=models.CharField(default='sha256-v1', editable=False, max_length=40, verbose_name='chain key id'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='declaration',
            name='key_id',
            field=models.CharField(default=declarations.keys.current_chain_key_id, editable=False, help_text='Which key computed the record hash; the key itself is never stored in the database.', max_length=40, verbose_name='chain key id'),
        ),
    ]
