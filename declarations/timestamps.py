"""RFC 3161 timestamps: an anchor for the checkpoints outside the operator's reach.

A time-stamping authority (``DECLARATION_TSA_URL``, several tried in order) signs "this digest
existed at genTime" with a key the portal's operator does not hold. Each checkpoint's digest
(``checkpoints.checkpoint_digest``) is timestamped after commit by a task with retries
(``checkpoint_timestamp_store``; never an HTTP call inside the chain transaction) and kept in the
append-only ``CheckpointTimestamp`` table and as a write-once storage copy beside the checkpoint's.

``timestamp_check`` is what verification applies to every token: the message imprint is the
checkpoint digest (SHA-256), the signature chains to a configured TSA root
(``DECLARATION_TSA_ROOTS``; with ``EVIDENCE_TEST_PKI`` and without it, the TEST PKI's root) and the TSA certificate is
meant for time stamping. Whoever holds the checkpoint key but re-signs a checkpoint later cannot
obtain a token with the original time: the token's genTime then lies after the grace period.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms, pem, tsp, x509
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_event_record
from core.aio import run_coroutine

from .checkpoints import checkpoint_digest
from .models import Checkpoint, CheckpointTimestamp

logger = logging.getLogger(__name__)


class TimestampUnavailable(ConnectionError):
    """No configured TSA answered with a valid token (transient: the task retries)."""


@dataclass(frozen=True)
class TokenCheck:
    ok: bool
    gen_time: datetime | None = None
    problem: str = ""


def tsa_urls() -> list[str]:
    return [url for url in settings.DECLARATION_TSA_URL if url]


def tsa_configured() -> bool:
    return bool(tsa_urls())


def certificates_load(paths) -> list[x509.Certificate]:
    """Every certificate in the PEM (one or several) or DER files at ``paths``."""
    certs = []
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if pem.detect(data):
            certs += [x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, multiple=True)]
        else:
            certs.append(x509.Certificate.load(data))
    return certs


def tsa_roots() -> list[x509.Certificate]:
    """The certificates TSA tokens must chain to; unset with ``EVIDENCE_TEST_PKI``: the TEST PKI's root."""
    if settings.DECLARATION_TSA_ROOTS:
        return certificates_load(settings.DECLARATION_TSA_ROOTS)
    if settings.EVIDENCE_TEST_PKI:
        from .pki import evidence_pki_ensure

        return certificates_load([evidence_pki_ensure().root_cert])
    return []


def token_gen_time(token: bytes) -> datetime:
    """The genTime of a DER ``TimeStampToken``; ValueError when it is not one."""
    try:
        content = cms.ContentInfo.load(token)
        info = content["content"]["encap_content_info"]["content"].parsed
        if not isinstance(info, tsp.TSTInfo):
            raise ValueError("not a time-stamp token")
        return info["gen_time"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"not a time-stamp token ({exc})") from exc


def timestamp_check(token: bytes, *, digest: bytes, roots: list[x509.Certificate] | None = None) -> TokenCheck:
    """Whether ``token`` is a valid RFC 3161 token over SHA-256 ``digest`` from a trusted TSA."""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko.sign.validation.status import TimestampSignatureStatus
    from pyhanko_certvalidator import ValidationContext

    roots = tsa_roots() if roots is None else roots
    if not roots:
        return TokenCheck(False, None, "no TSA root is configured to verify it with")
    try:
        gen_time = token_gen_time(token)
        signed_data = cms.ContentInfo.load(token)["content"]
        info = signed_data["encap_content_info"]["content"].parsed
        algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    except (ValueError, TypeError, KeyError) as exc:
        return TokenCheck(False, None, f"unreadable token ({exc.__class__.__name__})")
    if algorithm != "sha256":
        return TokenCheck(False, gen_time, f"token imprint uses {algorithm}, expected sha256")
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    try:
        kwargs = run_coroutine(
            lambda: validate_tst_signed_data(signed_data, context, expected_tst_imprint=lambda _algorithm: digest)
        )
        status = TimestampSignatureStatus(**kwargs)
    except Exception as exc:  # pyHanko raises several types for malformed or untrusted tokens
        return TokenCheck(False, gen_time, f"token does not verify ({exc.__class__.__name__}: {exc})"[:300])
    if not status.intact:
        return TokenCheck(False, gen_time, "token's message imprint is not the checkpoint digest or it was altered")
    if not status.valid:
        return TokenCheck(False, gen_time, "token signature does not verify")
    if not status.trusted:
        return TokenCheck(False, gen_time, "token is not from a trusted TSA (does not chain to a configured root)")
    return TokenCheck(True, gen_time)


def timestamp_request(digest: bytes) -> tuple[str, bytes]:
    """A token over SHA-256 ``digest`` from the first configured TSA that gives a valid one: (url, DER)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    roots = tsa_roots()
    errors = []
    for url in tsa_urls():
        try:
            stamper = HTTPTimeStamper(url, timeout=settings.DECLARATION_TSA_TIMEOUT)
            token = run_coroutine(lambda stamper=stamper: stamper.async_timestamp(digest, "sha256")).dump()
        except Exception as exc:  # network, HTTP status, a TSA refusal: try the next one
            errors.append(f"{url}: {exc.__class__.__name__}")
            continue
        check = timestamp_check(token, digest=digest, roots=roots)
        if check.ok:
            return url, token
        errors.append(f"{url}: {check.problem}")
    raise TimestampUnavailable("no TSA gave a valid token: " + "; ".join(errors or ["none configured"]))


def timestamp_storage_name(number: int) -> str:
    return f"{settings.CHECKPOINT_STORAGE_PREFIX}/checkpoint-{number:010d}.tsr"


def checkpoint_timestamp_store(*, checkpoint_id: int) -> bool:
    """Fetch, check and store the RFC 3161 token of one checkpoint unless it has one. True when stored now.

    Runs in a task after the checkpoint's commit (``tasks.checkpoint_timestamp``), which retries
    ``TimestampUnavailable``. The row is inserted once with its audit event; a concurrent second
    token is dropped. The token's storage copy is written once, never overwritten.
    """
    if not tsa_configured():
        return False
    checkpoint = Checkpoint.objects.get(pk=checkpoint_id)
    if CheckpointTimestamp.objects.filter(checkpoint=checkpoint).exists():
        return False
    url, token = timestamp_request(bytes.fromhex(checkpoint_digest(checkpoint)))
    try:
        with transaction.atomic():
            stamp = CheckpointTimestamp.objects.create(
                checkpoint=checkpoint, tsa_url=url, token=token, gen_time=token_gen_time(token)
            )
            audit_event_record(
                action="declaration_checkpoint.timestamp",
                obj=checkpoint,
                details={"number": checkpoint.number, "tsa_url": url, "gen_time": stamp.gen_time.isoformat()},
            )
    except IntegrityError:
        return False
    storage = storages["evidence"]
    name = timestamp_storage_name(checkpoint.number)
    if not storage.exists(name):
        storage.save(name, ContentFile(token))
    return True


def checkpoints_timestamp_missing(*, recent: int = 50) -> list[int]:
    """Ids of the latest ``recent`` checkpoints that have no token yet (beat's safety net)."""
    if not tsa_configured():
        return []
    ids = Checkpoint.objects.order_by("-number").values_list("pk", flat=True)[:recent]
    return list(Checkpoint.objects.filter(pk__in=list(ids), timestamp__isnull=True).values_list("pk", flat=True))


def timestamps_verify(result, checkpoints: list[Checkpoint]) -> None:
    """Add a problem to ``result`` for every checkpoint whose timestamp is missing, invalid or out of time.

    - a token that does not verify (altered, over another digest, from an untrusted TSA):
      ``timestamp_invalid``;
    - genTime earlier than the checkpoint's ``created_at`` minus the clock slack:
      ``timestamp_before_checkpoint``; later than ``created_at`` plus the grace period:
      ``timestamp_late`` (the checkpoint may have been re-signed later with an earlier time);
    - no token although a TSA is configured and the grace period has passed: ``timestamp_missing``;
      a token copy in storage whose row is gone: ``timestamp_missing`` too.
    Without a TSA: a warning with ``EVIDENCE_TEST_PKI`` (demo, tests), a problem otherwise.
    """
    configured = tsa_configured()
    stamps = {
        s.checkpoint_id: s
        for s in CheckpointTimestamp.objects.filter(checkpoint__in=[c.pk for c in checkpoints if c.pk])
    }
    if not configured and not stamps:
        if settings.EVIDENCE_TEST_PKI:
            result.timestamps = "warning: no TSA configured (DECLARATION_TSA_URL; demo only): no RFC 3161 timestamps"
        else:
            result.add(
                "timestamp_unconfigured", "no TSA configured (DECLARATION_TSA_URL): checkpoints are not anchored"
            )
        return
    result.timestamps = f"{len(stamps)} of {len(checkpoints)} checkpoint(s) carry an RFC 3161 timestamp"
    roots = tsa_roots()
    slack = timedelta(seconds=settings.DECLARATION_TSA_CLOCK_SLACK_SECONDS)
    grace = timedelta(seconds=settings.DECLARATION_TSA_GRACE_SECONDS)
    now = timezone.now()
    storage = storages["evidence"]
    for checkpoint in checkpoints:
        stamp = stamps.get(checkpoint.pk) if checkpoint.pk else None
        if stamp is None:
            copy_name = timestamp_storage_name(checkpoint.number)
            if storage.exists(copy_name):
                # The worker commits the row before it writes the copy: a row committed since the read
                # above is there now, and is checked like the others; only a row that is gone is deleted.
                stamp = CheckpointTimestamp.objects.filter(checkpoint=checkpoint.pk).first() if checkpoint.pk else None
                if stamp is None:
                    result.add(
                        "timestamp_missing",
                        f"its timestamp exists in storage ({copy_name}) but not in the database: it was deleted",
                        checkpoint=checkpoint.number,
                    )
                    continue
            else:
                if configured and checkpoint.created_at < now - grace:
                    result.add(
                        "timestamp_missing",
                        f"no RFC 3161 timestamp {grace} after it was made (is the TSA reachable, the worker running?)",
                        checkpoint=checkpoint.number,
                    )
                continue
        check = timestamp_check(bytes(stamp.token), digest=bytes.fromhex(checkpoint_digest(checkpoint)), roots=roots)
        if not check.ok:
            result.add("timestamp_invalid", f"timestamp: {check.problem}", checkpoint=checkpoint.number)
            continue
        if check.gen_time != stamp.gen_time:
            result.add("timestamp_invalid", "the stored genTime differs from the token's", checkpoint=checkpoint.number)
        if check.gen_time < checkpoint.created_at - slack:
            result.add(
                "timestamp_before_checkpoint",
                f"timestamped at {check.gen_time:%Y-%m-%d %H:%M:%S}Z, before it was made "
                f"({checkpoint.created_at:%Y-%m-%d %H:%M:%S}Z): its time was forged",
                checkpoint=checkpoint.number,
            )
        elif check.gen_time > checkpoint.created_at + grace:
            result.add(
                "timestamp_late",
                f"timestamped at {check.gen_time:%Y-%m-%d %H:%M:%S}Z, more than {grace} after its time "
                f"({checkpoint.created_at:%Y-%m-%d %H:%M:%S}Z): it may have been re-signed later",
                checkpoint=checkpoint.number,
            )
