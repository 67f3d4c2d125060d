from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from core.file_repair import REPAIRERS


class Command(BaseCommand):
    help = (
        "Find files missing from storage (receipts, brochure PDFs, checkpoint copies): queue the ones "
        "the evidence can make again, report the ones that are lost. Exit 1 when something is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only report; queue nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        verb = "missing (dry run, not queued)" if dry_run else "missing, queued to be made again"
        lost_total = 0
        for dotted in REPAIRERS:
            report = import_string(dotted)(dry_run=dry_run)
            self.stdout.write(f"{report.label}: {len(report.queued)} {verb}")
            for line in report.queued:
                self.stdout.write(f"  {line}")
            if report.lost:
                lost_total += len(report.lost)
                self.stdout.write(self.style.ERROR(f"{report.label}: {len(report.lost)} lost, not rebuilt"))
                for line in report.lost:
                    self.stdout.write(f"  {line}")
        if lost_total:
            self.stderr.write(
                self.style.ERROR(
                    f"{lost_total} file(s) are lost for good and were not rebuilt; "
                    "`manage.py verify_declarations` reports them. Restore them from the media backup."
                )
            )
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Done."))
