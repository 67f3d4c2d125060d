"""Writes of declaration texts and records: an append-only, hash-chained evidence log."""

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_event_record
from imvo_portal.net import client_ip, user_agent
from imvo_portal.tasks import enqueue_on_commit

from .constants import GENESIS_HASH, OECD_EDITION, Decision, ReceiptStatus
from .exceptions import AuthorityNotConfirmed, ExplanationRequired
from .hashing import personal_hash, record_hash
from .models import Declaration, DeclarationPersonalData, DeclarationText, Receipt

logger = logging.getLogger(__name__)

# Any constant; serialises appends to the chain across processes on PostgreSQL.
CHAIN_LOCK_KEY = 7_204_611


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


def declaration_text_publish(*, version: int, language: str, body: str, actor=None, oecd_edition: str = OECD_EDITION):
    """Publish a text version in one language (idempotent for the same body). Never edits a published one."""
    with transaction.atomic():
        text = DeclarationText.objects.filter(version=version, language=language).first()
        if text is None:
            text = DeclarationText(version=version, language=language, body=body, oecd_edition=oecd_edition)
            text.published_at = timezone.now()
            text.full_clean(exclude=["sha256"])
            text.save()
            audit_event_record(
                action="declaration_text.publish",
                actor=actor,
                obj=text,
                details={"version": version, "language": language, "sha256": text.sha256},
            )
        return text


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def declaration_record(
    *,
    registration,
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
    """Append one declaration record (and its erasable personal row) to the chain.

    Must run inside the caller's transaction. Queues the receipt PDF on commit and points the
    registration's ``current_declaration`` at the new record. Audited.
    """
    DeclarationInput(
        decision=decision,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
        confirms_authority=confirms_authority,
        explanation=explanation,
    ).validate()
    organisation = registration.organisation
    ip = client_ip(request) if request is not None else None
    agent = user_agent(request) if request is not None else ""
    salt = secrets.token_hex(16)
    _lock_chain()
    last = Declaration.objects.order_by("-sequence").only("sequence", "record_hash").first()
    declaration = Declaration(
        sequence=(last.sequence + 1) if last else 1,
        registration=registration,
        organisation=organisation,
        organisation_name=organisation.name,
        organisation_kvk=organisation.kvk_number,
        text=text,
        text_version=text.version,
        text_language=text.language,
        text_sha256=text.sha256,
        decision=decision,
        explanation=explanation.strip(),
        confirms_authority=confirms_authority,
        user=actor,
        signed_at=timezone.now(),
        brochure_version=registration.imvo_brochure_version,
        reused_from=reused_from,
        personal_hash=personal_hash(
            salt=salt, name=signatory_name, position=signatory_position, ip_address=ip, user_agent=agent
        ),
        previous_hash=last.record_hash if last else GENESIS_HASH,
    )
    declaration.record_hash = record_hash(declaration)
    declaration.save()
    DeclarationPersonalData.objects.create(
        declaration=declaration,
        signatory_name=signatory_name,
        signatory_position=signatory_position,
        ip_address=ip,
        user_agent=agent,
        salt=salt,
    )
    language = getattr(actor, "language", None) or settings.LANGUAGE_CODE
    receipt = Receipt.objects.create(declaration=declaration, language=language)
    registration.current_declaration = declaration
    registration.save(update_fields=["current_declaration"])
    audit_event_record(
        action=f"declaration.{decision}",
        actor=actor,
        obj=declaration,
        organisation_id=organisation.pk,
        request=request,
        details={
            "registration": registration.pk,
            "sequence": declaration.sequence,
            "text_version": text.version,
            "record_hash": declaration.record_hash,
            "reused_from": reused_from.pk if reused_from else None,
        },
    )
    from .tasks import receipt_render

    enqueue_on_commit(receipt_render, receipt.pk)
    return declaration


def declaration_personal_data_erase(*, declaration: Declaration, actor=None) -> None:
    """Erase the personal fields of one declaration (retention policy); the chain stays verifiable."""
    with transaction.atomic():
        personal = DeclarationPersonalData.objects.select_for_update().get(declaration=declaration)
        personal.signatory_name = personal.signatory_position = personal.user_agent = personal.salt = ""
        personal.ip_address = None
        personal.erased_at = timezone.now()
        personal.save()
        audit_event_record(action="declaration.personal_data_erase", actor=actor, obj=declaration)


@dataclass
class VerificationResult:
    checked: int
    broken_sequence: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None


def declarations_verify() -> VerificationResult:
    """Recompute every record hash, the chain links and the personal-data hashes, in order."""
    previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    records = Declaration.objects.select_related("personal").order_by("sequence")
    for declaration in records.iterator(chunk_size=500):
        if declaration.sequence != expected_sequence:
            return VerificationResult(checked, declaration.sequence, "sequence gap (a record is missing)")
        if declaration.previous_hash != previous:
            return VerificationResult(checked, declaration.sequence, "previous_hash does not match the chain")
        if record_hash(declaration) != declaration.record_hash:
            return VerificationResult(checked, declaration.sequence, "record_hash does not match the record")
        personal = getattr(declaration, "personal", None)
        if personal is not None and personal.erased_at is None:
            recomputed = personal_hash(
                salt=personal.salt,
                name=personal.signatory_name,
                position=personal.signatory_position,
                ip_address=personal.ip_address,
                user_agent=personal.user_agent,
            )
            if recomputed != declaration.personal_hash:
                return VerificationResult(checked, declaration.sequence, "personal data does not match its hash")
        previous = declaration.record_hash
        expected_sequence += 1
        checked += 1
    return VerificationResult(checked)


def receipt_storage_name(receipt: Receipt) -> str:
    return str(
        Path(settings.RECEIPT_STORAGE_PREFIX)
        / f"declaration-{receipt.declaration_id}-{receipt.declaration.record_hash[:16]}.pdf"
    )


def receipt_render(*, receipt_id: int) -> bool:
    """Render and store the receipt PDF unless done already. Returns True when rendered now."""
    import hashlib

    from imvo_portal.pdf import render_pdf

    receipt = Receipt.objects.select_related(
        "declaration__text", "declaration__personal", "declaration__registration__mission"
    ).get(pk=receipt_id)
    if receipt.status == ReceiptStatus.DONE and receipt.file_name and default_storage.exists(receipt.file_name):
        return False
    declaration = receipt.declaration
    context = {
        "declaration": declaration,
        "personal": getattr(declaration, "personal", None),
        "mission": declaration.registration.mission,
        "text": declaration.text,
    }
    try:
        rendered = render_pdf("declarations/receipt_pdf.html", context, language=receipt.language)
    except Exception as exc:
        Receipt.objects.filter(pk=receipt.pk).update(status=ReceiptStatus.FAILED, error=str(exc)[:2000])
        raise
    name = receipt_storage_name(receipt)
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(rendered.content))
    Receipt.objects.filter(pk=receipt.pk).update(
        status=ReceiptStatus.DONE,
        file_name=stored,
        sha256=hashlib.sha256(rendered.content).hexdigest(),
        pages=rendered.pages,
        size_bytes=len(rendered.content),
        rendered_at=timezone.now(),
        error="",
    )
    return True
