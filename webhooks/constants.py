from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    REGISTRATION_SUBMITTED = "registration.submitted", _("Registration submitted")
    REGISTRATION_CONFIRMED = "registration.confirmed", _("Registration confirmed")
    REGISTRATION_WITHDRAWN = "registration.withdrawn", _("Registration withdrawn")
    DECLARATION_SIGNED = "declaration.signed", _("Declaration signed")
    CHECKPOINT_WRITTEN = "checkpoint.written", _("Checkpoint written")


#: The audit actions (written by the domain's services) that become webhook events. The domain never
#: imports this app: the collector reads the audit trail (``services.webhook_events_collect``).
AUDIT_ACTIONS: dict[str, str] = {
    "registration.submit": EventType.REGISTRATION_SUBMITTED,
    "registration.confirm": EventType.REGISTRATION_CONFIRMED,
    "registration.promote": EventType.REGISTRATION_CONFIRMED,  # from the waiting list: confirmed now
    "registration.withdraw": EventType.REGISTRATION_WITHDRAWN,
    "declaration.endorsed": EventType.DECLARATION_SIGNED,
    "declaration.not_endorsed": EventType.DECLARATION_SIGNED,
    "declaration_checkpoint.write": EventType.CHECKPOINT_WRITTEN,
}

#: The audit details copied into an event's data, per event type: an allow-list, so a detail added
#: to the trail later never leaves the portal unseen. None of them names or contacts a person.
DATA_DETAILS: dict[str, tuple[str, ...]] = {
    EventType.DECLARATION_SIGNED: (
        "reference",
        "sequence",
        "record_hash",
        "subject_type",
        "subject_id",
        "text_kind",
        "text_version",
        "undertaking",
    ),
    EventType.CHECKPOINT_WRITTEN: ("number", "sequence", "reason"),
}

SIGNATURE_HEADER = "Webhook-Signature"
# A delivery is one POST; the receiver must answer 2xx within this many seconds (connect + answer).
PAGE_SIZE = 25
