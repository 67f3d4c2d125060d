"""Verification of the audit trail's keyed chain (``audit/chain.py``).

``audit_verify`` reads every chained event in sequence order and names each event that fails:

- a changed column, a forged event (no valid key) or a back-dated one: ``audit_hash_mismatch`` or
  ``audit_unknown_key``; a deleted, inserted or reordered event: ``audit_sequence_gap`` or
  ``audit_link_broken``; the last events deleted: a checkpoint names a head that is gone
  (``audit_events_missing``) or a different one (``audit_checkpoint_mismatch``);
- an event written before the chain changed, deleted or added: the first chained event no longer
  links to their digest (``audit_legacy_changed``);
- the personal part: changed (``audit_personal_mismatch``), added to an event without one
  (``audit_personal_added``), deleted (``audit_personal_missing``), or erased without its erasure
  event (``audit_erasure_unrecorded``).

It also returns the details of the events other checks rely on (``attested``): the publication of
each declaration text and each erasure of a declaration's personal data.
"""

import hmac
from dataclasses import dataclass, field

from .chain import (
    CHAIN_START_ACTION,
    PERSONAL_ERASE_ACTION,
    event_hash,
    legacy_digest,
    personal_verified,
)
from .models import AuditEvent, AuditEventPersonal

#: Events whose details other verifications compare with what they attest.
ATTESTING_ACTIONS = ("declaration_text.publish", "declaration.personal_data_erase")


@dataclass(frozen=True)
class AuditProblem:
    code: str
    message: str
    event_id: int | None = None
    sequence: int | None = None


@dataclass(frozen=True)
class AuditAnchor:
    checkpoint: int
    sequence: int
    record_hash: str


@dataclass
class AuditVerification:
    checked: int = 0
    head_sequence: int | None = None
    problems: list[AuditProblem] = field(default_factory=list)
    #: {(action, object_type, object_id): [details, ...]} of the ``ATTESTING_ACTIONS`` events.
    attested: dict[tuple[str, str, str], list[dict]] = field(default_factory=dict)

    def add(self, code: str, message: str, event=None) -> None:
        self.problems.append(AuditProblem(code, message, getattr(event, "pk", None), getattr(event, "sequence", None)))


def _check_personal(result: AuditVerification, event, personal, erased: list) -> None:
    if personal is None:
        if event.personal_hash:
            result.add("audit_personal_missing", "its personal part was deleted", event)
        return
    if not event.personal_hash:
        result.add("audit_personal_added", "has a personal part it never committed to (added later)", event)
        return
    if personal.erased_at is not None:
        if any((personal.actor_email, personal.ip_address, personal.user_agent, personal.details, personal.salt)):
            result.add("audit_personal_mismatch", "marked erased but still holds personal data", event)
        erased.append((event, personal))
        return
    if not personal_verified(event, personal):
        result.add("audit_personal_mismatch", "its personal part differs from what the event committed to", event)


def audit_verify(*, anchors: list[AuditAnchor] = ()) -> AuditVerification:
    """Verify the audit trail's chain (and its anchors from valid checkpoints)."""
    result = AuditVerification()
    erase_events: dict[int, tuple[int, object]] = {}  # event id -> (sequence, created_at)
    erased: list = []
    by_sequence = {anchor.sequence: anchor for anchor in anchors}
    legacy_count, digest = legacy_digest()
    previous_hash, expected = digest, 1
    start_details = None
    events = AuditEvent.objects.filter(sequence__isnull=False).select_related("personal").order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        seq = event.sequence
        if seq == 1 and event.action == CHAIN_START_ACTION and isinstance(event.details, dict):
            start_details = event.details
        if seq != expected:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected}-#{seq - 1}"
            result.add("audit_sequence_gap", f"event(s) {missing} before it are missing", event)
        elif event.previous_hash != previous_hash:
            if seq == 1:
                result.add(
                    "audit_legacy_changed",
                    f"the {legacy_count} events written before the chain were changed, deleted or added to",
                    event,
                )
            else:
                result.add("audit_link_broken", "previous_hash does not match the event before it", event)
        expected_hash = event_hash(event)
        if expected_hash is None:
            result.add("audit_unknown_key", f"keyed with {event.key_id!r}, which is not configured", event)
        elif not hmac.compare_digest(expected_hash, event.record_hash):
            result.add(
                "audit_hash_mismatch", "record_hash does not match the event (changed, forged or back-dated)", event
            )
        anchor = by_sequence.get(seq)
        if anchor is not None and anchor.record_hash != event.record_hash:
            result.add(
                "audit_checkpoint_mismatch",
                f"differs from the event signed in checkpoint {anchor.checkpoint} (re-hashed)",
                event,
            )
        try:
            personal = event.personal
        except AuditEventPersonal.DoesNotExist:
            personal = None
        _check_personal(result, event, personal, erased)
        if event.action == PERSONAL_ERASE_ACTION:
            erase_events[event.pk] = (seq, event.created_at)
        if event.action in ATTESTING_ACTIONS:
            key = (event.action, event.object_type, event.object_id)
            result.attested.setdefault(key, []).append(event.details if isinstance(event.details, dict) else {})
        previous_hash, expected = event.record_hash, seq + 1
        result.checked += 1
    head = expected - 1
    result.head_sequence = head or None
    for anchor in anchors:
        if anchor.sequence > head:
            result.problems.append(
                AuditProblem(
                    "audit_events_missing",
                    f"event(s) #{head + 1}-#{anchor.sequence} signed in checkpoint {anchor.checkpoint} are missing",
                    None,
                    anchor.sequence,
                )
            )
    if head == 0 and legacy_count:
        result.problems.append(
            AuditProblem("audit_legacy_changed", "events written before the chain are not anchored by any event")
        )
    for event, personal in erased:
        erasure = erase_events.get(personal.erasure_event_id)
        if erasure is None or erasure[0] <= event.sequence or erasure[1] != personal.erased_at:
            result.add("audit_erasure_unrecorded", "its personal part was erased without its erasure event", event)
    _check_legacy_erasures(result, erase_events, start_details)
    return result


def _check_legacy_erasures(result: AuditVerification, erase_events: dict, start_details: dict | None) -> None:
    """Personal parts of events written before the chain: erased only with an erasure event, except
    those erased already when the chain started (their number is in the chain's first event)."""
    rows = AuditEventPersonal.objects.filter(event__sequence__isnull=True, erased_at__isnull=False)
    before = (start_details or {}).get("legacy_personal_erased", 0)
    without = 0
    for event_id, erasure_event_id, erased_at in rows.values_list("event_id", "erasure_event_id", "erased_at"):
        if erasure_event_id is None:
            without += 1
            continue
        erasure = erase_events.get(erasure_event_id)
        if erasure is None or erasure[1] != erased_at:
            result.problems.append(
                AuditProblem(
                    "audit_erasure_unrecorded",
                    "its personal part was erased without its erasure event",
                    event_id,
                )
            )
    if without > before:
        result.problems.append(
            AuditProblem(
                "audit_erasure_unrecorded",
                f"{without - before} personal part(s) of events written before the chain were erased "
                "without an erasure event",
            )
        )
