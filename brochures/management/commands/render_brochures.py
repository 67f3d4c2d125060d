from django.core.management.base import BaseCommand

from brochures.services import renditions_queue_missing


class Command(BaseCommand):
    help = "Queue PDF renditions that are missing or unfinished for published brochure versions."

    def handle(self, *args, **options):
        queued = renditions_queue_missing()
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} rendition(s)."))
