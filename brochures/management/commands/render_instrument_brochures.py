import time

from django.core.management.base import BaseCommand

from brochures.constants import PDF_TEMPLATE_VERSION, RenditionStatus
from brochures.instrument_pack import current_instrument_versions, instrument_brochures_publish_all
from brochures.models import Rendition


class Command(BaseCommand):
    help = (
        "Publish (or refresh) the online IMVO brochure of every instrument in Dutch and English and queue "
        "their PDFs for the worker. Unchanged content is skipped; a failure of one instrument is reported "
        "and never stops the rest. With --wait, waits for the worker and reports the time taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wait", action="store_true", help="Wait until every PDF is made or failed.")
        parser.add_argument("--timeout", type=int, default=1200, help="Seconds to wait at most (with --wait).")

    def handle(self, *args, wait, timeout, **options):
        started = time.monotonic()
        result = instrument_brochures_publish_all()
        self.stdout.write(
            f"Published or checked {result.published} instrument brochure(s) in "
            f"{time.monotonic() - started:.1f} s; their missing PDFs are queued for the worker."
        )
        for code, error in result.failed:
            self.stderr.write(f"FAILED {code}: {error}")
        if not wait:
            return
        current = current_instrument_versions()
        instrument_renditions = Rendition.objects.filter(
            content_sha256__in=current.values("content_sha256"), template_version=PDF_TEMPLATE_VERSION
        )
        while time.monotonic() - started < timeout:
            open_count = instrument_renditions.filter(
                status__in=(RenditionStatus.PENDING, RenditionStatus.RENDERING)
            ).count()
            if open_count == 0:
                break
            time.sleep(2)
        done = instrument_renditions.filter(status=RenditionStatus.DONE).count()
        failed = instrument_renditions.filter(status=RenditionStatus.FAILED).count()
        left = instrument_renditions.filter(status__in=(RenditionStatus.PENDING, RenditionStatus.RENDERING)).count()
        self.stdout.write(
            f"Renditions of instrument brochures: {done} done, {failed} failed, {left} unfinished, "
            f"after {time.monotonic() - started:.1f} s."
        )
