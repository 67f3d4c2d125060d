from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from declarations.backup import BackupError, manifest_check, restore_from, restore_record


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` over the configured database and media folder: checks the "
        "manifest, restores with pg_restore --no-owner --no-privileges as the owner role, migrates, grants the "
        "portal's role (db_roles), restores media without overwriting existing files, and records the restore "
        "as an evidence event (a signed restore checkpoint when it lost checkpoints)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup's folder (with manifest.json); '-' with --record-only")
        parser.add_argument("--database", default="default")
        parser.add_argument("--app-role", default="", help="the portal's role for db_roles (default: DATABASE_URL's)")
        parser.add_argument("--check", action="store_true", help="only check the manifest and the parts")
        parser.add_argument(
            "--record-only",
            action="store_true",
            help="the database was restored another way (point-in-time recovery, a managed service): only "
            "record the restore as an evidence event (SOURCE is then ignored)",
        )
        parser.add_argument(
            "--yes", action="store_true", help="confirm: the current database is replaced by the backup's"
        )

    def handle(self, *args, source, database, app_role, check, yes, record_only, **options):
        try:
            if record_only:
                self._report(restore_record())
                return
            if check:
                manifest = manifest_check(Path(source))
                self.stdout.write(f"Backup of {manifest['created_at']} is complete and its keys are configured.")
                return
            if not yes:
                raise CommandError("This replaces the database with the backup's: add --yes to go on.")
            report = restore_from(Path(source), using=database, app_role=app_role, stdout=self.stdout)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {report.manifest['created_at']}: media {report.media_written} file(s) written, "
            f"{report.media_kept} kept as they were; roles {'granted' if report.roles_granted else 'not changed'}."
        )
        self._report(report.restore)

    def _report(self, restore: dict) -> None:
        if restore.get("lost_checkpoints"):
            first, last = restore["lost_checkpoints"]
            references = [record[1] for record in restore["lost_records"]]
            unnamed = restore["lost_records_unnamed"]
            self.stdout.write(
                f"Restored to checkpoint {restore['restored_to_checkpoint']}: checkpoints {first}-{last} and "
                f"{len(references)} record(s) were lost ({', '.join(references) or 'none named'}"
                f"{f'; {unnamed} not named' if unnamed else ''}"
                f"). Recorded in restore checkpoint {restore['restore_checkpoint']}; "
                "their receipts are explained on /verify/."
            )
        else:
            self.stdout.write("No checkpoint was lost; the restore is recorded in the audit trail.")
