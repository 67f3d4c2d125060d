"""RFC 3161 timestamps on checkpoints (declarations/timestamps.py), against certomancer's real TSA."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.files.storage import storages

from audit.models import AuditEvent
from declarations import tasks
from declarations.checkpoints import checkpoint_digest, checkpoint_write
from declarations.models import Checkpoint, CheckpointTimestamp
from declarations.pki import evidence_pki_ensure
from declarations.services import declarations_verify
from declarations.timestamps import (
    TimestampUnavailable,
    checkpoint_timestamp_store,
    timestamp_check,
    timestamp_storage_name,
    tsa_roots,
)

from .chain_tools import build_chain, tamper, verify_command

pytestmark = [pytest.mark.django_db, pytest.mark.tsa]


def _checkpoint(django_capture_on_commit_callbacks, *, records: int = 2) -> Checkpoint:
    """A chain of ``records`` and its checkpoint; the after-commit tasks (copy, timestamp) run."""
    with django_capture_on_commit_callbacks(execute=True):
        build_chain(records)
        checkpoint_write()
    return Checkpoint.objects.latest("number")  # (number 0 is the genesis before the records)


def _token(pki, digest: bytes, *, at) -> bytes:
    """A token signed with the TSA key of ``pki`` at a chosen time (what a forger with that key could make)."""
    from asn1crypto import algos, tsp
    from certomancer.registry import ArchLabel, CertomancerConfig, ServiceLabel

    config = CertomancerConfig.from_file(str(pki.directory / "certomancer.yml"), key_search_dir=str(pki.directory))
    stamper = config.get_pki_arch(ArchLabel("imvo")).service_registry.summon_timestamper(
        ServiceLabel("tsa"), at_time=at
    )
    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "cert_req": True,
        }
    )
    return stamper.request_tsa_response(request)["time_stamp_token"].dump()


def _replace_token(checkpoint: Checkpoint, token: bytes, gen_time) -> None:
    tamper(
        "UPDATE declarations_checkpointtimestamp SET token = %s, gen_time = %s WHERE checkpoint_id = %s",
        [token, gen_time, checkpoint.pk],
    )


def test_every_checkpoint_gets_a_verified_token_after_commit(tsa, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    stamp = CheckpointTimestamp.objects.get(checkpoint=checkpoint)
    assert stamp.tsa_url == tsa.url
    assert abs(stamp.gen_time - checkpoint.created_at) < timedelta(seconds=30)
    check = timestamp_check(bytes(stamp.token), digest=bytes.fromhex(checkpoint_digest(checkpoint)))
    assert check.ok and check.gen_time == stamp.gen_time
    assert AuditEvent.objects.filter(action="declaration_checkpoint.timestamp").count() == 2  # genesis and this one
    with storages["evidence"].open(timestamp_storage_name(checkpoint.number), "rb") as copy:
        assert copy.read() == bytes(stamp.token)
    result = declarations_verify()
    assert result.ok, result.problems
    assert result.timestamps == "2 of 2 checkpoint(s) carry an RFC 3161 timestamp"
    # Idempotent: a second run neither asks again nor adds a row.
    assert checkpoint_timestamp_store(checkpoint_id=checkpoint.pk) is False
    assert CheckpointTimestamp.objects.count() == 2  # the genesis and this checkpoint


def test_a_timestamp_is_added_once_and_never_changed(tsa, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError, transaction

    stamp = CheckpointTimestamp.objects.get(checkpoint=_checkpoint(django_capture_on_commit_callbacks))
    with pytest.raises(ValidationError):
        stamp.save()
    with pytest.raises(ValidationError):
        stamp.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        CheckpointTimestamp.objects.filter(pk=stamp.pk).update(tsa_url="http://elsewhere.example/")
    with pytest.raises(DatabaseError), transaction.atomic():
        CheckpointTimestamp.objects.filter(pk=stamp.pk).delete()


def test_a_tampered_token_is_named(tsa, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    stamp = CheckpointTimestamp.objects.get(checkpoint=checkpoint)
    token = bytearray(bytes(stamp.token))
    token[-10] ^= 0x01  # inside the signature
    _replace_token(checkpoint, bytes(token), stamp.gen_time)
    code, _out, err = verify_command()
    assert code == 1
    assert f"Checkpoint {checkpoint.number}: timestamp:" in err and "[timestamp_invalid]" in err


def test_a_token_over_another_digest_is_named(tsa, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    stamp = CheckpointTimestamp.objects.get(checkpoint=checkpoint)
    other = _token(tsa.pki, b"\x00" * 32, at=stamp.gen_time)
    _replace_token(checkpoint, other, stamp.gen_time)
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}" in err and "[timestamp_invalid]" in err


def test_a_token_from_another_tsa_is_named(tsa, tmp_path, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    stamp = CheckpointTimestamp.objects.get(checkpoint=checkpoint)
    stranger = evidence_pki_ensure(tmp_path / "another-pki")  # same names, other keys: not trusted
    forged = _token(stranger, bytes.fromhex(checkpoint_digest(checkpoint)), at=stamp.gen_time)
    _replace_token(checkpoint, forged, stamp.gen_time)
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}" in err and "not from a trusted TSA" in err


def test_a_token_earlier_than_the_checkpoint_is_named(tsa, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    earlier = checkpoint.created_at - timedelta(hours=1)
    _replace_token(checkpoint, _token(tsa.pki, bytes.fromhex(checkpoint_digest(checkpoint)), at=earlier), earlier)
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}" in err and "[timestamp_before_checkpoint]" in err


def test_a_checkpoint_re_signed_later_with_an_earlier_time_is_named(tsa, django_capture_on_commit_callbacks):
    """Someone with the checkpoint key re-signs a back-dated checkpoint: the TSA only gives today's time."""
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    later = checkpoint.created_at + timedelta(hours=3)
    _replace_token(checkpoint, _token(tsa.pki, bytes.fromhex(checkpoint_digest(checkpoint)), at=later), later)
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}" in err and "[timestamp_late]" in err


def test_no_token_after_the_grace_period_is_a_failure(settings, tsa, django_capture_on_commit_callbacks):
    settings.DECLARATION_TSA_GRACE_SECONDS = 3600
    with django_capture_on_commit_callbacks(execute=False):  # the timestamp task never runs
        build_chain(1)
        checkpoint = checkpoint_write()
    assert declarations_verify().ok  # still inside the grace period
    settings.DECLARATION_TSA_GRACE_SECONDS = 0
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}: no RFC 3161 timestamp" in err


def test_a_deleted_token_is_named_by_its_storage_copy(tsa, django_capture_on_commit_callbacks):
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    tamper("DELETE FROM declarations_checkpointtimestamp WHERE checkpoint_id = %s", [checkpoint.pk])
    code, _out, err = verify_command()
    assert code == 1 and f"Checkpoint {checkpoint.number}" in err and "it was deleted" in err


def test_a_tsa_outage_is_retried_and_stores_nothing(tsa_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        build_chain(1)
        checkpoint = checkpoint_write()
    with pytest.raises(TimestampUnavailable):
        checkpoint_timestamp_store(checkpoint_id=checkpoint.pk)
    with pytest.raises(Retry) as raised:  # the task asks Celery to try again later
        tasks.checkpoint_timestamp.apply(args=[checkpoint.pk], throw=True)
    assert isinstance(raised.value.exc, TimestampUnavailable)
    assert not CheckpointTimestamp.objects.exists()


def test_the_second_tsa_is_tried_when_the_first_is_down(settings, tsa, tsa_down, django_capture_on_commit_callbacks):
    settings.DECLARATION_TSA_URL = [tsa_down, tsa.url]
    stamp = CheckpointTimestamp.objects.get(checkpoint=_checkpoint(django_capture_on_commit_callbacks))
    assert stamp.tsa_url == tsa.url


def test_hourly_beat_fetches_missing_tokens(tsa, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        build_chain(1)
        checkpoint = checkpoint_write()
    tasks.checkpoint_hourly()
    assert CheckpointTimestamp.objects.filter(checkpoint=checkpoint).exists()


def test_without_a_tsa_the_demo_warns_and_production_fails(settings, django_capture_on_commit_callbacks):
    settings.DECLARATION_TSA_URL = []
    with django_capture_on_commit_callbacks(execute=True):
        build_chain(1)
        checkpoint_write()
    result = declarations_verify()
    assert result.ok and result.timestamps.startswith("warning: no TSA configured")
    settings.EVIDENCE_TEST_PKI = False
    result = declarations_verify()
    assert [p.code for p in result.problems] == ["timestamp_unconfigured"]


def test_the_test_pki_root_is_the_trust_anchor_only_in_the_demo(settings, tsa):
    assert tsa_roots()
    settings.EVIDENCE_TEST_PKI = False
    settings.DECLARATION_TSA_ROOTS = []
    assert tsa_roots() == []
    settings.DECLARATION_TSA_ROOTS = [str(tsa.pki.root_cert)]
    assert len(tsa_roots()) == 1
