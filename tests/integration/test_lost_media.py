"""The media folder is lost: receipts and brochure PDFs are served again within a minute (real worker)."""

import shutil
import time

import pytest
from django.test import Client

from brochures.constants import RenditionStatus
from brochures.selectors import rendition_for_version
from brochures.tests.factories import published_brochure
from declarations.constants import ReceiptStatus
from declarations.models import Receipt
from declarations.receipt_check import receipt_upload_check
from missions.services import registration_submit
from missions.tests.factories import MissionFactory, draft_ready, endorse_answer, published_text
from tests.factories import member_of
from tests.workers import celery_live, wait_for  # noqa: F401 (fixture)

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.redis]

#: The issue's bound: both files served again within a minute of the first request after the loss.
SERVED_AGAIN_WITHIN_SECONDS = 60


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_after_the_media_folder_is_lost_receipts_and_pdfs_are_served_again_within_a_minute(
    celery_live,  # noqa: F811
):
    celery_live()
    user = member_of()
    registration = draft_ready(mission=MissionFactory(), user=user, answer=endorse_answer(published_text()))
    declaration = registration_submit(registration=registration, actor=user).current_declaration
    _brochure, version = published_brochure(bodies=("Gepaste zorgvuldigheid.",))
    rendition = rendition_for_version(version=version)
    wait_for(lambda: Receipt.objects.get(declaration=declaration).status == ReceiptStatus.DONE, timeout=90)
    wait_for(lambda: rendition_for_version(version=version).status == RenditionStatus.DONE, timeout=90)

    company, public = Client(), Client()
    company.force_login(user)
    receipt_url = f"/declarations/{declaration.pk}/receipt/"
    issued = _body(company.get(receipt_url))
    assert issued.startswith(b"%PDF") and _body(public.get("/brochures/imvo/pdf/")).startswith(b"%PDF")

    shutil.rmtree(celery_live.media_root)  # receipts, renditions and checkpoint copies: all gone
    lost_at = time.monotonic()

    # The first requests queue the renders and say "being prepared" (never a 500, never a 404).
    first_receipt, first_pdf = company.get(receipt_url), public.get("/brochures/imvo/pdf/")
    assert first_receipt.status_code == 503 and int(first_receipt["Retry-After"]) > 0
    assert first_pdf.status_code == 503 and int(first_pdf["Retry-After"]) > 0

    wait_for(lambda: company.get(receipt_url).status_code == 200, timeout=SERVED_AGAIN_WITHIN_SECONDS)
    wait_for(lambda: public.get("/brochures/imvo/pdf/").status_code == 200, timeout=SERVED_AGAIN_WITHIN_SECONDS)
    elapsed = time.monotonic() - lost_at
    assert elapsed < SERVED_AGAIN_WITHIN_SECONDS
    print(f"receipt and brochure PDF served again {elapsed:.1f} s after the media folder was lost")

    remade = _body(company.get(receipt_url))
    assert remade.startswith(b"%PDF") and _body(public.get("/brochures/imvo/pdf/")).startswith(b"%PDF")
    assert rendition_for_version(version=version).pk == rendition.pk  # the same rendition, made again
    # The receipt the company kept and the one made again both verify as issued by the portal.
    for content in (issued, remade):
        check = receipt_upload_check(content)
        assert check is not None and check.file_is_issued_receipt is True and check.declaration == declaration
