from datetime import date, timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from declarations.constants import RECORD_FORMAT_CURRENT, Decision
from declarations.hashing import record_hash
from declarations.models import Declaration
from declarations.services import DeclarationInput, declarations_verify
from declarations.subjects import text_for
from instruments.constants import ApplicationStatus, FrameworkLevel
from instruments.exceptions import (
    ConditionNotAsked,
    HigherLevelNeedsReason,
    NoAssessment,
    PhaseRequired,
    PurposeLinkMissing,
    RiskOverrideNeedsReason,
)
from instruments.models import InstrumentApplication
from instruments.services import (
    application_confirm_read,
    application_declaration_sign,
    application_self_assessment_submit,
    application_start,
    assessment_create,
    level_publish,
    phase_save,
)
from missions.tests.factories import published_text
from organisations.models import Organisation
from organisations.policies import NotAllowed
from tests.factories import StaffUserFactory, member_of

from .factories import InstrumentFactory, PhaseFactory, assess, links, reasons

pytestmark = pytest.mark.django_db


def _level2_instrument(staff, *, effective=None):
    instrument = InstrumentFactory(sectors="C")  # suggested risk 4
    assess(instrument, staff, size=2)  # 2*4+2-2 = 8 points → level 2
    phase = PhaseFactory(effective_from=effective or timezone.localdate() - timedelta(days=1))
    level_publish(instrument=instrument, actor=staff, level=2, purpose_links=links(2), phase=phase)
    instrument.refresh_from_db()
    return instrument


def test_assessments_are_versioned_and_earlier_versions_stay():
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    first = assess(instrument, staff, reason="Eerste")
    second = assess(instrument, staff, size=5, reason="Budget verhoogd")
    assert (first.version, second.version) == (1, 2)
    assert instrument.assessments.count() == 2
    first.refresh_from_db()
    assert first.support_size == 3 and first.change_reason == "Eerste"
    assert AuditEvent.objects.filter(action="instrument.assess").count() == 2


def test_every_criterion_needs_a_justification():
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    missing = reasons()
    missing["implementation_cost"] = "  "
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        assessment_create(
            instrument=instrument,
            actor=staff,
            scores={
                "admin_burden": 2,
                "level_playing_field": 2,
                "implementation_cost": 2,
                "imvo_risk": 4,
                "support_size": 2,
            },
            reasons=missing,
            change_reason="x",
        )
    assert "implementation_cost_reason" in error.value.message_dict


def test_overriding_the_risk_suggestion_needs_a_reason():
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")  # suggestion 4
    scores = {"admin_burden": 2, "level_playing_field": 2, "implementation_cost": 2, "imvo_risk": 2, "support_size": 2}
    with pytest.raises(RiskOverrideNeedsReason):
        assessment_create(instrument=instrument, actor=staff, scores=scores, reasons=reasons(), change_reason="x")
    assessment = assessment_create(
        instrument=instrument,
        actor=staff,
        scores=scores,
        reasons=reasons(),
        change_reason="x",
        risk_override_reason="Alleen kantoorwerk.",
    )
    assert assessment.imvo_risk == 2 and assessment.imvo_risk_suggested == 4


def test_only_staff_assess_and_publish():
    company_user = member_of()
    instrument = InstrumentFactory()
    with pytest.raises(NotAllowed):
        assess(instrument, company_user)
    with pytest.raises(NotAllowed):
        level_publish(instrument=instrument, actor=company_user, level=0, purpose_links={}, phase=None)


@pytest.mark.parametrize("level", [1, 2, 3, 4])
def test_a_level_above_zero_needs_the_awb_text_for_every_condition(level):
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="B", used_abroad=True)  # risk 5
    assess(instrument, staff, size=5)  # 2*5+5-2 = 13 → level 4
    phase = PhaseFactory()
    for missing in range(1, level + 1):
        incomplete = links(level)
        incomplete[str(missing)] = " "
        with pytest.raises(PurposeLinkMissing):
            level_publish(instrument=instrument, actor=staff, level=level, purpose_links=incomplete, phase=phase)
    instrument.refresh_from_db()
    assert instrument.published_level is None
    decision = level_publish(instrument=instrument, actor=staff, level=level, purpose_links=links(level), phase=phase)
    assert decision.level == level and set(decision.purpose_links) == {str(n) for n in range(1, level + 1)}


def test_level_zero_needs_no_awb_text_nor_phase():
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    assess(instrument, staff)
    decision = level_publish(instrument=instrument, actor=staff, level=0, purpose_links={}, phase=None)
    assert decision.level == 0 and decision.phase is None


def test_publishing_needs_an_assessment_and_a_phase():
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    with pytest.raises(NoAssessment):
        level_publish(instrument=instrument, actor=staff, level=1, purpose_links=links(1), phase=PhaseFactory())
    assess(instrument, staff)
    with pytest.raises(PhaseRequired):
        level_publish(instrument=instrument, actor=staff, level=1, purpose_links=links(1), phase=None)


def test_lower_than_suggested_is_free_higher_needs_a_reason():
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="C")
    assessment = assess(instrument, staff, size=2)
    assert assessment.suggested_level == 2
    phase = PhaseFactory()
    lower = level_publish(instrument=instrument, actor=staff, level=1, purpose_links=links(1), phase=phase)
    assert lower.level == 1 and lower.higher_reason == ""
    with pytest.raises(HigherLevelNeedsReason):
        level_publish(instrument=instrument, actor=staff, level=3, purpose_links=links(3), phase=phase)
    higher = level_publish(
        instrument=instrument,
        actor=staff,
        level=3,
        purpose_links=links(3),
        phase=phase,
        higher_reason="Bekende ketenrisico's.",
    )
    assert higher.level == 3 and higher.higher_reason == "Bekende ketenrisico's." and higher.version == 2


def test_a_level_takes_effect_only_from_its_phase_date():
    staff = StaffUserFactory()
    today = timezone.localdate()
    instrument = _level2_instrument(staff, effective=today + timedelta(days=30))
    assert instrument.published_level == 2
    assert instrument.level_now == 0
    assert instrument.level_on(today + timedelta(days=29)) == 0
    assert instrument.level_on(today + timedelta(days=30)) == 2
    assert instrument.stage == "planned"
    # An application started before the date asks for information only.
    user = member_of()
    application = application_start(
        instrument=instrument,
        organisation=Organisation.objects.get(memberships__user=user),
        reference="APP-001",
        actor=user,
    )
    assert application.level == 0 and application.status == ApplicationStatus.COMPLETE
    # Moving the phase's date moves the instrument's date.
    phase = instrument.level_decisions.first().phase
    phase_save(actor=staff, phase=phase, data={"effective_from": today})
    instrument.refresh_from_db()
    assert instrument.level_effective_from == today and instrument.level_now == 2 and instrument.stage == "in_force"


def _sign(application, user, decision=Decision.ENDORSED, **kwargs):
    return application_declaration_sign(
        application=application,
        actor=user,
        answer=DeclarationInput(
            decision=decision,
            signatory_name="Anna de Vries",
            signatory_position="Directeur",
            confirms_authority=True,
            explanation="Wij werken eraan." if decision == Decision.NOT_ENDORSED else "",
            **kwargs,
        ),
    )


def test_level_two_declaration_joins_the_evidence_chain_with_its_subject(rf):
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=instrument, organisation=organisation, reference="MIT-2026-01", actor=user
    )
    assert application.level == 2 and application.status == ApplicationStatus.OPEN
    application_confirm_read(application=application, actor=user)
    application = _sign(application, user)
    declaration = application.current_declaration
    assert (declaration.subject_type, declaration.subject_id) == ("instrument_application", application.pk)
    assert declaration.format_version == RECORD_FORMAT_CURRENT and declaration.legacy_registration_id is None
    snapshot = declaration.subject_snapshot
    assert (snapshot["code"], snapshot["reference"], snapshot["framework_level"], snapshot["text_kind"]) == (
        instrument.code,
        "MIT-2026-01",
        2,
        "subsidy",
    )
    # The applicant signed the subsidy text, naming this instrument, not the missions' text.
    assert declaration.text.kind == declaration.text_kind == "subsidy"
    assert f"bij de aanvraag voor {instrument.name_nl} ({instrument.code})" in text_for(
        declaration.text.body, declaration.undertaking, language="nl"
    )
    assert not declaration.signed_with_other_kind_of_text
    assert declaration.record_hash == record_hash(declaration)
    assert application.status == ApplicationStatus.COMPLETE
    assert declaration.receipt is not None
    assert declarations_verify().ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject_snapshot", {"reference": "MIT-2026-99"}),
        ("subject_snapshot", {"framework_level": 3}),
        ("subject_snapshot", {"code": "X"}),
        ("subject_snapshot", {"text_kind": "mission"}),
        ("subject_id", 99),
        ("subject_type", "mission_registration"),
        ("text_kind", "mission"),
        ("signed_text_sha256", "0" * 64),
    ],
)
def test_the_subject_fields_are_in_the_record_hash(field, value):
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=instrument, organisation=organisation, reference="MIT-2026-01", actor=user
    )
    declaration = _sign(application, user).current_declaration
    forged = Declaration.objects.get(pk=declaration.pk)
    setattr(forged, field, {**forged.subject_snapshot, **value} if field == "subject_snapshot" else value)
    assert record_hash(forged) != declaration.record_hash


def test_declaring_for_a_mission_record_and_an_instrument_at_once_is_refused_by_the_database():
    from django.db import DatabaseError, transaction

    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(instrument=instrument, organisation=organisation, reference="R-1", actor=user)
    declaration = _sign(application, user).current_declaration
    # The append-only trigger refuses any change; the check constraints refuse a record without a
    # subject, and a format 2 record that also fills the format 1 subject columns.
    with pytest.raises(DatabaseError), transaction.atomic():
        Declaration.objects.filter(pk=declaration.pk).update(subject_type="")
    for change in ({"subject_type": ""}, {"legacy_registration_id": 1}, {"instrument_code": "X"}):
        with pytest.raises(DatabaseError), transaction.atomic():
            forged = Declaration.objects.get(pk=declaration.pk)
            forged.pk, forged.sequence, forged.record_hash, forged.previous_hash = None, 10_000, "f" * 64, "e" * 64
            forged.reference = ""
            for name, value in change.items():
                setattr(forged, name, value)
            forged.save()


def test_no_knock_out_declining_leads_to_guidance_and_follow_up_never_rejection():
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(instrument=instrument, organisation=organisation, reference="R-2", actor=user)
    application_confirm_read(application=application, actor=user)
    application = _sign(application, user, decision=Decision.NOT_ENDORSED)
    assert application.status == ApplicationStatus.FOLLOW_UP
    follow_up = application.follow_ups.get()
    assert follow_up.guidance
    assert InstrumentApplication.objects.filter(pk=application.pk).exists()
    assert "rejected" not in ApplicationStatus.values
    assert AuditEvent.objects.filter(action="instrument.follow_up").exists()


def test_no_knock_out_self_assessment_with_gaps_is_kept_and_followed_up():
    staff = StaffUserFactory()
    instrument = InstrumentFactory(sectors="B", used_abroad=True)
    assess(instrument, staff, size=2)  # 2*5+2-2 = 10 → level 3
    level_publish(
        instrument=instrument,
        actor=staff,
        level=3,
        purpose_links=links(3),
        phase=PhaseFactory(effective_from=date(2020, 1, 1)),
    )
    instrument.refresh_from_db()
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(instrument=instrument, organisation=organisation, reference="R-3", actor=user)
    answers = {"policy": "yes", "risks": "no", "measures": "partly", "monitoring": "no", "communication": "yes"}
    evidence = application_self_assessment_submit(application=application, actor=user, answers=answers)
    assert evidence.falls_short and len(evidence.sha256) == 64 and evidence.answers["risks"] == "no"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.FOLLOW_UP


def test_conditions_not_asked_by_the_level_are_refused_but_nothing_rejects():
    staff = StaffUserFactory()
    instrument = InstrumentFactory()
    assess(instrument, staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(instrument=instrument, organisation=organisation, reference="R-4", actor=user)
    assert application.level == FrameworkLevel.INFORMATION
    with pytest.raises(ConditionNotAsked):
        application_confirm_read(application=application, actor=user)


def test_reuse_of_an_earlier_endorsement_within_the_period():
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    first = application_start(instrument=instrument, organisation=organisation, reference="R-5", actor=user)
    earlier = _sign(first, user).current_declaration
    second = application_start(instrument=instrument, organisation=organisation, reference="R-6", actor=user)
    again = _sign(second, user, reused_from_id=earlier.pk).current_declaration
    assert again.reused_from_id == earlier.pk and again.pk != earlier.pk


def test_only_members_start_and_only_signatories_sign():
    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    outsider = member_of()
    with pytest.raises(NotAllowed):
        application_start(instrument=instrument, organisation=organisation, reference="R-7", actor=outsider)
    application = application_start(instrument=instrument, organisation=organisation, reference="R-7", actor=user)
    colleague = member_of(organisation, is_authorised_signatory=False, role="member")
    with pytest.raises(NotAllowed):
        _sign(application, colleague)


def test_the_receipt_of_an_instrument_declaration_names_the_instrument_and_reference():
    from declarations.constants import ReceiptStatus
    from declarations.models import Receipt
    from declarations.services import receipt_render

    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    application = application_start(
        instrument=instrument, organisation=organisation, reference="MIT-2026-77", actor=user
    )
    declaration = _sign(application, user).current_declaration
    assert receipt_render(receipt_id=declaration.receipt.pk) is True
    receipt = Receipt.objects.get(declaration=declaration)
    assert receipt.status == ReceiptStatus.DONE and receipt.pages >= 1


def test_a_reuse_that_no_longer_qualifies_is_refused_and_nothing_is_written(settings):
    from declarations.exceptions import ReuseNoLongerValid
    from declarations.models import Declaration

    staff = StaffUserFactory()
    published_text(kind="subsidy")
    instrument = _level2_instrument(staff)
    user = member_of()
    organisation = Organisation.objects.get(memberships__user=user)
    first = application_start(instrument=instrument, organisation=organisation, reference="R-7", actor=user)
    earlier = _sign(first, user).current_declaration
    second = application_start(instrument=instrument, organisation=organisation, reference="R-8", actor=user)
    settings.DECLARATION_REUSE_DAYS = 0  # the earlier endorsement fell out of the re-use period
    count = Declaration.objects.count()
    with pytest.raises(ReuseNoLongerValid):
        _sign(second, user, reused_from_id=earlier.pk)
    second.refresh_from_db()
    assert Declaration.objects.count() == count and second.current_declaration is None
