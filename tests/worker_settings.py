"""Settings of a test worker that can be killed mid-render: the production settings, plus a pause.

``tests/workers.py`` starts a worker with these settings when a test asks for ``render_delay``
(``brochures/tests/test_worker.py``). The first attempt of a brochure render then waits that many
seconds inside the render, while its lease's heartbeat runs, so the test can kill the worker at
that moment; a later attempt (``attempts`` above 1) renders at once. The pause lives here, never in
the production code: it wraps ``core.pdf.render_pdf`` in the worker's pool process.
"""

import os
import time

from celery.signals import task_prerun

from imvo_portal.settings import *  # noqa: F403

TEST_RENDER_DELAY = float(os.environ.get("IMVO_TEST_RENDER_DELAY") or 0)


def _pause_first_brochure_render(**kwargs) -> None:
    from brochures.constants import PDF_TEMPLATE, RenditionStatus
    from brochures.models import Rendition
    from core import pdf

    if getattr(pdf.render_pdf, "test_pause", False):
        return
    render_pdf = pdf.render_pdf

    def paused_render_pdf(template_name, context, **options):
        first_attempt = Rendition.objects.filter(status=RenditionStatus.RENDERING, attempts=1).exists()
        if template_name == PDF_TEMPLATE and first_attempt:
            time.sleep(TEST_RENDER_DELAY)
        return render_pdf(template_name, context, **options)

    paused_render_pdf.test_pause = True
    pdf.render_pdf = paused_render_pdf


if TEST_RENDER_DELAY:
    task_prerun.connect(_pause_first_brochure_render, weak=False)
