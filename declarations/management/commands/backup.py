from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declarations.backup import BackupError, backup_take


class Command(BaseCommand):
    help = (
        "Take a consistent backup into a new folder: the database (pg_dump -Fc; on SQLite a copy), the media "
        "folder (tar) and manifest.json (time, migrations, checkpoint head, key ids, SHA-256 of each part). "
        "The keys are never in it: keep them, old ones included, in the secret store."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="a new (or empty) folder for this backup")
        parser.add_argument("--database", default="default")

    def handle(self, *args, target, database, **options):
        try:
            manifest = backup_take(Path(target), using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        head = manifest["checkpoint"]
        sizes = ", ".join(
            f"{name} {part['bytes']} bytes" for name, part in manifest["parts"].items() if part.get("file")
        )
        self.stdout.write(
            f"Backup in {target}: checkpoint {head['number']} (head #{head['head_sequence']}, "
            f"highest reference {head['highest_reference'] or 'none'}); {sizes}."
        )
