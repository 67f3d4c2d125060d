"""What the API returns: field names in snake_case throughout, times in ISO 8601 with their offset.

Personal data (names, e-mail addresses, typed text, IP addresses, user agents, and organisation
names, which for a sole trader are a person's name) is only ever in a ``personal`` object, which is
``null`` unless the token carries ``personal-data:read`` (``api.permissions.token_has``).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from declarations.constants import Decision
from instruments.constants import FrameworkLevel, FrameworkStage, InstrumentKind, InstrumentStatus, PolicyArea
from instruments.selectors import instrument_conditions
from missions.constants import AttendanceStatus, MissionStatus, RegistrationStatus, Theme

from .constants import ACTOR_KINDS, PERSONAL_DATA_READ
from .permissions import token_has

_DATETIME = serializers.DateTimeField()


def iso_datetime(value) -> str | None:
    """As DRF writes a time (ISO 8601 in the current time zone, with its offset)."""
    return None if value is None else _DATETIME.to_representation(value)


def _personal_allowed(serializer) -> bool:
    request = serializer.context.get("request")
    return request is not None and token_has(request, PERSONAL_DATA_READ)


# --- missions and sessions ------------------------------------------------------------------------


class MissionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title_nl = serializers.CharField()
    title_en = serializers.CharField()
    summary_nl = serializers.CharField()
    summary_en = serializers.CharField()
    description_nl = serializers.CharField(help_text="Markdown.")
    description_en = serializers.CharField(help_text="Markdown.")
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2 code.")
    city_nl = serializers.CharField()
    city_en = serializers.CharField()
    theme = serializers.ChoiceField(choices=Theme.choices)
    status = serializers.ChoiceField(choices=MissionStatus.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    registration_opens_at = serializers.DateTimeField()
    registration_closes_at = serializers.DateTimeField()
    capacity_min = serializers.IntegerField()
    capacity_max = serializers.IntegerField()
    requires_declaration = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mission = serializers.SlugField(source="mission.slug")
    title_nl = serializers.CharField()
    title_en = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField()
    online_url = serializers.CharField()


# --- registrations and attendance -----------------------------------------------------------------


class StatusEventSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="What happened, e.g. submit, confirm, waitlist, withdraw.")
    status = serializers.ChoiceField(
        choices=RegistrationStatus.choices, allow_null=True, help_text="The status it led to, when it sets one."
    )
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(
        choices=[(kind, kind) for kind in ACTOR_KINDS],
        help_text="Who acted: the organisation (one of its members), RVO staff, an API client (see "
        "client_id), the portal itself (a waiting list that moved, a cancelled mission), or a person "
        "whose account has since been deleted.",
    )
    client_id = serializers.CharField(allow_null=True, help_text="The API client that acted, when by is api_client.")


class ParticipantPersonalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    position = serializers.CharField()


class RegistrationPersonalSerializer(serializers.Serializer):
    organisation_name = serializers.CharField()
    submitted_by_name = serializers.CharField(allow_null=True)
    submitted_by_email = serializers.CharField(allow_null=True)
    motivation = serializers.CharField()
    withdrawal_reason = serializers.CharField()
    rejection_reason = serializers.CharField()
    participants = ParticipantPersonalSerializer(many=True)


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kvk_number = serializers.CharField()


class RegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mission = serializers.SlugField(source="mission.slug")
    organisation = OrganisationRefSerializer()
    status = serializers.ChoiceField(choices=RegistrationStatus.choices)
    waitlist_position = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    status_changed_at = serializers.DateTimeField(allow_null=True)
    participant_ids = serializers.SerializerMethodField()
    current_declaration = serializers.IntegerField(
        source="current_declaration.sequence",
        allow_null=True,
        help_text="Sequence number of the current declaration record (see /declarations/{sequence}/).",
    )
    status_history = serializers.SerializerMethodField()
    personal = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_participant_ids(self, registration) -> list[int]:
        return [p.pk for p in registration.participants.all()]

    @extend_schema_field(StatusEventSerializer(many=True))
    def get_status_history(self, registration):
        events = self.context.get("history", {}).get(registration.pk, [])
        return StatusEventSerializer(events, many=True).data

    @extend_schema_field(RegistrationPersonalSerializer(allow_null=True))
    def get_personal(self, registration):
        if not _personal_allowed(self):
            return None
        submitter = registration.submitted_by
        return RegistrationPersonalSerializer(
            {
                "organisation_name": registration.organisation.name,
                "submitted_by_name": submitter.full_name if submitter else None,
                "submitted_by_email": submitter.email if submitter else None,
                "motivation": registration.motivation,
                "withdrawal_reason": registration.withdrawal_reason,
                "rejection_reason": registration.rejection_reason,
                "participants": list(registration.participants.all()),
            }
        ).data


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("confirm", "confirm"), ("promote", "promote"), ("reject", "reject")],
        help_text="confirm: accept a registration held for review (a seat, else the waiting list); "
        "promote: give a waitlisted registration a free seat; reject: refuse it (reason required).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AttendancePersonalSerializer(serializers.Serializer):
    participant_name = serializers.CharField()
    participant_email = serializers.EmailField()


class AttendanceSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    participant = serializers.IntegerField(source="participant_id")
    registration = serializers.IntegerField(source="participant.registration_id")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)
    invited_at = serializers.DateTimeField(allow_null=True)
    recorded_at = serializers.DateTimeField(allow_null=True)
    personal = serializers.SerializerMethodField()

    @extend_schema_field(AttendancePersonalSerializer(allow_null=True))
    def get_personal(self, attendance):
        if not _personal_allowed(self):
            return None
        return {"participant_name": attendance.participant.name, "participant_email": attendance.participant.email}


class AttendanceRecordSerializer(serializers.Serializer):
    participant = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=AttendanceStatus.choices)


class AttendanceInputSerializer(serializers.Serializer):
    records = AttendanceRecordSerializer(many=True, allow_empty=False, max_length=500)

    def validate_records(self, records):
        seen = set()
        for record in records:
            if record["participant"] in seen:
                raise serializers.ValidationError("Each participant at most once.")
            seen.add(record["participant"])
        return records


class AttendanceResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="How many attendance rows changed.")


# --- instruments -----------------------------------------------------------------------------------


class PhaseSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    effective_from = serializers.DateField()


class ConditionSerializer(serializers.Serializer):
    key = serializers.CharField()
    level = serializers.IntegerField()
    title = serializers.CharField()
    relation_to_purpose = serializers.CharField(help_text="How the condition relates to the instrument's purpose.")


class InstrumentSerializer(serializers.Serializer):
    code = serializers.CharField()
    slug = serializers.SlugField()
    name_nl = serializers.CharField()
    name_en = serializers.CharField()
    summary_nl = serializers.CharField()
    summary_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=InstrumentKind.choices)
    policy_area = serializers.ChoiceField(choices=PolicyArea.choices)
    status = serializers.ChoiceField(choices=InstrumentStatus.choices)
    for_sme = serializers.BooleanField()
    for_large = serializers.BooleanField()
    for_knowledge = serializers.BooleanField()
    sectors = serializers.ListField(source="sector_list", child=serializers.CharField())
    countries = serializers.ListField(source="country_list", child=serializers.CharField())
    current_level = serializers.ChoiceField(
        source="level_now", choices=FrameworkLevel.choices, help_text="The level of conditions that applies today."
    )
    published_level = serializers.ChoiceField(choices=FrameworkLevel.choices, allow_null=True)
    level_effective_from = serializers.DateField(allow_null=True)
    stage = serializers.ChoiceField(choices=FrameworkStage.choices)
    phase = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField()

    @extend_schema_field(PhaseSerializer(allow_null=True))
    def get_phase(self, instrument):
        decision = instrument.current_decision
        if decision is None or decision.phase is None:
            return None
        return PhaseSerializer(decision.phase).data

    @extend_schema_field(ConditionSerializer(many=True))
    def get_conditions(self, instrument):
        return [
            {"key": c.key, "level": int(c.level), "title": str(c.title), "relation_to_purpose": relation}
            for c, relation in instrument_conditions(instrument, instrument.current_decision)
        ]


# --- declarations ----------------------------------------------------------------------------------


class TextRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="text_id")
    kind = serializers.CharField(source="text_kind")
    version = serializers.IntegerField(source="text_version")
    language = serializers.CharField(source="text_language")
    sha256 = serializers.CharField(source="text_sha256")
    signed_text_sha256 = serializers.CharField()


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField(source="subject_type")
    id = serializers.IntegerField(source="subject_id")
    undertaking = serializers.DictField(
        source="subject_snapshot", help_text="Kind, code, name and reference of the undertaking as signed."
    )


class CheckpointRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sequence = serializers.IntegerField(help_text="Head of the chain the checkpoint signs.")
    record_hash = serializers.CharField()
    created_at = serializers.DateTimeField()
    signature = serializers.CharField()
    signing_key_id = serializers.CharField()


class DeclarationPersonalSerializer(serializers.Serializer):
    organisation_name = serializers.CharField()
    signatory_name = serializers.CharField()
    signatory_position = serializers.CharField()
    explanation = serializers.CharField()
    ip_address = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField()
    erased_at = serializers.DateTimeField(allow_null=True)


class DeclarationSerializer(serializers.Serializer):
    sequence = serializers.IntegerField()
    reference = serializers.CharField()
    format_version = serializers.IntegerField()
    subject = SubjectSerializer(source="*")
    organisation = serializers.SerializerMethodField()
    text = TextRefSerializer(source="*")
    decision = serializers.ChoiceField(choices=Decision.choices)
    confirms_authority = serializers.BooleanField()
    signed_at = serializers.DateTimeField()
    record_hash = serializers.CharField()
    previous_hash = serializers.CharField()
    key_id = serializers.CharField()
    checkpoint = serializers.SerializerMethodField()
    personal = serializers.SerializerMethodField()

    def to_representation(self, declaration):
        """The fields above, built directly: a page of 50 records is the hot path of the API
        (``make bench`` at a million records), and DRF's per-field machinery was most of its time.
        ``test_serializers.py`` checks this against the declared fields."""
        checkpoint = self.context.get("checkpoints", {}).get(declaration.sequence)
        return {
            "sequence": declaration.sequence,
            "reference": declaration.reference,
            "format_version": declaration.format_version,
            "subject": {
                "type": declaration.subject_type,
                "id": declaration.subject_id,
                "undertaking": declaration.subject_snapshot,
            },
            "organisation": {"id": declaration.organisation_id, "kvk_number": declaration.organisation_kvk},
            "text": {
                "id": declaration.text_id,
                "kind": declaration.text_kind,
                "version": declaration.text_version,
                "language": declaration.text_language,
                "sha256": declaration.text_sha256,
                "signed_text_sha256": declaration.signed_text_sha256,
            },
            "decision": declaration.decision,
            "confirms_authority": declaration.confirms_authority,
            "signed_at": iso_datetime(declaration.signed_at),
            "record_hash": declaration.record_hash,
            "previous_hash": declaration.previous_hash,
            "key_id": declaration.key_id,
            "checkpoint": None
            if checkpoint is None
            else {
                "number": checkpoint.number,
                "sequence": checkpoint.sequence,
                "record_hash": checkpoint.record_hash,
                "created_at": iso_datetime(checkpoint.created_at),
                "signature": checkpoint.signature,
                "signing_key_id": checkpoint.signing_key_id,
            },
            "personal": self.get_personal(declaration),
        }

    @extend_schema_field(OrganisationRefSerializer)
    def get_organisation(self, declaration):
        return {"id": declaration.organisation_id, "kvk_number": declaration.organisation_kvk}

    @extend_schema_field(CheckpointRefSerializer(allow_null=True))
    def get_checkpoint(self, declaration):
        checkpoint = self.context.get("checkpoints", {}).get(declaration.sequence)
        return CheckpointRefSerializer(checkpoint).data if checkpoint is not None else None

    @extend_schema_field(DeclarationPersonalSerializer(allow_null=True))
    def get_personal(self, declaration):
        if not _personal_allowed(self):
            return None
        personal = getattr(declaration, "personal", None)
        return {
            "organisation_name": declaration.organisation_name,
            "signatory_name": personal.signatory_name if personal else "",
            "signatory_position": personal.signatory_position if personal else "",
            "explanation": (personal.explanation if personal else "") or declaration.explanation,
            "ip_address": personal.ip_address if personal else None,
            "user_agent": personal.user_agent if personal else "",
            "erased_at": iso_datetime(personal.erased_at) if personal else None,
        }


# --- published figures -----------------------------------------------------------------------------


class ReleaseSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    period = serializers.CharField()
    published_at = serializers.DateTimeField()
    method = serializers.CharField()
    parameters = serializers.DictField(help_text="The public parameters of the method.")


class FigureSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="null when not shown (disclosure control).")
    text = serializers.CharField(help_text="As the dashboard shows it.")
    note = serializers.CharField()


class SectionRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = SectionRowSerializer(many=True)


class ReleaseFiguresSerializer(ReleaseSerializer):
    headline = FigureSerializer(many=True)
    sections = SectionSerializer(many=True)
