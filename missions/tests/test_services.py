from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from declarations.exceptions import ExplanationRequired
from declarations.models import Declaration
from declarations.services import DeclarationInput
from missions.constants import RegistrationStatus as S
from missions.exceptions import (
    AlreadyRegistered,
    InvalidRegistrationState,
    MissionFull,
    NotASignatory,
    ProfileIncomplete,
    RegistrationClosed,
)
from missions.services import (
    registration_confirm,
    registration_promote,
    registration_reject,
    registration_sign,
    registration_start,
    registration_submit,
    registration_withdraw,
    signature_reminders_send,
    waitlist_promote_available,
)
from notifications.models import OutboxMessage
from organisations.policies import NotAllowed
from tests.factories import MembershipFactory, OrganisationFactory, StaffUserFactory, member_of

from .factories import MissionFactory, draft_ready, endorse_answer, published_text

pytestmark = pytest.mark.django_db


def submit_signed(mission, text, **answer):
    user = member_of()
    registration = draft_ready(mission=mission, user=user, answer=endorse_answer(text, **answer))
    return registration_submit(registration=registration, actor=user)


def test_submit_confirms_while_seats_remain_then_waitlists():
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=2)
    first, second, third, fourth = (submit_signed(mission, text) for _ in range(4))
    assert [first.status, second.status] == [S.CONFIRMED, S.CONFIRMED]
    assert (third.status, third.waitlist_position) == (S.WAITLISTED, 1)
    assert (fourth.status, fourth.waitlist_position) == (S.WAITLISTED, 2)
    assert Declaration.objects.count() == 4
    assert first.current_declaration.decision == "endorsed"
    assert OutboxMessage.objects.filter(kind="registration.confirmed").count() == 2
    assert OutboxMessage.objects.filter(kind="registration.waitlisted").count() == 2


def test_withdraw_frees_seat_promotes_first_and_closes_up_the_list():
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    confirmed, first_wait, second_wait = (submit_signed(mission, text) for _ in range(3))
    registration_withdraw(registration=confirmed, actor=confirmed.submitted_by, reason="Geen budget")
    confirmed.refresh_from_db(), first_wait.refresh_from_db(), second_wait.refresh_from_db()
    assert confirmed.status == S.WITHDRAWN and confirmed.withdrawal_reason == "Geen budget"
    assert first_wait.status == S.CONFIRMED and first_wait.waitlist_position is None
    assert (second_wait.status, second_wait.waitlist_position) == (S.WAITLISTED, 1)
    promoted = OutboxMessage.objects.get(kind="registration.promoted")
    assert first_wait.submitted_by.email in promoted.to
    assert promoted.subject.startswith("Er is een plaats vrijgekomen")  # in the Dutch recipient's language
    # Withdrawal appends a record; it never edits the signed one.
    assert list(Declaration.objects.for_subject(confirmed).values_list("decision", flat=True)) == [
        "endorsed",
        "withdrawn",
    ]
    assert AuditEvent.objects.filter(action="registration.withdraw").exists()


def test_withdraw_from_waitlist_closes_up_positions():
    text = published_text()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    submit_signed(mission, text)
    a, b, c = (submit_signed(mission, text) for _ in range(3))
    registration_withdraw(registration=a, actor=a.submitted_by, reason="Andere prioriteit")
    b.refresh_from_db(), c.refresh_from_db()
    assert (b.waitlist_position, c.waitlist_position) == (1, 2)


def test_withdraw_needs_a_reason():
    text = published_text()
    registration = submit_signed(MissionFactory(), text)
    with pytest.raises(InvalidRegistrationState):
        registration_withdraw(registration=registration, actor=registration.submitted_by, reason="  ")


def test_start_refuses_closed_window_double_registration_and_incomplete_profile():
    user = member_of()
    organisation = user.memberships.first().organisation
    closed = MissionFactory(registration_closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RegistrationClosed):
        registration_start(mission=closed, organisation=organisation, actor=user)
    mission = MissionFactory()
    registration = registration_start(mission=mission, organisation=organisation, actor=user)
    with pytest.raises(AlreadyRegistered) as excinfo:
        registration_start(mission=mission, organisation=organisation, actor=user)
    assert excinfo.value.registration == registration
    incomplete = OrganisationFactory(employees=None)
    with pytest.raises(NotAllowed):  # not a member of that organisation: the service checks itself
        registration_start(mission=mission, organisation=incomplete, actor=user)
    MembershipFactory(user=user, organisation=incomplete)
    with pytest.raises(ProfileIncomplete):
        registration_start(mission=mission, organisation=incomplete, actor=user)


def test_submit_refuses_closed_window_and_replay():
    text = published_text()
    mission = MissionFactory()
    user = member_of()
    registration = draft_ready(mission=mission, user=user, answer=endorse_answer(text))
    registration = registration_submit(registration=registration, actor=user)
    with pytest.raises(InvalidRegistrationState):  # the same form posted again
        registration_submit(registration=registration, actor=user)
    assert Declaration.objects.count() == 1
    late = draft_ready(mission=mission, user=member_of(), answer=endorse_answer(text))
    mission.registration_closes_at = timezone.now() - timedelta(seconds=1)
    mission.save()
    with pytest.raises(RegistrationClosed):
        registration_submit(registration=late, actor=late.submitted_by)
    late.refresh_from_db()
    assert late.status == S.DRAFT


def test_non_signatory_prepares_and_signatory_is_mailed_then_signs():
    text = published_text()
    mission = MissionFactory()
    signatory = member_of()
    organisation = signatory.memberships.first().organisation
    preparer = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    registration = draft_ready(mission=mission, user=preparer, organisation=organisation)
    registration = registration_submit(registration=registration, actor=preparer)
    assert registration.status == S.PENDING_SIGNATURE
    request = OutboxMessage.objects.get(kind="registration.signature_requested")
    assert request.to == [signatory.email]
    assert f"/my/registrations/{registration.pk}/sign/" in request.body_text
    answer = DeclarationInput(**endorse_answer(text))
    with pytest.raises(NotASignatory):
        registration_sign(registration=registration, actor=preparer, answer=answer)
    registration_sign(registration=registration, actor=signatory, answer=answer)
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED
    assert registration.current_declaration.user == signatory


def test_non_signatory_cannot_smuggle_a_signature_into_the_draft():
    text = published_text()
    signatory = member_of()
    organisation = signatory.memberships.first().organisation
    preparer = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    registration = draft_ready(
        mission=MissionFactory(), user=preparer, organisation=organisation, answer=endorse_answer(text)
    )
    with pytest.raises(NotASignatory):
        registration_submit(registration=registration, actor=preparer)
    assert not Declaration.objects.exists()


def test_decline_needs_explanation_and_holds_for_review_when_required():
    text = published_text()
    mission = MissionFactory(requires_declaration=True)
    user = member_of()
    registration = draft_ready(mission=mission, user=user, answer=endorse_answer(text, decision="not_endorsed"))
    with pytest.raises(ExplanationRequired):
        registration_submit(registration=registration, actor=user)
    registration.refresh_from_db()
    assert registration.status == S.DRAFT
    registration.draft_data = {"declaration": endorse_answer(text, decision="not_endorsed", explanation="Nog bezig")}
    registration.save()
    registration = registration_submit(registration=registration, actor=user)
    assert registration.status == S.HELD_FOR_REVIEW
    assert registration.current_declaration.typed_explanation == "Nog bezig"
    optional = MissionFactory(requires_declaration=False)
    other = member_of()
    registration = draft_ready(
        mission=optional, user=other, answer=endorse_answer(text, decision="not_endorsed", explanation="Nog niet")
    )
    registration = registration_submit(registration=registration, actor=other)
    assert registration.status == S.CONFIRMED


def test_staff_confirm_reject_and_promote_after_capacity_increase():
    text = published_text()
    staff = StaffUserFactory()
    mission = MissionFactory(capacity_min=1, capacity_max=1)
    confirmed = submit_signed(mission, text)
    waiting = submit_signed(mission, text)
    held = submit_signed(mission, text, decision="not_endorsed", explanation="Geen beleid")
    with pytest.raises(MissionFull):
        registration_promote(registration=waiting, actor=staff)
    registration_confirm(registration=held, actor=staff)  # full: the waiting list, never over capacity
    held.refresh_from_db()
    assert held.status == S.WAITLISTED and held.waitlist_position == 2
    mission.capacity_max = 3
    mission.save()
    promoted = waitlist_promote_available(mission=mission, actor=staff)
    assert [r.pk for r in promoted] == [waiting.pk, held.pk]
    held.refresh_from_db()
    assert held.status == S.CONFIRMED
    registration_reject(registration=confirmed, actor=staff, reason="Geen Nederlandse vestiging")
    confirmed.refresh_from_db()
    assert confirmed.status == S.REJECTED
    assert OutboxMessage.objects.filter(kind="registration.rejected").exists()


def test_signature_reminder_goes_out_once_after_three_days():
    published_text()
    signatory = member_of()
    organisation = signatory.memberships.first().organisation
    preparer = MembershipFactory(organisation=organisation, role="member", is_authorised_signatory=False).user
    registration = draft_ready(mission=MissionFactory(), user=preparer, organisation=organisation)
    registration = registration_submit(registration=registration, actor=preparer)
    assert signature_reminders_send() == 0  # not due yet
    later = timezone.now() + timedelta(days=3, minutes=1)
    assert signature_reminders_send(now=later) == 1
    assert signature_reminders_send(now=later) == 0  # beat ran twice: still one reminder
    reminders = OutboxMessage.objects.filter(kind="registration.signature_reminder")
    assert reminders.count() == 1 and reminders.get().to == [signatory.email]


def test_emails_are_sent_on_commit(django_capture_on_commit_callbacks):
    text = published_text()
    with django_capture_on_commit_callbacks(execute=True):
        registration = submit_signed(MissionFactory(), text)
    assert any(registration.mission.title_nl in m.subject for m in mail.outbox)
