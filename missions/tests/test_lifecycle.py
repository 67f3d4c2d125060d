"""The mission lifecycle (``missions.lifecycle.MISSION_TRANSITIONS``) through its services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from declarations.models import Declaration
from declarations.services import declarations_verify
from missions import services
from missions.constants import MissionStatus, RegistrationStatus
from missions.exceptions import (
    CapacityBelowConfirmed,
    InvalidMissionTransition,
    InvalidRegistrationState,
    MissionNotReadyToPublish,
)
from missions.lifecycle import LIFECYCLES, transition_check
from missions.models import Mission, Registration
from missions.services import (
    registration_confirm,
    registration_promote,
    registration_reject,
    registration_submit,
    registration_withdraw,
)
from notifications.models import OutboxMessage
from organisations.policies import NotAllowed
from tests.factories import MembershipFactory, StaffUserFactory, member_of

from .factories import MissionFactory, RegistrationFactory, draft_ready, endorse_answer, published_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_user():
    return StaffUserFactory(email="medewerker@rvo.example")


def mission_data(**overrides):
    today = timezone.localdate()
    data = {
        "slug": "kwantum-korea",
        "title_nl": "Kwantummissie Zuid-Korea",
        "title_en": "Quantum mission South Korea",
        "summary_nl": "Kort.",
        "summary_en": "Short.",
        "description_nl": "Lang verhaal.",
        "description_en": "Long story.",
        "country": "KR",
        "theme": "digital",
        "starts_on": today + timedelta(days=90),
        "ends_on": today + timedelta(days=95),
        "registration_opens_at": timezone.now(),
        "registration_closes_at": timezone.now() + timedelta(days=40),
        "capacity_min": 5,
        "capacity_max": 15,
        "requires_declaration": True,
    }
    return {**data, **overrides}


def test_mission_create_is_draft_and_audited(staff_user):
    mission = services.mission_create(actor=staff_user, data=mission_data())
    assert mission.status == MissionStatus.DRAFT
    event = AuditEvent.objects.get(action="mission.create")
    assert event.actor == staff_user and event.object_id == str(mission.pk)


def test_mission_create_validates(staff_user):
    with pytest.raises(ValidationError):
        services.mission_create(actor=staff_user, data=mission_data(capacity_min=10, capacity_max=5))


def test_publish_needs_a_description_in_both_languages(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT, description_en="   ")
    with pytest.raises(MissionNotReadyToPublish) as error:
        services.mission_transition(actor=staff_user, mission=mission, action="publish")
    assert "English" in str(error.value.message) or "Engels" in str(error.value.message)
    mission.refresh_from_db()
    assert mission.status == MissionStatus.DRAFT


def test_publish_refuses_start_date_in_the_past(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT, starts_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(MissionNotReadyToPublish):
        services.mission_transition(actor=staff_user, mission=mission, action="publish")


def test_lifecycle_publish_close_complete(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT)
    services.mission_transition(actor=staff_user, mission=mission, action="publish")
    services.mission_transition(actor=staff_user, mission=mission, action="close")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.CLOSED
    with pytest.raises(InvalidMissionTransition):  # has not started yet
        services.mission_transition(actor=staff_user, mission=mission, action="complete")
    assert list(
        AuditEvent.objects.filter(object_id=str(mission.pk)).values_list("action", flat=True).order_by("id")
    ) == ["mission.publish", "mission.close"]


def test_invalid_transition_is_refused(staff_user):
    mission = MissionFactory(status=MissionStatus.DRAFT)
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="close")
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="explode")


def test_cancel_needs_reason_and_notifies_registered_organisations(staff_user):
    mission = MissionFactory()
    confirmed = RegistrationFactory(mission=mission, status=RegistrationStatus.CONFIRMED)
    waiting = RegistrationFactory(mission=mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1)
    RegistrationFactory(mission=mission, status=RegistrationStatus.WITHDRAWN)
    with pytest.raises(InvalidMissionTransition):
        services.mission_transition(actor=staff_user, mission=mission, action="cancel", reason=" ")
    services.mission_transition(actor=staff_user, mission=mission, action="cancel", reason="Te weinig deelnemers.")
    messages = OutboxMessage.objects.filter(kind="registration.mission_cancelled")
    assert sorted(m.to[0] for m in messages) == sorted([confirmed.submitted_by.email, waiting.submitted_by.email])
    assert "Te weinig deelnemers." in messages[0].body_text
    assert "geannuleerd" in messages[0].subject.lower()  # Dutch, the recipients' language


def test_capacity_cannot_go_below_confirmed(staff_user):
    mission = MissionFactory(capacity_min=1, capacity_max=3)
    RegistrationFactory.create_batch(3, mission=mission, status=RegistrationStatus.CONFIRMED)
    with pytest.raises(CapacityBelowConfirmed) as error:
        services.mission_update(actor=staff_user, mission=mission, data={"capacity_max": 2})
    assert "3" in str(error.value.message)
    mission.refresh_from_db()
    assert mission.capacity_max == 3


def test_capacity_increase_notifies_and_promotes_the_waiting_list(staff_user):
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    RegistrationFactory(mission=mission, status=RegistrationStatus.CONFIRMED)
    waiting = RegistrationFactory(mission=mission, status=RegistrationStatus.WAITLISTED, waitlist_position=1)
    services.mission_update(actor=staff_user, mission=mission, data={"capacity_max": 2})
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.waitlist_position is None
    # The confirmed organisation hears of the new capacity; the promoted one gets its own e-mail.
    assert OutboxMessage.objects.filter(kind="registration.mission_capacity_changed").count() == 1
    assert OutboxMessage.objects.filter(kind="registration.promoted").count() == 1
    event = AuditEvent.objects.get(action="mission.update")
    assert event.details["changed"]["capacity_max"] == ["1", "2"]


# --- The cases the lifecycle tables define (issue: one place for each domain rule) -------------


def _submit_signed(mission, text, **answer):
    user = member_of()
    registration = draft_ready(mission=mission, user=user, answer=endorse_answer(text, **answer))
    return registration_submit(registration=registration, actor=user)


def test_cancelling_a_mission_cancels_its_registrations_tells_them_and_keeps_the_evidence(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    seated = _submit_signed(mission, text)
    waiting = _submit_signed(mission, text)
    held = _submit_signed(mission, text, decision="not_endorsed", explanation="Nog geen beleid")
    english = waiting.submitted_by
    english.language = "en"
    english.save()
    draft = RegistrationFactory(mission=mission)
    withdrawn = RegistrationFactory(mission=mission, status=RegistrationStatus.WITHDRAWN)
    declarations_before = list(Declaration.objects.order_by("sequence").values_list("pk", "record_hash"))

    services.mission_transition(actor=staff_user, mission=mission, action="cancel", reason="Te weinig deelnemers.")

    for registration in (seated, waiting, held, draft):
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CANCELLED
        assert registration.waitlist_position is None
    withdrawn.refresh_from_db()
    assert withdrawn.status == RegistrationStatus.WITHDRAWN  # final states stay as they are
    assert list(Declaration.objects.order_by("sequence").values_list("pk", "record_hash")) == declarations_before
    assert declarations_verify().ok
    mails = {m.to[0]: m for m in OutboxMessage.objects.filter(kind="registration.mission_cancelled")}
    assert set(mails) == {seated.submitted_by.email, waiting.submitted_by.email, held.submitted_by.email}
    assert "geannuleerd" in mails[seated.submitted_by.email].subject.lower()
    assert "cancelled" in mails[english.email].subject.lower()
    assert "Te weinig deelnemers." in mails[english.email].body_text
    assert AuditEvent.objects.filter(action="registration.cancel").count() == 4
    # Seats and the waiting list are closed: nothing moves any more.
    assert services.waitlist_promote_available(mission=mission, actor=staff_user) == []
    with pytest.raises(InvalidRegistrationState):
        registration_withdraw(registration=seated, actor=seated.submitted_by, reason="Te laat")


def test_raising_capacity_of_a_closed_mission_promotes_the_waiting_list(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    _submit_signed(mission, text)
    waiting = _submit_signed(mission, text)
    services.mission_transition(actor=staff_user, mission=mission, action="close")
    services.mission_update(actor=staff_user, mission=mission, data={"capacity_max": 2})
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.waitlist_position is None
    assert OutboxMessage.objects.filter(kind="registration.promoted", to=[waiting.submitted_by.email]).exists()


def test_a_held_registration_accepted_while_full_goes_on_the_waiting_list(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    _submit_signed(mission, text)
    held = _submit_signed(mission, text, decision="not_endorsed", explanation="Nog geen beleid")
    assert held.status == RegistrationStatus.HELD_FOR_REVIEW
    registration_confirm(registration=held, actor=staff_user)
    held.refresh_from_db()
    assert (held.status, held.waitlist_position) == (RegistrationStatus.WAITLISTED, 1)
    assert Registration.objects.filter(mission=mission, status=RegistrationStatus.CONFIRMED).count() == 1
    assert OutboxMessage.objects.filter(kind="registration.waitlisted", to=[held.submitted_by.email]).exists()


def test_a_staff_rejection_of_a_confirmed_registration_refills_the_seat(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    seated = _submit_signed(mission, text)
    first_waiting = _submit_signed(mission, text)
    second_waiting = _submit_signed(mission, text)
    registration_reject(registration=seated, actor=staff_user, reason="Geen Nederlandse vestiging")
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.CONFIRMED
    assert (second_waiting.status, second_waiting.waitlist_position) == (RegistrationStatus.WAITLISTED, 1)


def test_staff_promotion_succeeds_when_a_seat_is_free(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    _submit_signed(mission, text)
    waiting = _submit_signed(mission, text)
    Mission.objects.filter(pk=mission.pk).update(capacity_max=2)  # e.g. changed in the admin
    registration_promote(registration=waiting, actor=staff_user)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert AuditEvent.objects.filter(action="registration.promote", object_id=str(waiting.pk)).exists()


def test_no_seat_moves_on_a_completed_mission(staff_user):
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    seated = _submit_signed(mission, text)
    waiting = _submit_signed(mission, text)
    Mission.objects.filter(pk=mission.pk).update(status=MissionStatus.COMPLETED)
    registration_withdraw(registration=seated, actor=seated.submitted_by, reason="Toch niet")
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITLISTED


# --- Who may do what ------------------------------------------------------------------------------


def test_only_an_admin_or_signatory_may_withdraw_a_submitted_registration(staff_user):
    text = published_text()
    mission = MissionFactory()
    registration = _submit_signed(mission, text)
    organisation = registration.organisation
    plain = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    stranger = member_of()
    for user in (plain, stranger):
        with pytest.raises(NotAllowed):
            registration_withdraw(registration=registration, actor=user, reason="Weg")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    signatory = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=True).user
    registration_withdraw(registration=registration, actor=signatory, reason="Andere prioriteiten")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.WITHDRAWN
    assert registration.current_declaration.decision == "withdrawn"


def test_any_member_may_discard_a_draft_but_not_a_stranger():
    mission = MissionFactory()
    user = member_of()
    draft = draft_ready(mission=mission, user=user)
    plain = MembershipFactory(organisation=draft.organisation, role="member", is_authorised_signatory=False).user
    with pytest.raises(NotAllowed):
        registration_withdraw(registration=draft, actor=member_of(), reason="Weg")
    registration_withdraw(registration=draft, actor=plain, reason="Per ongeluk begonnen")
    draft.refresh_from_db()
    assert draft.status == RegistrationStatus.WITHDRAWN
    assert not OutboxMessage.objects.filter(kind="registration.withdrawn").exists()


def test_staff_decisions_are_refused_to_company_users():
    text = published_text()
    mission = MissionFactory()
    held = _submit_signed(mission, text, decision="not_endorsed", explanation="Nog geen beleid")
    admin = held.submitted_by
    with pytest.raises(NotAllowed):
        registration_confirm(registration=held, actor=admin)
    with pytest.raises(NotAllowed):
        registration_reject(registration=held, actor=admin, reason="Zelf afgewezen")
    with pytest.raises(NotAllowed):
        services.mission_transition(actor=admin, mission=mission, action="cancel", reason="Zelf geannuleerd")
    held.refresh_from_db()
    mission.refresh_from_db()
    assert held.status == RegistrationStatus.HELD_FOR_REVIEW and mission.status == MissionStatus.PUBLISHED


def test_the_lifecycle_tables_are_what_the_services_enforce():
    """Every (state, action) pair the table refuses is refused by transition_check, and back."""
    for lifecycle, states in (("registration", RegistrationStatus.values), ("mission", MissionStatus.values)):
        for transition in LIFECYCLES[lifecycle]:
            for state in states:
                if state in transition.sources:
                    assert transition_check(lifecycle, transition.action, state) is transition
                else:
                    with pytest.raises((InvalidRegistrationState, InvalidMissionTransition)):
                        transition_check(lifecycle, transition.action, state)
