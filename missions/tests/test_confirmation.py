"""The confirmation (issue 14, clarity): reference, code and "what happens next" on the page and in
the e-mail; hashes only under the technical details."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail

from declarations.references import verification_code
from missions.services import registration_submit
from notifications.models import OutboxMessage, OutboxStatus
from notifications.services import outbox_message_send
from tests.factories import member_of

from .factories import MissionFactory, PreparationSessionFactory, draft_ready, endorse_answer, published_text

pytestmark = pytest.mark.django_db


def _submitted(*, language="nl", capacity=15):
    text = published_text(language=language)
    user = member_of(user__language=language)
    mission = MissionFactory(capacity_max=capacity, capacity_min=min(capacity, 5))
    PreparationSessionFactory(
        mission=mission,
        starts_at=datetime(2027, 3, 15, 13, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 15, 16, 0, tzinfo=UTC),
    )
    registration = draft_ready(mission=mission, user=user, answer=endorse_answer(text))
    registration = registration_submit(registration=registration, actor=user)
    return user, registration, registration.current_declaration


def test_the_confirmation_page_shows_reference_code_next_steps_and_hides_hashes_in_details(client):
    user, registration, declaration = _submitted()
    client.force_login(user)
    page = client.get(f"/my/registrations/{registration.pk}/").content.decode()
    assert f'id="declaration-reference">{declaration.reference}<' in page
    assert f'id="declaration-code">{verification_code(declaration)}<' in page
    assert "Wat er nu gebeurt" in page and "Uw plaats is bevestigd" in page
    assert "maandag 15 maart 2027, 14:00–17:00" in page  # the session, in Amsterdam time
    details = re.search(r'<details class="technical-details.*?</details>', page, re.S).group(0)
    assert declaration.record_hash in details and page.count(declaration.record_hash) == 1
    assert 'class="hash-block"' in details


def test_the_confirmation_email_carries_reference_code_and_dates():
    _user, _registration, declaration = _submitted()
    code = verification_code(declaration)
    message = OutboxMessage.objects.filter(kind="registration.confirmed").get()
    # The code is filled in only as the e-mail is sent: the queued row holds a placeholder.
    assert declaration.reference in message.body_text and code not in message.body_text
    assert outbox_message_send(message_id=message.pk)
    body = mail.outbox[-1].body
    assert declaration.reference in body and f"Verificatiecode: {code}" in body
    assert "/verify/" in body
    assert "maandag 15 maart 2027, 14:00–17:00" in body
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and code not in message.body_text


def test_the_english_email_and_the_waitlist_email_too():
    _user, _registration, declaration = _submitted(language="en")
    body = OutboxMessage.objects.filter(kind="registration.confirmed").get().body_text
    assert "Reference of the declaration: " + declaration.reference in body
    assert "Monday 15 March 2027, 14:00–17:00" in body
    full = MissionFactory(capacity_max=5, capacity_min=5)
    text = published_text()
    for _ in range(6):
        user = member_of()
        registration_submit(registration=draft_ready(mission=full, user=user, answer=endorse_answer(text)), actor=user)
    waitlisted = OutboxMessage.objects.filter(kind="registration.waitlisted").get()
    assert re.search(r"IMVO-\d{4}-\d{6}", waitlisted.body_text)
