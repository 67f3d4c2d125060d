from django.core.management.base import BaseCommand

from brochures.services import renditions_queue_missing, renditions_repair


class Command(BaseCommand):
    help = (
        "Queue PDF renditions that are missing or unfinished for published brochure versions, "
        "and those marked done whose file is gone from storage."
    )

    def handle(self, *args, **options):
        # A done rendition whose file was lost (e.g. the media folder) is queued like a missing one.
        lost = renditions_repair(found_by="render_brochures")
        for line in lost:
            self.stdout.write(f"File missing, queued again: {line}")
        queued = renditions_queue_missing()
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} rendition(s)."))
