"""Writes of declaration texts and records: an append-only, hash-chained evidence log."""

import base64
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_event_record
from core import jobs
from core import pdf as portal_pdf
from core.net import client_ip, user_agent
from core.service_checks import internal
from core.tasks import enqueue_on_commit
from organisations.authority import authority_evidence
from organisations.policies import require

from .checkpoints import chain_lock, checkpoint_genesis_ensure, checkpoint_if_due
from .constants import GENESIS_HASH, OECD_EDITION, RECORD_FORMAT_CURRENT, Decision, ReceiptStatus, TextKind
from .exceptions import (
    AuthorityNotConfirmed,
    ExplanationRequired,
    NoPublishedText,
    ReuseNoLongerValid,
    TextVersionTaken,
)
from .hashing import erasure_mac, personal_hash, record_hash, utc_text
from .keys import current_chain_key
from .models import (
    Declaration,
    DeclarationPersonalData,
    DeclarationText,
    PersonalDataErasure,
    Receipt,
    text_sha256,
)
from .receipt_files import FoundBy, receipt_file_lost
from .references import reference_next, reference_prefix, verification_code
from .restores import reference_block_claim, restores_highest_reference
from .seal import receipt_seal
from .selectors import declaration_reusable_for, declaration_text_current, declaration_text_published_get
from .subjects import subject_key_for, subject_type_get, text_as_signed, text_for, undertaking_of
from .verification import VerificationResult, declarations_verify  # noqa: F401  (the service lives there)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeclarationInput:
    """What the signatory answered in step 4."""

    decision: str
    signatory_name: str
    signatory_position: str
    confirms_authority: bool
    explanation: str = ""
    text_id: int | None = None
    reused_from_id: int | None = None

    def validate(self) -> None:
        if self.decision == Decision.NOT_ENDORSED and not self.explanation.strip():
            raise ExplanationRequired()
        if self.decision in (Decision.ENDORSED, Decision.NOT_ENDORSED) and not self.confirms_authority:
            raise AuthorityNotConfirmed()


@internal("Texts are published by operators' commands (seed_demo, text releases) as the portal; no view calls it.")
def declaration_text_publish(
    *,
    version: int,
    language: str,
    body: str,
    kind: str = TextKind.MISSION,
    actor=None,
    oecd_edition: str = OECD_EDITION,
) -> DeclarationText:
    """Publish one language of a text version of one kind (idempotent for the same body).

    Never edits a published text: a different body for a published (kind, version, language)
    raises ``TextVersionTaken``; a new wording is a new version. Audited.
    """
    with transaction.atomic():
        text = DeclarationText.objects.filter(kind=kind, version=version, language=language).first()
        if text is not None:
            if text.body != body:
                raise TextVersionTaken()
            return text
        text = DeclarationText(kind=kind, version=version, language=language, body=body, oecd_edition=oecd_edition)
        text.published_at = timezone.now()
        text.full_clean(exclude=["sha256"])
        text.save()
        audit_event_record(
            action="declaration_text.publish",
            actor=actor,
            obj=text,
            details={
                "kind": kind,
                "version": version,
                "language": language,
                "sha256": text.sha256,
                "oecd_edition": text.oecd_edition,
                "published_at": utc_text(text.published_at),
            },
        )
        return text


def declaration_text_version_publish(
    *, kind: str, body_nl: str, body_en: str, actor, oecd_edition: str = OECD_EDITION, request=None
) -> tuple[DeclarationText, DeclarationText]:
    """Publish the next version of the text of ``kind`` in Dutch and English at once (RVO staff).

    Both languages get the same version number, one higher than the kind's latest; from then on
    new declarations of that kind are made on it. Published texts never change. Audited.
    """
    require(actor, "staff.access")
    with transaction.atomic():
        # Serialise publications of one kind: the version number is read and written under the lock.
        list(DeclarationText.objects.select_for_update().filter(kind=kind).values_list("pk", flat=True))
        latest = DeclarationText.objects.filter(kind=kind).order_by("-version").values_list("version", flat=True)
        version = (latest.first() or 0) + 1
        texts = tuple(
            declaration_text_publish(
                version=version, language=language, body=body.strip(), kind=kind, actor=actor, oecd_edition=oecd_edition
            )
            for language, body in (("nl", body_nl), ("en", body_en))
        )
    return texts


def declaration_sign(*, answer: DeclarationInput, subject, actor, request=None) -> Declaration:
    """Record a signatory's answer for a subject (a mission registration, an instrument application).

    The one place that turns an answer into evidence, for every subject: the text is the one the
    signatory read, if it is a published text of the subject's kind, else the current one of that
    kind in their language; a re-use is checked again here, under the caller's locks, because the
    earlier declaration may have stopped qualifying since it was offered. Then nothing is written
    (``ReuseNoLongerValid``) and a fresh signature is needed. Must run inside the caller's
    transaction; see ``declaration_record`` for what is written.

    The actor must be allowed to sign for the subject's organisation (``declaration.sign``: an
    authorised signatory of a *verified* organisation), asked again here on fresh data whatever
    the caller checked; else ``NotAllowed`` (``OrganisationUnverified``) and nothing is written.
    """
    require(actor, "declaration.sign", subject)
    undertaking = subject_type_get(subject_key_for(subject)).undertaking(subject)
    text = declaration_text_published_get(pk=answer.text_id) if answer.text_id else None
    if text is not None and text.kind != undertaking.text_kind:
        text = None  # a text of another kind of undertaking is never signed for this one
    text = text or declaration_text_current(kind=undertaking.text_kind, language=getattr(actor, "language", "nl"))
    if text is None:
        raise NoPublishedText()
    reused_from = None
    if answer.reused_from_id:
        candidate = declaration_reusable_for(organisation=subject.organisation, text=text, exclude_subject=subject)
        if candidate is None or candidate.pk != answer.reused_from_id or answer.decision != Decision.ENDORSED:
            raise ReuseNoLongerValid()
        reused_from = candidate
    return declaration_record(
        subject=subject,
        actor=actor,
        text=text,
        decision=answer.decision,
        signatory_name=answer.signatory_name,
        signatory_position=answer.signatory_position,
        confirms_authority=answer.confirms_authority,
        explanation=answer.explanation,
        reused_from=reused_from,
        request=request,
    )


@internal("Evidence writer; its callers (the sign service above, missions' registration_sign) check declaration.sign.")
def declaration_record(
    *,
    subject,
    actor,
    text: DeclarationText,
    decision: str,
    signatory_name: str,
    signatory_position: str,
    confirms_authority: bool,
    explanation: str = "",
    reused_from: Declaration | None = None,
    request=None,
) -> Declaration:
    """Append one declaration record (format 3) and its erasable personal row to the chain.

    Must run inside the caller's transaction. Under the chain lock the record gets the next
    ``sequence`` and the next reference of the signing year (``references.py``), both unique under
    concurrency. The record hash is keyed with the current chain key; when the chain reaches the
    latest checkpoint's ``next_due`` a signed checkpoint is appended in the same transaction.
    Queues the receipt PDF on commit and makes the new record the subject's current declaration.
    Audited.

    ``subject`` is any registered declaration subject (``subjects.py``); the record commits to its
    type, id and the undertaking as signed (kind, code, names, reference), to the text's kind and
    to the hash of the text as shown with the undertaking's name filled in.

    ``reused_from`` (a re-use: the acting ``actor`` confirms an earlier endorsement again) is
    checked again under the chain lock and must still qualify (``declaration_reusable_for``), else
    ``ReuseNoLongerValid`` is raised and nothing is written; both the acting user and the
    earlier record are part of the hashed record.

    ``explanation`` (what the signatory typed: why not endorsed, a withdrawal reason) is free text
    that may name people: it goes into the erasable personal row, committed by the salted
    ``personal_hash``, never into the record itself.
    """
    subject_type = subject_type_get(subject_key_for(subject))
    undertaking = subject_type.undertaking(subject)
    DeclarationInput(
        decision=decision,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
        confirms_authority=confirms_authority,
        explanation=explanation,
    ).validate()
    organisation = subject.organisation
    explanation = explanation.strip()
    ip = client_ip(request) if request is not None else None
    agent = user_agent(request) if request is not None else ""
    salt = secrets.token_hex(16)
    chain_lock()
    if reused_from is not None:
        # Under the chain lock a concurrent withdrawal of the earlier declaration has either been
        # committed (and is seen here) or will be written after this record.
        still = declaration_reusable_for(organisation=organisation, text=text, exclude_subject=subject)
        if still is None or still.pk != reused_from.pk or decision != Decision.ENDORSED:
            raise ReuseNoLongerValid()
    last = Declaration.objects.order_by("-sequence").only("sequence", "record_hash").first()
    if last is None:  # the first record: the chain starts with its signed genesis (checkpoints.py)
        checkpoint_genesis_ensure()
    signed_at = timezone.now()
    # The highest reference of the signing year; the partial unique index on ``reference`` answers
    # this with one backward index step (the exclude matches the index's condition).
    prefix = reference_prefix(signed_at)
    last_reference = (
        Declaration.objects.exclude(reference="")
        .filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    # After a restore: never again a reference the restore lost (``restores.py``).
    last_reference = max(filter(None, (last_reference, restores_highest_reference(prefix))), default=None)
    reference = reference_next(signed_at=signed_at, last_reference=last_reference)
    reference_block_claim(reference)  # before it commits: a restore never issues it again (restores.py)
    declaration = Declaration(
        format_version=RECORD_FORMAT_CURRENT,
        sequence=(last.sequence + 1) if last else 1,
        reference=reference,
        subject_type=subject_type.key,
        subject_id=subject.pk,
        subject_snapshot=undertaking.snapshot(),
        organisation=organisation,
        organisation_name=organisation.name,
        organisation_kvk=organisation.kvk_number,
        text=text,
        text_kind=text.kind,
        text_version=text.version,
        text_language=text.language,
        text_sha256=text.sha256,
        signed_text_sha256=text_sha256(text_for(text.body, undertaking, language=text.language)),
        decision=decision,
        confirms_authority=confirms_authority,
        authority=authority_evidence(actor, organisation.pk),
        user=actor,
        signed_at=signed_at,
        brochure_version=subject_type.brochure_version(subject),
        reused_from=reused_from,
        personal_hash=personal_hash(
            salt=salt,
            name=signatory_name,
            position=signatory_position,
            ip_address=ip,
            user_agent=agent,
            explanation=explanation,
        ),
        previous_hash=last.record_hash if last else GENESIS_HASH,
        key_id=current_chain_key().key_id,
    )
    declaration.record_hash = record_hash(declaration)
    declaration.save()
    DeclarationPersonalData.objects.create(
        declaration=declaration,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
        ip_address=ip,
        user_agent=agent,
        explanation=explanation,
        salt=salt,
    )
    language = getattr(actor, "language", None) or settings.LANGUAGE_CODE
    receipt = Receipt.objects.create(declaration=declaration, language=language)
    subject_type.current_declaration_set(subject, declaration)
    audit_event_record(
        action=f"declaration.{decision}",
        actor=actor,
        obj=declaration,
        organisation_id=organisation.pk,
        request=request,
        details={
            "subject_type": subject_type.key,
            "subject_id": subject.pk,
            "undertaking": undertaking.code,
            "sequence": declaration.sequence,
            "reference": declaration.reference,
            "text_kind": text.kind,
            "text_version": text.version,
            "record_hash": declaration.record_hash,
            "reused_from": reused_from.pk if reused_from else None,
            "authority": declaration.authority,
        },
    )
    checkpoint_if_due(head=declaration)
    from .tasks import receipt_render  # tasks import these services: a real cycle

    enqueue_on_commit(receipt_render, receipt.pk)
    return declaration


@internal("Retention (a command) and account deletion (privacy, which checks account.delete) erase as the portal.")
def declaration_personal_data_erase(*, declaration: Declaration, actor=None) -> bool:
    """Erase the personal fields of one declaration (retention policy); the chain stays verifiable.

    The personal fields: signatory name and position, IP address, user agent and (format 3) the
    typed explanation.

    The one path that may change a personal-data row: it appends a keyed ``PersonalDataErasure``
    (the verifiable erasure event) and then empties every personal field and the salt and sets
    ``erased_at``, which is the only UPDATE the database triggers allow on that row. Idempotent:
    returns False when the data were erased already. Audited.
    """
    with transaction.atomic():
        personal = DeclarationPersonalData.objects.select_for_update().get(declaration=declaration)
        if personal.erased_at is not None:
            return False
        # The audit event first: the database refuses the erasure unless it exists (same transaction).
        audit_event_record(
            action="declaration.personal_data_erase",
            actor=actor,
            obj=declaration,
            details={"sequence": declaration.sequence},
        )
        erased_at = timezone.now()
        key = current_chain_key()
        PersonalDataErasure(
            declaration=declaration,
            erased_at=erased_at,
            key_id=key.key_id,
            mac=erasure_mac(
                key_id=key.key_id,
                sequence=declaration.sequence,
                record_hash=declaration.record_hash,
                erased_at=erased_at,
            ),
        ).save()
        personal.signatory_name = personal.signatory_position = personal.user_agent = personal.salt = ""
        personal.explanation = ""
        personal.ip_address = None
        personal.erased_at = erased_at
        personal.save()
    return True


def receipt_storage_name(receipt: Receipt) -> str:
    return str(
        Path(settings.RECEIPT_STORAGE_PREFIX)
        / f"declaration-{receipt.declaration_id}-{receipt.declaration.record_hash[:16]}.pdf"
    )


def _qr_data_uri(url: str) -> str:
    """``url`` as an SVG QR code in a data: URL (rendered here; the PDF renderer fetches nothing)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string(encoding="unicode").encode()).decode()


#: A receipt's lease; a heartbeat renews it while the worker renders and seals (a TSA round trip).
RECEIPT_LEASE_SECONDS = 60


def receipt_render(*, receipt_id: int) -> bool:
    """Render and store the receipt PDF unless done already. Returns True when rendered now.

    Exactly once: the worker claims the receipt with a lease (``core.jobs``); a second delivery of
    the task finds it leased (or done) and returns False. A killed worker's lease runs out within
    ``RECEIPT_LEASE_SECONDS`` and the next delivery (or beat's re-queue) takes over. Only the
    holder of the claim marks it done. Errors give the claim back and propagate to the task
    (``declarations.tasks.receipt_render``), which retries transient ones and marks the receipt
    failed (``receipt_fail``) on any other.
    """
    receipts = Receipt.objects.select_related("declaration__text", "declaration__personal", "declaration__reused_from")
    receipt = receipts.get(pk=receipt_id)
    if receipt.status == ReceiptStatus.DONE and receipt.file_name and default_storage.exists(receipt.file_name):
        return False
    if receipt.status == ReceiptStatus.DONE:  # its file is gone: not ready any more, render it again
        Receipt.objects.filter(pk=receipt.pk, status=ReceiptStatus.DONE).update(status=ReceiptStatus.PENDING)
    # Exactly one worker renders it, even when the task is delivered twice (core.jobs).
    token = uuid.uuid4().hex
    receipt = jobs.claim(receipts, pk=receipt_id, token=token, lease_seconds=RECEIPT_LEASE_SECONDS)
    if receipt is None:  # done, failed, or another worker holds a live lease
        return False
    try:
        with jobs.heartbeat(receipt, token, lease_seconds=RECEIPT_LEASE_SECONDS):
            stored, content, pages = _receipt_pdf_store(receipt)
    except BaseException:
        jobs.release(receipt, token)  # the task decides between a retry and a failure
        raise
    now = timezone.now()
    done = jobs.complete(
        receipt,
        token,
        file_name=stored,
        sha256=hashlib.sha256(content).hexdigest(),
        pages=pages,
        size_bytes=len(content),
        rendered_at=now,
        sealed_at=now,
    )
    if not done:
        logger.warning("Receipt %s was rendered after its lease had been taken over", receipt_id)
    return done


def _receipt_pdf_store(receipt: Receipt) -> tuple[str, bytes, int]:
    """Render, seal and store the PDF of ``receipt``; returns the stored name, content and page count."""
    declaration = receipt.declaration
    code = verification_code(declaration)
    verify_url = settings.PORTAL_BASE_URL + reverse("verify")
    verify_link = f"{verify_url}?{urlencode({'reference': declaration.reference, 'code': code})}"
    undertaking = undertaking_of(declaration)
    context = {
        "declaration": declaration,
        "personal": getattr(declaration, "personal", None),
        "undertaking": undertaking,
        "subject_label": subject_type_get(declaration.subject_type).label(),
        "text": declaration.text,
        "text_body": text_as_signed(declaration),
        "verification_code": code,
        "verify_url": verify_url,
        "verify_link": verify_link,
        "verify_qr": _qr_data_uri(verify_link) if code else "",
    }
    rendered = portal_pdf.render_pdf("declarations/receipt_pdf.html", context, language=receipt.language)
    # PAdES seal (declarations/seal.py); a TSA outage raises TimestampUnavailable and the task retries:
    # nothing is stored until the receipt is signed. The stored SHA-256 is that of the signed file.
    content = receipt_seal(rendered.content)
    name = receipt_storage_name(receipt)
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(content))
    return stored, content, rendered.pages


#: How much of an error a failed receipt keeps (shown to staff).
RECEIPT_ERROR_CHARS = 500


def receipt_fail(*, receipt_id: int, error: str) -> None:
    """Mark a receipt that could not be rendered as failed, keeping a short error for staff.

    Staff see it on the registration and can queue it again (``receipt_retry``); beat leaves
    failed receipts alone. A receipt rendered in the meantime stays done, and one that another
    worker is rendering under a live lease is left to that worker.
    """
    now = timezone.now()
    no_live_lease = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    Receipt.objects.filter(no_live_lease, pk=receipt_id).exclude(status=ReceiptStatus.DONE).update(
        status=ReceiptStatus.FAILED,
        last_error=error.strip()[:RECEIPT_ERROR_CHARS],
        lease_token="",
        lease_expires_at=None,
        finished_at=now,
    )


def receipt_retry(*, declaration: Declaration, actor, request=None) -> Receipt:
    """Queue the failed receipt of ``declaration`` again (staff). Audited; the render runs on commit.

    A receipt marked done whose stored file is missing is queued again too
    (``receipt_files.receipt_file_lost``, its own audit event).
    Only RVO staff may (raises ``NotAllowed``). Idempotent: a receipt that is not failed (pending,
    or done by an earlier retry or a double click) is returned unchanged, without an audit event.
    """
    from .tasks import receipt_render as receipt_render_task

    require(actor, "staff.access")
    receipt = Receipt.objects.get(declaration=declaration)
    if receipt.status == ReceiptStatus.DONE:
        receipt_file_lost(receipt_id=receipt.pk, found_by=FoundBy.STAFF, actor=actor, request=request)
        receipt.refresh_from_db()
        return receipt
    with transaction.atomic():
        receipt = Receipt.objects.select_for_update().get(declaration=declaration)
        if receipt.status != ReceiptStatus.FAILED:
            return receipt
        previous_error = receipt.last_error
        receipt.status = ReceiptStatus.PENDING
        receipt.last_error = ""
        receipt.attempts = 0  # a fresh set of attempts (core.jobs)
        receipt.finished_at = None
        receipt.save(update_fields=["status", "last_error", "attempts", "finished_at"])
        audit_event_record(
            action="declaration.receipt_retry",
            actor=actor,
            obj=declaration,
            organisation_id=declaration.organisation_id,
            request=request,
            details={"receipt": receipt.pk, "previous_error": previous_error[:RECEIPT_ERROR_CHARS]},
        )
        enqueue_on_commit(receipt_render_task, receipt.pk)
    return receipt
